"""Gradient descent: the book's ``gradient_descent``, and ``descend``, which records and explains.

``gradient_descent`` is the book's function and returns the last point. ``descend`` runs
the same steps (or any optimizer of :mod:`gradwalk.optimizers`), records the whole path,
stops on convergence or failure, and says in plain words how the run ended and why.
``learning_rate_bound`` tells which learning rates are stable before guessing.

>>> import numpy as np
>>> gradient_descent(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, step_num=100)
array([-6.11110793e-10,  8.14814391e-10])
>>> result = descend(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, gtol=1e-6)
>>> result.status, result.steps_taken
('converged', 73)
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._evaluate import _real_value
from ._gradient import _working_array, numerical_gradient
from ._plan import resolve_step
from ._validate import _check_count, _check_positive, _check_tolerance
from ._warnings import NonFiniteWarning, PrecisionWarning, _reemit_first, _warn
from .optimizers import SGD, Optimizer, _optimizer_for
from .optimizers import _check_learning_rate as _check_learning_rate

__all__ = ["DescentResult", "descend", "gradient_descent", "learning_rate_bound"]

Status = Literal["converged", "max_steps", "diverged", "stalled", "stopped"]
Gradient = Callable[[NDArray[np.floating]], NDArray[np.floating]]


def _reemit_once(caught: Sequence[warnings.WarningMessage], steps: Sequence[int]) -> None:
    """Re-emit the first warning of each category seen during a run, with how often."""

    def describe(first: int, count: int, message: str) -> str:
        shown = f" (warned at {count} steps in all; shown once)" if count > 1 else ""
        return f"at step {steps[first]}: {message}{shown}"

    _reemit_first(caught, describe)


def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
) -> NDArray[np.floating]:
    """Minimise f by ``step_num`` steps of ``x -= lr * numerical_gradient(f, x)``.

    The book's function, with its results bit for bit, except that ``init_x`` is never
    modified (the book's version changes it in place). Warnings from the gradient (for
    example x ± h rounding back to x once x is huge) are shown once per run, not once
    per step.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    init_x : array_like
        Starting point (copied).
    lr : float
        Learning rate, finite and > 0.
    step_num : int
        Number of steps, >= 0.

    Returns
    -------
    ndarray
        The last point.
    """
    rate = _check_learning_rate(lr)
    count = _check_count(step_num, "step_num")
    x, is_callers = _working_array(init_x)
    if is_callers:
        x = x.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps: list[int] = []
        for step in range(count):
            before = len(caught)
            grad = numerical_gradient(f, x)
            steps.extend([step] * (len(caught) - before))
            x -= rate * grad
    _reemit_once(caught, steps)
    return x


#: f must end more than this many times above its starting size for a run to be "diverged".
_GROWTH = 1e3
#: A relative change of f at most this small means the run "barely changed" f.
_BARELY = 1e-3
#: A run that froze with its gradient norm below this fraction of the first converged.
_FLOOR = 1e-6
#: A learning rate this many times below the stable bound is "far below" it.
_FAR_BELOW = 1e-2
#: A run "bounces" when f rose at more than this share of its last quarter of steps.
_BOUNCES = 0.25
#: A run "was still falling" when its gradient norm is still above this share of the first
#: one, or when its last quarter of steps still gave this share of the whole fall of f.
_STILL_STEEP = 1e-3
#: Step of the finite-difference Hessian-vector product, relative to max(1, max |x|).
_HVP_STEP = 1e-3
#: Most power iterations per pass spent on the learning-rate bound inside a diagnosis.
_DIAGNOSIS_ITERATIONS = 50
#: Most gradients a diagnosis spends on that bound (two passes of two gradients per iteration).
_DIAGNOSIS_GRADIENTS = 4 * _DIAGNOSIS_ITERATIONS


@dataclass(frozen=True, eq=False)
class DescentResult:
    """What a run of :func:`descend` did: the whole path, how it ended, and why.

    Attributes
    ----------
    x : ndarray
        The last point (``path[-1]``).
    path : ndarray
        Every iterate, the start included: shape ``(steps_taken + 1, *x.shape)``.
    values : ndarray
        f at each point of the path.
    grad_norms : ndarray
        The 2-norm of the gradient at each point of the path (nan where it could not be
        computed because f was not finite).
    status : {"converged", "max_steps", "diverged", "stalled", "stopped"}
        How the run ended: the gradient norm fell below ``gtol`` (or became exactly
        zero); all steps were used; f blew up or became inf/nan; x stopped moving
        short of a minimum; or the callback asked to stop.
    message : str
        One or two plain sentences saying what happened and what to try.
    steps_taken : int
        Number of updates made.
    optimizer : str
        The optimizer and its settings, e.g. ``"SGD(lr=0.1)"``.
    nfev : int
        Evaluations of f in all, those of the numerical gradient and of the end-of-run
        diagnosis included (an analytic ``grad`` is not counted).
    """

    x: NDArray[np.floating]
    path: NDArray[np.floating]
    values: NDArray[np.floating]
    grad_norms: NDArray[np.floating]
    status: Status
    message: str
    steps_taken: int
    optimizer: str
    nfev: int

    @property
    def value(self) -> float:
        """f at the last point."""
        return float(self.values[-1])

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            x = np.array2string(self.x, separator=", ", prefix="              x=")
        return (
            f"DescentResult(status={self.status!r}, steps_taken={self.steps_taken}, "
            f"optimizer={self.optimizer}, nfev={self.nfev},\n"
            f"              x={x}, value={self.value:.6g},\n"
            f"              message={self.message!r})"
        )

    def __str__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            x = np.array2string(self.x, separator=", ")
        return (
            f"{self.status} after {_steps(self.steps_taken)} of {self.optimizer} "
            f"({self.nfev} evaluations of f): f = {self.value:.6g} at x = {x}\n{self.message}"
        )


def _check_callable(value: object, name: str, expected: str) -> None:
    """``value`` must be callable (or None, checked by the caller)."""
    if not callable(value):
        raise TypeError(f"{name} must be a callable {expected}, got {value!r}.")


@dataclass
class _Counts:
    """Evaluations spent so far: of f, and of the gradient (numerical or analytic)."""

    nfev: int = 0
    gradients: int = 0


def _gradient_of(
    f: Callable[[Any], object],
    grad: Callable[[Any], object] | None,
    shape: tuple[int, ...],
    options: dict[str, Any],
    counts: _Counts,
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
    _check_callable(grad, "grad", "returning the gradient of f at x")
    if options:
        raise TypeError(
            f"gradient options {sorted(options)} only apply to the numerical gradient, but "
            "an analytic grad was given; drop one or the other."
        )

    def analytic(x: NDArray[np.floating]) -> NDArray[np.floating]:
        counts.gradients += 1
        value = np.asarray(grad(x))
        if value.shape != shape:
            raise ValueError(
                f"grad returned an array of shape {value.shape}, but x has shape {shape}; "
                "grad must return the gradient of f with the same shape as x."
            )
        if value.dtype.kind not in "fiu":
            raise TypeError(f"grad must return a real array, but it returned dtype {value.dtype}.")
        return value if value.dtype.kind == "f" else value.astype(np.float64)

    return analytic


def _fixed_h(options: dict[str, Any]) -> float | None:
    """The numerical gradient's step when it is a fixed number, else None."""
    h = resolve_step(options.get("h"), options.get("method", "central"))
    return None if isinstance(h, str) else h


