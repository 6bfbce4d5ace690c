"""What f's values say of each element: its status code (non-finite values, f's
rounding over the step, inexact steps)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

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
    ROUNDING_ULPS,
    near_stationary,
    rounding_floor,
    rounding_limited,
    value_precision,
)
from .singular import extremes_per_element, joined, singular_entries
from .status_codes import STEP_TOLERANCE, UNKNOWN_STATUS, GradientStatus, raise_status


def element_status(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    h: Step,
    book: bool,
    complex_step: bool,
    singular: NDArray[np.bool_] | None = None,
) -> NDArray[np.int8]:
    """One :class:`GradientStatus` code per element: the plan's own, or read from f's values.

    A plan that tracks its status (Richardson) gives it; for the others, an element is
    NONFINITE where some value of f it needs is not finite, and ROUNDING_LIMITED where
    those values differ by no more than f's rounding (:func:`_rounding_limited`). Every
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
            limited = _rounding_limited(estimate, values_seen, x0, narrow)
            raise_status(status, limited & unknown, ROUNDING)
        raise_status(status, squeezed, GradientStatus.OUT_OF_BOUNDS)
    # f singular at x (a pole): those elements have no gradient, whatever the plan says.
    if singular is None:
        singular = singular_entries(values_seen, n)
    raise_status(status, any_per_element(singular), GradientStatus.NONFINITE)
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
) -> NDArray[np.bool_]:
    """Elements whose digits f's rounding limits, where it matters.

    The uncertainty f's rounding leaves in an element (:func:`rounding_uncertainty`) is
    reported where :func:`~gradwalk._engine.rounding.rounding_limited` says so (above 1e-4 of
    the element's own gradient, with a floor relative to the largest element), and not
    near a stationary point (:func:`near_stationary`). Where x is ``narrow`` (float32
    or float16 with a fixed h, whose limit the driver has already warned of), only
    elements whose values of f agree within f's rounding are reported.
    """
    n = x0.size
    if not n or not values_seen:
        return np.zeros(n, dtype=bool)
    grad = np.abs(estimate.grad.astype(np.float64, copy=False))
    largest = float(grad.max(initial=0.0))
    if not math.isfinite(largest):
        largest = float(grad[np.isfinite(grad)].max(initial=0.0))
    if _uncertainty_bound(estimate, values_seen, x0) <= rounding_floor(largest, x0.dtype):
        return np.zeros(n, dtype=bool)  # no element can be reported: spares the pass below
    uncertainty, size, agree = rounding_uncertainty(estimate, values_seen, x0)
    f_size = float(size[np.isfinite(size)].max(initial=0.0))
    x_entry = np.broadcast_to(per_element(x0, grad), grad.shape)
    if largest == 0 or near_stationary(estimate.grad, x_entry, f_size):
        return np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        limited = rounding_limited(uncertainty, grad, largest, x0.dtype)
    if narrow:
        limited &= agree
    flagged: NDArray[np.bool_] = any_per_element(limited & np.isfinite(uncertainty))
    return flagged


def _uncertainty_bound(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
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
    noise = ROUNDING_ULPS * value_precision(values, x0.dtype) * max(highest, -lowest)
    return noise / smallest


def _values_of(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> NDArray[np.float64]:
    """f's values (their real parts) in the order seen, float64."""
    return np.real(joined([v for _, v in values_seen])).astype(np.float64, copy=False)


def rounding_uncertainty(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The uncertainty f's rounding leaves in each element, |f| there, and whether the
    element's values of f all agree within twice f's rounding.

    f's rounding is ``ROUNDING_ULPS`` units of f's precision (measured from its values,
    :func:`value_precision`: float32 inside f shows there) times the largest |f| among
    the element's values (and f(x), where the method evaluates it); the uncertainty is
    that over the element's step: a central difference's amplification, which
    ``ROUNDING_ULPS``' margin covers for the one-sided and higher-order stencils too.
    """
    n = x0.size
    index = joined([i for i, _ in values_seen])
    values = _values_of(values_seen)
    eps = value_precision(values, x0.dtype)
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
    noise = ROUNDING_ULPS * eps * size
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
