"""Is f computed inexactly? Noise in f's values along one line, at a coarse spacing.

An f computed by an adaptive solver or an iteration that stops at a tolerance (an ODE
solved by ``scipy.integrate.solve_ivp``, a fixed point) is smooth at the small steps a
difference takes, but it is the derivative of the *approximation* that differences
measure, and it can differ from the exact derivative by far more than f's own error.
The only trace in f's values is noise at a coarser spacing, where the solver's choices
switch: small jumps that no smooth function makes. :func:`noise_along` looks for it as
Moré and Wild's ECnoise does (SIAM J. Sci. Comput. 33(3), 2011; :func:`plateau_noise`)
on f at equally spaced points.
The spacing is taken only where the central differences of f at 16, 8 and 4 times it
still shrink as a smooth f's do, and the points only where f varies by at most 10% over
them (ECnoise's own test), so that a function varying on the scale of the points is not
taken for noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.ladder import differences_shrinking
from gradwalk._engine.rounding import ROUNDING_ULPS, Precision

__all__ = ["NOISE_FLOOR", "SPACINGS", "noise_along", "plateau_noise"]

#: Spacings tried, relative to max(1, |x_i|): an adaptive solver's switches show at
#: some of them (measured on an ODE solved by solve_ivp at rtol 1e-6 and 1e-8).
SPACINGS = (2e-3, 5e-3, 1e-2, 2e-2)

#: Points on each side of x (2·HALF_WIDTH + 1 in all).
HALF_WIDTH = 4

#: The highest order of differences :func:`plateau_noise` reads.
MAX_ORDER = 6

#: Noise counts only above this many units of f's own rounding (of the precision it
#: computes in, or the grid its values lie on), which stays below about ROUNDING_ULPS.
NOISE_FLOOR = 1e3


def plateau_noise(values: NDArray[np.float64]) -> float:
    """f's noise (absolute) from its values at equally spaced points; 0 where none shows.

    Moré and Wild's test: the k-th differences scaled by ``sqrt((k!)² / (2k)!)`` give the
    same level at every order for pure noise; noise is a level where three successive
    orders (up to :data:`MAX_ORDER`) agree within a factor 4 and the differences of the
    first of them change sign. The engine's estimate
    (:func:`gradwalk._engine.verify.noise_level`) compares the two highest orders, which
    suits its fine stencils; at the coarse spacings of this probe a smooth f's high-order
    differences can agree across two orders by chance, and the plateau over three, with
    the sign test, tells them apart.

    Examples
    --------
    >>> t = np.linspace(-0.04, 0.04, 9)
    >>> plateau_noise(np.exp(t))  # smooth: the levels fall
    0.0
    >>> jumpy = np.exp(t) + 1e-7 * np.array([0, 1, 0, 0, 1, 1, 0, 1, 0])
    >>> 1e-8 < plateau_noise(jumpy) < 1e-6
    True
    """
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
            return levels[k]
    return 0.0


def noise_along(
    line: Callable[[float], NDArray[np.float64]],
    unit: float,
    precision: Precision,
    spacings: Sequence[float] = SPACINGS,
) -> tuple[float, float, int]:
    """The largest relative noise of f along ``line`` (``t -> f(x + t d)``, a float or
    every output of a vector-valued f) over the spacings (times ``unit``) and outputs
    where f is smooth enough to tell, the spacing it showed at, and the evaluations
    spent. nan where no noise above :data:`NOISE_FLOOR` times f's own rounding (its
    ``precision``: the type it computes in, or the grid its values lie on) shows."""

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
        rounding = precision.rounding(np.abs(f0))[None, :] / steps[:, None]
        smooth = differences_shrinking(central, rounding)
        if not smooth.any():
            continue  # f varies on the scale of these points: noise would not tell
        offsets = range(-HALF_WIDTH, HALF_WIDTH + 1)
        values = np.array([values_at(k * delta) if k else f0 for k in offsets])
        cost += len(offsets) - 1
        top = np.max(np.abs(values), axis=0)
        # ECnoise's test that the points are close enough: f varies by at most 10%
        close = np.ptp(values, axis=0) <= 0.1 * top
        level = np.array([plateau_noise(column) for column in values.T])
        floor = NOISE_FLOOR * precision.rounding(top) / ROUNDING_ULPS
        with np.errstate(all="ignore"):
            relative = np.where(smooth & close & (level > floor), level / top, 0.0)
        if relative.max() > 0 and not relative.max() <= found:
            found, at = float(relative.max()), delta
    return found, at, cost
