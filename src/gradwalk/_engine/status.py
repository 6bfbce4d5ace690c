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
    per_element,
    wide_dtype,
)
from .rounding import (
    GRID_CONFIRM,
    PROBE_FRACTION,
    Precision,
    measured_precision,
    near_stationary,
    rounding_floor,
    rounding_limited,
    short_fraction,
)
from .singular import extremes_per_element, joined, singular_entries
from .status_codes import STEP_TOLERANCE, UNKNOWN_STATUS, GradientStatus, raise_status

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
        for index, values in values_seen:
            not_finite = any_per_element(~np.isfinite(values))  # any output, if several
            nonfinite[index[not_finite & (index >= 0)]] = True
            if (not_finite & (index == UNPERTURBED)).any():
                nonfinite[:] = True
        raise_status(status, nonfinite & unknown, GradientStatus.NONFINITE)
        if not complex_step:  # the complex step takes no difference: nothing cancels
            narrow = x0.dtype.itemsize < 8 and not isinstance(h, str)
            limited = _rounding_limited(estimate, values_seen, x0, narrow, precision)
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
) -> NDArray[np.bool_]:
    """Elements whose digits f's rounding limits, where it matters.

    The uncertainty f's rounding leaves in an element (:func:`rounding_uncertainty`) is
    reported where :func:`~gradwalk._engine.rounding.rounding_limited` says so (above 1e-4 of
    the element's own gradient, with a floor relative to the largest element), and not
    near a stationary point (:func:`near_stationary`), where some elements are always at
    rounding level (where every value of f is the same, the driver tells a change lost
    in f's rounding from an f that ignores x). Where x is ``narrow`` (float32 or float16
    with a fixed h, whose limit the driver has already warned of), only elements whose
    values of f agree within f's rounding are reported.
    """
    n = x0.size
    if not n or not values_seen:
        return np.zeros(n, dtype=bool)
    if precision is None:
        precision = measured_precision(_values_of(values_seen), x0.dtype)
    grad = np.abs(estimate.grad.astype(np.float64, copy=False))
    largest = float(grad.max(initial=0.0))
    if not math.isfinite(largest):
        largest = float(grad[np.isfinite(grad)].max(initial=0.0))
    bound = _uncertainty_bound(estimate, values_seen, precision)
    if largest == 0 or bound <= rounding_floor(largest, x0.dtype):
        # every element 0 (f ignores x, or its change is lost: the driver tells which), or
        # no element can be reported: spares the pass below
        return np.zeros(n, dtype=bool)
    uncertainty, size, agree = rounding_uncertainty(estimate, values_seen, x0, precision)
    f_size = float(size[np.isfinite(size)].max(initial=0.0))
    x_entry = np.broadcast_to(per_element(x0, grad), grad.shape)
    with np.errstate(all="ignore"):
        limited = rounding_limited(uncertainty, grad, largest, x0.dtype)
    if near_stationary(estimate.grad, x_entry, f_size):
        return np.zeros(n, dtype=bool)
    if narrow:
        limited &= agree
    flagged: NDArray[np.bool_] = any_per_element(limited & np.isfinite(uncertainty))
    return flagged


def _uncertainty_bound(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    precision: Precision,
) -> float:
    """An upper bound on every element's uncertainty from :func:`rounding_uncertainty`
    (inf where there is none to be had cheaply): f's rounding at its largest finite |value|
    over the smallest step, computed as each element's is, so that rounding keeps it a
    bound."""
    values = _values_of(values_seen)
    highest, lowest = float(values.max(initial=-math.inf)), float(values.min(initial=math.inf))
    step = estimate.step.astype(np.float64, copy=False)
    top, bottom = float(step.max(initial=-math.inf)), float(step.min(initial=math.inf))
    smallest = bottom if bottom > 0 else -top if top < 0 else 0.0
    if not (math.isfinite(highest) and math.isfinite(lowest) and smallest > 0):
        return math.inf  # nan or inf among the values, or a step of 0 or of both signs
    noise = float(precision.rounding(max(highest, -lowest)))
    return noise / smallest


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
    index = joined([i for i, _ in values_seen])
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
) -> Precision:
    """f's precision, measured from its values (:func:`measured_precision`), confirmed at
    a generic point where it looks narrower than x's dtype and every point evaluated
    was a short binary fraction, or the values were few (unless not ``few_confirmed``:
    the book's central difference costs two evaluations per element, no more).

    At a dyadic x with a power-of-two step, a polynomial's values are exact in float32
    and lie on a coarse grid by construction: one more value of f, at ``x + PROBE_FRACTION
    · step`` along the element whose values differ most (``at_point(element, value)``
    evaluates it), tells chance from fact.
    """
    values = _values_of(values_seen)
    precision = measured_precision(values, x0.dtype)
    if not precision.narrower_than(x0.dtype) or not x0.size:
        return precision
    step = np.abs(estimate.step.astype(np.float64, copy=False)).reshape(x0.size, -1).max(axis=1)
    dyadic = short_fraction(x0).all() and short_fraction(step).all()
    if not dyadic and (values.size >= GRID_CONFIRM or not few_confirmed):
        return precision
    grad = np.abs(estimate.grad.astype(np.float64, copy=False)).reshape(x0.size, -1)
    spread = np.where(np.isfinite(grad), grad, 0).max(axis=1) * step
    element = int(np.argmax(spread))
    point = x0[element] + x0.dtype.type(PROBE_FRACTION) * x0.dtype.type(step[element])
    value = np.real(np.asarray(at_point(element, point), dtype=np.complex128)).ravel()
    return measured_precision(np.concatenate([values.ravel(), value]), x0.dtype)


def lost_in_rounding(
    change: float,
    size: float,
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    precision: Precision | None,
) -> bool:
    """Whether f, every value of which was the same, changing by ``change`` over a joint
    move of ``size``·max(1, |x|), would have changed by less than its rounding over the
    method's largest step: its change was lost in f's rounding (a large constant part),
    not absent (a step function).
    """
    values = _values_of(values_seen)
    if precision is None:
        precision = measured_precision(values, x0.dtype)
    finite = values[np.isfinite(values)]
    size_f = float(np.max(np.abs(finite), initial=0.0))
    step = float(np.max(np.abs(estimate.step.astype(np.float64, copy=False)), initial=0.0))
    slope = change / (size * float(scale(x0).max(initial=1.0)))
    return bool(slope * step <= LOST_MULTIPLE * float(precision.rounding(size_f)))
