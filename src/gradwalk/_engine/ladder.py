"""The Richardson ladder: level 0 (the first step per element), the per-element state
of :func:`gradwalk._engine.richardson.richardson`, and the arithmetic of its table.

Source of the extrapolation: L. F. Richardson (1911); the table recurrence is that of
Romberg integration applied to central differences, whose error is a series in h².
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .verify import kink_like, noise_level, steady, threshold

#: The most levels ``max_levels`` may ask for: the step then falls by about 5e8.
MAX_LEVELS = 30

#: Factors between which successive differences of central differences must shrink for
#: the ladder to count as asymptotic: by 4 where the h² term of the error dominates, by
#: 16 where the third derivative vanishes; by far more while the step is too large for f.
ASYMPTOTIC_RATIO = (3.0, 20.0)


#: Where the last three levels' points lie along an element's axis, in units of the
#: finest step: x - 4h, x - 2h, x - h, x + h, x + 2h, x + 4h.
NOISE_OFFSETS = (-4.0, -2.0, -1.0, 1.0, 2.0, 4.0)


@dataclass
class Reported:
    """What :func:`~gradwalk._engine.richardson.richardson` returns per element (and
    output), written by :meth:`Ladder.report` as elements stop: the estimate, its
    error, its step; f's rounding per value and |f|; and the evidence about it: whether
    its ladder was asymptotic around its best level, whether f's values there look like
    a kink (with the jump between the one-sided slopes) or a jump, and f's measured
    noise per value (0 where none was seen); and f's values at x ∓ h of its last three
    levels (in the order of :data:`NOISE_OFFSETS`, one row per offset) with the finest of
    those steps, for a check off their grid; and f's deviation found off that grid."""

    grad: NDArray[Any]
    error: NDArray[Any]
    step: NDArray[Any]
    noise: NDArray[Any]
    size: NDArray[Any]
    asymptotic: NDArray[np.bool_]
    kink: NDArray[np.bool_]
    slope_jump: NDArray[Any]
    jump: NDArray[np.bool_]
    f_noise: NDArray[Any]
    last_values: NDArray[Any]
    finest: NDArray[Any]
    off_grid: NDArray[Any]


