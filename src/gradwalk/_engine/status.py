"""What f's values say of each element: its status code (non-finite values, f's
rounding over the step, inexact steps)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .inputs import scale
from .points import (
    UNPERTURBED,
    Estimate,
    Step,
    all_per_element,
    any_per_element,
    element_of,
    per_element,
    wide_dtype,
)
from .rounding import (
    GRID_CONFIRM,
    PRECISION_SAMPLE,
    PROBE_FRACTION,
    Precision,
    measured_precision,
    near_stationary,
    rounding_floor,
    rounding_limited,
    short_fraction,
    undecided_precision,
)
from .singular import extremes_per_element, joined, singular_entries
from .status_codes import STEP_TOLERANCE, UNKNOWN_STATUS, GradientStatus, raise_status
from .verify import threshold

#: Where a probe of f shows that f does change, the multiple of f's rounding below which
#: the change it implies over the method's step counts as lost in the rounding.
LOST_MULTIPLE = 16.0


def element_status(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    h: Step,
    book: bool,
    complex_step: bool,
    singular: NDArray[np.bool_] | None = None,
    precision: Precision | None = None,
    lost: bool = False,
    own_at_x: NDArray[Any] | None = None,
) -> NDArray[np.int8]:
    """One :class:`GradientStatus` code per element: the plan's own, or read from f's values.

    A plan that tracks its status (Richardson) gives it; for the others, an element is
    NONFINITE where some value of f it needs is not finite, and ROUNDING_LIMITED where
    those values differ by no more than f's rounding (:func:`_rounding_limited`, with
    f's ``precision`` as measured, read from the values if not given). Where f's change
    is ``lost`` in its rounding everywhere (every value of f the same, while f does
    depend on x: ``1e20 + sum(x**2)``), every element is ROUNDING_LIMITED. Every
    plan's ``vanished`` elements are STEP_VANISHED; where the ``book``'s central
    difference divides by a fixed 2h, elements whose step taken differs are STEP_INEXACT.
    Elements with a ``singular`` entry (:func:`singular_entries`, computed from
    ``values_seen`` if not given) are NONFINITE, whatever the plan says.
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
        extents = _extents(values_seen)
        for (index, values), (highest, lowest) in zip(values_seen, extents, strict=True):
            if np.iscomplexobj(values):  # the imaginary parts count too
                with np.errstate(all="ignore"):
                    if np.isfinite(np.sum(values)):  # a nan or inf anywhere shows in the sum
                        continue
            elif math.isfinite(highest) and math.isfinite(lowest):  # no nan or inf in them
                continue
            not_finite = any_per_element(~np.isfinite(values))  # any output, if several
            nonfinite[element_of(index)[not_finite & (index != UNPERTURBED)]] = True
            if (not_finite & (index == UNPERTURBED)).any():
                nonfinite[:] = True
        raise_status(status, nonfinite & unknown, GradientStatus.NONFINITE)
        if not complex_step:  # the complex step takes no difference: nothing cancels
            narrow = x0.dtype.itemsize < 8 and not isinstance(h, str)
            limited = _rounding_limited(
                estimate, values_seen, x0, narrow, precision, extents, own_at_x
            )
            raise_status(status, limited & unknown, ROUNDING)
        raise_status(status, squeezed, GradientStatus.OUT_OF_BOUNDS)
    # f singular at x (a pole): those elements have no gradient, whatever the plan says.
    if singular is None:
        singular = singular_entries(values_seen, n)
    raise_status(status, any_per_element(singular), GradientStatus.NONFINITE)
    if lost and not complex_step:
        raise_status(status, np.ones(n, dtype=bool), ROUNDING)
    raise_status(status, estimate.vanished, GradientStatus.STEP_VANISHED)
    if book and not isinstance(h, str):
        raise_status(status, inexact_steps(x0, h)[0], GradientStatus.STEP_INEXACT)
    return status


ROUNDING = GradientStatus.ROUNDING_LIMITED


def _rounding_limited(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    narrow: bool = False,
    precision: Precision | None = None,
    extents: list[tuple[float, float]] | None = None,
    own_at_x: NDArray[Any] | None = None,
) -> NDArray[np.bool_]:
    """Elements whose digits f's rounding limits, where it matters.

    The uncertainty f's rounding leaves in an element (:func:`rounding_uncertainty`) is
    reported where :func:`~gradwalk._engine.rounding.rounding_limited` says so (above 1e-4 of
    the element's own gradient, with a floor relative to the largest element), and not
    near a stationary point (:func:`near_stationary`), where some elements are always at
    rounding level, if f(x) shows it: f(x) below both values beside it along the element
    (or above both) by more than f's rounding (:func:`at_extremum`; 1e12 + x**2 at 1.4
    is "near a stationary point" by its size alone). Where every value of f is the same,
    the driver tells a change lost in f's rounding from an f that ignores x. Where x is
    ``narrow`` (float32 or float16 with a fixed h, whose limit the driver has already
    warned of), only elements whose values of f agree within f's rounding are reported.
    ``extents``: each request's largest and least value, where known; ``own_at_x``: f(x)
    per element, for an elementwise f.
    """
    limited, stationary = _limited_near_stationary(
        estimate, values_seen, x0, narrow, precision, extents
    )
    if stationary and limited.any():
        limited &= ~at_extremum(values_seen, x0.size, precision, own_at_x)
    flagged: NDArray[np.bool_] = any_per_element(limited)
    return flagged