def _largest_eigenvalue(
    gradient: Gradient,
    x: NDArray[np.floating],
    iterations: int,
    rtol: float,
    total: int | None = None,
) -> tuple[float, bool]:
    """The largest Hessian eigenvalue at x, by power iteration, and whether it settled.

    Hessian-vector products are central differences of the gradient along the current
    vector, so each iteration costs two gradients, whatever the size of x. A first pass
    finds the spectral radius ρ; when its eigenvalue is not +ρ (a saddle or a maximum),
    a second pass on H + ρI finds the largest eigenvalue. Each pass makes at most
    ``iterations`` iterations, and both together at most ``total`` (default: no limit
    beyond the passes' own).
    """
    point = x.astype(np.float64).reshape(-1)
    shape = x.shape
    eps = _HVP_STEP * max(1.0, float(np.max(np.abs(point)))) if point.size else 1.0

    def hvp(v: NDArray[np.float64]) -> NDArray[np.float64]:
        plus = gradient((point + eps * v).reshape(shape))
        minus = gradient((point - eps * v).reshape(shape))
        product = ((np.asarray(plus) - np.asarray(minus)) / (2 * eps)).reshape(-1)
        if not np.all(np.isfinite(product)):
            raise ValueError(
                "the gradient of f is not finite near x, so its curvature (and the "
                "learning-rate bound) cannot be estimated there."
            )
        return product.astype(np.float64)

    start = np.random.default_rng(0).standard_normal(point.size)
    start /= np.linalg.norm(start)

    def power(shift: float, limit: int) -> tuple[float, float, bool, int]:
        """The Rayleigh quotient, the last |Hv|, whether it settled, iterations made."""
        v = start
        estimate, size = math.nan, 0.0
        for made in range(1, limit + 1):
            w = hvp(v) + shift * v
            quotient = float(v @ w)
            size = float(np.linalg.norm(w))
            if size == 0.0:
                return 0.0, 0.0, True, made
            v = w / size
            # relative to the spectral radius in the shifted pass, where μ - ρ may be 0
            if abs(quotient - estimate) <= rtol * max(abs(quotient), shift):
                return quotient, size, True, made
            estimate = quotient
        return estimate, size, False, limit

    if point.size == 0:
        return 0.0, True
    left = 2 * iterations if total is None else total
    top, radius, settled, made = power(0.0, min(iterations, left))
    if settled and top > 0 and top >= (1 - 1e-3) * radius:
        return top, True
    shifted, _, settled, _ = power(radius, min(iterations, left - made))
    return shifted - radius, settled


