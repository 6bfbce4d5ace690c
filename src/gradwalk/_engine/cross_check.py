"""The complex step's cross-check, run: f's change along one random direction against
the complex gradient's projection (:mod:`gradwalk._engine.complex_check` holds the
tests and warnings); where they disagree, real differences at the element, verified at
smaller steps before f is called non-analytic; where f's rounding hides its change, a
wider move."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .complex_check import (
    complex_stands,
    confirmed_non_analytic,
    disagrees,
    non_analytic,
    small_step,
    warn_non_analytic,
    warn_unchecked,
    warn_unverified,
    widening,
    within_domain,
)
from .complex_step import real_kink, real_slope
from .plan_runner import drive
from .points import Estimate, Points, any_per_element
from .status_codes import UNKNOWN_STATUS, GradientStatus, raise_status
from .verify import threshold

__all__ = ["cross_checked"]


def cross_checked(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    move: NDArray[Any],
    moved: NDArray[Any],
    counted: Callable[[Points], NDArray[Any]],
    x0: NDArray[Any],
    along: Callable[[float], NDArray[Any]],
) -> tuple[Estimate, NDArray[np.bool_] | None, NDArray[np.bool_] | None]:
    """The complex step's estimate after its cross-check (:mod:`gradwalk._engine.complex_check`):
    where f's change along ``move`` (f there: ``moved``) disagrees with the complex
    step's projection, every element is differenced for real, and the elements that
    disagree are judged at much smaller steps (:func:`_verified`): confirmed not
    analytic, they take the real differences' value and bar; unverified, they keep the
    complex step's value with a bar of inf (STEP_TOO_LARGE). Returns the estimate, the
    confirmed entries and the unverified ones (None: no check called for, or none
    unverified). An elementwise f (one value per element: ``numerical_diff`` at many
    points) is checked element by element. Where f's rounding hides its change along
    ``move``, the check is made by a central difference at a wider move (f there:
    ``along(factor)``; :func:`_widened`)."""
    index, values = values_seen[0]
    elementwise = np.ndim(values) == 1 and np.size(moved) > 1  # one f(x) per element
    if elementwise:  # Re f(x + ih e_i) is f(x_i), element by element
        f_at_x = np.real(values[: x0.size]).reshape(np.shape(moved))
    else:  # Re f(x + ih e_i) is f(x)
        f_at_x = np.real(values[int(np.argmax(index >= 0))])

    def flat(value: NDArray[Any]) -> NDArray[Any]:  # one entry per element, if elementwise
        return value.reshape(-1) if elementwise else value

    compared = (estimate.grad, move.reshape(-1), flat(moved), flat(f_at_x))
    factor = widening(*compared, x0, elementwise)
    if factor > 1:
        return _widened(estimate, move.reshape(-1), factor, along, flat, x0, elementwise)
    if not disagrees(*compared, elementwise):
        return estimate, None, None
    n = x0.size
    complex_type = np.result_type(x0.dtype, np.complex64)
    at_x = f_at_x.reshape(-1) if elementwise else np.broadcast_to(f_at_x, (n, *np.shape(f_at_x)))
    plan = real_slope(x0.real, np.arange(n, dtype=np.intp), at_x, complex_type)
    found: tuple[Any, ...] = drive(plan, counted)  # type: ignore[assignment]
    slope, slope_error, _, _, values, _ = found
    kink, slope_jump = real_kink(x0.real, np.arange(n, dtype=np.intp), at_x, values)
    flagged = non_analytic(estimate.grad, slope, slope_error) & ~kink
    fine, fine_error = estimate.grad, estimate.error
    if flagged.any():  # verified at much smaller steps, or the disagreement proves nothing
        verified = _verified(estimate, slope, slope_error, flagged, at_x, counted, x0)
        estimate, flagged, unverified, fine, fine_error = verified
    else:
        unverified = np.zeros_like(flagged)
    if not (flagged.any() or kink.any() or unverified.any()):
        return estimate, flagged, None
    if flagged.any():
        warn_non_analytic(flagged, fine, estimate.grad, x0.shape)
    if unverified.any():
        warn_unverified(unverified, estimate.grad, slope, x0.shape)
    margin = threshold("margin")
    # a kink: the complex step's value, with a bar that covers both one-sided slopes
    kink_bar = margin * (np.abs(estimate.grad - slope) + slope_error) + slope_jump
    error = np.where(flagged, margin * fine_error, np.where(kink, kink_bar, estimate.error))
    return (
        dataclasses.replace(
            estimate,
            grad=np.where(flagged, fine, estimate.grad),
            error=np.where(unverified, np.inf, error),
            status=_raised(unverified, GradientStatus.STEP_TOO_LARGE, _nonsmooth(kink, estimate)),
        ),
        flagged,
        unverified,
    )


def _widened(
    estimate: Estimate,
    move: NDArray[Any],
    factor: float,
    along: Callable[[float], NDArray[Any]],
    flat: Callable[[NDArray[Any]], NDArray[Any]],
    x0: NDArray[Any],
    elementwise: bool,
) -> tuple[Estimate, None, NDArray[np.bool_] | None]:
    """The cross-check where f's rounding hid its change along ``move``: a central
    difference over ``factor`` times it (2 evaluations, :func:`along`) that agrees with
    the complex step leaves the estimate as it is; one that disagrees, or a ``factor``
    of inf (no move resolves f's change), or a wider move that leaves f's domain,
    leaves every entry unverified:
    ROUNDING_LIMITED, the complex step's value with a bar of inf, and a warning
    (:func:`warn_unchecked`)."""
    because = "unresolved"
    if np.isfinite(factor):
        ahead, behind = flat(along(factor)), flat(along(-factor))
        wide = (estimate.grad, 2 * factor * move, ahead, behind)
        if not within_domain(ahead, behind):
            because = "outside"
        elif disagrees(*wide, elementwise):
            because = "disagreed"
        elif widening(*wide, x0, elementwise) == 1:
            return estimate, None, None
    warn_unchecked(factor, x0.shape, because)
    unchecked = np.ones(estimate.grad.shape, dtype=bool)
    status = _raised(unchecked, GradientStatus.ROUNDING_LIMITED, estimate.status)
    widened = dataclasses.replace(
        estimate, error=np.full_like(estimate.error, np.inf), status=status
    )
    return widened, None, unchecked


def _verified(
    estimate: Estimate,
    slope: NDArray[Any],
    slope_error: NDArray[Any],
    flagged: NDArray[np.bool_],
    at_x: NDArray[Any],
    counted: Callable[[Points], NDArray[Any]],
    x0: NDArray[Any],
) -> tuple[Estimate, NDArray[np.bool_], NDArray[np.bool_], NDArray[Any], NDArray[Any]]:
    """The entries ``flagged`` (their complex step disagrees with the real ``slope``)
    judged again by central differences at :func:`small_step` σ (and 2σ), and where
    those disagree with the complex step, at 4σ (and 8σ) too (4 evaluations per element
    each; :mod:`gradwalk._engine.complex_check`). Returns the estimate (the bar of the
    entries whose complex step stands widened to the small step's distance), the
    entries confirmed not analytic, those left unverified, and the real differences'
    value and bar for the confirmed ones (full shape; the complex step's elsewhere)."""
    complex_type = np.result_type(x0.dtype, np.complex64)
    elements = np.flatnonzero(any_per_element(flagged))
    small = small_step(x0.real)[elements]
    found: tuple[Any, ...] = drive(  # type: ignore[assignment]
        real_slope(x0.real, elements, at_x, complex_type, small), counted
    )
    fine, fine_error, fine_wider = found[0], found[1], found[5]
    grad = estimate.grad[elements]
    stands = complex_stands(grad, slope[elements], slope_error[elements], fine, fine_error)
    confirmed = np.zeros_like(stands)
    candidates = np.flatnonzero(any_per_element(non_analytic(grad, fine, fine_error)))
    if candidates.size:  # f's real differences, asymptotic from σ to 8σ, or not judged
        found = drive(  # type: ignore[assignment]
            real_slope(x0.real, elements[candidates], at_x, complex_type, 4 * small[candidates]),
            counted,
        )
        confirmed[candidates] = confirmed_non_analytic(
            grad[candidates],
            (fine[candidates], fine_wider[candidates], fine_error[candidates]),
            (found[0], found[5], found[1]),
        )
        # the bar of the confirmed: the finer steps' own and their distance to the coarser
        fine_error = fine_error.copy()
        fine_error[candidates] += np.abs(fine[candidates] - found[0])
    bar = estimate.error.copy()
    covered = threshold("margin") * (np.abs(grad - fine) + fine_error)
    bar[elements] = np.where(stands, np.maximum(bar[elements], covered), bar[elements])
    value, value_error = estimate.grad.copy(), estimate.error.copy()
    value[elements], value_error[elements] = fine, fine_error
    is_confirmed, unverified = np.zeros_like(flagged), np.zeros_like(flagged)
    is_confirmed[elements] = confirmed & flagged[elements]
    unverified[elements] = ~(stands | confirmed) & flagged[elements]
    return dataclasses.replace(estimate, error=bar), is_confirmed, unverified, value, value_error


def _nonsmooth(kink: NDArray[np.bool_], estimate: Estimate) -> NDArray[np.int8] | None:
    """The estimate's status with the elements at a kink NONSMOOTH (UNKNOWN elsewhere,
    for the driver to read from f's values)."""
    return _raised(kink, GradientStatus.NONSMOOTH, estimate.status)


def _raised(
    where: NDArray[np.bool_], code: GradientStatus, status: NDArray[np.int8] | None
) -> NDArray[np.int8] | None:
    """``status`` (None: UNKNOWN everywhere, for the driver to read from f's values) with
    the elements ``where`` (one row per element) raised to ``code``."""
    if not where.any():
        return status
    raised = (
        np.full(where.shape[0], UNKNOWN_STATUS, dtype=np.int8) if status is None else status.copy()
    )
    elements = any_per_element(where)
    raised[elements & (raised == UNKNOWN_STATUS)] = int(code)  # (UNKNOWN ranks as no code)
    raise_status(raised, elements, code)
    return raised
