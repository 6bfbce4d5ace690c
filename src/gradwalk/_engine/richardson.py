"""Richardson extrapolation: central differences at halving steps, refined per element.

The plan :func:`richardson`; its per-element state, :class:`~gradwalk._engine.ladder.Ladder`,
and level 0 are in :mod:`gradwalk._engine.ladder`. Source of the
extrapolation: L. F. Richardson (1911); the table recurrence is that of Romberg
integration applied to central differences, whose error is a series in h².
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.validate import check_count, check_tolerance

from .first_step import first_level
from .ladder import (
    AMPLIFICATION,
    MARGIN,
    MAX_LEVELS,
    NOISE_OFFSETS,
    Ladder,
    Reported,
    differences_shrinking,
    extrapolated,
    ladder_asymptotic,
    table_entries,
)
from .points import Estimate, PlanGenerator, Points, Step, any_per_element, per_element, wide_dtype
from .rounding import (
    PROBE_FRACTION,
    ROUNDING_ULPS,
    measured_precision,
    near_stationary,
    resolution,
    short_fraction,
)
from .status_codes import SEVERITY, GradientStatus, new_status, raise_status
from .steps import step_sizes
from .verify import interpolation, threshold, verdict

#: Default most levels (step halvings) of the Richardson ladder; each costs 2 evaluations. Far
#: more than a function varying on the scale of max(1, |x|) needs (it stops after four to
#: six), so that f varying on a much smaller scale can be followed down to steps where
#: the extrapolation holds (19 halvings take the first step down by about 5e5).
RICHARDSON_LEVELS = 20

#: Relative error estimate below which a level that does not improve ends the refinement.
CONVERGED = 1e-4

#: How many of f's values the first levels gather, at most, to look for its value grid.
GRID_SEEN = 16

#: f is noisy where its measured noise exceeds its rounding this many times.
NOISY = threshold("noisy")

#: The noise the ladder allows for, in units of the noise measured: one estimate from
#: six values is itself uncertain (for Gaussian noise, below a third of the true level
#: about one time in four... a few times in a hundred at a third).
NOISE_MARGIN = threshold("noise margin")


#: The small steps that tell noise from f varying below the ladder's steps
#: (:func:`_probe`) are at least this share of |x|.
PROBE_FLOOR = 2.0**-24


def richardson(
    x0: NDArray[np.floating],
    h: Step,
    limit: NDArray[np.floating] | None = None,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int = RICHARDSON_LEVELS,
) -> PlanGenerator:
    """Central differences at halving steps, extrapolated and refined per element.

    Level 0 first finds each element's first step (:func:`.first_step.first_level`):
    where f is not finite at x ± h (outside its domain) the step shrinks until it is, and where
    f(x + h) and f(x - h) differ only by f's rounding, it grows. f's rounding is
    measured from its values (:func:`~gradwalk._engine.rounding.value_precision`: f computing in
    float32 shows in them).

    Level j evaluates ``x ± h/2**j`` for every element still active (2 evaluations each)
    and extends that element's row of the Richardson table. Normally the diagonal T[j][j]
    is the level's estimate of the derivative; where the differences D_j - D_{j-1} of
    the central differences stopped shrinking as the h² term makes them (by about 4,
    see :func:`~gradwalk._engine.ladder.differences_shrinking`), the step was still too large
    for f and the extrapolation restarts: T[j][k] then uses only the central differences
    from the last such level on. The estimate's error is its distance to the previous
    level's estimate of one order less plus the rounding error of the extrapolant: f's
    rounding amplified by the weights and divided by the step, measured where it can be:
    where f's values are all
    short binary fractions (no float64 rounding happened) and the central differences
    agree exactly, as for x + 3 at x = 1, f's rounding counts as none; to that is added
    the rounding of the estimate itself, ``ROUNDING_ULPS·eps·|T|``.

    An element stops at a level whose estimate does not improve on its best one, once
    that best one has converged (relative error below :data:`CONVERGED`, or
    rounding-limited) and the ladder is asymptotic around it
    (:func:`~gradwalk._engine.ladder.ladder_asymptotic`), so
    that estimates that agree by chance at steps still too large for f are not trusted.
    If that finer level disagrees with the best one by more than rounding, it takes a
    second such level to stop. With ``rtol`` or ``atol`` it also stops once its error
    estimate is at most ``atol + rtol·|estimate|`` on an asymptotic ladder. A level
    where f is not finite stops the element at its best level so far. The element keeps
    its best level; the reported error is at least the distance to the finer level, plus
    the finer level's own error estimate where the two disagree by more than rounding.
    At most ``max_levels`` levels; an element that used them all without its ladder
    becoming asymptotic reports at least the largest distance from its estimate to the
    plain central differences at the three finest steps.

    The status of each element (:class:`~gradwalk._engine.status_codes.GradientStatus`): CONVERGED
    where the error estimate is within ``atol + rtol·|estimate|`` (``rtol`` defaults to
    :data:`CONVERGED` for this purpose), LEVEL_LIMIT where it is not after
    ``max_levels`` levels, ROUNDING_LIMITED where the estimate stopped improving before
    reaching it (unless x is near a stationary point and no tolerance was given: see
    :func:`~gradwalk._engine.rounding.near_stationary`), STEP_SHRUNK where the first step had to
    shrink, NONFINITE where f was not finite at any step tried.

    ``limit`` (per element, optional) caps the first step, and the step that level 0
    may grow to: within bounds, every level then stays within ``x ± limit`` (see
    :func:`gradwalk._engine.bounded_richardson.bounded_richardson`).

    For a vector-valued f every output of an element has its own ladder (its own
    estimate, error, step and stopping test) over the same evaluations: an element goes
    on while any of its outputs does. Its first step shrinks while any output is not
    finite and grows only while all of them are at rounding level; its status is the
    most severe of its outputs'.
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    first = step_sizes(x0, h, "richardson").copy()
    if limit is not None:  # bounds: the first step, and so every level, stays within them
        first = np.minimum(first, limit.astype(first.dtype))

    status = new_status(n)
    ran_out = np.zeros(n, dtype=bool)
    level_zero = yield from first_level(x0, first, limit)
    precision = level_zero.precision
    # With few elements, level 0 has too few values to show f's value grid (float32
    # inside f with a float64 constant): the first levels add theirs, at generic points
    # (x not a short binary fraction), until the grid shows or there are enough.
    sample = [level_zero.f_plus.ravel(), level_zero.f_minus.ravel()]
    sampling = not short_fraction(x0).all() and not precision.narrower_than(x0.dtype)
    raise_status(status, level_zero.shrunk, GradientStatus.STEP_SHRUNK)
    raise_status(status, level_zero.dead, GradientStatus.NONFINITE)
    vanished = level_zero.vanished
    # What the plan returns, per element of x (and output, for a vector-valued f: one
    # ladder per output): written when an element stops.
    tail = level_zero.f_plus.shape[1:]
    out = _reported(n, tail, wide)
    grad, error, step = out.grad, out.error, out.step
    step[:] = per_element(first, level_zero.f_plus)

    # The state of the elements still active, in the order of ``active``: it shrinks with
    # ``active`` (see Ladder.keep), so no level indexes the full arrays.
    live = ~level_zero.dead
    active = np.flatnonzero(live).astype(np.intp)
    ladder = Ladder(x0[live], first[live], wide)
    if tail:
        ladder.widen(tail)
    index = np.repeat(active, 2)
    tolerance_given = rtol is not None or atol is not None
    for level in range(max_levels):
        if not active.size:
            break
        h_level = ladder.first / x0.dtype.type(2**level)
        plus = ladder.x + h_level
        minus = ladder.x - h_level
        if level == 0:
            f_plus, f_minus = level_zero.f_plus[live], level_zero.f_minus[live]
        else:
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
        half_width = per_element(width / 2, f_plus)
        row = [((f_plus - f_minus) / per_element(width, f_plus)).astype(wide, copy=False)]
        ladder.recent[:-1] = ladder.recent[1:]
        ladder.recent_noise[:-1] = ladder.recent_noise[1:]
        ladder.recent[-1] = row[0]
        if sampling and level:
            sample += [f_plus.ravel(), f_minus.ravel()]
            seen = measured_precision(np.concatenate(sample), x0.dtype)
            if seen.narrower_than(x0.dtype):
                # the levels' points lie on a grid of steps, and a linear f's values with
                # them: a value at a generic point tells chance from fact
                probe = ladder.x[:1] + x0.dtype.type(PROBE_FRACTION) * h_level[:1]
                value = yield Points(active[:1], probe.astype(x0.dtype))
                sample.append(np.ravel(value))
                seen = measured_precision(np.concatenate(sample), x0.dtype)
                precision = seen if seen.narrower_than(x0.dtype) else precision
                sampling = False
            sampling = sampling and sum(map(len, sample)) < GRID_SEEN
        ladder.remember(f_plus, f_minus, precision.rounding(f_here))
        if level >= 2:
            ladder.examine(level)
        # f's rounding per value, or its noise where measured and larger
        per_value = np.maximum(precision.rounding(f_here), NOISE_MARGIN * ladder.f_noise)
        ladder.recent_noise[-1] = per_value / half_width
        h_entry = per_element(h_level, f_plus)
        if level == 0:
            ladder.grad = row[0]
            ladder.previous = row
            ladder.exact = short_fraction(f_plus) & short_fraction(f_minus)
            if precision.narrower_than(x0.dtype):  # f rounds in float32: short, not exact
                ladder.exact[...] = False
            continue
        known = slice(-min(level + 1, 3), None)
        shrinking = differences_shrinking(ladder.recent[known], ladder.recent_noise[known])
        ladder.shrinking[level] = shrinking
        if level >= 3:
            ladder.settled |= shrinking & ladder.shrinking[level - 1]
        if level >= 2 and not shrinking.all():
            # Restart: forget the levels before this one, and their |f|.
            restart = ~shrinking
            ladder.start[restart] = level + 1
            ladder.f_scale[restart] = f_here[restart]
            ladder.restarted = True
        noise = np.maximum(precision.rounding(ladder.f_scale), NOISE_MARGIN * ladder.f_noise)
        noise = noise / half_width
        # Extrapolate only over the levels whose differences shrink as they should (all
        # of them, normally): T[j][k] from D_{j-k}..D_j, compared with T[j-1][k-1]. The
        # table is only built as far as some element needs it.
        order = ladder.order(level)
        highest = order if isinstance(order, int) else int(order.max())
        previous = ladder.previous
        extrapolated(row, previous, highest)
        if isinstance(order, int):  # the usual case: one column of the table for every element
            level_estimate, below = row[order], previous[order - 1]
        else:
            level_estimate, below = table_entries(row, order), table_entries(previous, order - 1)
        amplification = AMPLIFICATION[order]
        # The rounding of the extrapolant: f's rounding, amplified, but no more than the
        # amplified spread of the last central differences (rounding shows in them), and
        # never below the rounding of the estimate itself.
        # Measured: where f's values so far are all short binary fractions (exact in
        # float32, so no float64 rounding happened) and the central differences agree
        # exactly, f carries no rounding: only the estimate's own rounding is left.
        if ladder.exact.any():  # (rare: checked only while some element has them)
            ladder.exact &= short_fraction(f_plus) & short_fraction(f_minus)
        spread = np.max(np.abs(np.diff(ladder.recent[known], axis=0)), axis=0)
        exact = ladder.exact & (spread == 0)
        measured = np.where(exact, 0, noise) * amplification
        measured += ROUNDING_ULPS * precision.eps * np.abs(level_estimate)
        # The ladder runs on the worst case, so that a measured rounding small by luck
        # never changes where it stops; the measured one replaces it in the report.
        rounding = noise * amplification
        estimate = np.abs(level_estimate - below) + rounding
        ladder.previous = row
        finite = np.isfinite(f_plus) & np.isfinite(f_minus)
        better = (estimate < ladder.error) & finite
        if better.all():  # every element improved (the usual case early on)
            ladder.grad, ladder.error, ladder.own = level_estimate, estimate, estimate
            ladder.step = np.broadcast_to(h_entry, estimate.shape)
            ladder.floor, ladder.measured = rounding, measured
            ladder.slope_jump = ladder.step_jump(h_entry)
            ladder.best[:] = level
            ladder.stalled[:] = False
            if not tolerance_given:
                continue
        # The finer level should agree with the kept one (where it is not better): their
        # distance bounds the kept one's error, plus the finer level's own error estimate
        # unless they agree to rounding.
        distance = np.where(finite, np.abs(level_estimate - ladder.grad), 0)
        at_rounding = distance <= ladder.floor + rounding
        bound = distance + np.where(at_rounding | ~finite, 0, estimate)
        ladder.error = np.where(better, estimate, np.maximum(ladder.own, bound))
        ladder.own = np.where(better, estimate, ladder.own)
        ladder.grad = np.where(better, level_estimate, ladder.grad)
        ladder.step = np.where(better, h_entry, ladder.step)
        ladder.best = np.where(better, level, ladder.best)
        ladder.floor = np.where(better, rounding, ladder.floor)
        ladder.measured = np.where(better, measured, ladder.measured)
        ladder.slope_jump = np.where(better, ladder.step_jump(h_entry), ladder.slope_jump)
        # A worse level stops an element only once it has converged: a first step far
        # too large for f makes the early levels jump about before they settle. (Where
        # the level is better the entries are those just updated, and go unused.)
        asymptotic = ladder_asymptotic(ladder.shrinking[: level + 1], ladder.best, level)
        within = CONVERGED * np.abs(ladder.grad)
        converged = (ladder.own <= within + 2 * ladder.floor) & (
            distance <= within + ladder.floor + rounding
        )
        converged &= asymptotic
        # A finer level that disagrees by more than rounding may only have been unlucky
        # (extrapolants can agree by chance): it stops the element on its second time.
        converged &= at_rounding | ladder.stalled
        ladder.stalled = ~better
        going_on = (better | ~converged) & np.isfinite(ladder.error) & finite
        if tolerance_given:
            wanted = _tolerance(ladder.grad, rtol, atol)
            going_on &= ~((ladder.error <= wanted) & asymptotic)
        going_on = any_per_element(going_on)
        if not going_on.all():
            ladder.report(active, out, level, precision.rounding)
            active = active[going_on]
            if not active.size:
                break
            ladder.keep(going_on)
            index = np.repeat(active, 2)
    if active.size:
        ladder.report(active, out, level, precision.rounding)
        ran_out[active] = True
    yield from _off_grid(x0, out, level_zero.dead)
    yield from _probe(x0, out, level_zero.dead)
    return Estimate(
        grad=grad,
        error=error,
        step=step,
        vanished=vanished,
        status=_status(status, out, ran_out, level_zero.dead, x0, rtol, atol),
        noise=np.where(level_zero.dead, np.nan, _per_value_noise(out)),
    )


