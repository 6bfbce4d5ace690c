"""The numerical gradient: validate input, run a plan, evaluate its points, report."""

from __future__ import annotations

import functools
import math
import traceback
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
from numpy.exceptions import ComplexWarning
from numpy.typing import ArrayLike, NDArray

from ._evaluate import Options, Workers, check_options, evaluator
from ._inputs import (
    InputModifiedError,
    changed_elements,
    element_name,
    modified_message,
    names,
    region,
    scale,
    working_array,
)
from ._plan import METHODS, bounded_richardson, method_named, resolve_step
from ._points import (
    ROUNDING_ULPS,
    STEP_TOLERANCE,
    UNKNOWN_STATUS,
    UNPERTURBED,
    Estimate,
    GradientStatus,
    Points,
    Step,
    near_stationary,
    raise_status,
    resolution,
    value_precision,
    wide_dtype,
)
from ._richardson import check_accuracy
from ._warnings import (
    PACKAGE_DIR,
    IgnoredInputWarning,
    NonFiniteWarning,
    PrecisionWarning,
    issue_warning,
)

__all__ = ["GradientResult", "GradientStatus", "numerical_diff", "numerical_gradient"]


@dataclass(frozen=True, eq=False)
class GradientResult:
    """A numerical gradient with what it cost and how far it can be trusted.

    Attributes
    ----------
    grad : ndarray
        The gradient, with x's shape and floating dtype.
    error : ndarray
        Estimated absolute error of each element: nan for the single differences
        ("central", "forward", "backward"), which cannot estimate it; with ``order=``,
        the distance to the stencil of the order below plus rounding; an estimate from
        successive extrapolations for "richardson"; the rounding error for "complex"
        with ``h="auto"`` (nan with a numeric h, whose truncation error it cannot know).
    nfev : int
        Number of evaluations of f.
    step : ndarray
        The step used for each element; for "richardson", the step of the level whose
        estimate was kept (finer levels may have been evaluated to check it).
    method : str
        The method that produced it.
    status : ndarray of int8
        One :class:`GradientStatus` code per element, with x's shape; every warning
        about an element is a view of its code:

        - ``CONVERGED`` (0): computed as the method intends ("richardson": its error
          estimate is within ``atol + rtol·|grad|``, by default 1e-4 relative, or
          small beside the largest element);
        - ``NONFINITE`` (1): f was inf or nan at the points the element needs, at every
          step tried; the element is nan (NonFiniteWarning);
        - ``STEP_VANISHED`` (2): x ± h rounded back to x; the element is 0
          (PrecisionWarning);
        - ``ROUNDING_LIMITED`` (3): the values of f compared differ only by f's
          rounding, measured from f's values (float32 inside f shows there), so the
          digits are rounding noise; "richardson": its estimate stopped improving above
          its tolerance (PrecisionWarning);
        - ``LEVEL_LIMIT`` (4): "richardson" used ``max_levels`` levels without reaching
          its tolerance (PrecisionWarning);
        - ``OUT_OF_BOUNDS`` (5): the element's points would leave the bounds given;
        - ``STEP_SHRUNK`` (6): f was not finite at the first step (outside its domain),
          so "richardson" shrank the step until it was; the value is good, ``step``
          shows the step used (no warning);
        - ``STEP_INEXACT`` (7): with a fixed h, the step taken, (x + h) - x, differs
          from h by more than 1%, and the book's central difference divides by 2h
          all the same (PrecisionWarning).

        Where several apply, the most severe is kept (NONFINITE, OUT_OF_BOUNDS,
        STEP_VANISHED, STEP_INEXACT, ROUNDING_LIMITED, LEVEL_LIMIT, STEP_SHRUNK,
        CONVERGED, most severe first). Rounding is reported only where it leaves an
        uncertainty above eps**(1/3) times the largest element of the gradient.

    Examples
    --------
    >>> import numpy as np
    >>> result = numerical_gradient(lambda x: np.sum(x**2), [3.0, 4.0], full_output=True)
    >>> result.nfev, result.method
    (4, 'central')
    >>> result.status
    array([0, 0], dtype=int8)
    >>> with np.errstate(invalid="ignore"):  # log(0.05 - h) is nan at the first step
    ...     result = numerical_gradient(lambda x: np.sum(np.log(x)), [0.05, 1.0],
    ...                                 method="richardson", full_output=True)
    >>> [GradientStatus(code).name for code in result.status]
    ['STEP_SHRUNK', 'CONVERGED']
    """

    grad: NDArray[np.floating]
    error: NDArray[np.floating]
    nfev: int
    step: NDArray[np.floating]
    method: str
    status: NDArray[np.int8] = field(default_factory=lambda: np.zeros(0, dtype=np.int8))

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            grad = np.array2string(self.grad, separator=", ", prefix="               ")
            error = np.array2string(self.error, separator=", ", prefix="               ")
        return (
            f"GradientResult(method={self.method!r}, nfev={self.nfev},\n"
            f"               grad={grad},\n"
            f"               error={error})"
        )


