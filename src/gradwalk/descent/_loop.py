"""Gradient descent that records and explains: ``descend``, and ``learning_rate_bound``.

``descend`` runs the steps of the book's ``gradient_descent`` (or any optimizer of
:mod:`gradwalk.optimizers`), records the whole path, stops on convergence or failure,
and says in plain words how the run ended and why. ``learning_rate_bound`` tells which
learning rates are stable before guessing.

>>> import numpy as np
>>> result = descend(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, gtol=1e-6)
>>> result.status, result.steps_taken
('converged', 73)
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import sentences
from gradwalk._common.validate import (
    check_callable,
    check_count,
    check_keywords,
    check_positive,
    check_tolerance,
    keywords_checked_first,
)
from gradwalk._common.warnings import (
    IgnoredInputWarning,
    PrecisionWarning,
    issue_warning,
    reemit_first,
)
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.inputs import analytic_gradient, real_value, working_array
from gradwalk._engine.methods import resolve_step
from gradwalk.optimizers import SGD, Optimizer, optimizer_for

from ._explain import (
    Counts,
    Run,
    Status,
    explain_safely,
    grad_advice,
    rose_at_once,
    steps_in_words,
    unexplained,
    vanishing,
)
from ._lr_bound import Gradient, largest_eigenvalue, stable_rate
from ._result import DescentResult
from ._start import COPY_MESSAGE, reads_callers_array, start_array

__all__ = ["DescentResult", "descend", "ignores_argument", "learning_rate_bound", "reemit_once"]

#: The options of the numerical gradient that descend and learning_rate_bound pass on.
GRADIENT_OPTIONS = [
    name
    for name, parameter in inspect.signature(numerical_gradient).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY or name == "h"
]
#: descend's own options.
_DESCEND_OPTIONS = ["lr", "steps", "optimizer", "grad", "gtol", "callback", "in_place"]


def reemit_once(caught: Sequence[warnings.WarningMessage], steps: Sequence[int]) -> None:
    """Re-emit the first warning of each category seen during a run, with how often."""

    def describe(first: int, count: int, message: str) -> str:
        shown = f" (warned at {count} steps in all; shown once)" if count > 1 else ""
        return f"at step {steps[first]}: {message}{shown}"

    reemit_first(caught, describe)


def _check_descend_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword descend does not take, with the closest it does."""
    own = ["f", "x0", *_DESCEND_OPTIONS]
    check_keywords(list(keywords), "descend", own, GRADIENT_OPTIONS)


def _check_bound_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword learning_rate_bound does not take, with the closest it does."""
    own = ["f", "x", "grad", "iterations", "rtol"]
    check_keywords(list(keywords), "learning_rate_bound", own, GRADIENT_OPTIONS)


def ignores_argument(caught: Sequence[warnings.WarningMessage]) -> bool:
    """Whether the numerical gradient warned that f ignores its argument."""
    return any(issubclass(w.category, IgnoredInputWarning) for w in caught)


def _gradient_of(
    f: Callable[[Any], object],
    grad: Callable[[Any], object] | None,
    shape: tuple[int, ...],
    options: dict[str, Any],
    counts: Counts,
) -> Gradient:
    """The gradient to descend with: ``grad`` (checked) or the numerical gradient of f.

    Every call is added to ``counts``.
    """
    if grad is None:
        if "full_output" in options:
            raise TypeError(
                "full_output is not a gradient option here: descend and learning_rate_bound "
                "need the bare gradient. Pass method=..., h=... and the like."
            )

        def numerical(x: NDArray[np.floating]) -> NDArray[np.floating]:
            counts.gradients += 1
            result = numerical_gradient(f, x, full_output=True, **options)
            counts.nfev += result.nfev
            return result.grad

        return numerical
    check_callable(grad, "grad", "returning the gradient of f at x")
    if options:
        raise TypeError(
            f"gradient options {sorted(options)} only apply to the numerical gradient, but "
            "an analytic grad was given; drop one or the other."
        )

    def analytic(x: NDArray[np.floating]) -> NDArray[np.floating]:
        counts.gradients += 1
        return analytic_gradient(grad(x), shape, "the gradient returned by grad(x)", "x")

    return analytic


def _fixed_h(options: dict[str, Any]) -> float | None:
    """The numerical gradient's step when it is a fixed number, else None."""
    h = resolve_step(options.get("h"), options.get("method", "central"))
    return None if isinstance(h, str) else h