def _off_grid(
    x0: NDArray[np.floating], out: Reported, dead: NDArray[np.bool_]
) -> Generator[Points, NDArray[Any], None]:
    """f at one more point per element, 1/√2 of its finest step from x, set against the
    polynomial through its last three levels' values (x ∓ h, x ∓ 2h, x ∓ 4h): where they
    disagree by more than :data:`THRESHOLDS` "off grid" times the distance between that
    polynomial and the one without x - 4h, plus f's rounding and noise, the ladder was
    aliased (its halving steps all near multiples of f's period, as for sin(8.2e5 x) at
    steps of 2**-15 and below) and is not asymptotic, whatever its levels said; unless
    the disagreement is below :data:`THRESHOLDS` "noise seen" of f's magnitude: it is
    then f's rounding beyond what its values show (log(1 + x**2) near 0 rounds 1 + x**2),
    or an oscillation that small, and the bar allows for it as noise.
    """
    checked = np.all(out.asymptotic.reshape(len(dead), -1), axis=1) & ~dead
    checked &= ~np.any((out.kink | out.jump).reshape(len(dead), -1), axis=1)
    checked &= np.isfinite(out.finest)
    checked &= np.all(np.isfinite(out.last_values).reshape(-1, len(dead)), axis=0)
    elements = np.flatnonzero(checked)
    if not elements.size:
        return
    wide = wide_dtype(x0.dtype)
    moves = (PROBE_FRACTION * out.finest[elements]).astype(x0.dtype)
    points = x0[elements] + moves
    value = yield Points(elements, points)
    where = (points.astype(wide) - x0[elements].astype(wide)) / out.finest[elements]
    values = np.moveaxis(out.last_values[:, elements], 0, 1)  # one row per element
    basis = interpolation(NOISE_OFFSETS, where)
    fewer = interpolation(NOISE_OFFSETS[1:], where)
    predicted = np.sum(per_element(basis, values) * values, axis=1)
    coarser = np.sum(per_element(fewer, values[:, 1:]) * values[:, 1:], axis=1)
    per_value = np.maximum(
        per_element(out.noise[elements], predicted), NOISE_MARGIN * out.f_noise[elements]
    )
    lebesgue = per_element(1.0 + np.abs(basis).sum(axis=1), predicted)
    allowed = threshold("off grid") * np.abs(predicted - coarser)
    allowed = allowed + threshold("at noise") * per_value * lebesgue
    apart = np.abs(np.asarray(value, dtype=wide) - predicted)
    misfit = ~(apart <= allowed)
    size = np.max(np.abs(values), axis=1)
    quiet = misfit & (apart <= threshold("noise seen") * size)
    out.asymptotic[elements] &= ~(misfit & ~quiet)
    # (beyond the truncation error the trend of f's differences predicts there)
    out.off_grid[elements] = np.maximum(
        apart - threshold("off grid") * np.abs(predicted - coarser), 0
    )
    # f's deviation off the grid where it is more than its rounding as modelled (a
    # disagreement below "noise seen", or rounding in f's arithmetic beyond 8 units of
    # |f|, as in sin(1e4 x)'s argument): noise of that size in f's values, amplified by
    # a central difference (x ± h)
    beyond = quiet | (apart > per_value)
    out.error[elements] += np.where(beyond, MARGIN * NOISE_MARGIN * apart, 0.0) / per_element(
        out.finest[elements], apart
    )


