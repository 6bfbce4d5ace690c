"""The one driver of gradients, derivatives and Jacobians: validate input, run a plan,
evaluate its points, restore x, report."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.warnings import PrecisionWarning, issue_warning

from .book_fast_path import central_shortcut
from .bounded_richardson import bounded_richardson
from .complex_check import (
    directional_move,
)
from .cross_check import cross_checked
from .display import bars_text, derivative_html
from .evaluators.choose import evaluator
from .evaluators.options import Options
from .ignored_input import flag_ignored_input, joint_move, own_description
from .inputs import (
    InputModifiedError,
    changed_elements,
    describe,
    float64_spelling,
    modified_message,
    region,
    working_array,
)
from .methods import METHODS, method_named, resolve_step
from .plan_runner import drive, drive_complex
from .points import UNPERTURBED, Points, Step, any_per_element
from .richardson import check_accuracy
from .single_difference import BOOK_STEP
from .singular import looks_singular, singular_entries
from .status import element_status, hides_rounding, lost_in_rounding, settle_precision
from .status_codes import UNKNOWN_STATUS, GradientStatus, raise_status
from .status_warnings import warn_status

__all__ = ["GradientResult", "differentiate", "value_at_x"]


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
          step tried, or f is singular at x: f(x) not finite, or a spike more than 1e6
          times the values of opposite sign on either side (tan at the float nearest
          pi/2); the element is nan (NonFiniteWarning);
        - ``STEP_VANISHED`` (2): x ± h rounded back to x; the element is 0
          (PrecisionWarning);
        - ``ROUNDING_LIMITED`` (3): f's rounding (8 units of f's precision, measured
          from f's values: float32 inside f shows there) over the step leaves an
          uncertainty above 1e-4 of the element (float32 x: eps**(1/3)); the warning
          says how many digits are left; "richardson": its estimate stopped improving
          above its tolerance (PrecisionWarning);
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
        uncertainty above 10·eps**(1/3) times the largest element of the gradient too,
        and not near a stationary point.

    Examples
    --------
    >>> import numpy as np
    >>> from gradwalk import GradientStatus, numerical_gradient
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
        return (
            f"GradientResult(method={self.method!r}, nfev={self.nfev},\n"
            f"               grad={grad},\n"
            f"               error={bars_text(self.error, prefix='               error=')})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: method, cost, status verdict, a row per element."""
        return derivative_html(
            "GradientResult", self.grad, self.error, self.step, self.status, self.method, self.nfev
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
            "Pass h='auto' for a step sized to the dtype, or compute on x in float64 "
            f"({float64_spelling('x')}).",
            PrecisionWarning,
        )