def hides_rounding(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    precision: Precision | None,
    own_at_x: NDArray[Any] | None = None,
) -> bool:
    """Whether f(x) must be known to report f's rounding: some element is limited by it,
    x looks near a stationary point, and f(x) has not been evaluated (the book's central
    difference does not evaluate it; one more evaluation tells a minimum from a large
    constant part)."""
    if own_at_x is not None or any((index < 0).any() for index, _ in values_seen):
        return False
    limited, stationary = _limited_near_stationary(estimate, values_seen, x0, False, precision)
    return stationary and bool(limited.any())


def _limited_near_stationary(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    narrow: bool,
    precision: Precision | None,
    extents: list[tuple[float, float]] | None = None,
) -> tuple[NDArray[np.bool_], bool]:
    """The entries f's rounding limits (:func:`_rounding_limited`), and whether x looks
    near a stationary point."""
    n = x0.size
    none = np.zeros(n, dtype=bool)
    if not n or not values_seen:
        return none, False
    if precision is None:
        precision = precision_of(values_seen, x0.dtype)
    signed = estimate.grad.astype(np.float64, copy=False)
    with np.errstate(all="ignore"):  # the largest |grad| without an array of |grad|
        largest = float(max(np.fmax.reduce(signed, axis=None), -np.fmin.reduce(signed, axis=None)))
    if not math.isfinite(largest):
        largest = float(np.abs(signed[np.isfinite(signed)]).max(initial=0.0))
    if largest != largest:  # every element nan
        largest = 0.0
    bound = _uncertainty_bound(estimate, values_seen, precision, extents)
    if largest == 0 or bound <= rounding_floor(largest, x0.dtype):
        # every element 0 (f ignores x, or its change is lost: the driver tells which), or
        # no element can be reported: spares the pass below
        return none, False
    grad = np.abs(signed)
    uncertainty, size, agree = rounding_uncertainty(estimate, values_seen, x0, precision)
    f_size = float(size[np.isfinite(size)].max(initial=0.0))
    x_entry = np.broadcast_to(per_element(x0, grad), grad.shape)
    with np.errstate(all="ignore"):
        limited = rounding_limited(uncertainty, grad, largest, x0.dtype)
    if narrow:
        limited &= agree
    limited &= np.isfinite(uncertainty)
    return limited, near_stationary(estimate.grad, x_entry, f_size)


def at_extremum(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    n: int,
    precision: Precision | None,
    own_at_x: NDArray[Any] | None = None,
) -> NDArray[np.bool_]:
    """Per entry (element, output): whether f(x) is below both of f's values beside it
    along the element, or above both, by more than :data:`THRESHOLDS` "above noise"
    times f's rounding: x is at a minimum or maximum along that axis, f's curvature
    resolved. False where f(x) is unknown, or the element has values on one side only.
    ``own_at_x``: f(x) per element, for an elementwise f."""
    index = joined([i for i, _ in values_seen])
    values = _values_of(values_seen)
    if precision is None:
        precision = measured_precision(values, np.dtype(np.float64))
    perturbed = index >= 0
    low, high = extremes_per_element(index[perturbed], values[perturbed], n)
    count = np.bincount(index[perturbed], minlength=n)
    if own_at_x is not None:
        at_x = np.real(np.asarray(own_at_x)).astype(np.float64).reshape(low.shape)
    else:
        known = values[index == UNPERTURBED]
        if not known.size:
            return np.zeros(low.shape, dtype=bool)
        at_x = np.broadcast_to(known[0], low.shape)
    with np.errstate(all="ignore"):
        size = np.maximum(np.maximum(np.abs(low), np.abs(high)), np.abs(at_x))
        margin = threshold("above noise") * precision.rounding(size)
        minimum = (low - at_x > margin) & (high - at_x > margin)
        maximum = (at_x - high > margin) & (at_x - low > margin)
    both_sides = per_element(count >= 2, low)
    result: NDArray[np.bool_] = (minimum | maximum) & both_sides
    return result


