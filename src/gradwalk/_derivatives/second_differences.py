"""Second differences at halving steps, extrapolated and refined per entry.

The ladder behind :func:`~gradwalk.numerical_hessian` and
:func:`~gradwalk.hessian_vector_product`. An *entry* is a pair of directions (p, q) of x:
unit vectors e_i, or a vector v. Its second difference at steps (a, b) is Abramowitz &
Stegun 25.3.23 for p = q, ``(f(x + a d_p) - 2 f(x) + f(x - a d_p)) / a²``, and 25.3.26
otherwise, ``(f(x + a d_p + b d_q) - f(x + a d_p - b d_q) - f(x - a d_p + b d_q) +
f(x - a d_p - b d_q)) / 4ab``. Both err by a series in h² when a and b halve together, as
the central difference does, so the gradient's Richardson arithmetic applies unchanged:
the same table (:func:`~gradwalk._engine.ladder.richardson_weights`), the same test that
the ladder is in its asymptotic range
(:func:`~gradwalk._engine.ladder.differences_shrinking`,
:func:`~gradwalk._engine.ladder.ladder_asymptotic`), a stopping rule like that of
:func:`gradwalk._engine.richardson.richardson` (Richardson 1911; Romberg's recurrence),
and the statuses of the verification stage (:mod:`gradwalk._engine.verify`).

A second derivative that does not exist (the first derivative has a kink at x, as
``x·|x|`` at 0) leaves the second differences steady, and would pass every test on them:
there ``(f(x + h) - 2 f(x) + f(x - h)) / h²`` is the mean of the two one-sided second
derivatives. It shows in the *odd* part of the same values instead:
``(f(x + h) - f(x - h)) / 2h`` is a series in h² for a smooth f, but gains a term in h
where f'' jumps, so its differences halve from level to level instead of shrinking by
four. For a mixed entry the odd parts along ``a d_p ± b d_q`` are taken less those along
``d_p`` and ``d_q`` alone (the axis points), so that a kink along one axis is not charged
to the mixed entry. An entry is CONVERGED only where that odd ladder is asymptotic too.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.first_step import DOMAIN_SHRINKS, PROBE_FRACTION, SHRINK
from gradwalk._engine.rounding import Precision, measured_precision, resolution
from gradwalk._engine.status_codes import GradientStatus, new_status, raise_status
from gradwalk._engine.verify import verdict

from .second_difference_ladder import CONVERGED, Answer, Ladder, Request, finite_rows, request

__all__ = ["LEVELS", "SecondDerivatives", "second_differences"]

#: Default most levels (step halvings) per entry, as the gradient's Richardson ladder.
LEVELS = 20


@dataclass(frozen=True)
class SecondDerivatives:
    """Per entry: the extrapolated second derivative, its error bar, status and step.

    ``kink`` marks the entries whose second derivative does not exist (their status is
    LEVEL_LIMIT or worse where that was seen, see :func:`second_differences`); ``eps``
    is the precision f computes in.
    """

    value: NDArray[np.float64]
    error: NDArray[np.float64]
    status: NDArray[np.int8]
    step: NDArray[np.float64]
    kink: NDArray[np.bool_]
    eps: float


LadderGenerator = Generator[Request, Answer, SecondDerivatives]


def _precision(values: NDArray[np.float64], dtype: np.dtype[Any]) -> Precision:
    """f's precision from its values; a value grid counts only for float64 x (for a
    narrower x f's values are narrow numbers anyway)."""
    precision = measured_precision(values, dtype)
    if dtype != np.dtype(np.float64):
        return Precision(precision.eps)
    return precision


