"""Fixed finite-difference stencils of any order, and the bounds they respect.

A stencil of order p evaluates f at x + k h for a fixed set of integer offsets k and
combines the values with weights w_k: ``f'(x) ≈ sum_k w_k f(x + k h) / h``, with a
truncation error O(h^p). Central stencils use the offsets ±1, ..., ±p/2 (p evaluations
per element); one-sided ones 0, ±1, ..., ±p (p per element, plus f(x) once for all
elements). The weights solve the Vandermonde system ``sum_k w_k k^j = [j == 1]`` for
j < number of offsets, exactly in rational arithmetic (the same numbers as Fornberg's
algorithm: B. Fornberg, "Generation of finite difference formulas on arbitrarily spaced
grids", Math. Comp. 51 (1988)).

The stencil of the order below, on the same points (central p - 2 from the inner
offsets, one-sided p - 1 without the outermost offset), is an estimate of its own: the
distance between the two, plus the rounding error of f amplified by the weights, is the
error bar. Central order 2 and one-sided order 1 have no stencil below them: their error
is not estimated (nan).

Near a bound (:class:`~gradwalk._engine.points.Region`), an element whose stencil would leave
the bounds switches to a stencil of the same order that fits (central, then the side
with room); where none fits at the step, the one that allows the largest step is used
with that smaller step. No point is ever evaluated outside the bounds.
"""

from __future__ import annotations

import functools
from collections.abc import Generator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .points import (
    UNPERTURBED,
    Estimate,
    PlanGenerator,
    Points,
    Region,
    Step,
    any_per_element,
    own_x,
    per_element,
    wide_dtype,
)
from .rounding import (
    GRID_CONFIRM,
    PROBE_FRACTION,
    ROUNDING_FLOOR,
    measured_precision,
    near_stationary,
    short_fraction,
)
from .status_codes import SEVERITY, UNKNOWN_STATUS, GradientStatus, raise_status
from .stencil_check import Checked, checked_stencil
from .steps import order_steps
from .verify import default_tolerance, verdict

__all__ = [
    "CENTRAL_ORDERS",
    "ONE_SIDED_ORDERS",
    "Stencil",
    "stencil",
    "stencil_plan",
    "stencil_weights",
]

#: Orders of the central stencils (``order=`` of method "central").
CENTRAL_ORDERS = (2, 4, 6, 8)

#: Orders of the one-sided stencils (``order=`` of "forward" and "backward"). Near a
#: bound, a central stencil of order p switches to the one-sided one of order p.
ONE_SIDED_ORDERS = (1, 2, 3, 4)

#: Sides: central, forward, backward (what ``step_direction`` holds per element).
SIDES = (0, 1, -1)


@functools.cache
def stencil_weights(offsets: tuple[int, ...]) -> NDArray[np.float64]:
    """Weights w_k of the first derivative on the integer ``offsets``: exact, then rounded.

    Examples
    --------
    >>> stencil_weights((-2, -1, 1, 2)) * 12  # (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h
    array([ 1., -8.,  8., -1.])
    >>> stencil_weights((0, 1, 2)) * 2  # (-3 f(x) + 4 f(x+h) - f(x+2h)) / 2h
    array([-3.,  4., -1.])
    """
    size = len(offsets)
    rows = [[Fraction(k) ** j for k in offsets] + [Fraction(int(j == 1))] for j in range(size)]
    for column in range(size):  # Gauss-Jordan elimination, exact
        pivot = next(r for r in range(column, size) if rows[r][column] != 0)
        rows[column], rows[pivot] = rows[pivot], rows[column]
        rows[column] = [entry / rows[column][column] for entry in rows[column]]
        for r in range(size):
            if r != column and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[column], strict=True)]
    return np.array([float(row[size]) for row in rows])


@dataclass(frozen=True)
class Stencil:
    """A stencil: its offsets, weights, and the weights of the order below on those points.

    ``lower`` is None where there is no stencil below (central 2, one-sided 1).
    """

    side: int
    order: int
    offsets: NDArray[np.int64]
    weights: NDArray[np.float64]
    lower: NDArray[np.float64] | None

    @property
    def reach(self) -> tuple[int, int]:
        """How many steps the stencil reaches below and above x."""
        return int(max(0, -self.offsets.min())), int(max(0, self.offsets.max()))