def _probe(
    x0: NDArray[np.floating], out: Reported, dead: NDArray[np.bool_]
) -> Generator[Points, NDArray[Any], None]:
    """Where the noise the ladder measured in f's values (or f's deviation off its grid,
    :func:`_off_grid`) is :data:`THRESHOLDS` "probe" times f's rounding or more, f at
    three small steps, x ± h, x ± 2h and x ± 4h (6 evaluations): the ladder's steps
    cannot tell noise from f varying on a scale below them (sin(x) + x**2 at x = 1e6,
    where every step is ≫ 1 and sin's share of each difference, at most 1/h, looks like
    noise); a smaller step can. h is the geometric mean of the finest step and the step
    at which f's rounding, amplified, reaches the tolerance, at least
    :data:`PROBE_FLOOR` of |x| and at most a 16th of the finest step. Where f's central
    differences and even parts there change with the step as a smooth f's do (within
    "probe smooth" of the noise measured, plus f's rounding), and the extrapolant of the
    two finer differences disagrees with the ladder's value by more than both error
    bars, f varies on a scale below the ladder's steps: the ladder is not asymptotic
    (STEP_TOO_LARGE, bar inf). Where they do not, f's noise is there at the small steps
    too: the ladder's value and its bar, which allows for that noise, stand.
    """
    noise = np.maximum(out.f_noise, out.off_grid)
    rounding = per_element(out.noise, noise)
    loud = np.any((noise > threshold("probe") * rounding).reshape(len(dead), -1), axis=1)
    loud &= np.all(out.asymptotic.reshape(len(dead), -1), axis=1) & ~dead
    loud &= np.isfinite(out.finest) & (out.noise > 0)
    loud &= np.all(np.isfinite(out.grad).reshape(len(dead), -1), axis=1)
    elements = np.flatnonzero(loud)
    if not elements.size:
        return
    wide = wide_dtype(x0.dtype)
    grad, bar = out.grad[elements], out.error[elements]
    tolerance = CONVERGED * np.abs(grad) + bar
    tolerance = tolerance.reshape(len(elements), -1).max(axis=1)
    finest = out.finest[elements]
    fine = np.where(tolerance > 0, out.noise[elements] / tolerance, finest)
    # (never within 2**-24 of |x|: f's rounding at moves of a few ulps of x can be as
    # regular as a smooth f's, as fl(1e4 x) is)
    step = np.maximum(np.sqrt(fine * finest), PROBE_FLOOR * np.abs(x0[elements]))
    step = np.minimum(step, finest / 16)
    at = x0[elements]
    k = elements.size
    multiples = (1, -1, 2, -2, 4, -4)
    points = np.concatenate([at + m * step for m in multiples]).astype(x0.dtype)
    values = np.asarray((yield Points(np.tile(elements, 6), points)), dtype=wide)
    moved = points.astype(wide) - np.tile(at, 6).astype(wide)
    f_at = [values[i * k : (i + 1) * k] for i in range(6)]
    off = [per_element(moved[i * k : (i + 1) * k], f_at[0]) for i in range(6)]
    d1, d2, d4 = ((f_at[i] - f_at[i + 1]) / (off[i] - off[i + 1]) for i in (0, 2, 4))
    e1, e2, e4 = (f_at[i] + f_at[i + 1] for i in (0, 2, 4))
    probe = d1 + (d1 - d2) / 3
    half = per_element(step, d1)
    per_value = per_element(out.noise[elements], d1)
    own = MARGIN * (np.abs(d1 - d2) / 3 + 1.5 * per_value / half)
    own += ROUNDING_ULPS * np.finfo(wide).eps * np.abs(probe)
    # smooth at these steps: the odd parts' and the even parts' differences grow as a
    # smooth f's do (by 4 per doubling), within f's rounding through the weights, and
    # a small share of the noise the ladder measured (noise shows in both)
    seen = threshold("probe smooth") * noise[elements]
    at_noise = threshold("at noise")
    odd = np.abs((d2 - d4) - 4 * (d1 - d2)) * half <= at_noise * 6.75 * per_value + seen
    even = np.abs((e4 - e2) - 4 * (e2 - e1)) <= at_noise * 20 * per_value + seen
    smooth = odd & even
    apart = ~(np.abs(probe - grad) <= bar + own) & smooth
    apart &= np.isfinite(probe)
    out.asymptotic[elements] &= ~apart