def _warn_low_precision(dtype: np.dtype[Any], h: Step) -> None:
    """float32/float16 with a fixed h: say how far rounding limits the result."""
    if isinstance(h, str):
        return
    eps = float(np.finfo(dtype).eps)
    limit = eps / h
    if limit > 1e-6:
        issue_warning(
            f"x is {dtype}: with a fixed h = {h:g}, rounding in f limits the gradient's "
            f"accuracy to about {limit:.0e} (the {dtype} spacing {eps:.1e} divided by h). "
            "Pass h='auto' for a step sized to the dtype, or compute on "
            "x.astype(np.float64).",
            PrecisionWarning,
        )


def _run(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None,
    method: str,
    options: Options,
    order: int | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    step_direction: ArrayLike | None = None,
    accuracy: dict[str, Any] | None = None,
) -> GradientResult:
    """Compute the gradient; the shared core of numerical_gradient and numerical_diff."""
    if not callable(f):
        raise TypeError(f"f must be a callable taking an array, got {f!r}.")
    record = method_named(method)
    if step_direction is not None and not record.steers:
        steering = " or ".join(repr(name) for name, m in METHODS.items() if m.steers)
        raise ValueError(
            f"step_direction chooses per element between central and one-sided steps, "
            f"which method={method!r} does not do; use method={steering} with "
            "step_direction, or leave step_direction out."
        )
    h = resolve_step(h, method, order)
    work, is_callers = working_array(x)
    shape, dtype = work.shape, work.dtype
    where = region(bounds, step_direction, work)
    plan = record.planner(order, where)
    given = {name: value for name, value in (accuracy or {}).items() if value is not None}
    if given:  # Richardson's accuracy controls
        controls = check_accuracy(given, method)
        if where is None:
            plan = functools.partial(record.plan, **controls)
        else:
            plan = functools.partial(bounded_richardson, order=0, region=where, **controls)
    if dtype.itemsize < 8:
        _warn_low_precision(dtype, h)

    snapshot = work.copy()
    complex_step = record.complex_points
    if complex_step:  # x + ih cannot be written into a real array: work on a complex copy
        work, is_callers = snapshot.astype(np.result_type(dtype, np.complex64)), False
    x0 = snapshot.reshape(-1)
    nfev = 0
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]] = []
    evaluate = evaluator(options, f, work, complex_ok=complex_step)

    def counted(points: Points) -> NDArray[Any]:
        nonlocal nfev
        values = evaluate(points)
        nfev += len(points.index)
        values_seen.append((points.index, values))
        return values

    try:
        try:
            estimate = (_drive_complex if complex_step else _drive)(plan(x0, h), counted)
        except InputModifiedError as error:
            if error.flat_index is None:
                raise
            changed = np.array([error.flat_index], dtype=np.intp)
            raise InputModifiedError(modified_message(shape, changed), error.flat_index) from None
        changed = changed_elements(work, snapshot)
        if changed.size:
            raise InputModifiedError(modified_message(shape, changed), int(changed[0]))
    finally:
        if is_callers:
            np.copyto(work, snapshot)
        evaluate.close()

    grad = estimate.grad.copy()
    book = record.name == "central" and plan is record.plan  # divides by 2h, as the book
    status = _status(estimate, values_seen, x0, h, book, complex_step)
    _warn_status(status, grad, estimate, x0, h, shape, values_seen, bool(given))
    if x0.size and not estimate.vanished.any():
        copies = evaluate.copies
        if complex_step:
            copies = f"method={method!r}" + (f" and {copies}" if copies else "")

        def probe() -> Any:
            nonlocal nfev
            nfev += 1
            return evaluate.at(_joint_move(snapshot).astype(work.dtype))

        _flag_ignored_input(values_seen, counted, shape, copies, probe)
    result_dtype = np.result_type(dtype, np.float16)
    return GradientResult(
        grad=grad.astype(result_dtype, copy=False).reshape(shape),
        error=estimate.error.astype(result_dtype, copy=False).reshape(shape),
        nfev=nfev,
        step=np.asarray(estimate.step, dtype=result_dtype).reshape(shape),
        method=method,
        status=status.reshape(shape),
    )