@functools.cache
def stencil(side: int, order: int) -> Stencil:
    """The stencil of ``order`` on ``side`` (0 central, +1 forward, -1 backward).

    Examples
    --------
    >>> s = stencil(0, 4)
    >>> s.offsets.tolist(), (s.weights * 12).tolist(), (s.lower * 2).tolist()
    ([-2, -1, 1, 2], [1.0, -8.0, 8.0, -1.0], [0.0, -1.0, 1.0, 0.0])
    >>> stencil(-1, 2).offsets.tolist()
    [0, -1, -2]
    """
    if side == 0:
        reach = order // 2
        offsets = tuple(range(-reach, 0)) + tuple(range(1, reach + 1))
        inner = tuple(k for k in offsets if abs(k) < reach)
    else:
        offsets = tuple(side * k for k in range(order + 1))
        inner = offsets[:-1]
    weights = stencil_weights(offsets)
    lower = None
    if len(inner) >= 2:
        lower_weights = dict(zip(inner, stencil_weights(inner), strict=True))
        lower = np.array([lower_weights.get(k, 0.0) for k in offsets])
    return Stencil(side, order, np.array(offsets, dtype=np.int64), weights, lower)


def _sides_that_fit(
    x0: NDArray[np.floating], step: NDArray[np.floating], order: int, region: Region
) -> tuple[NDArray[np.int8], NDArray[np.floating], NDArray[np.bool_]]:
    """Each element's side and step: its preferred side where it fits the bounds, else
    central, then forward, then backward; where none fits, the one allowing the largest
    step, with that step. The mask says which elements fit at their own step.
    """
    wide = wide_dtype(x0.dtype)
    x = x0.astype(wide)
    room_below, room_above = x - region.lower, region.upper - x
    sides = [side for side in SIDES if side != 0 or order % 2 == 0]
    largest = {}
    for side in sides:
        below, above = stencil(side, order).reach
        with np.errstate(divide="ignore"):
            largest[side] = np.minimum(
                room_below / below if below else np.inf, room_above / above if above else np.inf
            )
    wanted = step.astype(wide)
    preferred = region.direction
    chosen = preferred.copy()
    fits = np.zeros(x.shape, dtype=bool)
    for side in sides:
        fits |= (preferred == side) & (largest[side] >= wanted)
    for side in sides:  # the first side that fits, for the elements whose own side does not
        take = ~fits & (largest[side] >= wanted)
        chosen[take] = side
        fits |= take
    if not fits.all():  # no side fits at the step: the one with the most room, a smaller step
        stacked = np.stack([largest[side] for side in sides])
        best = np.argmax(stacked, axis=0)
        chosen[~fits] = np.array(sides, dtype=np.int8)[best[~fits]]
        smaller = np.max(stacked, axis=0).astype(x0.dtype)
        step = np.where(fits, step, smaller)
    return chosen, step, fits


def _inside(values: NDArray[np.floating], region: Region) -> NDArray[np.floating]:
    """``values`` clipped to the bounds, each bound rounded inwards to the values' dtype."""
    lower = region.lower.astype(values.dtype)
    lower = np.where(lower < region.lower, np.nextafter(lower, np.inf), lower)
    upper = region.upper.astype(values.dtype)
    upper = np.where(upper > region.upper, np.nextafter(upper, -np.inf), upper)
    clipped: NDArray[np.floating] = np.clip(values, lower[:, None], upper[:, None])
    return clipped