@keywords_checked_first(_check_bound_keywords)
def learning_rate_bound(
    f: Callable[[Any], object],
    x: ArrayLike,
    *,
    grad: Callable[[Any], object] | None = None,
    iterations: int = 100,
    rtol: float = 1e-6,
    **gradient_options: Any,
) -> float:
    """The largest stable learning rate of plain gradient descent near x: 2 / λmax.

    Near x, a step ``x -= lr * grad`` multiplies the component along each Hessian
    eigenvector by ``1 - lr * λ``; it shrinks only when ``0 < lr * λ < 2``. λmax is
    estimated by power iteration on Hessian-vector products (central differences of the
    gradient), so the cost is two gradients per iteration, never the full Hessian.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    x : array_like
        Where to measure the curvature (not modified).
    grad : callable, optional
        Analytic gradient of f; by default the numerical gradient.
    iterations : int
        Most power iterations per pass (there are two passes when x is a saddle).
    rtol : float
        Stop when the eigenvalue estimate changes by less than this, relatively.
    **gradient_options
        Passed on to :func:`gradwalk.numerical_gradient` (``method``, ``h``, ...).

    Returns
    -------
    float
        ``2 / λmax``; ``inf`` when f has no positive curvature at x (no lr is too
        large near x, though f may fall without bound).

    Raises
    ------
    TypeError
        f or grad is not callable; iterations is not a whole number; rtol is not a
        number; ``full_output`` is passed, or gradient options come with an analytic grad.
    ValueError
        iterations < 1; rtol is not finite and > 0; grad returns the wrong shape; the
        gradient is not finite near x.

    Warns
    -----
    PrecisionWarning
        The power iteration did not settle (the bound is then approximate), or the
        numerical gradient's own precision warnings.
    NonFiniteWarning
        f is inf or nan next to x.

    Examples
    --------
    >>> import numpy as np
    >>> round(learning_rate_bound(lambda x: np.sum(x**2), np.array([-3.0, 4.0])), 6)
    1.0
    """
    check_callable(f, "f", "taking an array")
    check_keywords(
        gradient_options, "learning_rate_bound", ["grad", "iterations", "rtol"], GRADIENT_OPTIONS
    )
    count = check_count(iterations, "iterations", least=1)
    tolerance = check_positive(rtol, "rtol", " For example 1e-6.")
    point, _copied = working_array(x)
    point = point.copy()
    gradient = _gradient_of(f, grad, point.shape, dict(gradient_options), Counts())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        largest, settled = largest_eigenvalue(gradient, point, count, tolerance)
    reemit_once(caught, [0] * len(caught))
    if not settled:
        issue_warning(
            _(
                "the power iteration did not settle in {count} iterations (the two largest "
                "Hessian eigenvalues are close); the bound is approximate. Pass a larger "
                "iterations= for a closer estimate."
            ).format(count=count),
            PrecisionWarning,
        )
    return stable_rate(largest)


