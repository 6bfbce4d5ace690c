"""The complex-step plan (Squire & Trapp 1998; Martins, Sturdza & Alonso 2003).

f is evaluated once per element at x + i·h, with h far below the spacing of floats, and
the derivative is Im f(x + ih) / h: no difference of nearby values, so no cancellation.
The plan checks that f kept the imaginary part (a non-analytic f such as ``abs`` drops
it), retries where the imaginary part underflowed, and near x = 0, where h is not small
against |x|, also evaluates at 2h so that the error bar counts the truncation.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.warnings import PrecisionWarning, issue_warning

from .inputs import scale
from .points import (
    Estimate,
    PlanGenerator,
    Points,
    Step,
    all_per_element,
    any_per_element,
    per_element,
    unknown_error,
    wide_dtype,
)
from .rounding import ROUNDING_ULPS
from .steps import step_sizes
from .verify import kink_like

__all__ = ["COMPLEX_ULPS", "TRUNCATION_RATIO", "complex_step", "real_kink", "real_slope"]

#: Rounding error of a complex-step derivative, in units of eps·|grad| (no cancellation).
COMPLEX_ULPS = 8.0

#: With h="auto", elements with |x| below this many steps / sqrt(eps) are also evaluated
#: at 2h: there the truncation error h²·f'''/6 need not be small against f'.
TRUNCATION_RATIO = 100.0


def complex_step(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """The complex step: Im f(x + ih e_i) / h, one evaluation per element.

    No difference is taken, so nothing cancels and the step can be tiny: the result is
    as accurate as f itself, provided f is analytic (written with operations that carry
    the imaginary part through). Elements whose imaginary part came back zero, at
    rounding level or below the smallest normal float are checked with real central
    differences:

    - if the imaginary part underflowed (|f'|·h is below the smallest normal float, as
      for ``sigmoid`` at x = -710: f' = 4.5e-309), the element is computed from those
      central differences instead, with their error estimate, and a PrecisionWarning
      says so; the last bits of a subnormal are never passed off as exact;
    - otherwise, if f changes there, f dropped the imaginary part (abs, .real, float(),
      comparisons, conj) and a ValueError says so, so garbage is never returned silently;
    - if the imaginary part is exactly zero and f's real values do not change at all
      although f(x) is not zero (``sigmoid`` at x = 710: f = 1 and f' = 4.5e-309), the
      derivative is below what either the complex step or real differences resolve: the
      element is 0 with an error bar of that resolution, and a PrecisionWarning says so.

    With h="auto", elements whose |x| is not large against the step (|x| below
    :data:`TRUNCATION_RATIO` steps) are evaluated at 2h as well: there the truncation
    error h²·f'''/6 can exceed a tiny f' (x**3 at x = 0), so the element is the Richardson
    combination (4 g(h) - g(2h)) / 3 and its error bar includes |g(2h) - g(h)| / 3, the
    truncation error of g(h) (Squire & Trapp, SIAM Review 40, 1998; Richardson 1911).
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    eps = float(np.finfo(x0.dtype).eps)
    complex_type = np.result_type(x0.dtype, np.complex64)
    tiny = float(np.finfo(complex_type).tiny)
    smallest = float(np.finfo(complex_type).smallest_subnormal)
    step = step_sizes(x0, h, "complex")
    # Near x = 0 the step is not small against |x|: the truncation error is measured there.
    near = np.flatnonzero(
        np.abs(x0) < TRUNCATION_RATIO * step / np.sqrt(eps)
        if isinstance(h, str)
        else np.zeros(n, dtype=bool)
    )
    value = np.concatenate([x0, x0[near]]).astype(complex_type)
    value.imag = np.concatenate([step, 2 * step[near]])
    index = np.concatenate([np.arange(n), near]).astype(np.intp)
    all_values = yield Points(index, value)
    f_values = all_values[:n]
    grad = f_values.imag.astype(wide) / per_element(step.astype(wide), f_values)
    # With h="auto" the O(h²) truncation error is far below eps wherever |x| is large against
    # h, so rounding is all that is left; at a step of the caller's choosing the truncation
    # error is unknown.
    # (an element's rounding is relative to the largest element where it is small beside
    # it: the terms of f that cancel in a small element are of the others' size)
    largest = np.max(np.abs(grad[np.isfinite(grad)]), initial=0.0)
    if isinstance(h, str):
        error = COMPLEX_ULPS * eps * np.maximum(np.abs(grad), largest)
    else:
        error = unknown_error(grad)
    # An imaginary part at rounding level is what non-analytic f (abs, conj) leave; one
    # below the smallest normal float has underflowed (or lost its digits to it).
    rounding = ROUNDING_ULPS * eps * np.abs(f_values.real) / per_element(scale(x0), f_values)
    suspect = ((np.abs(grad) <= rounding) | (np.abs(f_values.imag) < tiny)) & np.isfinite(f_values)
    # An output of a vector-valued f that the element leaves alone has an imaginary part
    # of exactly 0; the element is checked only where every output is suspect (an f that
    # drops the imaginary part shows to the real directional difference the driver takes:
    # see gradwalk._engine.complex_check). Its bar covers what an underflow would hide.
    quiet = suspect & ~per_element(all_per_element(suspect), suspect)
    error = np.where(quiet, np.fmax(error, 4 * tiny / per_element(step, error)), error)
    suspect &= ~quiet
    if near.size:
        at_2h = all_values[n:].imag.astype(wide) / per_element(
            2 * step[near].astype(wide), all_values[n:]
        )
        truncation = np.abs(at_2h - grad[near]) / 3
        grad[near] = (4 * grad[near] - at_2h) / 3
        error[near] = np.fmax(COMPLEX_ULPS * eps * np.abs(grad[near]), truncation)
    flat = np.flatnonzero(any_per_element(suspect))
    if flat.size:
        slope, slope_error, tolerance, still, _, _ = yield from real_slope(
            x0, flat, f_values.real, complex_type
        )
        marked = suspect[flat]
        step_here = per_element(step[flat].astype(wide), slope)
        # The imaginary part f'·h of an analytic f with this slope would have underflowed.
        underflow = np.abs(slope) * step_here < 4 * tiny
        _check_complex_safe(flat, slope, tolerance, marked & ~underflow)
        # Both zero (a flat f, x**2 at 0): the derivative is 0 or so small that f'·h is
        # below the smallest subnormal; the error bar says how small.
        error_here = np.where(marked, np.fmax(error[flat], smallest / step_here), error[flat])
        lost = marked & underflow & ((slope != 0) | (f_values.imag[flat] != 0))
        grad[flat] = np.where(lost, slope, grad[flat])
        error[flat] = np.where(lost, slope_error, error_here)
        fallen_back = flat[any_per_element(lost)]
        # f(x) is not zero, yet f'·h is (nearly) 0 and f's real values do not move at all
        # (sigmoid at 700 or 710: f = 1, f' = 9.9e-305 or 4.5e-309): a larger imaginary
        # step tells whether f' underflowed (the imaginary part appears) or f does not
        # depend on the element.
        hidden = marked & underflow & still & (f_values.real[flat] != 0)
        probed = flat[~any_per_element(~hidden)]
        if probed.size:
            found, found_error = yield from _larger_step(x0, probed, complex_type)
            moved = any_per_element(found != 0)
            grad[probed[moved]] = found[moved]
            error[probed[moved]] = found_error[moved]
            fallen_back = np.union1d(fallen_back, probed[moved])
        if fallen_back.size:
            issue_warning(
                "method='complex': the imaginary part f'·h underflowed below the smallest "
                f"normal float ({tiny:.3g}) at element(s) {_flat_list(fallen_back)} (flat "
                "index), so it carries too few digits (or none) to give the derivative; "
                "those elements were computed by central differences instead (their "
                "error estimate is in GradientResult.error), or, where those do not move "
                "either, by the complex step at a step of sqrt(eps)·max(1, |x|) and twice "
                "that, extrapolated. The derivative there is tiny, not wrong: f need not "
                "change. Rescale f for full precision.",
                PrecisionWarning,
            )
    return Estimate(
        grad=grad,
        error=error,
        step=step.astype(np.float64),
        vanished=np.zeros(n, dtype=bool),
    )


def _flat_list(flat: NDArray[np.intp]) -> str:
    """Up to five flat indices, and how many more."""
    shown = ", ".join(str(int(i)) for i in flat[:5])
    return shown + (f" and {flat.size - 5} more" if flat.size > 5 else "")


def real_slope(
    x0: NDArray[np.floating],
    flat: NDArray[np.intp],
    f_at_x: NDArray[Any],
    complex_type: np.dtype[Any],
    central: NDArray[np.floating] | None = None,
) -> Generator[Points, NDArray[Any], tuple[NDArray[Any], ...]]:
    """Central differences of f along ``flat`` at the "auto" step s (or at ``central``,
    one step per element of ``flat``) and at 2s.

    Returns the slope at s; its error estimate: the change from 2s to s (the O(s²)
    truncation error, times 4/3 for what is left) plus the rounding of f's values, which
    for values below the smallest normal float is the spacing of subnormals; the
    slope above which f changes for real, not by rounding; whether all four values
    equal ``f_at_x`` exactly (each with one row per element of ``flat``, and the trailing
    axes of a vector-valued f); the four values (nan where f left its real domain); and
    the slope at 2s.
    """
    if central is None:
        central = step_sizes(x0, "auto", "central")[flat]
    wide = wide_dtype(x0.dtype)
    value = np.empty(4 * flat.size, dtype=complex_type)
    value[0::4] = x0[flat] + central
    value[1::4] = x0[flat] - central
    value[2::4] = x0[flat] + 2 * central
    value[3::4] = x0[flat] - 2 * central
    returned = yield Points(np.repeat(flat, 4), value)
    # f at a real point returning an imaginary part has left its real domain there
    # (log of a negative number as a complex one): those values are not f's
    f_values = np.where(returned.imag == 0, returned.real, np.nan).astype(wide)
    points = value.real.astype(wide)
    width = per_element(points[0::4] - points[1::4], f_values[0::4])
    slope = (f_values[0::4] - f_values[1::4]) / width
    wider = (f_values[2::4] - f_values[3::4]) / per_element(
        points[2::4] - points[3::4], f_values[0::4]
    )
    eps = float(np.finfo(x0.dtype).eps)
    by_element = f_values.reshape((flat.size, 4, *f_values.shape[1:]))
    still = np.all(by_element == f_at_x[flat][:, None].real.astype(wide), axis=1)
    level = np.abs(by_element).max(axis=1)
    level = np.maximum(level, np.abs(f_at_x[flat]))
    spacing = np.maximum(eps * level, float(np.finfo(x0.dtype).smallest_subnormal))
    rounding = ROUNDING_ULPS * spacing / width
    # A slope above this is f really changing, not rounding (the non-analytic check).
    tolerance = eps ** (1 / 3) * level / per_element(scale(x0[flat]), level)
    return slope, 4 / 3 * np.abs(slope - wider) + rounding, tolerance, still, f_values, wider


def real_kink(
    x0: NDArray[np.floating],
    flat: NDArray[np.intp],
    f_at_x: NDArray[Any],
    values: NDArray[Any],
) -> tuple[NDArray[np.bool_], NDArray[Any]]:
    """From the four real values :func:`real_slope` evaluated (``values``, in its layout)
    and f(x): whether f's even part grows like the step (a kink:
    :func:`~gradwalk._engine.verify.kink_like`), and the jump between the one-sided
    slopes it shows."""
    central = per_element(step_sizes(x0, "auto", "central")[flat].astype(np.float64), f_at_x)
    by_element = values.reshape((flat.size, 4, *values.shape[1:]))
    at_x = np.real(f_at_x).astype(np.float64)
    first = by_element[:, 0] + by_element[:, 1] - 2 * at_x
    second = by_element[:, 2] + by_element[:, 3] - 2 * at_x
    eps = float(np.finfo(x0.dtype).eps)
    noise = 4 * ROUNDING_ULPS * eps * np.max(np.abs(by_element), axis=1)
    return kink_like(second, first, noise), np.abs(second - first) / central


def _larger_step(
    x0: NDArray[np.floating],
    flat: NDArray[np.intp],
    complex_type: np.dtype[Any],
) -> Generator[Points, NDArray[Any], tuple[NDArray[Any], NDArray[Any]]]:
    """The complex step along ``flat`` at H = sqrt(eps)·max(1, |x|) and 2H, extrapolated.

    Where f'·h underflowed to exactly 0, f'·H may still leave a (subnormal) trace.
    Returns (4 g(H) - g(2H)) / 3 and its error estimate: |g(2H) - g(H)| / 3 (the O(H²)
    truncation error of g(H)) plus the rounding of subnormal imaginary parts.
    """
    wide = wide_dtype(x0.dtype)
    eps = float(np.finfo(x0.dtype).eps)
    larger = (np.sqrt(eps) * scale(x0[flat])).astype(wide)
    value = np.repeat(x0[flat], 2).astype(complex_type)
    value.imag = np.stack([larger, 2 * larger], axis=1).ravel()
    f_values = (yield Points(np.repeat(flat, 2), value)).imag.astype(wide)
    at_h = f_values[0::2] / per_element(larger, f_values[0::2])
    at_2h = f_values[1::2] / per_element(2 * larger, f_values[0::2])
    spacing = float(np.finfo(complex_type).smallest_subnormal)
    rounding = ROUNDING_ULPS * (spacing / per_element(larger, at_h) + eps * np.abs(at_h))
    return (4 * at_h - at_2h) / 3, np.abs(at_2h - at_h) / 3 + rounding


def _check_complex_safe(
    flat: NDArray[np.intp],
    slope: NDArray[np.floating],
    tolerance: NDArray[np.floating],
    checked: NDArray[np.bool_],
) -> None:
    """Raise ValueError if f changes along elements where the complex step saw nothing.

    ``checked`` marks, per element of ``flat`` (and per output of a vector-valued f), the
    values whose imaginary part came back at rounding level without having underflowed.
    """
    dropped = flat[any_per_element((np.abs(slope) > tolerance) & checked)]
    if dropped.size:
        raise ValueError(
            "method='complex' reads the derivative from the imaginary part of f(x + ih), "
            f"but f returned no imaginary part (or one at rounding level) for element(s) "
            f"{_flat_list(dropped)} (flat index) "
            "although it changes when they change: f is not analytic there. It drops the "
            "imaginary part somewhere (np.abs, .real, np.conj, float(), comparisons on "
            "x.real, or assigning into a real array). Write f with operations that "
            "carry complex numbers (x**2 instead of abs(x)**2), or use "
            "method='richardson', which needs no complex arithmetic."
        )
