"""The descent view's computation: a function on a grid, and descents from one start.

:func:`read_descent` checks a request of the page; :func:`compute_descent` answers it with
f on a grid (for contour lines), the negative gradient on a coarse grid (for arrows), the
stable learning rate 2/λmax at the start (:func:`gradwalk.learning_rate_bound`) and one
:func:`gradwalk.descend` run per optimizer, each with its path, values, status, message
and evaluations of f. Everything in the answer is plain JSON (non-finite numbers become
null).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk import testfunctions
from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.methods import METHODS
from gradwalk._formulas import ExpressionError, parse_expression
from gradwalk.descent import descend, learning_rate_bound
from gradwalk.descent._explain import PASS_GTOL, RELATIVE_STEP
from gradwalk.optimizers import OPTIMIZERS

from ._requests import LIMITS, Limits, RequestError, choice, choices, integer, number, pair

__all__ = [
    "FORMULA",
    "DescentRequest",
    "compute_descent",
    "describe",
    "page_message",
    "read_descent",
]

#: The ``function`` value that means "the typed formula".
FORMULA = "formula"
#: The window of a typed formula unless the request gives one.
FORMULA_WINDOW = ((-2.0, 2.0), (-2.0, 2.0))
#: Arrows of the negative gradient along each axis.
ARROWS = 15
#: Advice in descend's messages that names an option this page lacks (gtol, h), and the
#: same advice in the page's own inputs; both looked up in the current language.
PAGE_ADVICE = (
    (
        PASS_GTOL,
        N_(
            "This page runs every step asked for (it has no gradient tolerance): ask for fewer "
            "steps to stop sooner."
        ),
    ),
    (
        RELATIVE_STEP,
        N_("Rescale x or choose the richardson method, whose step is relative to |x|."),
    ),
)


@dataclass(frozen=True)
class DescentRequest:
    """A checked request of the descent view (see :func:`read_descent`)."""

    function: str
    formula: str
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    start: tuple[float, float]
    lr: float
    steps: int
    optimizers: tuple[str, ...]
    method: str
    grid: int


def describe(limits: Limits = LIMITS) -> dict[str, Any]:
    """What the page needs to build its menus: functions, optimizers, methods, limits."""
    return {
        "functions": [
            {
                "name": f.name,
                "title": f.title,
                "formula": f.formula,
                "xlim": list(f.domain[0]),
                "ylim": list(f.domain[1]),
                "start": list(f.start),
                "lr": f.lr,
                "steps": min(f.steps, 1_000),
                "note": f.note,
            }
            for f in testfunctions.FUNCTIONS.values()
        ],
        "optimizers": list(OPTIMIZERS),
        "colors": {name: optimizer.color for name, optimizer in OPTIMIZERS.items()},
        "methods": list(METHODS),
        "limits": vars(limits),
    }


def read_descent(payload: Mapping[str, Any], limits: Limits = LIMITS) -> DescentRequest:
    """Check a descent request; raise :class:`RequestError` naming the first bad field."""
    function = choice(payload, "function", [*testfunctions.FUNCTIONS, FORMULA])
    formula = ""
    if function == FORMULA:
        raw = payload.get("formula", "")
        if not isinstance(raw, str):
            raise RequestError(
                "formula", _("formula must be text, got {value}.").format(value=f"{raw!r:.40}")
            )
        if len(raw) > limits.formula_length:
            raise RequestError(
                "formula",
                _(
                    "the formula is {length} characters long; this page allows at most {most}."
                ).format(length=len(raw), most=limits.formula_length),
            )
        formula = raw
        window = FORMULA_WINDOW
    else:
        window = testfunctions.FUNCTIONS[function].domain
    xlim = pair(payload, "xlim", window[0], increasing=True)
    ylim = pair(payload, "ylim", window[1], increasing=True)
    start = pair(payload, "start")
    if not (xlim[0] <= start[0] <= xlim[1] and ylim[0] <= start[1] <= ylim[1]):
        raise RequestError(
            "start",
            _(
                "the start ({x:g}, {y:g}) is outside the view x in [{x0:g}, {x1:g}], y in "
                "[{y0:g}, {y1:g}]; click inside the plot or widen the view."
            ).format(x=start[0], y=start[1], x0=xlim[0], x1=xlim[1], y0=ylim[0], y1=ylim[1]),
        )
    lr = number(payload, "lr", positive=True, what=N_("Try 0.001 to 0.1."))
    return DescentRequest(
        function=function,
        formula=formula,
        xlim=xlim,
        ylim=ylim,
        start=start,
        lr=lr,
        steps=integer(payload, "steps", 100, least=1, most=limits.steps),
        optimizers=choices(payload, "optimizers", list(OPTIMIZERS), ["sgd"]),
        method=choice(payload, "method", list(METHODS), "central"),
        grid=integer(payload, "grid", 100, least=10, most=limits.grid),
    )


Gradient = Callable[[Any], NDArray[Any]]


def _function(request: DescentRequest) -> tuple[Callable[[Any], Any], Gradient | None, str]:
    """f, its analytic gradient on a grid (None for a formula), and its title."""
    if request.function != FORMULA:
        f = testfunctions.FUNCTIONS[request.function]
        return f, f.gradient, f"{_(f.title)}: {f.formula}"
    try:
        expression = parse_expression(request.formula)
    except ExpressionError as error:
        raise RequestError("formula", str(error)) from None
    if expression.size > 2:
        raise RequestError(
            "formula",
            _(
                "the formula uses {variable}; this view draws functions of two variables, x and "
                "y (or x0 and x1)."
            ).format(variable=expression.variables[-1]),
        )
    return expression, None, request.formula


def finite(values: NDArray[Any]) -> list[Any]:
    """An array as nested lists, with every inf or nan as None (JSON has neither)."""
    array = np.asarray(values, dtype=np.float64)
    if np.all(np.isfinite(array)):
        result: list[Any] = array.tolist()
        return result
    cleaned: list[Any] = np.where(np.isfinite(array), array, np.nan).tolist()

    def nulls(item: Any) -> Any:
        if isinstance(item, list):
            return [nulls(x) for x in item]
        return None if math.isnan(item) else item

    return [nulls(x) for x in cleaned]


def _grid(
    f: Callable[[Any], Any], xlim: tuple[float, float], ylim: tuple[float, float], n: int
) -> NDArray[np.float64]:
    """f on an n × n grid over the window, rows along y."""
    xs = np.linspace(*xlim, n)
    ys = np.linspace(*ylim, n)
    points = np.stack(np.meshgrid(xs, ys), axis=-1)
    with np.errstate(all="ignore"):
        return np.asarray(f(points), dtype=np.float64).reshape(n, n)


def _arrows(
    f: Callable[[Any], Any],
    gradient: Gradient | None,
    request: DescentRequest,
) -> dict[str, list[Any]]:
    """The negative gradient on a coarse grid, inside the window's margins."""
    (x0, x1), (y0, y1) = request.xlim, request.ylim
    xs = np.linspace(x0, x1, ARROWS + 2)[1:-1]
    ys = np.linspace(y0, y1, ARROWS + 2)[1:-1]
    points = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if gradient is not None:
            grads = np.asarray(gradient(points), dtype=np.float64)
        else:
            grads = np.stack([numerical_gradient(f, p) for p in points])
    return {
        "x": finite(points[:, 0]),
        "y": finite(points[:, 1]),
        "u": finite(-grads[:, 0]),
        "v": finite(-grads[:, 1]),
    }


