"""Richardson extrapolation: central differences at halving steps, refined per element.

The plan :func:`richardson` and its per-element state, :class:`_Ladder`. Source of the
extrapolation: L. F. Richardson (1911); the table recurrence is that of Romberg
integration applied to central differences, whose error is a series in h².
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._points import ROUNDING_ULPS, Estimate, PlanGenerator, Points, Step, wide_dtype
from ._steps import step_sizes

#: Most levels (step halvings) of the Richardson ladder; each costs 2 evaluations. Far
#: more than a function varying on the scale of max(1, |x|) needs (it stops after four to
#: six), so that f varying on a much smaller scale can be followed down to steps where
#: the extrapolation holds (19 halvings take the first step down by about 5e5).
RICHARDSON_LEVELS = 20

#: Relative error estimate below which a level that does not improve ends the refinement.
CONVERGED = 1e-4

#: Factors between which successive differences of central differences must shrink for
#: the ladder to count as asymptotic: by 4 where the h² term of the error dominates, by
#: 16 where the third derivative vanishes; by far more while the step is too large for f.
ASYMPTOTIC_RATIO = (3.0, 20.0)


def _richardson_weights(levels: int) -> NDArray[np.float64]:
    """Row j: the weights of the differences D_0..D_j in the extrapolant T[j][j].

    From the recurrence ``T[j][k] = T[j][k-1] + (T[j][k-1] - T[j-1][k-1]) / (4**k - 1)``
    of central differences whose step halves from one level to the next.

    Examples
    --------
    >>> _richardson_weights(2)[1] * 3  # T[1][1] = (4 D_1 - D_0) / 3
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