def _per_value_noise(out: Reported) -> NDArray[Any]:
    """f's rounding or, where larger, its measured noise, per value, per element."""
    noise = out.f_noise
    if noise.ndim > 1:
        noise = noise.reshape(len(noise), -1).max(axis=1)
    measured: NDArray[Any] = np.maximum(out.noise, np.where(noise > NOISY * out.noise, noise, 0))
    return measured


def _reported(n: int, tail: tuple[int, ...], wide: np.dtype[Any]) -> Reported:
    """Full-size results of :func:`richardson`, every element not yet written."""
    shape = (n, *tail)
    return Reported(
        grad=np.full(shape, np.nan, dtype=wide),
        error=np.full(shape, np.nan, dtype=wide),
        step=np.empty(shape, dtype=np.float64),
        noise=np.zeros(n, dtype=wide),
        size=np.zeros(n, dtype=wide),
        asymptotic=np.ones(shape, dtype=bool),
        kink=np.zeros(shape, dtype=bool),
        slope_jump=np.zeros(shape, dtype=wide),
        jump=np.zeros(shape, dtype=bool),
        f_noise=np.zeros(shape, dtype=wide),
        last_values=np.full((len(NOISE_OFFSETS), *shape), np.nan, dtype=wide),
        finest=np.full(n, np.nan, dtype=np.float64),
        off_grid=np.zeros(shape, dtype=wide),
    )