def differentiate(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None,
    method: str,
    options: Options,
    order: int | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    step_direction: ArrayLike | None = None,
    accuracy: dict[str, Any] | None = None,
    *,
    vector: bool = False,
    value_shape: tuple[int, ...] | None = None,
) -> GradientResult:
    """Run ``method`` on f at x: the one driver of gradients, derivatives and Jacobians.

    With ``vector=True`` f may return an array of any (fixed) shape: f(x) is evaluated
    first to learn it, and the result's ``grad`` and ``error`` have shape
    ``x.shape + f(x).shape`` (``step``: x's shape, or that shape where the step is chosen
    per output; ``status``: x's shape, the most severe over each element's outputs). A
    ``value_shape`` given (the shape f's values are known to have) spares that
    evaluation.
    """
    shortcut = central_shortcut(
        f, x, h, method, options, order, bounds, step_direction, accuracy, vector
    )
    if shortcut is not None and shortcut.fields is not None:
        return GradientResult(**shortcut.fields)
    if shortcut is not None:  # f's values so far, for the full checks below
        options = shortcut.options
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
    # f(x) is one value per element for an elementwise f and for a sparse Jacobian's
    # entries (each its output's): the plans ask for it per element (``own_x``), so that
    # every request of a plan reads f's own values, not differences from f(x)
    own_x_per_element = options.elementwise or options.compressed is not None
    plan = record.planner(order, where, own_x_per_element)
    given = {name: value for name, value in (accuracy or {}).items() if value is not None}
    if given:  # Richardson's accuracy controls
        controls = check_accuracy(given, method)
        if where is None:
            plan = functools.partial(record.plan, **controls)
        else:
            plan = functools.partial(
                bounded_richardson,
                order=0,
                region=where,
                elementwise=own_x_per_element,
                **controls,
            )
    if dtype.itemsize < 8:
        _warn_low_precision(dtype, h)

    snapshot = work.copy()
    complex_step = record.complex_points
    if complex_step:  # x + ih cannot be written into a real array: work on a complex copy
        work, is_callers = snapshot.astype(np.result_type(dtype, np.complex64)), False
    x0 = snapshot.reshape(-1)
    nfev = 0
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]] = []
    f_at_x: NDArray[Any] | None = None
    # The complex step's cross-check: f at x moved along a random direction (for a
    # vector-valued f, also the evaluation that tells the shape of its values).
    move = directional_move(snapshot) if complex_step else None
    moved: NDArray[Any] | None = None
    if vector and value_shape is None and move is not None:
        moved = value_at_x(f, snapshot.real + move, options)
        value_shape, nfev = moved.shape, 1
    elif vector and value_shape is None:
        f_at_x = value_at_x(f, snapshot, options)[np.newaxis]
        value_shape, nfev = f_at_x.shape[1:], 1
        values_seen.append((np.array([UNPERTURBED], dtype=np.intp), f_at_x))
    value_shape = value_shape or ()
    # Outputs not finite at x have no derivative anywhere; the plan sees them as 0, so
    # that they neither shrink nor stop the other outputs' steps (their entries end nan).
    dead = None if f_at_x is None else ~np.isfinite(f_at_x[0])
    if moved is not None:
        dead = ~np.isfinite(moved)
    evaluate = evaluator(options, f, work, complex_ok=complex_step, value_shape=value_shape)

    def counted(points: Points) -> NDArray[Any]:
        nonlocal nfev
        at_x = points.index == UNPERTURBED
        if f_at_x is not None and at_x.any():  # f(x) is known: evaluate the others only
            moved = ~at_x
            kind = np.result_type(f_at_x.dtype, np.complex64) if complex_step else f_at_x.dtype
            values = np.empty((len(at_x), *value_shape), dtype=kind)
            values[at_x] = f_at_x[0]
            if moved.any():
                values[moved] = counted(Points(points.index[moved], points.value[moved]))
            return values
        with np.errstate(all="ignore"):  # gradwalk's probes: non-finite values are reported
            values = evaluate(points)
        nfev += len(points.index)
        values_seen.append((points.index, values))
        if dead is not None and dead.any():
            values = np.where(dead, 0, values)
        return values

    try:
        try:
            estimate = (drive_complex if complex_step else drive)(plan(x0, h), counted)
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

    nfev += evaluate.extra_evaluations
    if x0.size and not estimate.vanished.any() and looks_singular(values_seen, x0.size):
        counted(Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, dtype=work.dtype)))
    book = record.name == "central" and plan is record.plan  # divides by 2h, as the book
    singular = singular_entries(values_seen, x0.size, evaluate.f_at_x)
    analytic = unverified = None
    if move is not None and x0.size and values_seen and not singular.any():
        if moved is None:
            nfev += 1
            with np.errstate(all="ignore"):
                moved = np.asarray(evaluate.at((snapshot.real + move).astype(work.dtype)))

        def along(factor: float) -> NDArray[Any]:  # f at x + factor·move (real)
            nonlocal nfev
            nfev += 1
            with np.errstate(all="ignore"):
                return np.asarray(evaluate.at((snapshot.real + factor * move).astype(work.dtype)))

        estimate, analytic, unverified = cross_checked(
            estimate, values_seen, move, moved, counted, x0, along
        )
    grad = estimate.grad  # copied below only where entries are to be set to nan

    def at_point(element: int, value: Any) -> Any:
        nonlocal nfev
        nfev += 1
        point = snapshot.astype(work.dtype)
        point.reshape(-1)[element] = value
        with np.errstate(all="ignore"):
            return evaluate.at(point)

    needs_precision = not complex_step and (
        estimate.status is None
        or bool(np.any(estimate.status == UNKNOWN_STATUS))
        or bool(np.any(estimate.status == GradientStatus.OUT_OF_BOUNDS))
    )
    precision = None
    if needs_precision:  # the rounding check of the elements whose plan keeps no status
        # one more value where two are too few to tell f's precision, but never for the
        # book's own call (central, h = 1e-4: two evaluations per element, its digits)
        book_call = book and not isinstance(h, str) and h == BOOK_STEP
        precision = settle_precision(estimate, values_seen, x0, at_point, not book, not book_call)
        if not estimate.vanished.any() and hides_rounding(
            estimate, values_seen, x0, precision, evaluate.f_at_x
        ):  # a minimum, or f's large constant part? f(x) tells
            counted(Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, dtype=work.dtype)))
    lost = False
    if x0.size and not estimate.vanished.any():
        copies = evaluate.copies
        if complex_step:
            copies = f"method={method!r}" + (f" and {copies}" if copies else "")

        def probe(size: float) -> Any:
            nonlocal nfev
            nfev += 1
            with np.errstate(all="ignore"):
                return evaluate.at(joint_move(snapshot, size).astype(work.dtype))

        def swallowed(change: float, size: float, value: Any) -> bool:
            return lost_in_rounding(change, size, estimate, values_seen, x0, precision, value)

        def own_at_x() -> Any:  # an elementwise f's f(x), per element
            if evaluate.f_at_x is None:
                counted(Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, work.dtype)))
            return evaluate.f_at_x

        lost = flag_ignored_input(
            values_seen,
            counted,
            shape,
            copies,
            probe,
            swallowed,
            own_at_x if options.elementwise else None,
            own_description(f),
        )
    status = element_status(
        estimate,
        values_seen,
        x0,
        h,
        book,
        complex_step,
        singular,
        precision,
        lost,
        evaluate.f_at_x,
    )
    if analytic is not None and analytic.any():
        raise_status(status, any_per_element(analytic), GradientStatus.NON_ANALYTIC)
    if np.any(status == GradientStatus.NONFINITE):  # warn_status sets those entries nan
        grad = grad.copy()
    shown = status
    if unverified is not None and unverified.any():  # the cross-check has warned of those
        shown = status.copy()
        raised = (GradientStatus.STEP_TOO_LARGE, GradientStatus.ROUNDING_LIMITED)
        quiet = any_per_element(unverified) & np.isin(status, raised)
        shown[quiet] = GradientStatus.CONVERGED
    kind = record.name  # the warnings name the values of f that the method compares
    warn_status(
        shown, grad, estimate, x0, h, shape, values_seen, bool(given), singular, precision, kind
    )
    result_dtype = np.result_type(dtype, np.float16)
    step = np.asarray(estimate.step, dtype=result_dtype)
    return GradientResult(
        grad=grad.astype(result_dtype, copy=False).reshape(shape + value_shape),
        error=estimate.error.astype(result_dtype, copy=False).reshape(shape + value_shape),
        nfev=nfev,
        step=step.reshape(shape + step.shape[1:]),
        method=method,
        status=status.reshape(shape),
    )