def richardson(
    x0: NDArray[np.floating], h: Step, limit: NDArray[np.floating] | None = None
) -> PlanGenerator:
    """Central differences at halving steps, extrapolated and refined per element.

    Level j evaluates ``x ± h/2**j`` for every element still active (2 evaluations each)
    and extends that element's row of the Richardson table. Normally the diagonal T[j][j]
    is the level's estimate of the derivative; where the differences D_j - D_{j-1} of
    the central differences stopped shrinking as the h² term makes them (by about 4,
    see :func:`_shrinking`), the step was still too large for f and the extrapolation
    restarts: T[j][k] then uses only the central differences from the last such level
    on. The estimate's error is its distance to the previous level's estimate of one
    order less plus the rounding error of f amplified by the weights and divided by the
    step.

    An element stops at a level whose estimate does not improve on its best one, once
    that best one has converged (relative error below :data:`CONVERGED`, or
    rounding-limited) and the ladder is asymptotic around it (:func:`_asymptotic`), so
    that estimates that agree by chance at steps still too large for f are not trusted.
    If that finer level disagrees with the best one by more than rounding, it takes a
    second such level to stop. The element keeps its best level; the reported error is
    at least the distance to the finer level, plus the finer level's own error estimate
    where the two disagree by more than rounding. At most :data:`RICHARDSON_LEVELS`
    levels; an element that used them all without its ladder becoming asymptotic reports
    at least the largest distance from its estimate to the plain central differences at
    the three finest steps.

    ``limit`` (per element, optional) caps the first step: within bounds, every level
    then stays within ``x ± limit`` (see :func:`gradwalk._plan.bounded_richardson`).
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    noise_unit = ROUNDING_ULPS * float(np.finfo(x0.dtype).eps)  # rounding of f per unit |f|
    first = step_sizes(x0, h, "richardson")
    if limit is not None:  # bounds: the first step, and so every level, stays within them
        first = np.minimum(first, limit.astype(first.dtype))

    # What the plan returns, per element of x: written when an element stops.
    grad = np.empty(n, dtype=wide)
    error = np.empty(n, dtype=wide)
    step = np.empty(n, dtype=np.float64)
    vanished = np.zeros(n, dtype=bool)

    # The state of the elements still active, in the order of ``active``: it shrinks with
    # ``active`` (see _Ladder.keep), so no level indexes the full arrays.
    active = np.arange(n, dtype=np.intp)
    ladder = _Ladder(x0, first, wide)
    index = np.repeat(active, 2)
    for level in range(RICHARDSON_LEVELS):
        if not active.size:
            break
        h_level = ladder.first / x0.dtype.type(2**level)
        plus = ladder.x + h_level
        minus = ladder.x - h_level
        value = np.empty(2 * active.size, dtype=x0.dtype)
        value[0::2] = plus
        value[1::2] = minus
        f_values = yield Points(index, value)
        f_plus, f_minus = f_values[0::2], f_values[1::2]
        f_here = np.maximum(np.abs(f_plus), np.abs(f_minus))
        ladder.f_scale = np.maximum(ladder.f_scale, f_here)
        width = plus.astype(wide, copy=False) - minus.astype(wide, copy=False)
        at_x = width == 0
        width[at_x] = 2 * h_level[at_x]  # x ± h == x: f(x+) == f(x-), D = 0
        half_width = width / 2
        row = [((f_plus - f_minus) / width).astype(wide, copy=False)]
        ladder.recent[:-1] = ladder.recent[1:]
        ladder.recent_noise[:-1] = ladder.recent_noise[1:]
        ladder.recent[-1] = row[0]
        ladder.recent_noise[-1] = noise_unit * f_here / half_width
        if level == 0:
            vanished = (plus == x0) | (minus == x0)
            ladder.grad = row[0]
            ladder.previous = row
            continue
        known = slice(-min(level + 1, 3), None)
        shrinking = _shrinking(ladder.recent[known], ladder.recent_noise[known])
        ladder.shrinking[level] = shrinking
        if level >= 2 and not shrinking.all():
            # Restart: forget the levels before this one, and their |f|.
            restart = ~shrinking
            ladder.start[restart] = level + 1
            ladder.f_scale[restart] = f_here[restart]
            ladder.restarted = True
        noise = noise_unit * ladder.f_scale / half_width
        # Extrapolate only over the levels whose differences shrink as they should (all
        # of them, normally): T[j][k] from D_{j-k}..D_j, compared with T[j-1][k-1]. The
        # table is only built as far as some element needs it.
        order = ladder.order(level)
        highest = order if isinstance(order, int) else int(order.max())
        previous = ladder.previous
        for k in range(1, highest + 1):
            row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
        if isinstance(order, int):  # the usual case: one column of the table for every element
            level_estimate, below = row[order], previous[order - 1]
        else:
            level_estimate, below = _entries(row, order), _entries(previous, order - 1)
        rounding = noise * _AMPLIFICATION[order]
        estimate = np.abs(level_estimate - below) + rounding
        ladder.previous = row
        better = estimate < ladder.error
        if better.all():  # every element improved (the usual case early on): none stops
            ladder.grad, ladder.error, ladder.own = level_estimate, estimate, estimate
            ladder.step, ladder.floor = h_level, rounding
            ladder.best[:] = level
            ladder.stalled[:] = False
            continue
        # The finer level should agree with the kept one (where it is not better): their
        # distance bounds the kept one's error, plus the finer level's own error estimate
        # unless they agree to rounding.
        distance = np.abs(level_estimate - ladder.grad)
        at_rounding = distance <= ladder.floor + rounding
        bound = distance + np.where(at_rounding, 0, estimate)
        ladder.error = np.where(better, estimate, np.maximum(ladder.own, bound))
        ladder.own = np.where(better, estimate, ladder.own)
        ladder.grad = np.where(better, level_estimate, ladder.grad)
        ladder.step = np.where(better, h_level, ladder.step)
        ladder.best = np.where(better, level, ladder.best)
        ladder.floor = np.where(better, rounding, ladder.floor)
        # A worse level stops an element only once it has converged: a first step far
        # too large for f makes the early levels jump about before they settle. (Where
        # the level is better the entries are those just updated, and go unused.)
        settled = np.maximum(ladder.own, distance)
        converged = settled <= CONVERGED * np.abs(ladder.grad) + 2 * ladder.floor
        converged &= _asymptotic(ladder.shrinking[: level + 1], ladder.best, level)
        # A finer level that disagrees by more than rounding may only have been unlucky
        # (extrapolants can agree by chance): it stops the element on its second time.
        converged &= at_rounding | ladder.stalled
        ladder.stalled = ~better
        going_on = (better | ~converged) & np.isfinite(ladder.error)
        if not going_on.all():
            ladder.report(active, grad, error, step)
            active = active[going_on]
            if not active.size:
                break
            ladder.keep(going_on)
            index = np.repeat(active, 2)
    # Elements that ran out of levels with a ladder that never became asymptotic: their
    # estimate is worth no more than the plain central differences at the finest steps.
    if active.size:
        unsettled = ~_asymptotic(ladder.shrinking, ladder.best, RICHARDSON_LEVELS - 1)
        spread = np.max(np.abs(ladder.recent - ladder.grad), axis=0)
        ladder.error = np.where(unsettled, np.maximum(ladder.error, spread), ladder.error)
        ladder.report(active, grad, error, step)
    return Estimate(grad=grad, error=error, step=step, vanished=vanished)


class _Ladder:
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
        self.floor = np.zeros(n, dtype=wide)
        # The last three central differences D_j and their rounding errors, and per level
        # whether D_j - D_{j-1} is asymptotic.
        self.recent = np.full((3, n), np.nan, dtype=wide)
        self.recent_noise = np.zeros((3, n), dtype=wide)
        self.shrinking = np.zeros((RICHARDSON_LEVELS, n), dtype=bool)
        self.previous: list[NDArray[Any]] = []  # the previous level's row of the table
        self.restarted = False  # whether some element restarted its extrapolation

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
    ) -> None:
        """Write the estimates of the active elements into the full-size results."""
        grad[active] = self.grad
        error[active] = self.error
        step[active] = self.step

    def keep(self, going_on: NDArray[np.bool_]) -> None:
        """Keep only the elements where ``going_on`` is true."""
        for name in _Ladder._PER_ELEMENT:
            setattr(self, name, getattr(self, name)[going_on])
        self.recent = self.recent[:, going_on]
        self.recent_noise = self.recent_noise[:, going_on]
        self.shrinking = self.shrinking[:, going_on]
        self.previous = [entry[going_on] for entry in self.previous]


def _entries(row: list[NDArray[Any]], order: NDArray[np.intp]) -> NDArray[Any]:
    """``row[order[i]][i]`` for every i: each element's entry of a table row.

    Examples
    --------
    >>> import numpy as np
    >>> row = [np.array([1.0, 2.0, 3.0]), np.array([10.0, 20.0, 30.0])]
    >>> _entries(row, np.array([1, 0, 1])).tolist()
    [10.0, 2.0, 30.0]
    """
    table = np.stack(row[: int(order.max()) + 1])
    entries: NDArray[Any] = np.take_along_axis(table, order[None], axis=0)[0]
    return entries


def _amplification(levels: int) -> NDArray[np.float64]:
    """Rounding error of T[j][j] per unit eps·|f| / h_j, taken as sum_k |a_jk| h_k / h_j.

    Rounding errors of eps·|f| / h_k in each D_k would give sum_k |a_jk| h_j / h_k; the
    larger ratio h_k / h_j >= 1 leaves a margin. The same holds for T[i + j][j] (j
    extrapolations from any level i: the steps halve all the same).

    Examples
    --------
    >>> _amplification(2).tolist()  # T[1][1] = (4 D_1 - D_0) / 3: 4/3 + 2 · 1/3
    [1.0, 2.0]
    """
    level = np.arange(levels)
    amplification: NDArray[np.float64] = (np.abs(_richardson_weights(levels)) @ 2.0**-level) * (
        2.0**level
    )
    return amplification


#: :func:`_amplification` of every level, computed once.
_AMPLIFICATION = _amplification(RICHARDSON_LEVELS)


def _shrinking(column: NDArray[np.floating], noise: NDArray[np.floating]) -> NDArray[np.bool_]:
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
    >>> _shrinking(np.stack([smooth, wild], axis=1), np.zeros((4, 2)))
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


def _asymptotic(
    shrinking: NDArray[np.bool_], best: NDArray[np.intp], last: int | NDArray[np.intp]
) -> NDArray[np.bool_]:
    """Whether each element's ladder is asymptotic around its best level.

    ``shrinking`` (levels × elements) holds :func:`_shrinking` per level; ``best`` is the
    level of each element's estimate and ``last`` the last level it evaluated. The
    differences around the best level must shrink: from the level before it (level 2
    at the earliest, the first with a ratio to test) to the level after it, where
    evaluated. Together they cover the central differences that weigh most in the best
    estimate. (Further down, rounding takes over and the ratios scatter.)

    Examples
    --------
    >>> import numpy as np
    >>> shrinking = np.array([[False, False, True, True, True, False]]).T
    >>> _asymptotic(shrinking, np.array([3]), np.array([5])).tolist()  # levels 2..4
    [True]
    >>> _asymptotic(shrinking, np.array([5]), np.array([5])).tolist()  # levels 4..5
    [False]
    """
    levels = np.arange(shrinking.shape[0])[:, None]
    needed = (levels >= np.maximum(best - 1, 2)) & (levels <= np.minimum(best + 1, last))
    result: NDArray[np.bool_] = np.all(shrinking | ~needed, axis=0)
    return result
