"""The levels of the second differences' ladder: what a level asks for, each entry's
state, and the refinement, restart, confirmation and kink test of every level.

:class:`Ladder` runs levels 1 to ``max_levels - 1`` for
:func:`~gradwalk._derivatives.second_differences.second_differences`, which finds
level 0 (the steps that keep f finite, f's precision) and turns the result into
statuses. The arithmetic is the gradient's Richardson ladder's (L. F. Richardson, 1911;
Romberg's recurrence), reused from :mod:`gradwalk._engine.ladder`.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.first_step import PROBE_FRACTION
from gradwalk._engine.ladder import (
    MAX_LEVELS,
    differences_shrinking,
    extrapolated,
    ladder_asymptotic,
    richardson_weights,
    table_entries,
)
from gradwalk._engine.rounding import ROUNDING_ULPS, Precision
from gradwalk._engine.verify import kink_like, threshold

__all__ = [
    "AMPLIFICATION",
    "CONVERGED",
    "MIXED_SIGNS",
    "PROBES",
    "Answer",
    "Ladder",
    "Request",
    "finite_rows",
    "request",
]

#: Relative error estimate below which a level that does not improve ends the refinement
#: (the gradient's Richardson uses the same).
CONVERGED = 1e-4

#: How many times an entry may fail its confirmation at an off-ladder step and start its
#: extrapolation afresh at the next level; after that it is reported as unsettled.
PROBES = 3

#: The order of the points of a mixed entry in :class:`Request`: (s, t) in x + s a d_p + t b d_q.
MIXED_SIGNS = ((1, 1), (1, -1), (-1, 1), (-1, -1))


def _amplification(levels: int) -> NDArray[np.float64]:
    """Rounding of T[j][j] per unit rounding of the newest second difference S_j.

    S_k's rounding grows as 1 / h_k², 4**(j - k) times smaller than S_j's; the weights
    are those of :func:`~gradwalk._engine.ladder.richardson_weights`. Also right for
    T[i + j][j], whose steps halve all the same.

    >>> _amplification(2).tolist()  # T[1][1] = (4 S_1 - S_0) / 3: 4/3 + 1/3 · 1/4
    [1.0, 1.4166666666666665]
    """
    weights = np.abs(richardson_weights(levels))
    level = np.arange(levels)
    relative = 4.0 ** (level[None, :] - level[:, None])
    result: NDArray[np.float64] = np.sum(np.tril(weights * relative), axis=1)
    return result


#: :func:`_amplification` of every level, computed once.
AMPLIFICATION = _amplification(MAX_LEVELS)


@dataclass(frozen=True)
class Request:
    """The points one level asks for.

    ``axes`` (directions k) at steps ``axis_step``: f(x + s d_k) and f(x - s d_k), two
    values per direction. Mixed entries (directions ``p``, ``q``) at steps ``a`` and
    ``b``: the four values of :data:`MIXED_SIGNS` per entry.
    """

    axes: NDArray[np.intp]
    axis_step: NDArray[np.float64]
    p: NDArray[np.intp]
    q: NDArray[np.intp]
    a: NDArray[np.float64]
    b: NDArray[np.float64]


#: The answer to a :class:`Request`: axis values (k, 2) and pair values (m, 4).
Answer = tuple[NDArray[np.float64], NDArray[np.float64]]


def request(
    axes: NDArray[np.intp] | None = None,
    axis_step: NDArray[np.float64] | None = None,
    p: NDArray[np.intp] | None = None,
    q: NDArray[np.intp] | None = None,
    a: NDArray[np.float64] | None = None,
    b: NDArray[np.float64] | None = None,
) -> Request:
    """A :class:`Request`; what is not given is empty."""
    no_index = np.zeros(0, dtype=np.intp)
    no_step = np.zeros(0)
    return Request(
        no_index if axes is None else axes,
        no_step if axis_step is None else axis_step,
        no_index if p is None else p,
        no_index if q is None else q,
        no_step if a is None else a,
        no_step if b is None else b,
    )


@dataclass
class _State:
    """The per-entry state of the entries still active (one column each)."""

    value: NDArray[np.float64]
    error: NDArray[np.float64]
    own: NDArray[np.float64]
    best: NDArray[np.intp]
    start: NDArray[np.intp]
    stalled: NDArray[np.bool_]
    floor: NDArray[np.float64]
    kinky: NDArray[np.intp]
    raw: NDArray[np.float64]  # the second difference at the best level
    probes: NDArray[np.intp]  # confirmations at an off-ladder step that failed
    recent: NDArray[np.float64]  # the last three second differences (3, k)
    recent_noise: NDArray[np.float64]
    odd: NDArray[np.float64]  # the last three of both odd parts (2, 3, k)
    odd_noise: NDArray[np.float64]
    shrinking: NDArray[np.bool_]  # per level: S's differences asymptotic (levels, k)
    odd_shrinking: NDArray[np.bool_]
    previous: list[NDArray[np.float64]] = field(default_factory=list)

    @classmethod
    def new(cls, k: int) -> _State:
        return cls(
            value=np.full(k, np.nan),
            error=np.full(k, np.inf),
            own=np.full(k, np.inf),
            best=np.zeros(k, dtype=np.intp),
            start=np.ones(k, dtype=np.intp),
            stalled=np.zeros(k, dtype=bool),
            floor=np.zeros(k),
            kinky=np.zeros(k, dtype=np.intp),
            raw=np.full(k, np.nan),
            probes=np.zeros(k, dtype=np.intp),
            recent=np.full((3, k), np.nan),
            recent_noise=np.zeros((3, k)),
            odd=np.full((2, 3, k), np.nan),
            odd_noise=np.zeros((2, 3, k)),
            shrinking=np.zeros((MAX_LEVELS, k), dtype=bool),
            odd_shrinking=np.zeros((MAX_LEVELS, k), dtype=bool),
        )

    def keep(self, going_on: NDArray[np.bool_]) -> None:
        """Keep the entries where ``going_on`` is true."""
        for name in (
            "value",
            "error",
            "own",
            "best",
            "start",
            "stalled",
            "floor",
            "kinky",
            "raw",
            "probes",
        ):
            setattr(self, name, getattr(self, name)[going_on])
        for name in ("recent", "recent_noise", "shrinking", "odd_shrinking"):
            setattr(self, name, getattr(self, name)[:, going_on])
        self.odd = self.odd[:, :, going_on]
        self.odd_noise = self.odd_noise[:, :, going_on]
        self.previous = [row[going_on] for row in self.previous]


def finite_rows(values: NDArray[np.float64]) -> NDArray[np.bool_]:
    finite: NDArray[np.bool_] = np.all(np.isfinite(values), axis=1)
    return finite


class Ladder:
    """The levels after level 0 of the entries, with what they share."""

    def __init__(
        self,
        first: NDArray[np.float64],
        p: NDArray[np.intp],
        q: NDArray[np.intp],
        factor: NDArray[np.float64],
        checks_odd: NDArray[np.bool_],
        f_at_x: float,
        precision: Precision,
        rtol: float | None,
        atol: float | None,
    ) -> None:
        self.first, self.p, self.q, self.factor = first, p, q, factor
        self.diagonal = p == q
        self.checks_odd = checks_odd
        self.f_at_x = f_at_x
        self.unit = ROUNDING_ULPS * precision.eps  # the rounding of one value per unit |f|
        # f's values on a grid coarser than eps·|f|, or subnormal, round as if |f| were
        # grid / eps, or f's smallest normal number
        self.size = precision.size
        self.f0_size = max(abs(f_at_x), float(precision.size(f_at_x)))  # nan stays
        self.rtol, self.atol = rtol, atol

    def level_values(
        self, active: NDArray[np.intp], level: int
    ) -> Generator[Request, Answer, tuple[NDArray[np.float64], NDArray[np.float64]]]:
        """Ask for level ``level`` of the active entries: their values (k, 4) and the
        axis values (directions, 2) of the directions they use."""
        p, q = self.p[active], self.q[active]
        diagonal = self.diagonal[active]
        checked = self.checks_odd[active]
        axes = np.unique(np.concatenate([p[diagonal | checked], q[~diagonal & checked]]))
        pairs = active[~diagonal]
        scale = 2.0**-level
        a = self.factor[pairs] * self.first[self.p[pairs]] * scale
        b = self.factor[pairs] * self.first[self.q[pairs]] * scale
        axis_part, pair_part = yield request(
            axes, self.first[axes] * scale, self.p[pairs], self.q[pairs], a, b
        )
        axis_values = np.full((self.first.size, 2), np.nan)
        axis_values[axes] = axis_part
        values = np.full((active.size, 4), np.nan)
        values[diagonal, :2] = axis_values[p[diagonal]]
        values[~diagonal] = pair_part
        return values, axis_values

    def second_difference(
        self,
        values: NDArray[np.float64],
        diagonal: NDArray[np.bool_],
        a: NDArray[np.float64],
        b: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
        """Each entry's second difference from its values (diagonal: f(x + a), f(x - a);
        off the diagonal: f(x ± a ± b), four corners) and f(x), with its rounding (f's
        rounding per value carried through the formula's weights) and the size each value
        rounds as."""
        size = self.size(np.where(np.isfinite(values), values, 0.0))
        f0 = self.f_at_x
        with np.errstate(all="ignore"):
            second = np.where(
                diagonal,
                (values[:, 0] - 2 * f0 + values[:, 1]) / (a * a),
                (values[:, 0] - values[:, 1] - values[:, 2] + values[:, 3]) / (4 * a * b),
            )
            noise = self.unit * np.where(
                diagonal,
                (size[:, 0] + 2 * self.f0_size + size[:, 1]) / (a * a),
                size.sum(axis=1) / (4 * a * b),
            )
        return second, noise, size

    def differences(
        self,
        active: NDArray[np.intp],
        values: NDArray[np.float64],
        axis_values: NDArray[np.float64],
        level: int,
    ) -> tuple[NDArray[np.float64], ...]:
        """The second differences of a level, their rounding, and the two odd parts
        with theirs (see the module docstring)."""
        p, q = self.p[active], self.q[active]
        diagonal = self.diagonal[active]
        a = self.factor[active] * self.first[p] * 2.0**-level
        b = self.factor[active] * self.first[q] * 2.0**-level
        second, noise, size = self.second_difference(values, diagonal, a, b)
        with np.errstate(all="ignore"):
            odd_p = axis_values[p, 0] - axis_values[p, 1]
            odd_q = axis_values[q, 0] - axis_values[q, 1]
            axis_size = self.size(axis_values[p]).sum(axis=1) + self.size(axis_values[q]).sum(
                axis=1
            )
            along = values[:, 0] - values[:, 3] - odd_p - odd_q
            across = values[:, 1] - values[:, 2] - odd_p + odd_q
            one = np.where(diagonal, (values[:, 0] - values[:, 1]) / (2 * a), along / (2 * b))
            other = np.where(diagonal, one, across / (2 * b))
            noise_one = self.unit * np.where(
                diagonal,
                (size[:, 0] + size[:, 1]) / (2 * a),
                (size[:, 0] + size[:, 3] + axis_size) / (2 * b),
            )
            noise_other = self.unit * np.where(
                diagonal, noise_one / self.unit, (size[:, 1] + size[:, 2] + axis_size) / (2 * b)
            )
        return second, noise, one, noise_one, other, noise_other

    def run(
        self,
        active: NDArray[np.intp],
        entry_values: NDArray[np.float64],
        axis_values: NDArray[np.float64],
        max_levels: int,
    ) -> Generator[Request, Answer, tuple[NDArray[Any], ...]]:
        """Levels 0 to ``max_levels - 1`` of the ``active`` entries: per entry the value,
        error, step, kink and whether it ran out of levels."""
        m = self.p.size
        value = np.full(m, np.nan)
        error = np.full(m, np.nan)
        step = self.factor * self.first[self.p]
        kink = np.zeros(m, dtype=bool)
        ran_out = np.zeros(m, dtype=bool)
        unsettled = np.zeros(m, dtype=bool)  # the ladder never settled where it stopped
        s = _State.new(active.size)
        tolerance_given = self.rtol is not None or self.atol is not None
        for level in range(max_levels):
            if not active.size:
                break
            if level == 0:
                values = entry_values[active]
            else:
                values, axis_values = yield from self.level_values(active, level)
            second, noise, one, noise_one, other, noise_other = self.differences(
                active, values, axis_values, level
            )
            finite = np.isfinite(second)
            for history, newest in ((s.recent, second), (s.recent_noise, noise)):
                history[:-1] = history[1:]
                history[-1] = newest
            s.odd[:, :-1] = s.odd[:, 1:]
            s.odd_noise[:, :-1] = s.odd_noise[:, 1:]
            s.odd[:, -1] = one, other
            s.odd_noise[:, -1] = noise_one, noise_other
            row = [second]
            if level == 0:
                s.value, s.floor = second, noise  # the rounding, for a single level
                s.previous = row
                continue
            known = slice(-min(level + 1, 3), None)
            shrinking = differences_shrinking(s.recent[known], s.recent_noise[known])
            s.shrinking[level] = shrinking
            odd_fine = ~self.checks_odd[active]
            odd_fine |= differences_shrinking(s.odd[0, known], s.odd_noise[0, known]) & (
                differences_shrinking(s.odd[1, known], s.odd_noise[1, known])
            )
            s.odd_shrinking[level] = odd_fine
            s.kinky = np.where(self._halving(s) & ~odd_fine, s.kinky + 1, 0)
            if level >= 2 and not shrinking.all():
                s.start[~shrinking] = level + 1  # restart where S stops shrinking
            order = np.clip(level - s.start + 1, 1, level)
            extrapolated(row, s.previous, int(order.max()))
            estimate = table_entries(row, order)
            below = table_entries(s.previous, order - 1)
            rounding = noise * AMPLIFICATION[order]
            own = np.abs(estimate - below) + rounding
            s.previous = row
            better = (own < s.error) & finite
            distance = np.where(finite, np.abs(estimate - s.value), 0.0)
            at_rounding = distance <= s.floor + rounding
            bound = distance + np.where(at_rounding | ~finite, 0.0, own)
            s.error = np.where(better, own, np.maximum(s.own, bound))
            s.own = np.where(better, own, s.own)
            s.value = np.where(better, estimate, s.value)
            s.best = np.where(better, level, s.best)
            s.floor = np.where(better, rounding, s.floor)
            s.raw = np.where(better, second, s.raw)
            settled = np.maximum(s.own, distance)
            asymptotic = ladder_asymptotic(s.shrinking[: level + 1], s.best, level)
            odd_asymptotic = s.odd_shrinking[level] & (s.odd_shrinking[level - 1] | (level < 2))
            odd_known = odd_asymptotic | (s.kinky >= 2)
            # Converged: the estimate settled on an asymptotic ladder. It is then
            # confirmed at a step off the ladder (see _confirm), which stands in for the
            # gradient's finer level that must not improve on it.
            converged = settled <= CONVERGED * np.abs(s.value) + 2 * s.floor
            converged &= asymptotic & odd_known & (level >= s.start + 1)
            converged &= at_rounding | s.stalled | better
            s.stalled = ~better
            if tolerance_given:  # on while it improves, until the tolerance is met
                wanted = (self.atol or 0.0) + (self.rtol or 0.0) * np.abs(s.value)
                met = (s.error <= wanted) & asymptotic & odd_known & (level >= s.start + 1)
                converged = (converged & ~better) | met
            going_on = ~converged & np.isfinite(s.error) & finite
            if going_on.all():
                continue
            # An entry about to stop is confirmed at a step off the ladder first: the
            # ladder's steps all being near multiples of a period of f (sin x at steps
            # of 64π, 32π, ...) would make them agree on a wrong value.
            confirm = ~going_on & finite & np.isfinite(s.error) & ~(s.kinky >= 2)
            if confirm.any():
                agrees = yield from self._confirm(active, confirm, s)
                retry = confirm & ~agrees & (s.probes < PROBES)
                s.probes = np.where(confirm & ~agrees, s.probes + 1, s.probes)
                s.start = np.where(retry, level + 1, s.start)  # extrapolate afresh
                s.error = np.where(retry, np.inf, s.error)
                s.own = np.where(retry, np.inf, s.own)
                s.stalled &= ~retry
                going_on |= retry
            stop = ~going_on
            self._report(active, stop, s, level, odd_asymptotic, value, error, step, kink)
            unconfirmed = active[stop & (s.probes >= PROBES)]
            unsettled[unconfirmed] = True  # what the ladder settled on, an off step denies
            active = active[going_on]
            s.keep(going_on)
        if active.size:  # out of levels
            last = max_levels - 1
            everything = np.ones(active.size, dtype=bool)
            if last >= 1:
                never = ~ladder_asymptotic(s.shrinking, s.best, last)
                unsettled[active] = never
                spread = np.max(np.abs(s.recent - s.value), axis=0)
                s.error = np.where(never, np.maximum(s.error, spread), s.error)
                odd_asymptotic = s.odd_shrinking[last] & (s.odd_shrinking[last - 1] | (last < 2))
            else:  # one level: its rounding is all that is known
                s.error = s.floor
                odd_asymptotic = everything
            self._report(active, everything, s, last, odd_asymptotic, value, error, step, kink)
            ran_out[active] = True
        return value, error, step, kink, ran_out, unsettled

    def _confirm(
        self, active: NDArray[np.intp], which: NDArray[np.bool_], s: _State
    ) -> Generator[Request, Answer, NDArray[np.bool_]]:
        """Whether the second difference at PROBE_FRACTION times each entry's best step
        is what its extrapolation predicts: ``V + c²(S_best - V)`` (the h² term scaled),
        within twice the error bar, half the h² term and the probe's rounding. Where it
        is not, the entry's error bar is widened to the difference."""
        entries = active[which]
        p, q = self.p[entries], self.q[entries]
        diagonal = self.diagonal[entries]
        c = PROBE_FRACTION
        a = self.factor[entries] * self.first[p] * 2.0 ** -s.best[which] * c
        b = self.factor[entries] * self.first[q] * 2.0 ** -s.best[which] * c
        axis_part, pair_part = yield request(
            p[diagonal], a[diagonal], p[~diagonal], q[~diagonal], a[~diagonal], b[~diagonal]
        )
        values = np.full((entries.size, 4), np.nan)
        values[diagonal, :2] = axis_part
        values[~diagonal] = pair_part
        probe, noise, _ = self.second_difference(values, diagonal, a, b)
        truncation = s.raw[which] - s.value[which]
        predicted = s.value[which] + c * c * truncation
        allowed = (
            threshold("richardson margin") * s.error[which] + 0.5 * np.abs(truncation) + 4 * noise
        )
        agrees: NDArray[np.bool_] = np.ones(active.size, dtype=bool)
        agrees[which] = np.abs(probe - predicted) <= allowed
        missed = which.copy()
        missed[which] = ~agrees[which]
        s.error[missed] = np.fmax(s.error[missed], np.abs(probe - s.value[which])[~agrees[which]])
        return agrees

    @staticmethod
    def _halving(s: _State) -> NDArray[np.bool_]:
        """Whether either odd part's newest differences shrank as a term in h makes them,
        clear of rounding (:func:`~gradwalk._engine.verify.kink_like`): f'' jumps."""
        halving = np.zeros(s.odd.shape[2], dtype=bool)
        for c in range(2):
            newest = s.odd[c, -1] - s.odd[c, -2]
            older = s.odd[c, -2] - s.odd[c, -3]
            halving |= kink_like(older, newest, s.odd_noise[c, -1] + s.odd_noise[c, -2])
        return halving

    def _report(
        self,
        active: NDArray[np.intp],
        stop: NDArray[np.bool_],
        s: _State,
        level: int,
        odd_asymptotic: NDArray[np.bool_],
        value: NDArray[np.float64],
        error: NDArray[np.float64],
        step: NDArray[np.float64],
        kink: NDArray[np.bool_],
    ) -> None:
        """Write the stopping entries' results; widen a kink's bar to half the jump of
        f'' that its odd ladder shows."""
        stopping = active[stop]
        value[stopping] = s.value[stop]
        step[stopping] = self.factor[stopping] * self.first[self.p[stopping]] * 2.0 ** -s.best[stop]
        bent = ~odd_asymptotic[stop]
        bar = threshold("richardson margin") * s.error[stop] if level >= 1 else s.error[stop]
        if level >= 1 and bent.any():
            a = self.factor[stopping] * self.first[self.p[stopping]] * 2.0**-level
            slope = (
                np.fmax(
                    np.abs(s.odd[0, -2, stop] - s.odd[0, -1, stop]),
                    np.abs(s.odd[1, -2, stop] - s.odd[1, -1, stop]),
                )
                / a
            )
            half_jump = np.where(self.diagonal[stopping], 2.0, 1.0) * slope
            bar = np.where(bent, np.fmax(bar, half_jump), bar)
        error[stopping] = bar
        kink[stopping] = bent & (level >= 2)
