"""The Richardson ladder: level 0 (the first step per element), the per-element state
of :func:`gradwalk._engine.richardson.richardson`, and the arithmetic of its table.

Source of the extrapolation: L. F. Richardson (1911); the table recurrence is that of
Romberg integration applied to central differences, whose error is a series in h².
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

#: The most levels ``max_levels`` may ask for: the step then falls by about 5e8.
MAX_LEVELS = 30

#: Factors between which successive differences of central differences must shrink for
#: the ladder to count as asymptotic: by 4 where the h² term of the error dominates, by
#: 16 where the third derivative vanishes; by far more while the step is too large for f.
ASYMPTOTIC_RATIO = (3.0, 20.0)


def richardson_weights(levels: int) -> NDArray[np.float64]:
    """Row j: the weights of the differences D_0..D_j in the extrapolant T[j][j].

    From the recurrence ``T[j][k] = T[j][k-1] + (T[j][k-1] - T[j-1][k-1]) / (4**k - 1)``
    of central differences whose step halves from one level to the next.

    Examples
    --------
    >>> richardson_weights(2)[1] * 3  # T[1][1] = (4 D_1 - D_0) / 3
    array([-1.,  4.])
    """
    weights = np.zeros((levels, levels))
    previous: list[NDArray[np.float64]] = []
    for j in range(levels):
        row = [np.eye(levels)[j]]
        for k in range(1, j + 1):
            row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
        weights[j] = row[j]
        previous = row
    return weights


class Ladder:
    """Per-element state of :func:`richardson` for the elements still active.

    Every array has one entry (or column) per active element, in the order of the
    active elements; :meth:`keep` drops those that stop.
    """

    #: The attributes with one entry per active element.
    _PER_ELEMENT = (
        "x",
        "first",
        "grad",
        "error",
        "own",
        "step",
        "best",
        "start",
        "stalled",
        "f_scale",
        "floor",
        "measured",
        "exact",
    )

    def __init__(
        self, x0: NDArray[np.floating], first: NDArray[np.floating], wide: np.dtype[Any]
    ) -> None:
        n = x0.size
        self.x = x0
        self.first = first
        self.grad = np.full(n, np.nan, dtype=wide)
        self.error = np.full(n, np.inf, dtype=wide)
        self.own = np.full(n, np.inf, dtype=wide)  # the error estimate of the best level itself
        self.step = first.astype(np.float64)
        self.best = np.zeros(n, dtype=np.intp)  # level of the estimate kept
        self.start = np.ones(n, dtype=np.intp)  # extrapolate from D_{start - 1} on
        self.stalled = np.zeros(n, dtype=bool)  # the last level did not improve on the best
        self.f_scale = np.zeros(n, dtype=wide)
        self.floor = np.zeros(n, dtype=wide)  # the worst-case rounding of the best level
        self.measured = np.zeros(n, dtype=wide)  # its measured rounding (see richardson)
        self.exact = np.zeros(n, dtype=bool)  # every value of f so far exact in float32
        # The last three central differences D_j and their rounding errors, and per level
        # whether D_j - D_{j-1} is asymptotic.
        self.recent = np.full((3, n), np.nan, dtype=wide)
        self.recent_noise = np.zeros((3, n), dtype=wide)
        self.shrinking = np.zeros((MAX_LEVELS, n), dtype=bool)
        self.previous: list[NDArray[Any]] = []  # the previous level's row of the table
        self.restarted = False  # whether some element restarted its extrapolation

    def widen(self, tail: tuple[int, ...]) -> None:
        """Give every output of a vector-valued f (values of shape ``tail``) its own
        ladder: the per-element state gains trailing axes ``tail``."""
        for name in (*Ladder._PER_ELEMENT[2:], "recent", "recent_noise", "shrinking"):
            value = getattr(self, name)
            wide = value.reshape(value.shape + (1,) * len(tail))
            setattr(self, name, np.broadcast_to(wide, (*value.shape, *tail)).copy())

    def order(self, level: int) -> int | NDArray[np.intp]:
        """How many extrapolations each element takes at ``level`` (1 to ``level``).

        The usual case, one order for every element, gives an int: all of them use the
        same column of the table.
        """
        if not self.restarted:  # every element extrapolates over all its levels
            return level
        order = np.clip(level - self.start + 1, 1, level)
        highest = int(order.max())
        return highest if highest == int(order.min()) else order

    def report(
        self,
        active: NDArray[np.intp],
        grad: NDArray[np.floating],
        error: NDArray[np.floating],
        step: NDArray[np.floating],
        noise: NDArray[np.floating],
        noise_unit: float,
    ) -> None:
        """Write the estimates of the active elements into the full-size results.

        The error reported carries the measured rounding of the best level in place of
        its worst case (never less than the measured rounding itself).
        """
        grad[active] = self.grad
        error[active] = np.maximum(self.error - (self.floor - self.measured), self.measured)
        step[active] = self.step
        f_scale = self.f_scale  # a vector-valued f: its largest output
        if f_scale.ndim > 1:
            f_scale = f_scale.reshape(len(active), -1).max(axis=1, initial=0.0)
        noise[active] = noise_unit * f_scale

    def keep(self, going_on: NDArray[np.bool_]) -> None:
        """Keep only the elements where ``going_on`` is true."""
        for name in Ladder._PER_ELEMENT:
            setattr(self, name, getattr(self, name)[going_on])
        self.recent = self.recent[:, going_on]
        self.recent_noise = self.recent_noise[:, going_on]
        self.shrinking = self.shrinking[:, going_on]
        self.previous = [entry[going_on] for entry in self.previous]


def table_entries(row: list[NDArray[Any]], order: NDArray[np.intp]) -> NDArray[Any]:
    """``row[order[i]][i]`` for every i: each element's entry of a table row.

    Examples
    --------
    >>> import numpy as np
    >>> row = [np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])]
    >>> table_entries(row, np.array([1, 0, 1])).tolist()
    [10.0, 2.0, 30.0]
    """
    table = np.stack(row[: int(order.max()) + 1])
    entries: NDArray[Any] = np.take_along_axis(table, order[None], axis=0)[0]
    return entries


def amplification(levels: int) -> NDArray[np.float64]:
    """Rounding error of T[j][j] per unit eps·|f| / h_j, taken as sum_k |a_jk| h_k / h_j.

    Rounding errors of eps·|f| / h_k in each D_k would give sum_k |a_jk| h_j / h_k; the
    larger ratio h_k / h_j >= 1 leaves a margin. The same holds for T[i + j][j] (j
    extrapolations from any level i: the steps halve all the same).

    Examples
    --------
    >>> amplification(2).tolist()  # T[1][1] = (4 D_1 - D_0) / 3: 4/3 + 2 · 1/3
    [1.0, 2.0]
    """
    level = np.arange(levels)
    amplification: NDArray[np.float64] = (np.abs(richardson_weights(levels)) @ 2.0**-level) * (
        2.0**level
    )
    return amplification


#: :func:`amplification` of every level, computed once.
AMPLIFICATION = amplification(MAX_LEVELS)


def differences_shrinking(
    column: NDArray[np.floating], noise: NDArray[np.floating]
) -> NDArray[np.bool_]:
    """Whether the newest difference of central differences looks asymptotic.

    ``column`` holds D_0..D_j (rows) of each element and ``noise`` their rounding
    errors. Where the h² term of the error dominates, d_j = D_j - D_{j-1} is a quarter
    of d_{j-1}, with the same sign (a sixteenth where that term vanishes): the ratio
    d_{j-1} / d_j must lie within :data:`ASYMPTOTIC_RATIO`. A d_j at rounding level says
    that nothing more can be learned, and counts as asymptotic too.

    Examples
    --------
    >>> import numpy as np
    >>> h = 0.1 / 2.0 ** np.arange(4)
    >>> smooth = (np.sin(1 + h) - np.sin(1 - h)) / (2 * h)  # error -cos(1) h²/6 + ...
    >>> wild = (np.sin(1 + 50 * h) - np.sin(1 - 50 * h)) / (100 * h)  # steps too large
    >>> differences_shrinking(np.stack([smooth, wild], axis=1), np.zeros((4, 2)))
    array([ True, False])
    """
    newest = column[-1] - column[-2]
    at_rounding: NDArray[np.bool_] = np.abs(newest) <= 2 * (noise[-1] + noise[-2])
    if column.shape[0] < 3:
        return at_rounding
    ratio = (column[-2] - column[-3]) / np.where(at_rounding, 1.0, newest)
    least, most = ASYMPTOTIC_RATIO
    in_ratio: NDArray[np.bool_] = (ratio >= least) & (ratio <= most)
    return at_rounding | in_ratio


def ladder_asymptotic(
    shrinking: NDArray[np.bool_], best: NDArray[np.intp], last: int | NDArray[np.intp]
) -> NDArray[np.bool_]:
    """Whether each element's ladder is asymptotic around its best level.

    ``shrinking`` (levels × elements) holds :func:`differences_shrinking` per level;
    ``best`` is the level of each element's estimate and ``last`` the last level it evaluated. The
    differences around the best level must shrink: from the level before it (level 2
    at the earliest, the first with a ratio to test) to the level after it, where
    evaluated. Together they cover the central differences that weigh most in the best
    estimate. (Further down, rounding takes over and the ratios scatter.)

    Examples
    --------
    >>> import numpy as np
    >>> shrinking = np.array([[False, False, True, True, True, False]]).T
    >>> ladder_asymptotic(shrinking, np.array([3]), np.array([5])).tolist()  # levels 2..4
    [True]
    >>> ladder_asymptotic(shrinking, np.array([5]), np.array([5])).tolist()  # levels 4..5
    [False]
    """
    levels = np.arange(shrinking.shape[0]).reshape(-1, *(1,) * np.ndim(best))
    needed = (levels >= np.maximum(best - 1, 2)) & (levels <= np.minimum(best + 1, last))
    result: NDArray[np.bool_] = np.all(shrinking | ~needed, axis=0)
    return result