@keywords_checked_first(_check_descend_keywords)
def descend(
    f: Callable[[Any], object],
    x0: ArrayLike,
    *,
    lr: float | None = None,
    steps: int = 100,
    optimizer: str | Optimizer = "sgd",
    grad: Callable[[Any], object] | None = None,
    gtol: float | None = None,
    callback: Callable[[int, NDArray[np.floating], Any, NDArray[np.floating]], object]
    | None = None,
    in_place: bool = False,
    **gradient_options: Any,
) -> DescentResult:
    """Gradient descent that records its path and explains how it ended.

    With the default plain ``"sgd"`` optimizer each step is the book's
    ``x -= lr * numerical_gradient(f, x)``, so the points are bit for bit those of
    :func:`gradient_descent`. The run stops early when the gradient norm falls below
    ``gtol``, when f or the gradient stops being finite, when x stops moving, or when
    ``callback`` returns True. Warnings of the numerical gradient (x ± h rounding back
    to x, inf or nan values) become part of the result's message when they explain the
    outcome; any other warning is shown once, not once per step.

    When plain SGD diverges, climbs, barely moves or bounces, the message quotes the stable
    learning rate 2/λmax (see :func:`learning_rate_bound`). Estimating it spends extra
    gradients after the run: at most as many as the run itself computed, and never more
    than 200, so at worst it about doubles the evaluations of f. When that allowance
    is too small for the estimate to settle, the message says the bound was not estimated
    instead of quoting a guess. The result's ``nfev`` counts every evaluation of f,
    the diagnosis's included.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    x0 : array_like
        Starting point (never modified).
    lr : float, optional
        Learning rate, finite and > 0. Left out, the optimizer's own default (the
        book's: 0.001 for Adam, 0.01 for the others) or an instance's own rate.
    steps : int
        Most updates to make, >= 0.
    optimizer : str or Optimizer
        ``"sgd"`` (the book's gradient descent), ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"rmsprop"``, ``"adam"``, or an instance such as
        ``Momentum(lr=0.01, momentum=0.8)`` (used through a fresh copy).
    grad : callable, optional
        ``grad(x)``: the analytic gradient, with x's shape. By default the numerical
        gradient.
    gtol : float, optional
        Stop as converged once the gradient's 2-norm is below this.
    callback : callable, optional
        ``callback(step, x, value, grad)``, called at every point with copies; return
        True to stop.
    in_place : bool
        Update x0 itself, step by step, as the book's ``gradient_descent`` does (x0 must
        be a writable float ndarray). This is what the book's closure pattern
        ``descend(lambda w: net.loss(x, t), net.W, in_place=True)`` needs: f reads
        ``net.W``, so only ``net.W`` itself can move it. By default x0 is never modified,
        and an f whose value ignores the copy descend works on is an error at once.
    **gradient_options
        Passed on to :func:`gradwalk.numerical_gradient` (``method``, ``h``, ...).

    Returns
    -------
    DescentResult

    Raises
    ------
    TypeError
        An unknown option (``step_num``: the message names ``steps``), before any work;
        f, grad or callback is not callable; lr is not a number; steps is not a whole
        number; gtol is not a number; gradient options come with an analytic grad; grad
        returns a non-real array; ``in_place=True`` with an x0 that is not a writable
        float ndarray.
    ValueError
        lr is not finite and > 0, or disagrees with an optimizer instance's rate; steps
        < 0; gtol < 0 or not finite; the optimizer name is unknown (the message suggests
        the closest); grad returns an array of the wrong shape; f ignores the copy
        descend works on but reads x0 itself (the book's closure without
        ``in_place=True``), before the first step.
    BaseException
        Whatever f, grad or callback raise, and KeyboardInterrupt (Ctrl-C), are raised
        again with the run so far attached as ``error.result`` (a DescentResult with
        status "stopped") and a note saying so.

    Warns
    -----
    PrecisionWarning, NonFiniteWarning
        Warnings of the numerical gradient that the result's message does not already
        explain, each shown once with the step it first happened at.

    Examples
    --------
    >>> import numpy as np
    >>> result = descend(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=10)
    >>> result.status, result.steps_taken
    ('diverged', 10)
    >>> result.x
    array([-2.58983747e+13, -1.29524862e+12])
    >>> result.nfev  # f and 4 more for the gradient at each of 11 points, 16 to diagnose
    71
    """
    check_callable(f, "f", "taking an array")
    check_keywords(gradient_options, "descend", _DESCEND_OPTIONS, GRADIENT_OPTIONS)
    update = optimizer_for(optimizer, lr)
    count = check_count(steps, "steps")
    tolerance = check_tolerance(gtol, "gtol", " For example 1e-6.")
    if callback is not None:
        check_callable(callback, "callback", "(step, x, value, grad) -> bool")
    x, callers = start_array(x0, in_place)
    options = dict(gradient_options)
    counts = Counts()
    run = Run(
        gradient=_gradient_of(f, grad, x.shape, options, counts),
        counts=counts,
        optimizer=update,
        steps=count,
        gtol=tolerance,
        h=_fixed_h(options) if grad is None else None,
        path=[x.copy()],
        values=[],
        norms=[],
    )
    vanish_steps: set[int] = set()
    params = {"x": x}
    warning_steps: list[int] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def settle(step: int) -> None:
            """Date every warning not yet dated (f's, the gradient's, the update's, the
            callback's) to ``step``."""
            warning_steps.extend([step] * (len(caught) - len(warning_steps)))

        step = 0
        try:
            for step in range(count + 1):
                settle(step - 1)
                value = real_value(f(x))
                counts.nfev += 1
                finite = bool(np.isfinite(value))
                before = len(caught)
                g = run.gradient(x) if finite else None
                ignored = ignores_argument(caught[before:])
                if vanishing(x, run.h).any():
                    vanish_steps.add(step)
                run.values.append(value)
                run.norms.append(float(np.linalg.norm(g)) if g is not None else math.nan)
                run.grad = g
                if g is None or g.any():
                    run.zero_since = None
                elif run.zero_since is None:
                    run.zero_since = step
                run.ignored = ignored and g is not None and not g.any()
                if run.ignored and step == 0 and reads_callers_array(f, callers, value):
                    raise ValueError(COPY_MESSAGE)
                if g is None:
                    run.end = "value"
                    break
                if not math.isfinite(run.norms[-1]):
                    run.end = "gradient"
                    break
                if callback is not None and callback(step, x.copy(), value, g.copy()):
                    run.end = "callback"
                    break
                if tolerance is not None and run.norms[-1] < tolerance:
                    run.end = "gtol"
                    break
                if step == count:
                    break
                with np.errstate(over="ignore", invalid="ignore"):
                    update.update(params, {"x": g})
                if np.array_equal(x, run.path[-1]) and (isinstance(update, SGD) or not g.any()):
                    run.end = "frozen"
                    break
                run.path.append(x.copy())
        except BaseException as error:  # a run is never lost: attach what it has so far
            settle(step)
            if isinstance(error, ValueError) and str(error) == COPY_MESSAGE:
                raise
            partial = _partial_result(run, update, error)
            error.add_note(
                f"descend: the run so far ({steps_in_words(partial.steps_taken)}, f = "
                f"{partial.value:.6g}) is attached to this error as .result"
            )
            error.result = partial  # type: ignore[attr-defined]
            raise
        settle(step)
    status, message, explains_h = explain_safely(run)
    if grad is not None and rose_at_once(run):
        message = sentences(message, grad_advice(f, run, counts))
    kept, kept_steps = unexplained(
        caught, warning_steps, status, vanish_steps if explains_h else set()
    )
    reemit_once(kept, kept_steps)
    return _result(run, update, status, message)


def _partial_result(run: Run, update: Optimizer, error: BaseException) -> DescentResult:
    """The run up to an exception or Ctrl-C, status "stopped"."""
    size = len(run.path)
    run.values = (run.values + [math.nan] * size)[:size]
    run.norms = (run.norms + [math.nan] * size)[:size]
    step = size - 1
    reason = "Ctrl-C" if isinstance(error, KeyboardInterrupt) else type(error).__name__
    message = (
        _("The run was interrupted at step {step} by {reason}: {error}.")
        if str(error)
        else _("The run was interrupted at step {step} by {reason}.")
    ).format(step=step, reason=reason, error=error)
    return _result(run, update, "stopped", message)


def _result(run: Run, update: Optimizer, status: Status, message: str) -> DescentResult:
    """The DescentResult of a run."""
    x = run.path[-1]
    return DescentResult(
        x=x.copy(),
        path=np.stack(run.path),
        values=np.asarray(run.values, dtype=np.result_type(x.dtype, np.float64)),
        grad_norms=np.asarray(run.norms, dtype=np.float64),
        status=status,
        message=message,
        steps_taken=len(run.path) - 1,
        optimizer=repr(update),
        nfev=run.counts.nfev,
    )