def stencil_plan(
    x0: NDArray[np.floating],
    h: Step,
    order: int,
    side: int,
    region: Region | None,
    elementwise: bool = False,
) -> PlanGenerator:
    """The stencil of ``order`` on ``side`` for every element (per element within ``region``).

    One batch of points for all elements (with f(x) wherever a stencil has an order
    below it: the one-sided ones use it, the central ones check f's smoothness with
    it); then the verification of each element's bar (:func:`checked_stencil`), which
    evaluates the stencil again at smaller steps where the evidence at the step is not
    enough. Elements without a stencil below (central 2, one-sided 1) have no bar
    (nan), and the driver reads their status from f's values, as it does for every
    element that met a value of f that is not finite. Values of f may carry trailing
    axes (one value per output); every array is indexed along axis 0 and combined over
    it. For an ``elementwise`` f (one problem per element) f(x) is asked for as each
    element's own value (:func:`~gradwalk._engine.points.own_x`).
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    step = order_steps(x0, h, order)
    fits = np.ones(n, dtype=bool)
    if region is None:
        sides = np.full(n, side, dtype=np.int8)
    else:
        sides, step, fits = _sides_that_fit(x0, step, order, region)
    used = [stencil(s, order) for s in SIDES if (sides == s).any()]
    with_x = any(s.side != 0 or s.lower is not None for s in used)
    index, value = [], []
    if with_x and elementwise:
        index, value = [own_x(np.arange(n, dtype=np.intp))], [x0.copy()]
    elif with_x:
        index, value = [np.array([UNPERTURBED], dtype=np.intp)], [np.zeros(1, dtype=x0.dtype)]
    blocks = []
    x_rows = start = sum(part.size for part in index)
    for formula in used:
        elements = np.flatnonzero(sides == formula.side)
        points = _points(formula, x0, elements, step[elements], region)
        index.append(points.index)
        value.append(points.value)
        blocks.append((formula, elements, start))
        start += points.index.size
    f_values = yield Points(np.concatenate(index), np.concatenate(value))
    precision = measured_precision(f_values, x0.dtype)
    # (with a step that is a short binary fraction, the offsets k·h are, and so are a
    # linear f's differences, wherever x lies: they share a grid by construction)
    dyadic = short_fraction(step).all()
    few = f_values.size < GRID_CONFIRM
    if precision.narrower_than(x0.dtype) and (dyadic or few):  # a generic point decides
        probe = x0[:1] + x0.dtype.type(PROBE_FRACTION) * step[:1]
        generic = yield Points(np.zeros(1, dtype=np.intp), probe.astype(x0.dtype))
        precision = measured_precision(np.concatenate([f_values, generic]), x0.dtype)

    trailing = f_values.shape[1:]
    at_x = None  # f(x) per element
    if with_x:
        at_x = np.broadcast_to(f_values[:x_rows].astype(wide), (n, *trailing))
    grad = np.empty((n, *trailing), dtype=wide)
    error = np.full((n, *trailing), np.nan, dtype=wide)
    used_step = np.broadcast_to(per_element(step.astype(np.float64), grad), grad.shape).copy()
    status = np.full(n, UNKNOWN_STATUS, dtype=np.int8)  # read from f's values by the driver
    evidence = []
    looks = []
    for formula, elements, first in blocks:
        count = formula.offsets.size - int(formula.side != 0)
        block = f_values[first : first + elements.size * count].astype(wide)
        rows_at_x = None if at_x is None else at_x[elements]
        block = _with_x(formula, block.reshape(elements.size, count, *trailing), rows_at_x)
        width = step[elements].astype(wide).reshape(-1, *(1,) * len(trailing))
        grad[elements] = np.tensordot(block, formula.weights, axes=([1], [0])) / width
        looks.append((formula, elements, block))
    # f's terms g_i x_i: where they cancel (f(x) = 0 from terms of size 1), f's rounding
    # is theirs, which its values do not show
    terms = np.nansum(np.abs(grad * per_element(x0.astype(wide), grad)), axis=0)
    for formula, elements, block in looks:
        finite = np.all(np.isfinite(block).reshape(elements.size, -1), axis=1)
        if at_x is not None:
            finite &= np.all(np.isfinite(at_x[elements]).reshape(elements.size, -1), axis=1)
        if formula.lower is None or not finite.any():
            continue
        checking = elements[finite]
        central_x = None
        if at_x is not None and formula.side == 0:
            central_x = at_x[checking]

        evaluate_at = _evaluator(formula, x0, checking, region, at_x)
        checked = yield from checked_stencil(
            formula,
            x0[checking],
            step[checking],
            block[finite],
            central_x,
            precision,
            evaluate_at,
            _prober(x0, checking, region),
            terms,
        )
        grad[checking], error[checking], used_step[checking] = (
            checked.grad,
            checked.error,
            checked.step,
        )
        evidence.append((checking, checked))
    noise = np.full(n, np.nan, dtype=wide)
    if evidence:
        _judge(status, grad, error, evidence, x0, f_values)
        for elements, checked in evidence:
            noise[elements] = checked.noise.reshape(elements.size, -1).max(axis=1)
    raise_status(status, ~fits, GradientStatus.OUT_OF_BOUNDS)
    return Estimate(
        grad=grad,
        error=error,
        step=used_step,
        vanished=(x0 + step == x0) | (x0 - step == x0),
        status=status,
        noise=noise,
    )


def _points(
    formula: Stencil,
    x0: NDArray[np.floating],
    elements: NDArray[np.intp],
    steps: NDArray[np.floating],
    region: Region | None,
) -> Points:
    """The points of ``formula`` (f(x) left out) for ``elements`` at ``steps``."""
    moved = formula.offsets[formula.offsets != 0].astype(x0.dtype)
    points = x0[elements, None] + moved[None, :] * steps[:, None]
    if region is not None:
        points = _inside(points, region.subset(elements))
    return Points(np.repeat(elements, moved.size), points.ravel())


def _evaluator(
    formula: Stencil,
    x0: NDArray[np.floating],
    elements: NDArray[np.intp],
    region: Region | None,
    at_x: NDArray[Any] | None,
) -> Any:
    """``evaluate_at(rows, steps)`` for :func:`checked_stencil`: ``formula`` at the rows
    ``rows`` of ``elements`` at ``steps``, its values as a block (f(x) in front, one-sided;
    ``at_x``: f(x) per element of x)."""

    def evaluate_at(
        rows: NDArray[np.intp], steps: NDArray[np.floating]
    ) -> Generator[Points, NDArray[Any], NDArray[Any]]:
        values = yield _points(formula, x0, elements[rows], steps, region)
        wide = values.astype(wide_dtype(x0.dtype))
        block = wide.reshape(rows.size, -1, *values.shape[1:])
        return _with_x(formula, block, None if at_x is None else at_x[elements[rows]])

    return evaluate_at


def _prober(x0: NDArray[np.floating], elements: NDArray[np.intp], region: Region | None) -> Any:
    """``probe_at(rows, moves)`` for :func:`checked_stencil`: f at the rows ``rows`` of
    ``elements`` moved by ``moves`` (within the bounds); its values and the points."""

    def probe_at(
        rows: NDArray[np.intp], moves: NDArray[np.floating]
    ) -> Generator[Points, NDArray[Any], tuple[NDArray[Any], NDArray[Any]]]:
        chosen = elements[rows]
        points = x0[chosen] + moves
        if region is not None:
            points = _inside(points[:, None], region.subset(chosen))[:, 0]
        values = yield Points(chosen, points)
        return values.astype(wide_dtype(x0.dtype)), points

    return probe_at


def _with_x(formula: Stencil, block: NDArray[Any], at_x: NDArray[Any] | None) -> NDArray[Any]:
    """A one-sided formula's block with f(x), its value at offset 0 (one row per row of
    ``block``), in front."""
    if formula.side == 0 or at_x is None:
        return block
    return np.concatenate([at_x[:, None].astype(block.dtype), block], 1)


def _judge(
    status: NDArray[np.int8],
    grad: NDArray[Any],
    error: NDArray[Any],
    evidence: list[tuple[NDArray[np.intp], Checked]],
    x0: NDArray[np.floating],
    f_values: NDArray[Any],
) -> None:
    """The status and bar of the verified elements (:func:`~gradwalk._engine.verify.verdict`),
    in place: the tolerance is 1e-4 of the element with a floor relative to the largest
    element, and near a stationary point rounding is not reported (as for "richardson").
    A verified bar above the tolerance that f's rounding and noise do not make (a
    truncation error too large to shrink further) is honest and stays CONVERGED."""
    tolerance = default_tolerance(grad, x0.dtype, ROUNDING_FLOOR)
    f_size = float(np.max(np.abs(f_values[np.isfinite(f_values)]), initial=0.0))
    stationary = near_stationary(grad, np.broadcast_to(per_element(x0, grad), grad.shape), f_size)
    for elements, checked in evidence:
        judged = verdict(
            checked.grad,
            checked.error,
            asymptotic=checked.asymptotic,
            noisy=checked.noisy,
            loud=checked.loud,
            kink=checked.kink,
            slope_jump=checked.slope_jump,
            jump=checked.jump,
            tolerance=tolerance[elements],
            limited_part=checked.limited,
        )
        codes = judged.status
        if stationary:
            codes = np.where(codes == GradientStatus.ROUNDING_LIMITED, 0, codes).astype(np.int8)
        error[elements] = judged.error
        status[elements] = GradientStatus.CONVERGED
        for code in SEVERITY[1:]:
            raise_status(status, elements[any_per_element(codes == code)], code)