def extrapolated(row: list[Any], previous: list[Any], highest: int) -> list[Any]:
    """``row`` (this level's central difference, ``[D_j]``) extended with its Richardson
    extrapolants up to column ``highest``, by ``T[j][k] = T[j][k-1] + (T[j][k-1] -
    T[j-1][k-1]) / (4**k - 1)`` from the level before's row ``previous`` (the steps halve
    from one level to the next; the error is a series in h**2).

    >>> extrapolated([np.array(4.25)], [np.array(5.0)], 1)[1]  # (4 D_1 - D_0) / 3
    np.float64(4.0)
    """
    for k in range(1, highest + 1):
        row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
    return row


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
        row = extrapolated([np.eye(levels)[j]], previous, j)
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
        "slope_jump",
        "f_noise",
        "noise_before",
        "settled",
    )

    #: The attributes with one row per recent level and one column per active element.
    _RECENT = ("recent", "recent_noise", "recent_plus", "recent_minus", "recent_rounding")

    #: The attributes with one row per level and one column per active element.
    _PER_LEVEL = ("shrinking", "kinked", "steady")

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
        # |f'(x+) - f'(x-)| as f's even part at the best level measures it (a kink)
        self.slope_jump = np.zeros(n, dtype=wide)
        # f's noise per value, as measured from the last three levels (0: none seen)
        self.f_noise = np.zeros(n, dtype=wide)
        # whether the ladder was asymptotic at two successive levels already: only then
        # are f's differences at finer steps evidence of noise, not of a step too large
        self.settled = np.zeros(n, dtype=bool)
        self.noise_before = np.zeros(n, dtype=wide)  # the noise measured at the last level
        # The last three central differences D_j and their rounding errors, and per level
        # whether D_j - D_{j-1} is asymptotic.
        self.recent = np.full((3, n), np.nan, dtype=wide)
        self.recent_noise = np.zeros((3, n), dtype=wide)
        # f at x ± h of the last three levels, and the rounding of one such value.
        self.recent_plus = np.full((3, n), np.nan, dtype=wide)
        self.recent_minus = np.full((3, n), np.nan, dtype=wide)
        self.recent_rounding = np.zeros((3, n), dtype=wide)
        self.shrinking = np.zeros((MAX_LEVELS, n), dtype=bool)
        # Per level: whether f's even part shrank like h (a kink), and whether its odd
        # part f(x + h) - f(x - h) stayed the same (a jump) (see gradwalk._engine.verify).
        self.kinked = np.zeros((MAX_LEVELS, n), dtype=bool)
        self.steady = np.zeros((MAX_LEVELS, n), dtype=bool)
        self.previous: list[NDArray[Any]] = []  # the previous level's row of the table
        self.restarted = False  # whether some element restarted its extrapolation

    def widen(self, tail: tuple[int, ...]) -> None:
        """Give every output of a vector-valued f (values of shape ``tail``) its own
        ladder: the per-element state gains trailing axes ``tail``."""
        for name in (*Ladder._PER_ELEMENT[2:], *Ladder._RECENT, *Ladder._PER_LEVEL):
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

    def remember(self, f_plus: NDArray[Any], f_minus: NDArray[Any], rounding: Any) -> None:
        """Keep f's values at x ± h of the level just evaluated (and the rounding of
        one), dropping those of the oldest of the three recent levels."""
        for name, newest in (
            ("recent_plus", f_plus),
            ("recent_minus", f_minus),
            ("recent_rounding", rounding),
        ):
            recent = getattr(self, name)
            recent[:-1] = recent[1:]
            recent[-1] = newest

    def examine(self, level: int) -> None:
        """At ``level`` (2 or more), from the last three levels' values: record whether
        they look like a kink or a jump (:func:`~gradwalk._engine.verify.kink_like`,
        :func:`~gradwalk._engine.verify.steady`), and measure f's noise
        (:func:`~gradwalk._engine.verify.noise_level`), kept where it is small beside
        the change of f over the coarsest of the three steps, alike at two successive
        levels, once the ladder has been asymptotic at two successive levels (before,
        high-order differences of f are its own variation at steps too large for it,
        and that falls by 2**4 or more from level to level: noise does not)."""
        even = self.recent_plus + self.recent_minus
        odd = self.recent_plus - self.recent_minus
        noise = 2 * np.max(self.recent_rounding, axis=0)
        self.kinked[level] = kink_like(even[0] - even[1], even[1] - even[2], 2 * noise)
        self.steady[level] = steady(odd[1], odd[2], noise)
        values = self.last_values()
        measured = noise_level(values, NOISE_OFFSETS)
        # noise is the same at every step, f's own variation falls by 2**4 or more a level
        factor = threshold("noise orders")
        alike = (measured <= factor * self.noise_before) & (self.noise_before <= factor * measured)
        change = np.abs(odd[0])
        resolved = np.where(self.settled, threshold("above noise"), threshold("noise resolved"))
        found = np.where(alike & (resolved * measured <= change), measured, 0.0)
        self.f_noise = np.maximum(self.f_noise, found)
        self.noise_before = measured

    def last_values(self) -> NDArray[Any]:
        """f at the points of the last three levels, one row per offset of
        :data:`NOISE_OFFSETS`."""
        values: NDArray[Any] = np.concatenate([self.recent_minus, self.recent_plus[::-1]])
        return values

    def step_jump(self, h_level: NDArray[Any]) -> NDArray[Any]:
        """|f'(x+) - f'(x-)| as measured by f's even part at the level just evaluated:
        at a kink, S(2h) - S(h) = |f'(x+) - f'(x-)|·h."""
        even = self.recent_plus + self.recent_minus
        jump: NDArray[Any] = np.abs(even[1] - even[2]) / h_level
        return jump

    def report(self, active: NDArray[np.intp], out: Reported, level: int, rounding: Any) -> None:
        """Write the estimates of the active elements, and the evidence about them, into
        the full-size results ``out``; ``level`` is the last level evaluated and
        ``rounding(size)`` f's rounding per value of magnitude ``size``.

        The error reported carries the measured rounding of the best level in place of
        its worst case (never less than the measured rounding itself), times
        :data:`MARGIN`.
        """
        out.grad[active] = self.grad
        error = np.maximum(self.error - (self.floor - self.measured), self.measured)
        out.error[active] = MARGIN * error
        out.step[active] = self.step
        f_scale = self.f_scale  # a vector-valued f: its largest output
        if f_scale.ndim > 1:
            f_scale = f_scale.reshape(len(active), -1).max(axis=1, initial=0.0)
        out.noise[active] = rounding(f_scale)
        out.size[active] = f_scale
        needed = around_best(self.best, level)[: level + 1]
        out.asymptotic[active] = ladder_asymptotic(self.shrinking[: level + 1], self.best, level)
        out.kink[active] = np.any(needed, axis=0) & np.all(
            self.kinked[: level + 1] | ~needed, axis=0
        )
        out.slope_jump[active] = self.slope_jump
        if level >= 3:
            out.jump[active] = self.steady[level] & self.steady[level - 1]
        out.f_noise[active] = self.f_noise
        out.last_values[:, active] = self.last_values()
        out.finest[active] = self.first / 2.0**level

    def keep(self, going_on: NDArray[np.bool_]) -> None:
        """Keep only the elements where ``going_on`` is true."""
        for name in Ladder._PER_ELEMENT:
            setattr(self, name, getattr(self, name)[going_on])
        for name in (*Ladder._RECENT, *Ladder._PER_LEVEL):
            setattr(self, name, getattr(self, name)[:, going_on])
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