def _bound(f: Callable[[Any], Any], start: NDArray[np.float64], method: str) -> float | None:
    """2/λmax at the start, or None where it cannot be estimated or is unbounded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bound = learning_rate_bound(f, start, iterations=50, method=method)
    except (ValueError, TypeError, ArithmeticError):
        return None
    return bound if math.isfinite(bound) and bound > 0 else None


def page_message(message: str) -> str:
    """A message of :func:`gradwalk.descend` with its advice in this page's inputs."""
    for advice, instead in PAGE_ADVICE:
        message = message.replace(_(advice), _(instead))
    return message


def _run(
    f: Callable[[Any], Any],
    request: DescentRequest,
    optimizer: str,
    limits: Limits,
    deadline: float,
) -> dict[str, Any]:
    """One descent, as the page draws it."""
    began = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = descend(
                f,
                np.array(request.start),
                lr=request.lr,
                steps=request.steps,
                optimizer=optimizer,
                method=request.method,
                callback=lambda *_: time.perf_counter() > deadline,
            )
        except (ValueError, TypeError, ArithmeticError) as error:
            return {"optimizer": optimizer, "status": "error", "message": str(error)}
    message = page_message(result.message)
    if result.status == "stopped":
        message = _(
            "Stopped at step {step} of {steps}: this request reached the page's time limit of "
            "{seconds:g} s. Ask for fewer steps, fewer optimizers or the central method."
        ).format(step=result.steps_taken, steps=request.steps, seconds=limits.seconds)
    return {
        "optimizer": optimizer,
        "label": result.optimizer,
        "status": result.status,
        "message": message,
        "warnings": sorted({str(w.message) for w in caught}),
        "steps_taken": result.steps_taken,
        "nfev": result.nfev,
        "x": finite(result.x),
        "value": finite(result.values[-1:])[0],
        "path": finite(result.path),
        "values": finite(result.values),
        "seconds": time.perf_counter() - began,
    }


def compute_descent(request: DescentRequest, limits: Limits = LIMITS) -> dict[str, Any]:
    """Answer a descent request: the grid, the arrows, the bound and one run per optimizer.

    Raises
    ------
    RequestError
        For a formula that does not parse or uses more than two variables.
    """
    began = time.perf_counter()
    deadline = began + limits.seconds
    f, gradient, title = _function(request)
    z = _grid(f, request.xlim, request.ylim, request.grid)
    start = np.array(request.start)
    runs = [_run(f, request, name, limits, deadline) for name in request.optimizers]
    minima = (
        [list(m) for m in testfunctions.FUNCTIONS[request.function].minima]
        if request.function != FORMULA
        else []
    )
    return {
        "title": title,
        "xlim": list(request.xlim),
        "ylim": list(request.ylim),
        "start": list(request.start),
        "grid": {"n": request.grid, "z": finite(z)},
        "arrows": _arrows(f, gradient, request),
        "bound": _bound(f, start, request.method),
        "minima": minima,
        "method": request.method,
        "runs": runs,
        "seconds": time.perf_counter() - began,
    }