def _drive(plan: Any, evaluate: Callable[[Points], NDArray[Any]]) -> Estimate:
    """Run a plan generator to completion, feeding it the values of its points.

    The plan's arithmetic runs with NumPy's floating-point warnings off: non-finite
    values of f are reported once, by element, after the plan has finished.
    """
    try:
        with np.errstate(all="ignore"):
            points = next(plan)
        while True:
            values = evaluate(points)
            with np.errstate(all="ignore"):
                points = plan.send(values)
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


def _drive_complex(plan: Any, evaluate: Callable[[Points], NDArray[Any]]) -> Estimate:
    """:func:`_drive` for the complex step: f discarding the imaginary part is an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ComplexWarning)
            return _drive(plan, evaluate)
    except ComplexWarning as error:
        raise ValueError(
            "method='complex' evaluates f at complex points x + ih, and f cast one to a "
            f"real number ({error}), which throws the derivative away. Keep f complex-safe "
            "(no float(), .astype(float) or assignment into a real array), or use "
            "method='richardson', which needs no complex arithmetic."
        ) from None
    except TypeError as error:
        if _raised_in_gradwalk(error):
            raise
        raise TypeError(
            "method='complex' evaluates f at complex points x + ih, and f failed on one: "
            f"{error}. The complex step needs f written with operations that accept "
            "complex numbers (NumPy functions and arithmetic; not math.*, float() or "
            "int()). Use method='richardson' otherwise."
        ) from error


def _raised_in_gradwalk(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is gradwalk's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and str(Path(frames[-1].filename).resolve()).startswith(PACKAGE_DIR)


def _status(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    h: Step,
    book: bool,
    complex_step: bool,
) -> NDArray[np.int8]:
    """One :class:`GradientStatus` code per element: the plan's own, or read from f's values.

    A plan that tracks its status (Richardson) gives it; for the others, an element is
    NONFINITE where some value of f it needs is not finite, and ROUNDING_LIMITED where
    those values differ by no more than f's rounding (:func:`_rounding_limited`). Every
    plan's ``vanished`` elements are STEP_VANISHED; where the ``book``'s central
    difference divides by a fixed 2h, elements whose step taken differs are STEP_INEXACT.
    """
    n = x0.size
    if estimate.status is None:
        status = np.full(n, UNKNOWN_STATUS, dtype=np.int8)
    else:
        status = estimate.status.astype(np.int8)
    # OUT_OF_BOUNDS (a smaller step than asked, set by the plan) is kept, and what f's
    # values say of those elements is added to it
    squeezed = status == GradientStatus.OUT_OF_BOUNDS
    unknown = (status == UNKNOWN_STATUS) | squeezed  # elements whose plan keeps no status
    if unknown.any():
        status[unknown] = GradientStatus.CONVERGED
        nonfinite = np.zeros(n, dtype=bool)
        for index, values in values_seen:
            not_finite = ~np.isfinite(values)
            nonfinite[index[not_finite & (index >= 0)]] = True
            if (not_finite & (index == UNPERTURBED)).any():
                nonfinite[:] = True
        raise_status(status, nonfinite & unknown, GradientStatus.NONFINITE)
        if not complex_step:  # the complex step takes no difference: nothing cancels
            limited = _rounding_limited(estimate, values_seen, x0)
            raise_status(status, limited & unknown, ROUNDING)
        raise_status(status, squeezed, GradientStatus.OUT_OF_BOUNDS)
    raise_status(status, estimate.vanished, GradientStatus.STEP_VANISHED)
    if book and not isinstance(h, str):
        raise_status(status, _inexact_steps(x0, h)[0], GradientStatus.STEP_INEXACT)
    return status


ROUNDING = GradientStatus.ROUNDING_LIMITED


def _rounding_limited(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
) -> NDArray[np.bool_]:
    """Elements whose values of f differ by no more than f's rounding, where it matters.

    f's rounding is ``ROUNDING_ULPS`` units of f's precision (measured from its values,
    :func:`value_precision`) times |f|. The values of an element (and f(x), where the
    method evaluates it) that all lie within twice that of each other carry no digits
    of the derivative; this is reported where the uncertainty that leaves, the
    rounding divided by the step, exceeds :func:`resolution` times the largest element
    of the gradient (a gradient element that is only tiny beside the others is fine),
    and not near a stationary point (:func:`near_stationary`).
    """
    n = x0.size
    if not n or not values_seen:
        return np.zeros(n, dtype=bool)
    index = np.concatenate([i for i, _ in values_seen])
    values = np.real(np.concatenate([v for _, v in values_seen])).astype(np.float64)
    eps = value_precision(values, x0.dtype)
    finite = np.isfinite(values)
    perturbed = (index >= 0) & finite
    high = np.full(n, -np.inf)
    low = np.full(n, np.inf)
    np.maximum.at(high, index[perturbed], values[perturbed])
    np.minimum.at(low, index[perturbed], values[perturbed])
    at_x = values[(index == UNPERTURBED) & finite]
    if at_x.size:
        high = np.maximum(high, at_x.max())
        low = np.minimum(low, at_x.min())
    size = np.maximum(np.abs(high), np.abs(low))
    noise = ROUNDING_ULPS * eps * size
    step = np.abs(estimate.step.astype(np.float64))
    grad = np.abs(estimate.grad.astype(np.float64))
    largest = float(grad[np.isfinite(grad)].max(initial=0.0))
    with np.errstate(all="ignore"):
        uncertain = noise / step > resolution(x0.dtype) * largest
    f_size = float(size[np.isfinite(size)].max(initial=0.0))
    if largest == 0 or near_stationary(estimate.grad, x0, f_size):
        return np.zeros(n, dtype=bool)
    flagged: NDArray[np.bool_] = (high - low <= 2 * noise) & uncertain
    return flagged


def _inexact_steps(
    x0: NDArray[np.floating], h: float
) -> tuple[NDArray[np.bool_], NDArray[np.floating], NDArray[np.floating]]:
    """Where the distance between x + h and x - h differs from 2h by more than
    STEP_TOLERANCE, and the steps actually taken, (x + h) - x and x - (x - h)."""
    wide = wide_dtype(x0.dtype)
    step = x0.dtype.type(h)
    up = (x0 + step).astype(wide) - x0.astype(wide)
    down = x0.astype(wide) - (x0 - step).astype(wide)
    inexact: NDArray[np.bool_] = np.abs((up + down) / (2 * h) - 1) > STEP_TOLERANCE
    return inexact & (up > 0) & (down > 0), up, down


def _warn_status(
    status: NDArray[np.int8],
    grad: NDArray[np.floating],
    estimate: Estimate,
    x0: NDArray[np.floating],
    h: Step,
    shape: tuple[int, ...],
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    asked: bool,
) -> None:
    """Set NONFINITE elements to nan and give one warning per code that calls for one.

    LEVEL_LIMIT warns only where the caller ``asked`` for an accuracy (rtol, atol,
    max_levels); STEP_SHRUNK and OUT_OF_BOUNDS never do (the status and the step say it).
    """
    code = GradientStatus
    nonfinite = np.flatnonzero(status == code.NONFINITE)
    if nonfinite.size:
        grad[nonfinite] = np.nan
        at_x = any(bool((~np.isfinite(v[i == UNPERTURBED])).any()) for i, v in values_seen)
        if at_x:
            issue_warning(
                "f(x) itself is not finite, so every element of the gradient is nan.",
                NonFiniteWarning,
            )
        else:
            issue_warning(
                f"f returned inf or nan at perturbed points of {names(shape, nonfinite)}; "
                "those elements of the gradient are nan. Check the domain of f near x "
                "(log or sqrt of a negative number, overflow) or use a smaller h.",
                NonFiniteWarning,
            )
    vanished = np.flatnonzero(status == code.STEP_VANISHED)
    if vanished.size:
        first = int(vanished[0])
        value = x0[first]
        spacing = float(np.spacing(np.abs(value)))
        issue_warning(
            f"the step h = {h} is too small for the magnitude of {names(shape, vanished)}: "
            f"at {element_name(shape, first)} = {value:.6g} floating-point numbers are "
            f"{spacing:.2g} apart, so x ± h rounds back to x and that gradient element is "
            "computed as exactly 0. Pass h='auto' for a step relative to |x|.",
            PrecisionWarning,
        )
    inexact = np.flatnonzero(status == code.STEP_INEXACT)
    if inexact.size and not isinstance(h, str):
        first = int(inexact[0])
        _, up, down = _inexact_steps(x0[first : first + 1], h)
        issue_warning(
            f"the step actually taken at {names(shape, inexact)} is not h = {h:g}: at "
            f"{element_name(shape, first)} = {x0[first]:.6g} floating-point numbers are "
            f"{float(np.spacing(np.abs(x0[first]))):.2g} apart, so x + h and x - h land on "
            f"neighbouring floats, {float(up[0]):.6g} above and {float(down[0]):.6g} below "
            "x. The book's formula divides by 2h all the same, so that element is off by "
            f"about {abs(float(up[0] + down[0]) / (2 * h) - 1):.1%}. Pass h='auto' (a step "
            "relative to |x|, divided by the distance actually taken) or "
            "method='richardson'.",
            PrecisionWarning,
        )
    rounding = np.flatnonzero(status == code.ROUNDING_LIMITED)
    if rounding.size:
        first = int(rounding[0])
        if estimate.status is None:
            issue_warning(
                f"f(x + h) and f(x - h) differ only by rounding in f for "
                f"{names(shape, rounding)}: at {element_name(shape, first)} the values of f "
                "it compares agree to within f's own rounding error, so that element of "
                "the gradient is rounding noise (f is large beside this element's "
                "contribution, or computes in lower precision). Use a larger h for that "
                "element, method='richardson' (which grows the step there and gives an "
                "error bar), or rescale f (subtract its large constant part).",
                PrecisionWarning,
            )
        else:
            issue_warning(
                f"the estimate of {names(shape, rounding)} stopped improving before it "
                f"reached its tolerance (at {element_name(shape, first)}: "
                f"{grad[first]:.6g} ± {estimate.error[first]:.1e}): rounding in f (about "
                f"{_noise(estimate, first):.1e} per value) limits it. The error bar is "
                "honest; for better, rescale f (subtract its large constant part) or "
                "compute f in higher precision.",
                PrecisionWarning,
            )
    limit = np.flatnonzero(status == code.LEVEL_LIMIT)
    if limit.size and asked:
        first = int(limit[0])
        issue_warning(
            f"Richardson used all its levels for {names(shape, limit)} without reaching "
            f"its tolerance (at {element_name(shape, first)}: {grad[first]:.6g} ± "
            f"{estimate.error[first]:.1e}). Raise max_levels or loosen rtol/atol.",
            PrecisionWarning,
        )


def _noise(estimate: Estimate, element: int) -> float:
    """The measured rounding of one value of f at ``element`` (nan if not measured)."""
    return math.nan if estimate.noise is None else float(estimate.noise[element])


def _joint_move(snapshot: NDArray[Any]) -> NDArray[Any]:
    """x moved along every element at once, by about 1e-3 · max(1, |x|).

    Perturbing one element at a time cannot tell an f that ignores x from a point where
    f is flat along every axis (x0 · x1 at the origin); one joint move can.
    """
    weights = np.random.default_rng(20240).uniform(0.5, 1.5, snapshot.shape)
    signs = np.where(np.arange(snapshot.size).reshape(snapshot.shape) % 2 == 0, 1.0, -1.0)
    moved: NDArray[Any] = snapshot + (1e-3 * signs * weights * scale(snapshot)).astype(
        snapshot.dtype
    )
    return moved


def _flag_ignored_input(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    evaluate: Callable[[Points], NDArray[Any]],
    shape: tuple[int, ...],
    copies: str | None,
    probe: Callable[[], Any],
) -> None:
    """Warn when f gave the same value at every perturbed point, at x itself and at x
    moved along every element at once (``probe``).

    ``copies`` names the option that made f receive copies of x (None: in place).
    """
    perturbed = np.concatenate([values[index >= 0] for index, values in values_seen])
    if (
        perturbed.size == 0
        or not np.isfinite(perturbed[0])
        or np.imag(perturbed[0]) != 0  # the complex step saw x: f does not ignore it
        or not np.all(perturbed == perturbed[0])
    ):
        return
    at_x = [values[index == UNPERTURBED] for index, values in values_seen]
    known = np.concatenate(at_x)
    if known.size == 0:
        known = evaluate(
            Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, dtype=np.float64))
        )
    if np.all(known == perturbed[0]) and probe() == perturbed[0]:
        if copies is not None:
            issue_warning(
                "f returned exactly the same value at every perturbed point and at x "
                f"itself, so the gradient is all zeros. With {copies}, f receives perturbed "
                "copies of x, never the array itself: a closure such as "
                "lambda w: net.loss(x, t) that reads net.W instead of its argument sees no "
                "perturbation. Such a closure needs the default in-place mode (a real "
                "method, no vectorized or workers); otherwise make f compute from its "
                "argument (the complex step needs that: it evaluates f on a complex copy of "
                "x, since x + ih cannot be written into a real array). If f "
                "is constant near x, ignore this warning.",
                IgnoredInputWarning,
            )
            return
        issue_warning(
            "f returned exactly the same value at every perturbed point and at x itself, "
            "so the gradient is all zeros. f probably ignores its argument: a closure such "
            "as lambda w: net.loss(x, t) must read the very array passed to "
            "numerical_gradient (net.W itself, not a copy or another array), and the "
            "perturbations are only visible to it when that array is perturbed in place "
            "(a float ndarray you own, the default mode). If f is constant near x, ignore "
            "this warning.",
            IgnoredInputWarning,
        )


@overload
def numerical_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    method: str = ...,
    order: int | None = ...,
    bounds: tuple[ArrayLike, ArrayLike] | None = ...,
    step_direction: ArrayLike | None = ...,
    full_output: Literal[False] = ...,
    vectorized: bool = ...,
    batch_size: int | None = ...,
    workers: Workers | None = ...,
    progress: bool = ...,
    rtol: float | None = ...,
    atol: float | None = ...,
    max_levels: int | None = ...,
) -> NDArray[np.floating]: ...


@overload
def numerical_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    method: str = ...,
    order: int | None = ...,
    bounds: tuple[ArrayLike, ArrayLike] | None = ...,
    step_direction: ArrayLike | None = ...,
    full_output: Literal[True],
    vectorized: bool = ...,
    batch_size: int | None = ...,
    workers: Workers | None = ...,
    progress: bool = ...,
    rtol: float | None = ...,
    atol: float | None = ...,
    max_levels: int | None = ...,
) -> GradientResult: ...


def numerical_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = None,
    *,
    method: str = "central",
    order: int | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    step_direction: ArrayLike | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
) -> NDArray[np.floating] | GradientResult:
    """Numerical gradient of a scalar function f at x, as in section 4.4 of the book.

    Each element of x is perturbed in turn **in place**, on the caller's own array, and
    f is called with that same array; the element is restored afterwards, bit for bit,
    also when f raises. That is what makes the book's pattern
    ``numerical_gradient(lambda w: net.loss(x, t), net.W)`` work.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; must return a real scalar (a number or an array of size 1).
    x : array_like
        Point of any shape. Integer, bool, list, scalar and read-only input is computed
        on a float64 copy (never truncated); float32 stays float32.
    h : float, "auto" or None
        Step of the difference (the first, largest step for "richardson"; the imaginary
        step for "complex"). None, the default, is the method's own step: the book's
        1e-4 for "central", "forward" and "backward", ``"auto"`` for "richardson" and
        "complex" (1e-4 is too small a first step for Richardson, whose rounding error
        it would limit to about 1e-12, and too large an imaginary step, error about
        1e-9). A value you pass is always used as given. ``"auto"`` gives each element
        its own step relative to ``max(1, |x|)`` and sized from the precision of x's
        dtype, ``eps**(1/3) * max(1, |x|)`` for central differences, adjusted so that
        x ± h is exact: right for float32 as well as float64. The steps used are in
        ``GradientResult.step``.
    method : {"central", "forward", "backward", "richardson", "complex"}
        "central" is the book's difference (2 evaluations of f per element),
        "forward"/"backward" one-sided ones (1 per element, plus f(x)).
        "richardson" repeats central differences at halving steps and extrapolates
        them, refining each element until its error estimate stops improving (about
        10 evaluations per element, relative error near 1e-13 with ``h="auto"``).
        "complex" is the complex step, Im f(x + ih) / h: one evaluation per element
        and accurate to rounding, for an f written with operations that accept complex
        numbers; f then receives a complex *copy* of x (see Notes).
    order : int, optional
        Order of the stencil (truncation error O(h^order)): 2, 4, 6 or 8 for "central"
        (order evaluations per element), 1 to 4 for "forward" and "backward" (order per
        element, plus f(x) once). None, the default, is the book's formula. With an order
        and ``h=None`` the step is that order's own, ``eps**(1/(order+1)) * max(1, |x|)``;
        ``error`` is then the distance to the stencil of the order below on the same
        points plus f's rounding (nan for central 2 and one-sided 1). "richardson" and
        "complex" choose their own order.
    bounds : (lower, upper), optional
        f is never evaluated outside ``lower <= x <= upper`` (numbers or arrays that
        broadcast to x's shape; ±inf for no bound). An element whose stencil would leave
        them uses a one-sided stencil of the same order (with a smaller step where none
        fits); "richardson" starts such an element from half its room to the bound, or
        uses the one-sided stencil of order 6 at the bound; "complex" stays at x.
    step_direction : array_like of {-1, 0, 1}, optional
        Per element (broadcast to x's shape), for "central" and "richardson": 0 central,
        +1 forward, -1 backward, as in SciPy. Bounds override it.
    full_output : bool
        Return a :class:`GradientResult` (gradient, error estimate, evaluation count)
        instead of the bare gradient. Its ``error`` is nan for the single differences
        ("central", "forward", "backward"): one difference carries no information about
        its own truncation error. "richardson" estimates it from successive levels plus
        the rounding error of f (it covered the true error for more than 99% of the
        elements of the accuracy benchmark); "complex" with ``h="auto"`` reports its
        rounding error, 8 eps |grad|, which assumes f is analytic and evaluated to full
        precision (with a numeric h its O(h²) truncation error is unknown: nan).
    vectorized : bool
        f takes a batch of points, an array of shape ``(k, *x.shape)``, and returns shape
        ``(k,)``: one call evaluates up to ``batch_size`` perturbed points.
    batch_size : int, optional
        Points per call of a vectorized f (default: as many copies of x as fit in
        16 MiB). With ``workers`` and a scalar f: points per task (default: the points
        split into 4 tasks per worker).
    workers : int, Executor or callable, optional
        Evaluate in parallel: an int starts a process pool of that size (shut down
        afterwards; f must be picklable, e.g. a module-level function); any
        ``concurrent.futures.Executor`` (threads, processes, a Dask
        ``client.get_executor()``) or a map-like ``workers(func, iterable)`` is used as
        given; a Dask ``Client`` runs on its executor, with tasks sized for the
        cluster's threads. Each task evaluates a chunk of points on its own copy of x.
    progress : bool
        Show a tqdm progress bar of the evaluations of f.
    rtol, atol : float, optional
        "richardson" only: stop refining an element once its error estimate is at most
        ``atol + rtol·|grad|`` (a missing one counts as 0). By default it refines until
        its estimate stops improving. An element that does not get there is reported in
        ``GradientResult.status``.
    max_levels : int, optional
        "richardson" only: the most levels (step halvings, 2 evaluations each), 1 to
        30; default 20.

    Returns
    -------
    ndarray or GradientResult
        The gradient, with x's shape and a floating dtype.

    Raises
    ------
    ValueError
        An unknown method; an order the method does not have; bounds with lower >= upper
        or not broadcasting to x's shape; x outside its bounds; a step direction other
        than -1, 0, 1, or one given to a method without sides; rtol, atol or max_levels
        with a method other than "richardson", or out of range.
    TypeError
        f is not callable; order is not an integer; bounds are not numbers; rtol, atol
        or max_levels of the wrong type.
    InputModifiedError
        f modified x.

    Warns
    -----
    NonFiniteWarning
        f was inf or nan where an element needs it (status NONFINITE).
    PrecisionWarning
        x ± h rounded back to x, the step taken differs from a fixed h, f's values
        differ only by rounding, or Richardson did not reach the rtol/atol asked for
        (statuses STEP_VANISHED, STEP_INEXACT, ROUNDING_LIMITED, LEVEL_LIMIT); also
        float32 or float16 x with a fixed h.
    IgnoredInputWarning
        f returned the same value everywhere: it probably ignores its argument.

    Notes
    -----
    With ``vectorized`` or ``workers``, f receives perturbed *copies* of x, never the
    caller's array, and x is not touched at all. The book's closure pattern, where f
    ignores its argument and reads ``net.W``, needs the default in-place mode. Every
    method gives bit-identical results in every mode whenever f returns the same
    values: only the evaluation differs, never the points or how they combine. With
    threads, f is called concurrently on separate copies and must be thread-safe. An
    exception in a worker is raised again with its own type and message; on an error
    or Ctrl-C, the process pool that ``workers=n`` started is stopped at once.

    ``method="complex"`` cannot write x + ih into a real array, so it always evaluates f
    on a complex copy of x: the book's closure pattern cannot see that copy (an
    IgnoredInputWarning says so). When f drops the imaginary part (``abs``, ``.real``,
    ``float()``, ``conj``, casting to a real array) the complex step raises an error
    instead of returning zeros.

    Examples
    --------
    >>> import numpy as np
    >>> numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]))
    array([6., 8.])
    >>> numerical_gradient(lambda x: np.sum(x**2), [3, 4])  # ints are not truncated
    array([6., 8.])

    Richardson extrapolation and the complex step, with their error estimates:

    >>> f = lambda x: np.sum(np.exp(x) * np.sin(x))
    >>> result = numerical_gradient(f, [0.5, 2.0], "auto", method="richardson",
    ...                             full_output=True)
    >>> true = np.exp([0.5, 2.0]) * (np.sin([0.5, 2.0]) + np.cos([0.5, 2.0]))
    >>> bool(np.all(np.abs(result.grad - true) <= result.error)), bool(result.nfev <= 24)
    (True, True)
    >>> numerical_gradient(f, [0.5, 2.0], method="complex", h="auto") - true
    array([0., 0.])

    A vectorized f evaluates a whole batch of perturbed points in one call:

    >>> numerical_gradient(lambda X: np.sum(X**2, axis=1), np.array([3.0, 4.0]),
    ...                    vectorized=True)
    array([6., 8.])
    """
    options = check_options(vectorized, batch_size, workers, progress)
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    result = _run(f, x, h, method, options, order, bounds, step_direction, accuracy)
    return result if full_output else result.grad


@dataclass(frozen=True)
class _ScalarArgument:
    """f called with the number its 0-d array holds (a class, so that it pickles)."""

    f: Callable[[Any], object]

    def __call__(self, w: NDArray[Any]) -> object:
        return self.f(w.reshape(())[()])


def numerical_diff(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = None,
    *,
    method: str = "central",
    order: int | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    step_direction: ArrayLike | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
) -> Any:
    """Numerical derivative of a function of one variable, as in section 4.3 of the book.

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a scalar x (it receives a NumPy scalar); with
        ``vectorized=True``, f takes a 1-D array of k points and returns shape (k,).
    x : float
        The point; a number or an array holding one number.
    h, method, order, bounds, step_direction, full_output, vectorized, batch_size, workers
        As for :func:`numerical_gradient`; also progress, rtol, atol, max_levels.
        As for :func:`numerical_gradient`.

    Returns
    -------
    numpy.floating or GradientResult

    Examples
    --------
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5)
    np.float64(0.1999999999990898)
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5, "auto", method="richardson")
    np.float64(0.2)
    """
    array = np.asarray(x)
    if array.size != 1:
        raise ValueError(
            f"numerical_diff differentiates at one point, but x has shape {array.shape}; "
            "use numerical_gradient for a function of several variables."
        )

    options = check_options(vectorized, batch_size, workers, progress)
    scalar_f = f if options.vectorized else _ScalarArgument(f)
    point = x if isinstance(x, np.ndarray) and x.ndim == 0 else array.reshape(())
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    result = _run(scalar_f, point, h, method, options, order, bounds, step_direction, accuracy)
    if full_output:
        return result
    return result.grad.reshape(())[()]