def value_at_x(f: Callable[[Any], object], x: NDArray[Any], options: Options) -> NDArray[Any]:
    """f(x) for a vector-valued f, on a copy of x (a batch of one if f is vectorized).

    Raises
    ------
    TypeError
        f(x) is not a real numeric array or number.
    ValueError
        A vectorized f did not return a batch of one value.
    """
    if options.vectorized:
        batch = np.asarray(f(x.copy()[np.newaxis]))
        if batch.ndim == 0 or batch.shape[0] != 1:
            raise ValueError(
                "a vectorized f must return one value per point: given a batch of 1 point "
                f"(shape {(1, *x.shape)}) it returned shape {batch.shape}, where "
                "(1, *f(x).shape) is needed. Pass vectorized=False if f takes one point."
            )
        value: object = batch[0]
    else:
        value = f(x.copy())
    array = None if isinstance(value, str | bytes) else np.asarray(value)
    if array is None or array.dtype.kind not in "fiubc":
        raise TypeError(
            f"f must return a real numeric array (or a number), but f(x) is {describe(value)}."
        )
    if array.dtype.kind == "c":
        if np.any(array.imag != 0):
            raise TypeError(
                f"f must return real values, but f(x) is {describe(value)} with a nonzero "
                "imaginary part: differentiate z.real and z.imag as two functions."
            )
        array = array.real
    return array