def _status(
    status: NDArray[np.int8],
    out: Reported,
    ran_out: NDArray[np.bool_],
    dead: NDArray[np.bool_],
    x0: NDArray[np.floating],
    rtol: float | None,
    atol: float | None,
) -> NDArray[np.int8]:
    """Each element's status from the evidence :meth:`Ladder.report` wrote (widening
    ``out.error`` in place): the verification stage (:func:`~gradwalk._engine.verify.verdict`)
    per entry, then the most severe over an element's outputs.

    A ladder that was not asymptotic around its best level is STEP_TOO_LARGE (a jump
    there NONSMOOTH), whatever its error estimate; a kink NONSMOOTH; f's noise, where
    measured above its rounding, widens the bar. An element whose bar is then above the
    tolerance (rtol and atol, or :data:`CONVERGED` relative with a floor relative to the
    largest element) is LEVEL_LIMIT if it used every level, else NOISY or
    ROUNDING_LIMITED, except near a stationary point with no tolerance given (see
    :func:`~gradwalk._engine.rounding.near_stationary`).
    """
    live = ~per_element(dead, out.grad)
    live = np.broadcast_to(live, out.grad.shape)
    tolerance = _tolerance(out.grad, rtol, atol, resolution(x0.dtype))
    entry = np.zeros(out.grad.shape, dtype=np.int8)
    noisy = out.f_noise > NOISY * per_element(out.noise, out.f_noise)
    judged = verdict(
        out.grad,
        out.error,
        asymptotic=out.asymptotic | ~live,
        noisy=noisy,
        loud=noisy & (out.f_noise > threshold("noise seen") * per_element(out.size, out.f_noise)),
        kink=out.kink & live,
        slope_jump=out.slope_jump,
        jump=out.jump & ~out.asymptotic & live,
        tolerance=tolerance,
        status=entry,
    )
    out.error[...] = np.where(live, judged.error, out.error)
    codes = judged.status
    short = codes == GradientStatus.ROUNDING_LIMITED
    exhausted = per_element(ran_out, codes)
    codes = np.where(short & exhausted, int(GradientStatus.LEVEL_LIMIT), codes).astype(np.int8)
    x_entry = np.broadcast_to(per_element(x0, out.grad), out.grad.shape)
    f_size = float(np.max(out.size[~dead], initial=0.0))
    if rtol is None and atol is None and near_stationary(out.grad, x_entry, f_size):
        quiet = (codes == GradientStatus.ROUNDING_LIMITED) & ~exhausted
        codes = np.where(quiet, 0, codes).astype(np.int8)
    for code in SEVERITY[1:]:  # the most severe over each element's outputs
        raise_status(status, any_per_element((codes == code) & live), code)
    return status


