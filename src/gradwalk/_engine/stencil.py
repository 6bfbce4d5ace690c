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
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from .points import UNPERTURBED, Estimate, PlanGenerator, Points, Region, Step, wide_dtype
from .rounding import ROUNDING_ULPS
from .status_codes import UNKNOWN_STATUS, GradientStatus
from .steps import order_steps

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
    x0: NDArray[np.floating], h: Step, order: int, side: int, region: Region | None
) -> PlanGenerator:
    """The stencil of ``order`` on ``side`` for every element (per element within ``region``).

    One batch of points for all elements; the estimate's error is the distance to the
    stencil of the order below plus the rounding error of f (nan where there is none
    below). Values of f may carry trailing axes (one value per output); every array is
    indexed along axis 0 and combined over it.
    """
    n = x0.size
    wide = wide_dtype(x0.dtype)
    eps = float(np.finfo(x0.dtype).eps)
    step = order_steps(x0, h, order)
    status = None
    if region is None:
        sides = np.full(n, side, dtype=np.int8)
    else:
        sides, step, fits = _sides_that_fit(x0, step, order, region)
        if not fits.all():  # the rest is read from f's values by the driver
            status = np.full(n, UNKNOWN_STATUS, dtype=np.int8)
            status[~fits] = GradientStatus.OUT_OF_BOUNDS
    used = [stencil(s, order) for s in SIDES if (sides == s).any()]
    one_sided = any(s.side != 0 for s in used)
    index = [np.array([UNPERTURBED], dtype=np.intp)] if one_sided else []
    value = [np.zeros(1, dtype=x0.dtype)] if one_sided else []
    blocks = []
    start = len(index)
    for formula in used:
        elements = np.flatnonzero(sides == formula.side)
        moved = formula.offsets[formula.offsets != 0].astype(x0.dtype)
        points = x0[elements, None] + moved[None, :] * step[elements, None]
        if region is not None:
            points = _inside(points, region.subset(elements))
        index.append(np.repeat(elements, moved.size))
        value.append(points.ravel())
        blocks.append((formula, elements, start))
        start += points.size
    f_values = yield Points(np.concatenate(index), np.concatenate(value))

    trailing = f_values.shape[1:]
    grad = np.empty((n, *trailing), dtype=wide)
    error = np.full((n, *trailing), np.nan, dtype=wide)
    for formula, elements, first in blocks:
        count = formula.offsets.size - int(formula.side != 0)
        block = f_values[first : first + elements.size * count].astype(wide)
        block = block.reshape(elements.size, count, *trailing)
        if formula.side != 0:  # f(x) is the value at offset 0, shared by every element
            at_x = np.broadcast_to(f_values[0].astype(wide), (elements.size, 1, *trailing))
            block = np.concatenate([at_x, block], axis=1)
        width = step[elements].astype(wide).reshape(-1, *(1,) * len(trailing))
        estimate = np.tensordot(block, formula.weights, axes=([1], [0])) / width
        grad[elements] = estimate
        if formula.lower is not None:
            below = np.tensordot(block, formula.lower, axes=([1], [0])) / width
            amplification = float(np.abs(formula.weights).sum())
            rounding = ROUNDING_ULPS * eps * np.max(np.abs(block), axis=1) * amplification
            error[elements] = np.abs(estimate - below) + rounding / width
    return Estimate(
        grad=grad,
        error=error,
        step=step.astype(np.float64),
        vanished=(x0 + step == x0) | (x0 - step == x0),
        status=status,
    )
