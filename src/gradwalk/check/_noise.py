"""Is f computed inexactly? Noise in f's values along one line, at a coarse spacing.

An f computed by an adaptive solver or an iteration that stops at a tolerance (an ODE
solved by ``scipy.integrate.solve_ivp``, a fixed point) is smooth at the small steps a
difference takes, but it is the derivative of the *approximation* that differences
measure, and it can differ from the exact derivative by far more than f's own error.
The only trace in f's values is noise at a coarser spacing, where the solver's choices
switch: small jumps that no smooth function makes. :func:`noise_along` looks for it the
way Moré and Wild's ECnoise does (SIAM J. Sci. Comput. 33(3), 2011): f at equally
spaced points, the k-th differences scaled by ``sqrt((k!)² / (2k)!)``; noise shows as
a level that stops falling with k, where a smooth f's differences fall geometrically.
The spacing is taken only where the central differences of f at 16, 8 and 4 times it
still shrink as a smooth f's do, so that a function varying on the scale of the points
is not taken for noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.ladder import differences_shrinking
from gradwalk._engine.rounding import ROUNDING_ULPS

__all__ = ["NOISE_FLOOR", "SPACINGS", "noise_along", "noise_level"]

#: Spacings tried, relative to max(1, |x_i|): an adaptive solver's switches show at
#: some of them (measured on an ODE solved by solve_ivp at rtol 1e-6 and 1e-8).
SPACINGS = (2e-3, 5e-3, 1e-2, 2e-2)

#: Points on each side of x (2·HALF_WIDTH + 1 in all).
HALF_WIDTH = 4

#: The highest order of differences read.
MAX_ORDER = 6

#: Noise counts only above this many units of the precision f computes in (f's own
#: rounding stays below about ROUNDING_ULPS units of it).
NOISE_FLOOR = 1e3


def noise_level(values: NDArray[np.float64]) -> float:
    """f's noise relative to its size, from values at equally spaced points; nan where
    none shows (the levels keep falling, or the points span too wide a range of f).

    ECnoise's test: three successive levels within a factor 4 of each other, the
    differences of the first of them changing sign.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(-0.04, 0.04, 9)
    >>> math.isnan(noise_level(np.exp(t)))  # smooth: the levels fall
    True
    >>> jumpy = np.exp(t) + 1e-7 * np.array([0, 1, 0, 0, 1, 1, 0, 1, 0])
    >>> 1e-8 < noise_level(jumpy) < 1e-6
    True
    """
    top = float(np.max(np.abs(values)))
    if not np.all(np.isfinite(values)) or top == 0 or np.ptp(values) > 0.1 * top:
        return math.nan  # not finite, or the points span too wide a range of f
    levels: list[float] = []
    sign_change: list[bool] = []
    differences = values.astype(np.float64)
    for k in range(1, min(values.size - 1, MAX_ORDER) + 1):
        differences = np.diff(differences)
        gamma = math.factorial(k) ** 2 / math.factorial(2 * k)
        levels.append(math.sqrt(gamma * float(np.mean(differences * differences))))
        sign_change.append(bool(np.any(differences > 0) and np.any(differences < 0)))
    for k in range(len(levels) - 2):
        trio = levels[k : k + 3]
        if min(trio) > 0 and max(trio) <= 4 * min(trio) and sign_change[k]:
            return levels[k] / top
    return math.nan


def noise_along(
    line: Callable[[float], NDArray[np.float64]],
    unit: float,
    eps: float,
    spacings: Sequence[float] = SPACINGS,
) -> tuple[float, float, int]:
    """The largest relative noise of f along ``line`` (``t -> f(x + t d)``, a float or
    every output of a vector-valued f) over the spacings (times ``unit``) and outputs
    where f is smooth enough to tell, the spacing it showed at, and the evaluations
    spent. nan where no noise above :data:`NOISE_FLOOR` units of ``eps``, the precision
    f computes in, shows."""

    def values_at(t: float) -> NDArray[np.float64]:
        return np.atleast_1d(np.asarray(line(t), dtype=np.float64)).reshape(-1)

    f0 = values_at(0.0)
    cost = 1
    found, at = math.nan, math.nan
    for spacing in spacings:
        delta = spacing * unit
        steps = np.array([16.0, 8.0, 4.0]) * delta
        central = np.array([(values_at(h) - values_at(-h)) / (2 * h) for h in steps])
        cost += 2 * steps.size
        rounding = ROUNDING_ULPS * eps * np.abs(f0)[None, :] / steps[:, None]
        smooth = differences_shrinking(central, rounding)
        if not smooth.any():
            continue  # f varies on the scale of these points: noise would not tell
        offsets = np.arange(-HALF_WIDTH, HALF_WIDTH + 1)
        values = np.array([values_at(k * delta) if k else f0 for k in offsets])
        cost += offsets.size - 1
        for column in np.flatnonzero(smooth):
            level = noise_level(values[:, column])
            if level > NOISE_FLOOR * eps and not level <= found:
                found, at = level, delta
    return found, at, cost