def _uncertainty_bound(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    precision: Precision,
    extents: list[tuple[float, float]] | None = None,
) -> float:
    """An upper bound on every element's uncertainty from :func:`rounding_uncertainty`
    (inf where there is none to be had cheaply): f's rounding at its largest finite |value|
    over the smallest step, computed as each element's is, so that rounding keeps it a
    bound. ``extents``: each request's largest and least value, where known."""
    if extents is None:
        extents = _extents(values_seen)
    highest = max((top for top, _ in extents), default=-math.inf)
    lowest = min((bottom for _, bottom in extents), default=math.inf)
    step = estimate.step.astype(np.float64, copy=False)
    top, bottom = float(step.max(initial=-math.inf)), float(step.min(initial=math.inf))
    smallest = bottom if bottom > 0 else -top if top < 0 else 0.0
    if not (math.isfinite(highest) and math.isfinite(lowest) and smallest > 0):
        return math.inf  # nan or inf among the values, or a step of 0 or of both signs
    noise = float(precision.rounding(max(highest, -lowest)))
    return noise / smallest


def _extents(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> list[tuple[float, float]]:
    """Each request's largest and least value (real parts; nan where any is nan)."""
    return [
        (float(v.max(initial=-math.inf)), float(v.min(initial=math.inf)))
        for v in _pieces(values_seen)
    ]


def _pieces(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> list[NDArray[np.float64]]:
    """f's values (their real parts), float64, one array per request (none copied
    where they are float64 already)."""
    return [np.real(v).astype(np.float64, copy=False) for _, v in values_seen]


def precision_of(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]], dtype: np.dtype[Any]
) -> Precision:
    """:func:`measured_precision` of every value seen, read first from the largest
    request alone: where that shows x's own precision and no grid (the common case),
    so do all of them together, without joining them into one array."""
    pieces = _pieces(values_seen)
    if not pieces:
        return measured_precision(np.zeros(0), dtype)
    largest = max(pieces, key=np.size)
    precision = measured_precision(largest, dtype)
    if len(pieces) == 1 or not precision.narrower_than(dtype):
        return precision
    return measured_precision(_values_of(values_seen), dtype)