#: The error bar reported, in units of the ladder's own error estimate: the distance
#: between two extrapolants estimates the error of the coarser one, and f's noise,
#: where not yet measured when the ladder stops, adds to it.
MARGIN = threshold("richardson margin")

#: How many levels in a row after an element's best level must shrink (or agree to
#: f's rounding and noise) to confirm it where the levels next to it did not.
CONFIRMING = int(threshold("confirming"))


def around_best(best: NDArray[np.intp], last: int | NDArray[np.intp]) -> NDArray[np.bool_]:
    """Per level (rows) and element: whether the level is one around the element's
    ``best`` level that :func:`ladder_asymptotic` examines, from the level before it
    (level 2 at the earliest, the first with a ratio to test) to the level after it,
    where evaluated (``last``)."""
    levels = np.arange(MAX_LEVELS).reshape(-1, *(1,) * np.ndim(best))
    needed: NDArray[np.bool_] = (levels >= np.maximum(best - 1, 2)) & (
        levels <= np.minimum(best + 1, last)
    )
    return needed


def ladder_asymptotic(
    shrinking: NDArray[np.bool_], best: NDArray[np.intp], last: int | NDArray[np.intp]
) -> NDArray[np.bool_]:
    """Whether each element's ladder is asymptotic around its best level.

    ``shrinking`` (levels × elements) holds :func:`differences_shrinking` per level;
    ``best`` is the level of each element's estimate and ``last`` the last level it
    evaluated. The differences around the best level (:func:`around_best`) must shrink:
    together they cover the central differences that weigh most in the best estimate.
    (Further down, rounding takes over and the ratios scatter.) Where a level next to
    the best one did not shrink (a kink just left the step; noise in f at the level
    after it), :data:`CONFIRMING` levels in a row after the best one that shrink, or
    agree to f's rounding and noise, confirm it instead.

    Examples
    --------
    >>> import numpy as np
    >>> shrinking = np.array([[False, False, True, True, True, False]]).T
    >>> ladder_asymptotic(shrinking, np.array([3]), np.array([5])).tolist()  # levels 2..4
    [True]
    >>> ladder_asymptotic(shrinking, np.array([5]), np.array([5])).tolist()  # levels 4..5
    [False]
    >>> later = np.array([[False, False, False, False, True, True, True, True]]).T
    >>> ladder_asymptotic(later, np.array([4]), np.array([7])).tolist()  # 5, 6 and 7
    [True]
    """
    rows = shrinking.shape[0]
    needed = around_best(best, last)[:rows]
    result: NDArray[np.bool_] = np.all(shrinking | ~needed, axis=0)
    levels = np.arange(rows).reshape(-1, *(1,) * np.ndim(best))
    after = (levels >= np.maximum(best, np.asarray(last) - CONFIRMING + 1)) & (levels <= last)
    confirmed = np.all(shrinking | ~after, axis=0) & (np.asarray(last) - CONFIRMING >= best)
    confirmed &= best >= 1
    asymptotic: NDArray[np.bool_] = result | confirmed
    return asymptotic
