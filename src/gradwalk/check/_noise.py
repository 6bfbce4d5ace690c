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
taken for noise; nor is a kink that the points cross (a ReLU's, an abs's): its trace
in the second differences is a lone spike, or two side by side of one sign, where a
small jump's is a pair of opposite signs and scatter's is everywhere. Where noise shows,
the points are taken again KINK_REFINE times as dense over the same span, the kinks
found there are taken out (:func:`without_kinks`), and what is left is the noise.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.ladder import differences_shrinking
from gradwalk._engine.rounding import ROUNDING_ULPS, Precision

__all__ = [
    "KINK_REFINE",
    "NOISE_FLOOR",
    "SPACINGS",
    "noise_along",
    "plateau_noise",
    "without_kinks",
]

#: Spacings tried, relative to max(1, |x_i|): an adaptive solver's switches show at
#: some of them (measured on an ODE solved by solve_ivp at rtol 1e-6 and 1e-8).
SPACINGS = (2e-3, 5e-3, 1e-2, 2e-2)

#: Points on each side of x (2·HALF_WIDTH + 1 in all).
HALF_WIDTH = 4

#: The highest order of differences :func:`plateau_noise` reads.
MAX_ORDER = 6

#: The points are taken again this many times as dense over the same span where noise
#: shows, to tell it from kinks.
KINK_REFINE = 4

#: A second difference stands out (as a kink's does) where it departs from the median
#: of its neighbours by more than this share of the largest such departure.
KINK_SHARE = 0.05

#: Passes of :func:`without_kinks`: each takes out the kinks above KINK_SHARE of the
#: largest left.
KINK_PASSES = 4

#: The longest run of second differences that kinks side by side make, and the share of
#: its size that its sum (the change of slope) keeps at least: a jump's pair cancels.
KINK_RUN = 4
KINK_NET = 0.5

#: The neighbours on each side whose median is a second difference's baseline.
KINK_REACH = 5

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


def without_kinks(values: NDArray[np.float64], floor: float = 0.0) -> NDArray[np.float64] | None:
    """``values`` (f at equally spaced points) with the kinks they cross taken out, or
        None where what stands out in them is not kinks alone.

        A kink between two points adds to the second differences of the one or two points
        beside it, both of one sign (the change of slope, shared between them); a jump adds
        a pair of opposite signs, and noise departs everywhere. Where every departure from
        the neighbours' median is a run of at most two of one sign, and they are few, the
        departures are set to what the clean second differences beside them continue to (a
    cubic through them), and the values rebuilt from the first two.

        Examples
        --------
        >>> t = np.linspace(-0.04, 0.04, 33)
        >>> kinked = np.exp(t) + 0.3 * np.maximum(t - 0.013, 0)
        >>> plateau_noise(kinked) > 1e-9, plateau_noise(without_kinks(kinked)) < 1e-14
        (True, True)
        >>> without_kinks(np.exp(t) + 1e-7 * (t > 0.013)) is None  # a jump is not a kink
        True
    """
    second = np.diff(values, 2)
    if second.size < 2 * KINK_REACH + 1:
        return None
    index = np.arange(second.size)
    cleaned = second.copy()
    out = np.zeros(second.size, dtype=bool)
    for _ in range(KINK_PASSES):  # the largest kinks first, then those they hid
        padded = np.pad(cleaned, KINK_REACH, mode="edge")
        windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * KINK_REACH + 1)
        excess = cleaned - np.median(windows, axis=1)
        largest = float(np.max(np.abs(excess)))
        if not largest > floor:
            break
        flagged = np.abs(excess) > max(KINK_SHARE * largest, floor)
        out |= flagged
        if out.sum() > second.size // 3:
            return None
        edges = np.flatnonzero(np.diff(np.concatenate([[0], flagged.astype(np.int8), [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            run = excess[start:stop]
            if stop - start > KINK_RUN or abs(run.sum()) < KINK_NET * np.abs(run).sum():
                return None
            # the run's second differences as the clean ones beside it continue
            near = index[~out & (np.abs(index - (start + stop - 1) / 2) <= KINK_REACH + 1)]
            if near.size < 2:
                return None
            fit = np.polynomial.Polynomial.fit(near, cleaned[near], min(3, near.size - 1))
            cleaned[start:stop] = fit(index[start:stop])
    if not out.any():
        return None
    first = np.concatenate([[values[1] - values[0]], values[1] - values[0] + np.cumsum(cleaned)])
    rebuilt: NDArray[np.float64] = np.concatenate([[values[0]], values[0] + np.cumsum(first)])
    return rebuilt


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
        seen = smooth & close & (level > floor)
        if seen.any():  # kinks crossed by the points are not noise: take them out
            dense = np.array(
                [
                    values[(k + HALF_WIDTH * KINK_REFINE) // KINK_REFINE]
                    if k % KINK_REFINE == 0
                    else values_at(k * delta / KINK_REFINE)
                    for k in range(-HALF_WIDTH * KINK_REFINE, HALF_WIDTH * KINK_REFINE + 1)
                ]
            )
            cost += 2 * HALF_WIDTH * (KINK_REFINE - 1)
            for j in np.flatnonzero(seen):
                cleaned = without_kinks(dense[:, j], float(floor[j]))
                if cleaned is not None:
                    level[j] = plateau_noise(cleaned)
            seen &= level > floor
        with np.errstate(all="ignore"):
            relative = np.where(seen, level / top, 0.0)
        if relative.max() > 0 and not relative.max() <= found:
            found, at = float(relative.max()), delta
    return found, at, cost