def _values_of(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> NDArray[np.float64]:
    """f's values (their real parts) in the order seen, float64."""
    return np.real(joined([v for _, v in values_seen])).astype(np.float64, copy=False)


def rounding_uncertainty(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    precision: Precision | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The uncertainty f's rounding leaves in each element, |f| there, and whether the
    element's values of f all agree within twice f's rounding.

    f's rounding is ``ROUNDING_ULPS`` units of f's ``precision`` (measured from its
    values, :func:`~gradwalk._engine.rounding.measured_precision`: float32 inside f
    shows there, also with a float64 constant added) at the largest |f| among
    the element's values (and f(x), where the method evaluates it); the uncertainty is
    that over the element's step: a central difference's amplification, which
    ``ROUNDING_ULPS``' margin covers for the one-sided and higher-order stencils too.
    """
    n = x0.size
    index = element_of(joined([i for i, _ in values_seen]))  # f(x) as an element's own: its
    values = _values_of(values_seen)
    if precision is None:
        precision = measured_precision(values, x0.dtype)
    finite = all_per_element(np.isfinite(values))  # every output, if several
    perturbed = (index >= 0) & finite
    if perturbed.all():  # the common case: nothing to leave out, nothing to copy
        low, high = extremes_per_element(index, values, n)
    else:
        low, high = extremes_per_element(index[perturbed], values[perturbed], n)
    at_x = values[(index == UNPERTURBED) & finite]
    if at_x.size:
        high = np.maximum(high, at_x.max(axis=0))
        low = np.minimum(low, at_x.min(axis=0))
    size = np.maximum(np.abs(high), np.abs(low))
    size[~np.isfinite(size)] = 0.0
    noise = precision.rounding(size)
    step = np.abs(estimate.step.astype(np.float64, copy=False))
    with np.errstate(all="ignore"):
        uncertainty: NDArray[np.float64] = noise / per_element(step, noise)
    agree: NDArray[np.bool_] = high - low <= 2 * noise
    return uncertainty, size, agree


def inexact_steps(
    x0: NDArray[np.floating], h: float
) -> tuple[NDArray[np.bool_], NDArray[np.floating], NDArray[np.floating]]:
    """Where the distance between x + h and x - h differs from 2h by more than
    STEP_TOLERANCE, and the steps actually taken, (x + h) - x and x - (x - h)."""
    wide = wide_dtype(x0.dtype)
    step = x0.dtype.type(h)
    up = (x0 + step).astype(wide, copy=False) - x0.astype(wide, copy=False)
    down = x0.astype(wide, copy=False) - (x0 - step).astype(wide, copy=False)
    inexact: NDArray[np.bool_] = np.abs((up + down) / (2 * h) - 1) > STEP_TOLERANCE
    return inexact & (up > 0) & (down > 0), up, down


def settle_precision(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    at_point: Callable[[int, Any], Any],
    few_confirmed: bool = True,
    undecided_probed: bool = False,
) -> Precision:
    """f's precision, measured from its values (:func:`measured_precision`), confirmed at
    a generic point where it looks narrower than x's dtype and every point evaluated
    was a short binary fraction, or the values were few (unless not ``few_confirmed``:
    the book's central difference costs two evaluations per element, no more).

    At a dyadic x with a power-of-two step, a polynomial's values are exact in float32
    and lie on a coarse grid by construction: one more value of f, at ``x + PROBE_FRACTION
    · step`` along the element whose values differ most (``at_point(element, value)``
    evaluates it), tells chance from fact. With ``undecided_probed``, the same value is
    asked for where the values are too few for the precision test to conclude but all
    exact in a narrower type (:func:`undecided_precision`: a single difference at one
    element sees two values); f's value there, exact in that type too, settles it.
    """
    precision = precision_of(values_seen, x0.dtype)
    if not x0.size:
        return precision
    if not precision.narrower_than(x0.dtype):
        if not undecided_probed:
            return precision
        values = _values_of(values_seen)
        if np.all(values == values.flat[0]) or not undecided_precision(values, x0.dtype):
            # (values all the same leave no difference for f's rounding to limit: the
            # driver's ignored-input check reads f elsewhere, and its precision there)
            return precision
        value = _generic_value(estimate, x0, at_point)
        if not (np.all(np.isfinite(value)) and np.all(value != 0)):
            return precision  # f there says nothing of its precision
        joined_values = np.concatenate([values.ravel(), value])
        known = joined_values[np.isfinite(joined_values) & (joined_values != 0)]
        return measured_precision(joined_values, x0.dtype, min(PRECISION_SAMPLE, known.size))
    values = _values_of(values_seen)
    step = _widest_steps(estimate, x0)
    dyadic = short_fraction(x0).all() and short_fraction(step).all()
    if not dyadic and (values.size >= GRID_CONFIRM or not few_confirmed):
        return precision
    value = _generic_value(estimate, x0, at_point)
    return measured_precision(np.concatenate([values.ravel(), value]), x0.dtype)


def _widest_steps(estimate: Estimate, x0: NDArray[np.floating]) -> NDArray[np.float64]:
    """Each element's largest |step|."""
    steps: NDArray[np.float64] = (
        np.abs(estimate.step.astype(np.float64, copy=False)).reshape(x0.size, -1).max(axis=1)
    )
    return steps


def _generic_value(
    estimate: Estimate, x0: NDArray[np.floating], at_point: Callable[[int, Any], Any]
) -> NDArray[np.float64]:
    """f at ``x + PROBE_FRACTION · step`` along the element whose values differ most
    (``at_point(element, value)`` evaluates it): a point that is not a short binary
    fraction, for :func:`settle_precision`. Its real parts, flat."""
    step = _widest_steps(estimate, x0)
    grad = np.abs(estimate.grad.astype(np.float64, copy=False)).reshape(x0.size, -1)
    spread = np.where(np.isfinite(grad), grad, 0).max(axis=1) * step
    element = int(np.argmax(spread))
    point = x0[element] + x0.dtype.type(PROBE_FRACTION) * x0.dtype.type(step[element])
    value: NDArray[np.float64] = np.real(
        np.asarray(at_point(element, point), dtype=np.complex128)
    ).ravel()
    return value


def lost_in_rounding(
    change: float,
    size: float,
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    precision: Precision | None,
    moved: Any = None,
) -> bool:
    """Whether f, every value of which was the same, changing by ``change`` over a joint
    move of ``size``·max(1, |x|) (to the value ``moved``), would have changed by less than
    its rounding over the method's largest step: its change was lost in f's rounding (a
    large constant part), not absent (a step function).

    f's precision is read again with ``moved`` among its values: equal values that are
    whole numbers say nothing of it (a counter's are exact), but f computing in float32
    with a whole-number constant (``float(np.sum(x32**2) + np.float32(1e4))``) gives
    equal whole numbers at the method's points and a float32 number at the move.
    """
    values = _values_of(values_seen)
    if moved is not None:
        values = np.concatenate([values.ravel(), np.real(np.ravel(moved)).astype(np.float64)])
        precision = measured_precision(values, x0.dtype)
    elif precision is None:
        precision = measured_precision(values, x0.dtype)
    finite = values[np.isfinite(values)]
    size_f = float(np.max(np.abs(finite), initial=0.0))
    step = float(np.max(np.abs(estimate.step.astype(np.float64, copy=False)), initial=0.0))
    slope = change / (size * float(scale(x0).max(initial=1.0)))
    return bool(slope * step <= LOST_MULTIPLE * float(precision.rounding(size_f)))