def _stable_rate(largest: float) -> float:
    """The largest stable learning rate of plain descent, 2 / λmax (inf when λmax <= 0)."""
    return 2.0 / largest if largest > 0 else math.inf


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

    Examples
    --------
    >>> import numpy as np
    >>> round(learning_rate_bound(lambda x: np.sum(x**2), np.array([-3.0, 4.0])), 6)
    1.0
    """
    _check_callable(f, "f", "taking an array")
    count = _check_count(iterations, "iterations", least=1)
    tolerance = _check_positive(rtol, "rtol", " For example 1e-6.")
    point, _ = _working_array(x)
    point = point.copy()
    gradient = _gradient_of(f, grad, point.shape, dict(gradient_options), _Counts())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        largest, settled = _largest_eigenvalue(gradient, point, count, tolerance)
    _reemit_once(caught, [0] * len(caught))
    if not settled:
        _warn(
            f"the power iteration did not settle in {count} iterations (the two largest "
            "Hessian eigenvalues are close); the bound is approximate. Pass a larger "
            "iterations= for a closer estimate.",
            PrecisionWarning,
        )
    return _stable_rate(largest)


@dataclass
class _Run:
    """What the descent loop recorded, for the diagnosis."""

    gradient: Gradient
    counts: _Counts
    optimizer: Optimizer
    steps: int
    gtol: float | None
    h: float | None
    path: list[NDArray[np.floating]]
    values: list[Any]
    norms: list[float]
    grad: NDArray[np.floating] | None = None
    end: str = "steps"
    zero_since: int | None = None


def _steps(count: int) -> str:
    """A number of steps in words: 1 step, 2 steps."""
    return f"{count} step" if count == 1 else f"{count} steps"


def _number(value: float) -> str:
    """A value for a message: 3 significant digits."""
    return f"{value:.3g}"


def _bound_at(run: _Run, point: NDArray[np.floating]) -> tuple[float | None, str]:
    """The stable learning rate of plain SGD at a point, or None and why it is not quoted.

    The estimate spends at most as many gradients as the run itself did (and at most
    ``_DIAGNOSIS_GRADIENTS``); it is skipped when that is too few for two power
    iterations, and not quoted when it did not settle within them. The reason is ""
    when there is nothing to tell (not plain SGD, no positive curvature, f failed).
    """
    if not isinstance(run.optimizer, SGD):
        return None, ""
    spent = run.counts.gradients
    budget = min(_DIAGNOSIS_GRADIENTS, spent)
    if budget < 4:  # two iterations of two gradients: the fewest that can settle
        return None, (
            f" (the stable learning rate was not estimated: that takes at least 4 "
            f"gradients, more than the run's own {spent}; learning_rate_bound gives it)"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            largest, settled = _largest_eigenvalue(
                run.gradient, point, _DIAGNOSIS_ITERATIONS, 1e-4, total=budget // 2
            )
    except Exception:  # a diagnosis must never turn a finished run into an error
        return None, ""
    if not settled:
        return None, (
            f" (the stable learning rate was not estimated: it did not settle within the "
            f"{run.counts.gradients - spent} more gradients a diagnosis may spend after a run "
            f"of {spent}; learning_rate_bound gives it)"
        )
    bound = _stable_rate(largest)
    return (bound, "") if math.isfinite(bound) and bound > 0 else (None, "")


def _lr_advice(run: _Run, *, stuck: bool = False) -> str:
    """What the learning rate has to do with it (``stuck``: f barely changed)."""
    lr = run.optimizer.lr
    bound, why_not = _bound_at(run, run.path[0])
    if bound is None:
        advice = "a larger learning rate may help" if stuck else "try a smaller learning rate"
        return advice + why_not
    where = f"the stable bound of about {bound:.2g} here (2/λmax at the start)"
    if stuck and lr < _FAR_BELOW * bound:
        return f"lr = {lr:g} is far below {where}; try lr = {bound / 2:.2g}"
    if stuck and lr >= (1 - _BARELY) * bound:
        return (
            f"lr = {lr:g} is at or above {where}, so x swings across the minimum without "
            f"getting closer; try lr = {bound / 2:.2g}"
        )
    if stuck:
        return "f changes slowly here: x may be on a plateau or near a minimum"
    if lr > bound:
        return f"lr = {lr:g} is above {where}, so every step overshot further"
    return f"try a smaller learning rate ({where})"


def _bouncing(run: _Run) -> str | None:
    """Why f stopped falling late in a run that otherwise fell, or None when it didn't."""
    quarter = run.steps // 4
    if quarter < 4:
        return None
    values = np.asarray(run.values, dtype=np.float64)
    recent = values[-(quarter + 1) :]
    noise = 4 * np.finfo(np.float64).eps * float(np.max(np.abs(recent)))
    rises = int(np.count_nonzero(np.diff(recent) > noise))
    best = int(np.argmin(values))
    stale = best < len(values) - 1 - quarter
    if not stale and rises <= _BOUNCES * quarter:
        return None
    lr = run.optimizer.lr
    bound, why_not = _bound_at(run, run.path[best])
    if bound is not None and lr > bound:
        advice = (
            f"lr = {lr:g} is above the stable bound of about {bound:.2g} where f was lowest "
            "(2/λmax there), so x bounces across the valley instead of settling"
        )
    else:
        advice = (
            "x bounces around instead of settling; a smaller learning rate settles closer" + why_not
        )
    if stale:
        return f"but it was lowest ({_number(values[best])}) at step {best}, not since: {advice}"
    return f"but it rose again at {rises} of the last {quarter} steps: {advice}"