def second_differences(
    first: NDArray[np.float64],
    p: NDArray[np.intp],
    q: NDArray[np.intp],
    f_at_x: float,
    dtype: np.dtype[Any],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int = LEVELS,
) -> LadderGenerator:
    """The ladder of every entry (p[e], q[e]); ``first[k]``: direction k's first step.

    A generator: it yields a :class:`Request` per level and receives its values (see
    :data:`Answer`), and returns the :class:`SecondDerivatives`.

    Level 0 shrinks each direction's step (by SHRINK, at most DOMAIN_SHRINKS times)
    until f is finite at x ± s d_k, then each mixed entry's own steps until its four
    points are finite (such an entry is STEP_SHRUNK and has no odd-ladder check: its
    steps no longer match the axis points). f's precision is read from the level's
    values (one more pair at a generic point if they all look narrow; a value grid, as
    of float32 inside f with a float64 constant, counts as its rounding). Level L then
    halves every step L times (:class:`~gradwalk._derivatives.second_difference_ladder.
    Ladder`): the restarts where the second differences stop shrinking as the h² term
    makes them, the extrapolation and its error estimate are those of
    :func:`gradwalk._engine.richardson.richardson`. An entry stops once its estimate
    settled on an asymptotic ladder whose odd parts are asymptotic too, confirmed at a
    step off the ladder; it stops as a kink once the odd differences shrink as a term in
    h makes them (:func:`~gradwalk._engine.verify.kink_like`) at two levels running, with
    an error bar of at least half the jump of f'' they show. The statuses come from the
    verification stage (:func:`~gradwalk._engine.verify.verdict`): NONSMOOTH for a kink,
    STEP_TOO_LARGE (error bar inf) where the ladder never settled or the step off it
    disagreed every time, LEVEL_LIMIT out of levels on an asymptotic ladder,
    ROUNDING_LIMITED where the bar stays above the tolerance, STEP_SHRUNK, NONFINITE.
    """
    m = p.size
    diagonal = p == q
    first = first.astype(np.float64).copy()
    status = new_status(m)
    # Level 0, the axes: shrink each direction's first step into f's domain.
    used = np.unique(np.concatenate([p, q]))
    axis_values = np.full((first.size, 2), np.nan)
    answer = yield request(axes=used, axis_step=first[used])
    axis_values[used] = answer[0]
    axis_shrunk = np.zeros(first.size, dtype=bool)
    for _ in range(DOMAIN_SHRINKS):
        bad = used[~finite_rows(axis_values[used])]
        if not bad.size:
            break
        first[bad] /= SHRINK
        axis_shrunk[bad] = True
        axis_values[bad] = (yield request(axes=bad, axis_step=first[bad]))[0]
    # Level 0, the mixed entries: their own factor on top of the axes' steps.
    factor = np.ones(m)
    mixed = np.flatnonzero(~diagonal)
    pair_values = np.full((m, 4), np.nan)
    if mixed.size:
        pair_values[mixed] = (
            yield request(p=p[mixed], q=q[mixed], a=first[p[mixed]], b=first[q[mixed]])
        )[1]
        for _ in range(DOMAIN_SHRINKS):
            bad = mixed[~finite_rows(pair_values[mixed])]
            if not bad.size:
                break
            factor[bad] /= SHRINK
            shrunk_request = request(
                p=p[bad], q=q[bad], a=factor[bad] * first[p[bad]], b=factor[bad] * first[q[bad]]
            )
            pair_values[bad] = (yield shrunk_request)[1]
    values = np.concatenate([[f_at_x], axis_values[used].ravel(), pair_values[mixed].ravel()])
    precision = _precision(values, dtype)
    if precision.narrower_than(dtype) and used.size:
        # All narrow so far: one pair at a generic point tells chance from fact (the
        # values at dyadic points and steps are short binary fractions by chance).
        k = used[:1]
        probe = (yield request(axes=k, axis_step=PROBE_FRACTION * first[k]))[0]
        precision = _precision(np.concatenate([values, probe.ravel()]), dtype)
    entry_values = np.where(
        diagonal[:, None],
        np.pad(axis_values[p], ((0, 0), (0, 2)), constant_values=np.nan),
        pair_values,
    )
    dead = np.where(diagonal, ~finite_rows(axis_values[p]), ~finite_rows(pair_values))
    shrunk = np.where(diagonal, axis_shrunk[p], (factor < 1) | axis_shrunk[p] | axis_shrunk[q])
    raise_status(status, shrunk & ~dead, GradientStatus.STEP_SHRUNK)
    raise_status(status, dead, GradientStatus.NONFINITE)
    checks_odd = diagonal | (factor == 1)
    ladder = Ladder(first, p, q, factor, checks_odd, f_at_x, precision, rtol, atol)
    result = yield from ladder.run(np.flatnonzero(~dead), entry_values, axis_values, max_levels)
    value, error, step, kink, ran_out, unsettled = result
    finite = np.abs(value[np.isfinite(value)])
    largest = float(finite.max()) if finite.size else 0.0
    if rtol is None and atol is None:
        wanted = CONVERGED * np.abs(value) + resolution(dtype) * largest
    else:
        # relative to the entry, but never to less than the resolution of the largest:
        # an entry that is 0 cannot be resolved to a fraction of itself
        wanted = (atol or 0.0) + (rtol or 0.0) * np.fmax(np.abs(value), resolution(dtype) * largest)
    # LEVEL_LIMIT: out of levels on an asymptotic ladder, the bar above the tolerance.
    raise_status(
        status, ~(error <= wanted) & ran_out & ~unsettled & ~dead, GradientStatus.LEVEL_LIMIT
    )
    # Where every entry is zero within its bar (f barely curves: a linear f), rounding is
    # all there is to see, as the gradient's at a stationary point: nothing to report.
    flat = rtol is None and atol is None and bool(np.all(~(np.abs(value) > error)))
    tolerance = np.where(ran_out | dead | flat, np.inf, wanted)
    judged = verdict(
        np.where(dead, 0.0, value),
        np.where(dead, 0.0, error),
        asymptotic=~unsettled | dead,
        kink=kink,
        tolerance=tolerance,
        status=status,
    )
    status, error = judged.status, np.where(dead, error, judged.error)
    return SecondDerivatives(
        value=value, error=error, status=status, step=step, kink=kink, eps=precision.eps
    )
