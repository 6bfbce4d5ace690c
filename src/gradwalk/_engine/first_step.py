"""The first step per element of an extrapolation ladder (level 0): shrunk into f's
domain where f is not finite there, grown above f's rounding where the differences are
lost in it. Used by Richardson extrapolation and the Hessian."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .points import Points, all_per_element, any_per_element, per_element
from .rounding import PROBE_FRACTION as PROBE_FRACTION
from .rounding import Precision, measured_precision
from .steps import representable_step

#: The most levels ``max_levels`` may ask for: the step then falls by about 5e8.


#: How many times level 0 may shrink the first step (by :data:`SHRINK` each time) to
#: find points where f is finite: down to about 2e-10 of the first step.
DOMAIN_SHRINKS = 16
SHRINK = 4.0

#: How many times level 0 may grow the first step (by :data:`GROW`) where f(x + h) and
#: f(x - h) differ only by rounding, and the multiple of f's rounding below which
#: a difference counts as rounding.
STEP_GROWTHS = 2
GROW = 16.0
ROUNDING_MULTIPLE = 16.0


@dataclass
class LevelZero:
    """Level 0 of every element: f at x ± first step, and what it took to find that step."""

    f_plus: NDArray[Any]
    f_minus: NDArray[Any]
    precision: Precision  # f's precision, measured (see measured_precision)
    shrunk: NDArray[np.bool_]  # the first step shrank: f was not finite at x ± h
    dead: NDArray[np.bool_]  # f was not finite at any step tried
    vanished: NDArray[np.bool_]  # x ± h rounded back to x


def first_level(
    x0: NDArray[np.floating],
    first: NDArray[np.floating],
    limit: NDArray[np.floating] | None = None,
) -> Generator[Points, NDArray[Any], LevelZero]:
    """Evaluate level 0, adjusting ``first`` (in place) per element.

    Where f is not finite at x ± h, the step shrinks by :data:`SHRINK` until it is (at
    most :data:`DOMAIN_SHRINKS` times). f's precision is then read from its values, with
    one more value at a generic point when they all look like float32 (or float16).
    Where the two values differ by at most :data:`ROUNDING_MULTIPLE` times f's rounding
    (and by something), the step grows by :data:`GROW` as long as the difference grows
    and f stays finite, never beyond ``limit``.
    """
    n = x0.size
    f_plus = np.empty(n, dtype=np.float64)
    f_minus = np.empty(n, dtype=np.float64)

    def points(elements: NDArray[np.intp], steps: NDArray[np.floating]) -> Points:
        value = np.empty(2 * elements.size, dtype=x0.dtype)
        value[0::2] = x0[elements] + steps
        value[1::2] = x0[elements] - steps
        return Points(np.repeat(elements, 2), value)

    everything = np.arange(n, dtype=np.intp)
    values = yield points(everything, first)
    f_plus, f_minus = values[0::2].copy(), values[1::2].copy()
    shrunk = np.zeros(n, dtype=bool)
    for _ in range(DOMAIN_SHRINKS):
        bad = np.flatnonzero(any_per_element(~(np.isfinite(f_plus) & np.isfinite(f_minus))))
        if not bad.size:
            break
        first[bad] = representable_step(x0[bad], first[bad] / x0.dtype.type(SHRINK))
        shrunk[bad] = True
        values = yield points(bad, first[bad])
        f_plus[bad], f_minus[bad] = values[0::2], values[1::2]
    dead = any_per_element(~(np.isfinite(f_plus) & np.isfinite(f_minus)))
    difference = np.abs(f_plus - f_minus)
    precision = measured_precision(np.concatenate([f_plus, f_minus]), x0.dtype, least=2)
    if precision.narrower_than(x0.dtype):
        # f's values look narrow, or lie on a grid: a value at a generic point tells chance
        # from fact.
        candidates = np.where(per_element(dead, difference) | (difference == 0), -1.0, difference)
        k = int(np.unravel_index(np.argmax(candidates), candidates.shape)[0])
        if np.max(candidates[k]) > 0:
            probe = x0[k] + x0.dtype.type(PROBE_FRACTION) * first[k]
            value = yield Points(np.array([k], dtype=np.intp), np.array([probe], dtype=x0.dtype))
            sample = np.concatenate([f_plus[~dead].ravel(), f_minus[~dead].ravel(), value.ravel()])
            precision = measured_precision(sample, x0.dtype)
        else:
            precision = Precision(float(np.finfo(x0.dtype).eps))
    noise = precision.rounding(np.maximum(np.abs(f_plus), np.abs(f_minus)))
    at_rounding = all_per_element(difference <= ROUNDING_MULTIPLE * noise)
    growing = np.flatnonzero(~dead & any_per_element(difference > 0) & at_rounding)
    for _ in range(STEP_GROWTHS):
        if not growing.size:
            break
        larger = representable_step(x0[growing], first[growing] * x0.dtype.type(GROW))
        if limit is not None:
            larger = np.minimum(larger, limit[growing].astype(larger.dtype))
        values = yield points(growing, larger)
        new_plus, new_minus = values[0::2], values[1::2]
        new_difference = np.abs(new_plus - new_minus)
        better = all_per_element(np.isfinite(new_plus) & np.isfinite(new_minus))
        better &= any_per_element(new_difference > difference[growing])
        accepted = growing[better]
        first[accepted] = larger[better]
        f_plus[accepted], f_minus[accepted] = new_plus[better], new_minus[better]
        difference[accepted] = new_difference[better]
        noise[accepted] = precision.rounding(
            np.maximum(np.abs(new_plus[better]), np.abs(new_minus[better]))
        )
        still = all_per_element(difference[accepted] <= ROUNDING_MULTIPLE * noise[accepted])
        growing = accepted[still]
    vanished = ((x0 + first) == x0) | ((x0 - first) == x0)
    return LevelZero(f_plus, f_minus, precision, shrunk & ~dead, dead, vanished)