def _zero_gradient_reason(run: _Run, *, frozen: bool) -> tuple[str, bool] | None:
    """Why the gradient has been exactly zero since ``run.zero_since``, if it has.

    Returns the explanation and whether x ± h rounding back to x is the cause, or None
    when the gradient at the last point is not all zero.
    """
    if run.zero_since is None:
        return None
    x = run.path[-1]
    h = run.h
    since = f"from step {run.zero_since} on the"
    after = "x froze there" if frozen else "only the optimizer's own state moved x after that"
    vanished = (x + h == x) | (x - h == x) if h is not None else np.zeros(x.shape, bool)
    if vanished.any():
        magnitude = float(np.max(np.abs(x[vanished])))
        spacing = float(np.spacing(x.dtype.type(magnitude)))
        return (
            f"{since} numerical gradient was exactly zero: at |x| ≈ {magnitude:.2g} floats "
            f"are {spacing:.2g} apart, more than h = {h:g}, so x ± h rounds back to x and "
            f"{after}",
            True,
        )
    return f"{since} gradient was exactly zero and {after}", False


def _freeze_reason(run: _Run) -> tuple[str, bool]:
    """Why x stopped moving at the last point, and whether x ± h rounding explains it."""
    zero = _zero_gradient_reason(run, frozen=True)
    if zero is not None:
        return zero
    x = run.path[-1]
    grad = run.grad if run.grad is not None else np.zeros_like(x)
    largest = float(np.max(np.abs(run.optimizer.lr * grad)))
    spacing = float(np.max(np.spacing(np.abs(x))))
    return (
        f"from step {len(run.path) - 1} on every update (at most {largest:.2g}) was below "
        f"half the spacing of floats at x (up to {spacing:.2g}), so x rounded back to itself",
        False,
    )