def check_accuracy(given: dict[str, Any], method: str) -> dict[str, Any]:
    """rtol, atol (numbers >= 0) and max_levels (1 to MAX_LEVELS), for "richardson" only.

    Raises
    ------
    ValueError
        A method other than "richardson", a negative tolerance, max_levels out of range.
    TypeError
        A tolerance that is not a number, max_levels that is not a whole number.

    Examples
    --------
    >>> check_accuracy({"rtol": 1e-10}, "richardson")
    {'rtol': 1e-10}
    """
    if method != "richardson":
        raise ValueError(
            f"{', '.join(sorted(given))} {'apply' if len(given) > 1 else 'applies'} only to "
            "method='richardson' (the method that "
            f"refines each element until it is accurate enough), not method={method!r}; "
            "pass method='richardson' or leave them out."
        )
    checked: dict[str, Any] = {}
    for name in ("rtol", "atol"):
        if name in given:
            checked[name] = check_tolerance(given[name], name)
    if "max_levels" in given:
        levels = check_count(given["max_levels"], "max_levels")
        if not 1 <= levels <= MAX_LEVELS:
            raise ValueError(
                f"max_levels must be from 1 to {MAX_LEVELS}, got max_levels={levels}; "
                f"the default is {RICHARDSON_LEVELS}."
            )
        checked["max_levels"] = levels
    return checked


def _tolerance(
    grad: NDArray[np.floating], rtol: float | None, atol: float | None, fraction: float = 0.0
) -> NDArray[np.floating]:
    """``atol + rtol·|grad|`` (a missing one is 0); when neither is given, the default
    standard of the status: :data:`CONVERGED`·|grad|, plus ``fraction`` (see
    :func:`~gradwalk._engine.rounding.resolution`) times the largest |grad|: an element far below
    the others is resolved well enough once its error is small beside them."""
    if rtol is None and atol is None:
        finite = np.abs(grad[np.isfinite(grad)])
        largest = float(finite.max()) if finite.size else 0.0
        default: NDArray[np.floating] = CONVERGED * np.abs(grad) + fraction * largest
        return default
    result: NDArray[np.floating] = (atol or 0.0) + (rtol or 0.0) * np.abs(grad)
    return result
