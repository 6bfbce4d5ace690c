"""Richardson extrapolation: central differences at halving steps, refined per element.

The plan :func:`richardson` and its per-element state, :class:`_Ladder`. Source of the
extrapolation: L. F. Richardson (1911); the table recurrence is that of Romberg
integration applied to central differences, whose error is a series in h².
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._points import (
    ROUNDING_ULPS,
    Estimate,
    GradientStatus,
    PlanGenerator,
    Points,
    Step,
    near_stationary,
    new_status,
    raise_status,
    resolution,
    value_precision,
    wide_dtype,
)
from ._steps import representable_step, step_sizes
from ._validate import check_count, check_tolerance

#: Default most levels (step halvings) of the Richardson ladder; each costs 2 evaluations. Far
#: more than a function varying on the scale of max(1, |x|) needs (it stops after four to
#: six), so that f varying on a much smaller scale can be followed down to steps where
#: the extrapolation holds (19 halvings take the first step down by about 5e5).
RICHARDSON_LEVELS = 20

#: The most levels ``max_levels`` may ask for: the step then falls by about 5e8.
MAX_LEVELS = 30

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
    x0: NDArray[np.floating],
    h: Step,
    limit: NDArray[np.floating] | None = None,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int = RICHARDSON_LEVELS,
) -> PlanGenerator:
    """Central differences at halving steps, extrapolated and refined per element.

    Level 0 first finds each element's first step (:func:`_first_level`): where f is
    not finite at x ± h (outside its domain) the step shrinks until it is, and where
    f(x + h) and f(x - h) differ only by f's rounding, it grows. f's rounding is
    measured from its values (:func:`~gradwalk._points.value_precision`: f computing in
    float32 shows in them).

    Level j evaluates ``x ± h/2**j`` for every element still active (2 evaluations each)
    and extends that element's row of the Richardson table. Normally the diagonal T[j][j]
    is the level's estimate of the derivative; where the differences D_j - D_{j-1} of
    the central differences stopped shrinking as the h² term makes them (by about 4,
    see :func:`_shrinking`), the step was still too large for f and the extrapolation
    restarts: T[j][k] then uses only the central differences from the last such level
    on. The estimate's error is its distance to the previous level's estimate of one
    order less plus the rounding error of the extrapolant: f's rounding amplified by the
    weights and divided by the step, measured where it can be: where f's values are all
    short binary fractions (no float64 rounding happened) and the central differences
    agree exactly, as for x + 3 at x = 1, f's rounding counts as none; to that is added
    the rounding of the estimate itself, ``ROUNDING_ULPS·eps·|T|``.

    An element stops at a level whose estimate does not improve on its best one, once
    that best one has converged (relative error below :data:`CONVERGED`, or
    rounding-limited) and the ladder is asymptotic around it (:func:`_asymptotic`), so
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

    The status of each element (:class:`~gradwalk._points.GradientStatus`): CONVERGED
    where the error estimate is within ``atol + rtol·|estimate|`` (``rtol`` defaults to
    :data:`CONVERGED` for this purpose), LEVEL_LIMIT where it is not after
    ``max_levels`` levels, ROUNDING_LIMITED where the estimate stopped improving before
    reaching it (unless x is near a stationary point and no tolerance was given: see
    :func:`~gradwalk._points.near_stationary`), STEP_SHRUNK where the first step had to
    shrink, NONFINITE where f was not finite at any step tried.

    ``limit`` (per element, optional) caps the first step, and the step that level 0
    may grow to: within bounds, every level then stays within ``x ± limit`` (see
    :func:`gradwalk._plan.bounded_richardson`).
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    first = step_sizes(x0, h, "richardson").copy()
    if limit is not None:  # bounds: the first step, and so every level, stays within them
        first = np.minimum(first, limit.astype(first.dtype))

    # What the plan returns, per element of x: written when an element stops.
    grad = np.full(n, np.nan, dtype=wide)
    error = np.full(n, np.nan, dtype=wide)
    step = first.astype(np.float64)
    status = new_status(n)
    noise_out = np.zeros(n, dtype=wide)
    ran_out = np.zeros(n, dtype=bool)

    level_zero = yield from _first_level(x0, first, limit)
    noise_unit = ROUNDING_ULPS * level_zero.eps  # rounding of f per unit |f|
    raise_status(status, level_zero.shrunk, GradientStatus.STEP_SHRUNK)
    raise_status(status, level_zero.dead, GradientStatus.NONFINITE)
    vanished = level_zero.vanished
    step[:] = first

    # The state of the elements still active, in the order of ``active``: it shrinks with
    # ``active`` (see _Ladder.keep), so no level indexes the full arrays.
    live = ~level_zero.dead
    active = np.flatnonzero(live).astype(np.intp)
    ladder = _Ladder(x0[live], first[live], wide)
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
        half_width = width / 2
        row = [((f_plus - f_minus) / width).astype(wide, copy=False)]
        ladder.recent[:-1] = ladder.recent[1:]
        ladder.recent_noise[:-1] = ladder.recent_noise[1:]
        ladder.recent[-1] = row[0]
        ladder.recent_noise[-1] = noise_unit * f_here / half_width
        if level == 0:
            ladder.grad = row[0]
            ladder.previous = row
            ladder.exact = _short(f_plus) & _short(f_minus)
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
        amplification = _AMPLIFICATION[order]
        # The rounding of the extrapolant: f's rounding, amplified, but no more than the
        # amplified spread of the last central differences (rounding shows in them), and
        # never below the rounding of the estimate itself.
        # Measured: where f's values so far are all short binary fractions (exact in
        # float32, so no float64 rounding happened) and the central differences agree
        # exactly, f carries no rounding: only the estimate's own rounding is left.
        if ladder.exact.any():  # (rare: checked only while some element has them)
            ladder.exact &= _short(f_plus) & _short(f_minus)
        spread = np.max(np.abs(np.diff(ladder.recent[known], axis=0)), axis=0)
        exact = ladder.exact & (spread == 0)
        measured = np.where(exact, 0, noise) * amplification
        measured += noise_unit * np.abs(level_estimate)
        # The ladder runs on the worst case, so that a measured rounding small by luck
        # never changes where it stops; the measured one replaces it in the report.
        rounding = noise * amplification
        estimate = np.abs(level_estimate - below) + rounding
        ladder.previous = row
        finite = np.isfinite(f_plus) & np.isfinite(f_minus)
        better = (estimate < ladder.error) & finite
        if better.all():  # every element improved (the usual case early on)
            ladder.grad, ladder.error, ladder.own = level_estimate, estimate, estimate
            ladder.step, ladder.floor, ladder.measured = h_level, rounding, measured
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
        ladder.step = np.where(better, h_level, ladder.step)
        ladder.best = np.where(better, level, ladder.best)
        ladder.floor = np.where(better, rounding, ladder.floor)
        ladder.measured = np.where(better, measured, ladder.measured)
        # A worse level stops an element only once it has converged: a first step far
        # too large for f makes the early levels jump about before they settle. (Where
        # the level is better the entries are those just updated, and go unused.)
        settled = np.maximum(ladder.own, distance)
        asymptotic = _asymptotic(ladder.shrinking[: level + 1], ladder.best, level)
        converged = settled <= CONVERGED * np.abs(ladder.grad) + 2 * ladder.floor
        converged &= asymptotic
        # A finer level that disagrees by more than rounding may only have been unlucky
        # (extrapolants can agree by chance): it stops the element on its second time.
        converged &= at_rounding | ladder.stalled
        ladder.stalled = ~better
        going_on = (better | ~converged) & np.isfinite(ladder.error) & finite
        if tolerance_given:
            wanted = _tolerance(ladder.grad, rtol, atol)
            going_on &= ~((ladder.error <= wanted) & asymptotic)
        if not going_on.all():
            ladder.report(active, grad, error, step, noise_out, noise_unit)
            active = active[going_on]
            if not active.size:
                break
            ladder.keep(going_on)
            index = np.repeat(active, 2)
    # Elements that ran out of levels with a ladder that never became asymptotic: their
    # estimate is worth no more than the plain central differences at the finest steps.
    if active.size:
        unsettled = ~_asymptotic(ladder.shrinking, ladder.best, max_levels - 1)
        spread = np.max(np.abs(ladder.recent - ladder.grad), axis=0)
        ladder.error = np.where(unsettled, np.maximum(ladder.error, spread), ladder.error)
        ladder.report(active, grad, error, step, noise_out, noise_unit)
        ran_out[active] = True
    short = ~(error <= _tolerance(grad, rtol, atol, resolution(x0.dtype))) & ~level_zero.dead
    raise_status(status, short & ran_out, GradientStatus.LEVEL_LIMIT)
    f_size = float(np.max(noise_out[~level_zero.dead], initial=0.0)) / noise_unit
    if not (rtol is None and atol is None and near_stationary(grad, x0, f_size)):
        raise_status(status, short & ~ran_out, GradientStatus.ROUNDING_LIMITED)
    noise_out[level_zero.dead] = np.nan
    return Estimate(
        grad=grad, error=error, step=step, vanished=vanished, status=status, noise=noise_out
    )


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
    :func:`~gradwalk._points.resolution`) times the largest |grad|: an element far below
    the others is resolved well enough once its error is small beside them."""
    if rtol is None and atol is None:
        finite = np.abs(grad[np.isfinite(grad)])
        largest = float(finite.max()) if finite.size else 0.0
        default: NDArray[np.floating] = CONVERGED * np.abs(grad) + fraction * largest
        return default
    result: NDArray[np.floating] = (atol or 0.0) + (rtol or 0.0) * np.abs(grad)
    return result


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

#: Where the probe of f's precision is taken, as a fraction of an element's first step:
#: an irrational fraction, so that f's value there is not a short binary fraction.
PROBE_FRACTION = 0.7071067811865476


@dataclass
class _LevelZero:
    """Level 0 of every element: f at x ± first step, and what it took to find that step."""

    f_plus: NDArray[Any]
    f_minus: NDArray[Any]
    eps: float  # the precision f computes in (see value_precision)
    shrunk: NDArray[np.bool_]  # the first step shrank: f was not finite at x ± h
    dead: NDArray[np.bool_]  # f was not finite at any step tried
    vanished: NDArray[np.bool_]  # x ± h rounded back to x


def _first_level(
    x0: NDArray[np.floating],
    first: NDArray[np.floating],
    limit: NDArray[np.floating] | None = None,
) -> Generator[Points, NDArray[Any], _LevelZero]:
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
        bad = np.flatnonzero(~(np.isfinite(f_plus) & np.isfinite(f_minus)))
        if not bad.size:
            break
        first[bad] = representable_step(x0[bad], first[bad] / x0.dtype.type(SHRINK))
        shrunk[bad] = True
        values = yield points(bad, first[bad])
        f_plus[bad], f_minus[bad] = values[0::2], values[1::2]
    dead = ~(np.isfinite(f_plus) & np.isfinite(f_minus))
    difference = np.abs(f_plus - f_minus)
    eps = value_precision(np.concatenate([f_plus, f_minus]), x0.dtype, least=2)
    if eps > float(np.finfo(x0.dtype).eps):
        # f's values all look narrow: a value at a generic point tells chance from fact.
        candidates = np.where(dead | (difference == 0), -1.0, difference)
        k = int(np.argmax(candidates))
        if candidates[k] > 0:
            probe = x0[k] + x0.dtype.type(PROBE_FRACTION) * first[k]
            value = yield Points(np.array([k], dtype=np.intp), np.array([probe], dtype=x0.dtype))
            sample = np.concatenate([f_plus[~dead], f_minus[~dead], value])
            eps = value_precision(sample, x0.dtype)
        else:
            eps = float(np.finfo(x0.dtype).eps)
    noise = ROUNDING_ULPS * eps * np.maximum(np.abs(f_plus), np.abs(f_minus))
    growing = np.flatnonzero(~dead & (difference > 0) & (difference <= ROUNDING_MULTIPLE * noise))
    for _ in range(STEP_GROWTHS):
        if not growing.size:
            break
        larger = representable_step(x0[growing], first[growing] * x0.dtype.type(GROW))
        if limit is not None:
            larger = np.minimum(larger, limit[growing].astype(larger.dtype))
        values = yield points(growing, larger)
        new_plus, new_minus = values[0::2], values[1::2]
        new_difference = np.abs(new_plus - new_minus)
        better = np.isfinite(new_plus) & np.isfinite(new_minus)
        better &= new_difference > difference[growing]
        accepted = growing[better]
        first[accepted] = larger[better]
        f_plus[accepted], f_minus[accepted] = new_plus[better], new_minus[better]
        difference[accepted] = new_difference[better]
        noise[accepted] = (
            ROUNDING_ULPS * eps * np.maximum(np.abs(new_plus[better]), np.abs(new_minus[better]))
        )
        still = difference[accepted] <= ROUNDING_MULTIPLE * noise[accepted]
        growing = accepted[still]
    vanished = ((x0 + first) == x0) | ((x0 - first) == x0)
    return _LevelZero(f_plus, f_minus, eps, shrunk & ~dead, dead, vanished)


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
        noise[active] = noise_unit * self.f_scale

    def keep(self, going_on: NDArray[np.bool_]) -> None:
        """Keep only the elements where ``going_on`` is true."""
        for name in _Ladder._PER_ELEMENT:
            setattr(self, name, getattr(self, name)[going_on])
        self.recent = self.recent[:, going_on]
        self.recent_noise = self.recent_noise[:, going_on]
        self.shrinking = self.shrinking[:, going_on]
        self.previous = [entry[going_on] for entry in self.previous]


def _short(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Whether each value is exactly representable in float32 (a short binary fraction).

    >>> import numpy as np
    >>> _short(np.array([4.0625, 0.1])).tolist()
    [True, False]
    """
    real = np.real(values)
    with np.errstate(all="ignore"):
        short: NDArray[np.bool_] = real.astype(np.float32).astype(real.dtype) == real
    return short


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
_AMPLIFICATION = _amplification(MAX_LEVELS)


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