def _diagnose(run: _Run) -> tuple[Status, str, bool]:
    """Status and message of a finished run, and whether the message explains vanished h."""
    step = len(run.path) - 1
    first, last = run.values[0], run.values[-1]
    if run.end == "value":
        return (
            "diverged",
            f"f became {last} at step {step}, where |x| reached "
            f"{_number(float(np.max(np.abs(run.path[-1]))))}, so the run stopped there; "
            f"{_lr_advice(run)}.",
            False,
        )
    if run.end == "gradient":
        return (
            "diverged",
            f"The gradient became not finite at step {step} (f = {_number(last)}; f is "
            "inf or nan at points next to x, or grad returned them), so the run stopped "
            f"there; {_lr_advice(run)}.",
            False,
        )
    if run.end == "callback":
        return "stopped", f"The callback stopped the run at step {step}; f = {last:.6g}.", False
    if run.end == "gtol":
        return (
            "converged",
            f"Converged in {_steps(step)}: the gradient norm {run.norms[-1]:.6g} fell "
            f"below gtol = {run.gtol:g}; f = {last:.6g}.",
            False,
        )
    scale = max(abs(first), abs(min(run.values)), float(np.finfo(np.float64).tiny))
    frozen = run.end == "frozen"
    reason, explains_h = _freeze_reason(run) if frozen else ("", False)
    if last - first > _GROWTH * scale:
        growth = (
            f", {math.log10(abs(last) / abs(first)):.0f} orders of magnitude," if first != 0 else ""
        )
        message = f"f grew from {_number(first)} to {_number(last)}{growth} in {_steps(step)}: "
        message += f"{_lr_advice(run)}."
        zero = (reason, explains_h) if frozen else _zero_gradient_reason(run, frozen=False)
        if zero is not None:
            message += f" Then {zero[0]}."
        return "diverged", message, zero is not None and zero[1]
    if frozen:
        if not explains_h and run.zero_since is not None:
            return (
                "converged",
                f"The gradient is exactly zero at step {step}, so x cannot move: it is a "
                f"stationary point of f (a minimum, a maximum or a saddle); f = {last:.6g}.",
                False,
            )
        if not explains_h and last <= first and run.norms[-1] <= _FLOOR * run.norms[0]:
            return (
                "converged",
                f"Converged to floating-point precision in {_steps(step)}: {reason}, and "
                f"the gradient norm had fallen from {_number(run.norms[0])} to "
                f"{_number(run.norms[-1])}; f = {last:.6g}.",
                False,
            )
        advice = (
            "Rescale x or pass a step relative to |x| (h='auto')."
            if explains_h
            else "Raise lr or rescale the problem."
        )
        return "stalled", f"x stopped moving: {reason}; f = {last:.6g}. {advice}", explains_h
    if run.steps == 0:
        return "max_steps", f"No steps were asked for (steps=0); f = {last:.6g} at x0.", False
    if last > first:
        return (
            "max_steps",
            f"f rose from {_number(first)} to {_number(last)} in {_steps(step)} instead of "
            f"falling; {_lr_advice(run)}.",
            False,
        )
    if abs(first - last) <= _BARELY * scale:
        change = abs(first - last) / scale
        return (
            "max_steps",
            f"f barely changed in {_steps(step)} (from {first:.8g} to {last:.8g}, a relative "
            f"change of {change:.1g}): {_lr_advice(run, stuck=True)}.",
            False,
        )
    fell = f"f fell from {_number(first)} to {_number(last)} in {_steps(step)}"
    bouncing = _bouncing(run)
    if bouncing is not None:
        return "max_steps", f"{fell}, {bouncing}.", False
    if last < 0 and -last > _GROWTH * max(abs(first), float(np.finfo(np.float64).tiny)):
        return (
            "max_steps",
            f"{fell} and kept falling: f may be unbounded below (an open valley or a saddle "
            "that descent slides off).",
            False,
        )
    recent_drop = run.values[-(run.steps // 4 + 2)] - last
    if run.norms[-1] > _STILL_STEEP * run.norms[0] or recent_drop > _STILL_STEEP * (first - last):
        return (
            "max_steps",
            f"{fell} and was still falling: the gradient norm is {_number(run.norms[-1])} "
            f"(it was {_number(run.norms[0])} at the start). Allow more steps to go further.",
            False,
        )
    return (
        "max_steps",
        f"{fell}, and the gradient norm from {_number(run.norms[0])} to "
        f"{_number(run.norms[-1])}. Pass gtol to stop as converged once the gradient is "
        "that small.",
        False,
    )


def _unexplained(
    caught: Sequence[warnings.WarningMessage],
    steps: Sequence[int],
    status: Status,
    vanish_steps: set[int],
) -> tuple[list[warnings.WarningMessage], list[int]]:
    """The warnings the message does not already explain, with their steps."""
    kept: list[warnings.WarningMessage] = []
    kept_steps: list[int] = []
    for record, step in zip(caught, steps, strict=True):
        blow_up = issubclass(record.category, NonFiniteWarning | RuntimeWarning)
        if status == "diverged" and blow_up:
            continue
        if issubclass(record.category, PrecisionWarning) and step in vanish_steps:
            continue
        kept.append(record)
        kept_steps.append(step)
    return kept, kept_steps


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
    lr : float
        Learning rate, finite and > 0. May be left out when ``optimizer`` is an
        instance, which carries its own.
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
    **gradient_options
        Passed on to :func:`gradwalk.numerical_gradient` (``method``, ``h``, ...).

    Returns
    -------
    DescentResult

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
    _check_callable(f, "f", "taking an array")
    update = _optimizer_for(optimizer, lr)
    count = _check_count(steps, "steps")
    tolerance = _check_tolerance(gtol, "gtol", " For example 1e-6.")
    if callback is not None:
        _check_callable(callback, "callback", "(step, x, value, grad) -> bool")
    x, is_callers = _working_array(x0)
    if is_callers:
        x = x.copy()
    options = dict(gradient_options)
    counts = _Counts()
    run = _Run(
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
        for step in range(count + 1):
            before = len(caught)
            value = _real_value(f(x))
            counts.nfev += 1
            finite = bool(np.isfinite(value))
            g = run.gradient(x) if finite else None
            warning_steps.extend([step] * (len(caught) - before))
            if run.h is not None and ((x + run.h == x) | (x - run.h == x)).any():
                vanish_steps.add(step)
            run.values.append(value)
            run.norms.append(float(np.linalg.norm(g)) if g is not None else math.nan)
            run.grad = g
            if g is None or g.any():
                run.zero_since = None
            elif run.zero_since is None:
                run.zero_since = step
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
            update.update(params, {"x": g})
            if np.array_equal(x, run.path[-1]) and (isinstance(update, SGD) or not g.any()):
                run.end = "frozen"
                break
            run.path.append(x.copy())
    status, message, explains_h = _diagnose(run)
    kept, kept_steps = _unexplained(
        caught, warning_steps, status, vanish_steps if explains_h else set()
    )
    _reemit_once(kept, kept_steps)
    return DescentResult(
        x=run.path[-1].copy(),
        path=np.stack(run.path),
        values=np.asarray(run.values, dtype=np.result_type(x.dtype, np.float64)),
        grad_norms=np.asarray(run.norms, dtype=np.float64),
        status=status,
        message=message,
        steps_taken=len(run.path) - 1,
        optimizer=repr(update),
        nfev=counts.nfev,
    )
