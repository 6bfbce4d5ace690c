"""The verification of a fixed stencil's error bar (``order=``, and one-sided stencils
within bounds): the stencil and the stencil of the order below, at the stencil's own
step and, where the evidence there is not enough, at steps four and sixteen times
smaller.

At the stencil's own step the values already evaluated decide most elements: the two
orders agree to :data:`~gradwalk._engine.verify.THRESHOLDS` "agreement" (or to f's
rounding), f's values along the element's axis (equally spaced, f(x) included) are as
smooth as their highest difference says, and show neither a kink nor noise. The bar of
those elements is "margin" times the distance between the orders, plus f's rounding
amplified by the weights. The others are evaluated again at a quarter of the step
(never outside the bounds: the points only move closer to x) and judged by how the
evidence scales with the step (:mod:`gradwalk._engine.verify`):

- f's noise the same at both steps, above its rounding: the bars allow for it;
- f(x + h) - f(x - h) (one-sided: f(x ± h) - f(x)), or f's highest difference, the
  same at both steps, above f's noise (f(x), shared by both steps, carries its noise
  into both alike): a jump;
- f's even part shrinking like h at both steps (central stencils): a kink;
- the distance between the orders shrinking as they predict, and f's highest
  difference falling as a smooth f's does: verified, the estimate with the smaller bar
  is kept;
- none of these after a second quarter: not verified.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator
from dataclasses import dataclass, fields
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from .points import Points, per_element, wide_dtype
from .rounding import PROBE_FRACTION, Precision
from .steps import representable_step
from .verify import (
    interpolation,
    kink_like,
    noise_level,
    shrinks_as_predicted,
    steady,
    threshold,
)


class Stencil(Protocol):
    """What the verification reads of a stencil (:class:`gradwalk._engine.stencil.Stencil`)."""

    @property
    def side(self) -> int: ...
    @property
    def order(self) -> int: ...
    @property
    def offsets(self) -> NDArray[np.int64]: ...
    @property
    def weights(self) -> NDArray[np.float64]: ...
    @property
    def lower(self) -> NDArray[np.float64] | None: ...


__all__ = ["Checked", "checked_stencil"]

#: How many times the step is divided by :data:`SHRINK` where the evidence at the
#: stencil's own step does not verify its bar.
SHRINKS = int(threshold("shrinks"))
SHRINK = int(threshold("shrink"))

#: A stencil's highest difference of f is rough (not falling with the order as a smooth
#: f's does) above this fraction of the largest difference of the order below.
ROUGH = threshold("rough")

#: ... or where its fall from the order below is this many times slower than the fall
#: from the order below that.
TREND = threshold("trend")

#: f's value at an extra point between a fixed stencil's own agrees with their
#: interpolating polynomial within this many times the error the trend of f's
#: differences predicts (else the stencil's step is too large for f: aliased).
OFF_GRID = threshold("off grid")

#: Noise in f above this share of |f| is no rounding in f's arithmetic: noise, or an
#: oscillation faster than the step (which looks the same there, and whose derivative
#: no bar can cover): NOISY, however small its bar.
NOISE_SEEN = threshold("noise seen")

#: The agreement of the two orders is relative to the element, or to this share of the
#: largest element where the element is small beside it (a derivative near 0).
BESIDE = threshold("beside")


@dataclass
class Checked:
    """A stencil's result for its elements, and the evidence about it for
    :func:`~gradwalk._engine.verify.verdict`: the estimate, its bar, the step whose
    estimate was kept; whether the estimates agreed as the orders predict, whether f
    looks noisy (with f's rounding or noise per value), kinked (with the jump between its
    one-sided slopes) or jumping. One row per element (trailing axes of a vector-valued f)."""

    grad: NDArray[Any]
    error: NDArray[Any]
    step: NDArray[Any]
    asymptotic: NDArray[np.bool_]
    noisy: NDArray[np.bool_]
    kink: NDArray[np.bool_]
    slope_jump: NDArray[Any]
    jump: NDArray[np.bool_]
    noise: NDArray[Any]
    limited: NDArray[Any]  # the part of the bar that f's rounding and noise make
    loud: NDArray[np.bool_]  # noisy, and the noise above "noise seen" of |f|: not rounding

    def write(self, rows: NDArray[np.intp], other: Checked, where: NDArray[np.bool_]) -> None:
        """Set ``rows`` of this result to the rows of ``other`` selected by ``where``."""
        for field in fields(self):
            getattr(self, field.name)[rows] = getattr(other, field.name)[where]


@dataclass
class _Look:
    """What the stencil says at one step about its elements."""

    estimate: NDArray[Any]  # the stencil
    distance: NDArray[Any]  # |stencil - stencil of the order below|
    rounding: NDArray[Any]  # f's rounding (or the noise allowed for), amplified
    rounding_distance: NDArray[Any]  # ... as it enters the distance
    per_value: NDArray[Any]  # f's rounding (or the noise allowed for) per value
    size: NDArray[Any]  # the largest |f| along the axis
    noise_seen: NDArray[Any]  # f's noise where its two highest differences say so, else 0
    top: NDArray[Any]  # the largest highest-order difference of f along the axis
    signed_top: NDArray[Any]  # the highest-order difference of f, signed (per output)
    below: NDArray[Any]  # ... and of the order below
    below2: NDArray[Any]  # ... and of the order below that
    orders: int  # the order of the highest difference
    noise: NDArray[Any]  # f's noise per value, were the highest difference all noise
    kink: NDArray[np.bool_]  # f's even part grows like h (central stencils with f(x))
    even_jump: NDArray[Any]  # |f'(x+) - f'(x-)| as f's even part measures it
    odd: NDArray[Any]  # f(x + h) - f(x - h), or f(x ± h) - f(x) one-sided (a jump)

    @property
    def bar(self) -> NDArray[Any]:
        """The error bar: "margin" times the distance between the orders, plus rounding."""
        result: NDArray[Any] = threshold("margin") * self.distance + self.rounding
        return result

    def rows(self, where: NDArray[Any]) -> _Look:
        """The look at the rows ``where`` only."""
        parts: dict[str, Any] = {}
        for field in fields(self):
            value = getattr(self, field.name)
            parts[field.name] = value if isinstance(value, int) else value[where]
        return _Look(**parts)


def _ordered(
    formula: Stencil, block: NDArray[Any], at_x: NDArray[Any] | None
) -> tuple[NDArray[np.int64], NDArray[Any]]:
    """The stencil's offsets in ascending order, f(x) at 0 among them where evaluated,
    and f's values at them (one row per element)."""
    offsets, values = formula.offsets, block
    if at_x is not None and 0 not in offsets:  # central: f(x) between the two sides
        where = int(np.searchsorted(offsets, 0))
        offsets = np.insert(offsets, where, 0)
        values = np.concatenate([block[:, :where], at_x[:, None], block[:, where:]], axis=1)
    order = np.argsort(offsets)
    return offsets[order], values[:, order]


def _look(
    formula: Stencil,
    block: NDArray[Any],
    at_x: NDArray[Any] | None,
    width: NDArray[Any],
    precision: Precision,
    allowed: Any = 0.0,
    terms: Any = 0.0,
) -> _Look:
    """The evidence of ``formula`` at one step: ``block`` holds f at the formula's
    offsets (one row per element), ``at_x`` f(x) per element where evaluated, ``width``
    the step (shaped to broadcast), ``allowed`` the noise per value to allow for,
    ``terms`` the size of f's terms below which f's rounding is not read from its
    values."""
    assert formula.lower is not None
    estimate = np.tensordot(block, formula.weights, axes=([1], [0])) / width
    below = np.tensordot(block, formula.lower, axes=([1], [0])) / width
    offsets, values = _ordered(formula, block, at_x)
    size = np.max(np.abs(values), axis=1)
    per_value = np.maximum(precision.rounding(np.maximum(size, terms)), allowed)
    points = offsets.size
    highest = np.diff(values, n=points - 1, axis=1)[:, 0]
    top = np.abs(highest)
    # the highest difference over its size for noise of unit standard deviation (for
    # equally spaced points, ECnoise's normalisation): f's noise where it dominates
    noise = top / math.sqrt(math.comb(2 * (points - 1), points - 1))
    kink = np.zeros(size.shape, dtype=bool)
    even_jump = np.zeros_like(size)
    zero = int(np.flatnonzero(offsets == 0)[0]) if 0 in offsets else -1
    if formula.side == 0 and zero >= 2 and points - zero >= 3:
        first = values[:, zero + 1] + values[:, zero - 1] - 2 * values[:, zero]
        second = values[:, zero + 2] + values[:, zero - 2] - 2 * values[:, zero]
        kink = kink_like(second, first, 4 * per_value)
        even_jump = np.abs(second - first) / width
    index = list(formula.offsets)
    plus = index.index(1) if 1 in index else index.index(-1)
    minus = index.index(-1) if formula.side == 0 else index.index(0)
    return _Look(
        estimate=estimate,
        distance=np.abs(estimate - below),
        rounding=per_value * float(np.abs(formula.weights).sum()) / width,
        rounding_distance=per_value * float(np.abs(formula.weights - formula.lower).sum()) / width,
        per_value=per_value,
        size=size,
        noise_seen=noise_level(np.moveaxis(values, 1, 0), tuple(offsets.astype(float))),
        top=top,
        signed_top=highest,
        below=np.max(np.abs(np.diff(values, n=points - 2, axis=1)), axis=1),
        below2=np.max(np.abs(np.diff(values, n=max(points - 3, 1), axis=1)), axis=1),
        orders=points - 1,
        noise=noise,
        kink=kink,
        even_jump=even_jump,
        odd=block[:, plus] - block[:, minus],
    )


def _rough(look: _Look) -> NDArray[np.bool_]:
    """Where f's highest difference is not small beside those of the two orders below
    (a smooth f's differences fall from order to order; noise makes them grow), and
    above f's rounding."""
    rough: NDArray[np.bool_] = look.top > ROUGH * np.maximum(look.below, look.below2)
    rough &= look.top > threshold("above noise") * look.per_value
    return rough


def _plain(look: _Look, largest: float, one_sided: bool) -> NDArray[np.bool_]:
    """Where nothing calls for a second step: the two orders agree (relative to the
    element, with a floor of :data:`BESIDE` times the ``largest`` element, or to f's
    rounding), and f's values are smooth without a kink: their highest difference is
    small beside those of the two orders below (noise makes them grow), they show no
    noise above rounding in f's arithmetic (:data:`NOISE_SEEN`; a noisy f's smooth part
    can make its lower differences large), and for a ``one_sided`` stencil, whose end is
    x, it falls no slower than the trend of those two (an offset at x, a kink or jump
    just beside it, stops the fall)."""
    scale = np.abs(look.estimate) + BESIDE * largest
    agree = (look.distance <= threshold("agreement") * scale) | (
        look.distance <= threshold("at noise") * look.rounding_distance
    )
    above = threshold("above noise") * look.per_value
    rough = _rough(look) | (look.noise_seen > NOISE_SEEN * look.size)
    if one_sided and look.orders >= 3:  # an offset at x, f(x) being the stencil's end
        trend = look.top * look.below2 > TREND * look.below**2
        rough |= trend & (look.top > above)
    plain: NDArray[np.bool_] = agree & ~rough & ~look.kink
    return plain


def _off_grid_misfit(
    formula: Stencil,
    block: NDArray[Any],
    at_x: NDArray[Any] | None,
    look: _Look,
    where: NDArray[Any],
    value: NDArray[Any],
) -> tuple[NDArray[np.bool_], NDArray[Any]]:
    """Where f's ``value`` at an extra point ``where`` (in units of the step, between the
    stencil's own points) is not what the polynomial through the stencil's values says
    (:func:`~gradwalk._engine.verify.interpolation`),
    within :data:`OFF_GRID` times the error the trend of f's differences predicts for it
    (the next difference, at most the highest one, times the interpolation's node
    polynomial over N!), plus f's rounding through the interpolation's weights; and
    how far ``value`` is from that polynomial (f's own deviation from a smooth f there:
    its noise, or a fast oscillation, seen directly).

    On a grid of step h, f = sin(ω x) with ω h near a multiple of 2π is a slow sine: the
    stencil's values, both its orders and its differences are those of a smooth f, and
    agree with themselves (aliased). Off the grid f is itself again.
    """
    nodes, values = _ordered(formula, block, at_x)
    t = np.asarray(where, dtype=np.float64)
    basis = interpolation(nodes, t)
    node_polynomial = np.prod(t[:, None] - nodes[None, :].astype(np.float64), axis=1)
    predicted = np.sum(per_element(basis, values) * values, axis=1)
    # the next difference: at most the highest (an f whose plain look passed falls from
    # order to order); where a central stencil's highest difference is far below the
    # trend (an odd f about x, whose even differences vanish there, and whose next odd
    # one does not), :data:`ROUGH` times the one below
    following = look.top
    if formula.side == 0:
        vanished = look.top < ROUGH**2 * look.below
        following = np.where(vanished, ROUGH * look.below, look.top)
    term = following * per_element(np.abs(node_polynomial), look.top)
    term /= math.factorial(nodes.size)
    lebesgue = per_element(1.0 + np.abs(basis).sum(axis=1), look.top)
    allowed = OFF_GRID * term + threshold("at noise") * look.per_value * lebesgue
    apart = np.abs(value - predicted)
    misfit: NDArray[np.bool_] = ~(apart <= allowed)
    return misfit, apart


def _changing_noise(coarse: _Look, fine: _Look, shared: float) -> float:
    """f's noise per value, measured by how f's highest difference changes between two
    steps, pooled over the elements (the median; noise is f's, the same at every element).

    An offset at x (a jump, f(x) off its neighbours) makes the highest difference the
    same at both steps, and so does f(x)'s own noise where f(x) is shared by both steps
    (its weight ``shared`` in the highest difference): the difference at the two steps
    cancels both, and what is left is the noise of the points that are not shared (and
    the change of a smooth f's next term, which falls with the step). Noise of standard
    deviation s gives a change of standard deviation s·sqrt(2·(γ - shared²)), γ the sum of
    the squared weights, whose median |·| is 0.674 of that.
    """
    change = np.abs(coarse.signed_top - fine.signed_top)
    finite = change[np.isfinite(change)]
    if not finite.size:
        return 0.0
    weights = float(math.comb(2 * coarse.orders, coarse.orders))
    spread = math.sqrt(2.0 * max(weights - shared**2, 1.0))
    return float(np.median(finite)) / (_HALF_NORMAL_MEDIAN * spread)


#: The median of |Z| for a standard normal Z.
_HALF_NORMAL_MEDIAN = 0.6745


def _settled(
    coarse: _Look,
    fine: _Look,
    steps: tuple[NDArray[Any], NDArray[Any]],
    order_below: int,
    points: int,
    noisy: NDArray[np.bool_],
    floors: tuple[NDArray[Any], NDArray[Any]],
) -> tuple[NDArray[np.bool_], Checked]:
    """Judge the elements from the stencil at two ``steps`` (per element, the second a
    :data:`SHRINK`th of the first): which are settled, and their result. ``floors`` are
    the noise in f(x + h) - f(x - h) and in f's highest difference (f's rounding, or its
    noise as :func:`_changing_noise` measures it): evidence of a jump only above them."""
    above = threshold("above noise") * fine.per_value
    # f's highest difference exactly the same at both steps: an offset at x (a jump,
    # or a kink just beside x); f(x + h) - f(x - h) the same: a jump
    odd_floor, top_floor = floors
    jump = steady(coarse.odd, fine.odd, odd_floor) & ~noisy
    jump |= steady(coarse.top, fine.top, top_floor) & ~noisy & ~(coarse.kink & fine.kink)
    kink = coarse.kink & fine.kink & ~jump
    # f's highest difference falls like h**(points - 1) for a smooth f (allowing two
    # orders for coefficients that vanish at x), or is at noise level
    resolved = fine.top > above * 2.0 ** (points - 1)
    smooth = (fine.top * SHRINK ** (points - 3) <= coarse.top) | ~resolved
    at_noise = fine.distance <= threshold("at noise") * (
        coarse.rounding_distance + fine.rounding_distance
    )
    agreeing = shrinks_as_predicted(
        coarse.distance,
        fine.distance,
        coarse.rounding_distance,
        fine.rounding_distance,
        ratio=SHRINK,
        order=order_below,
    )
    asymptotic = agreeing & (smooth | noisy) & ~jump & ~kink
    # The coarse estimate (the step asked for) is kept where the two steps agree as the
    # leading terms predict, within a narrow band (a step too large for f, turning
    # smooth at the finer step, gives ratios far above it); its error shows in its
    # distance to the finer one too, plus the finer one's own bar (it carries more of f's
    # rounding: where that is larger than modelled, the distance says so).
    high = threshold("order band high")
    with np.errstate(divide="ignore", invalid="ignore"):
        narrow = at_noise | (coarse.distance <= high * float(SHRINK) ** order_below * fine.distance)
        narrow &= ~resolved | (coarse.top <= high * float(SHRINK) ** (points - 1) * fine.top)
    coarse_bar = np.maximum(coarse.bar, np.abs(coarse.estimate - fine.estimate) + fine.bar)
    keep_fine = ~(agreeing & (smooth | noisy) & narrow) | kink | jump
    coarse_step, fine_step = (per_element(s.astype(np.float64), fine.estimate) for s in steps)
    checked = Checked(
        grad=np.where(keep_fine, fine.estimate, coarse.estimate),
        error=np.where(keep_fine, fine.bar, coarse_bar),
        step=np.broadcast_to(np.where(keep_fine, fine_step, coarse_step), keep_fine.shape),
        asymptotic=asymptotic | kink,
        noisy=noisy,
        kink=kink,
        slope_jump=fine.even_jump,
        jump=jump,
        noise=np.maximum(fine.per_value, np.where(noisy, np.maximum(coarse.noise, fine.noise), 0)),
        loud=noisy & (np.maximum(coarse.noise, fine.noise) > NOISE_SEEN * fine.size),
        limited=np.where(keep_fine, fine.rounding, coarse.rounding),
    )
    # (a ratio far above the band is a step too large for f at the coarse step: the
    # finer one is then not verified either, and the next, smaller step decides)
    return (asymptotic & narrow) | jump | kink, checked


def checked_stencil(
    formula: Stencil,
    x0: NDArray[np.floating],
    step: NDArray[np.floating],
    block: NDArray[Any],
    at_x: NDArray[Any] | None,
    precision: Precision,
    evaluate_at: Callable[
        [NDArray[np.intp], NDArray[np.floating]], Generator[Points, NDArray[Any], NDArray[Any]]
    ],
    probe_at: Callable[
        [NDArray[np.intp], NDArray[np.floating]],
        Generator[Points, NDArray[Any], tuple[NDArray[Any], NDArray[Any]]],
    ],
    terms: Any = 0.0,
) -> Generator[Points, NDArray[Any], Checked]:
    """Verify ``formula``'s estimates of the elements ``x0`` (flat) at ``step``, from f's
    values ``block`` there (and ``at_x``, f(x) per element, where evaluated),
    evaluating the stencil at smaller steps where needed: ``evaluate_at(rows, steps)``
    evaluates it at the rows ``rows`` of these elements at ``steps`` and returns their
    values in the layout of ``block``; ``probe_at(rows, moves)`` evaluates f at those
    rows moved by ``moves`` and returns its values and the points (within the bounds).
    ``terms`` is the size of f's terms (sum |g_i x_i|): f's rounding is at least theirs.
    """
    wide = wide_dtype(x0.dtype)
    trailing = block.shape[2:]
    points = formula.offsets.size + int(at_x is not None and 0 not in formula.offsets)
    order_below = formula.order - 2 if formula.side == 0 else formula.order - 1

    def width(steps: NDArray[Any]) -> NDArray[Any]:
        return steps.astype(wide).reshape(-1, *(1,) * len(trailing))

    look = _look(formula, block, at_x, width(step), precision, terms=terms)
    shape = look.estimate.shape
    # the weight of f(x), evaluated once for every step, in f's highest difference
    ordered, _ = _ordered(formula, block[:1], None if at_x is None else at_x[:1])
    unit = (ordered == 0).astype(np.float64)
    shared = float(np.diff(unit, n=points - 1)[0]) if unit.any() else 0.0
    # The highest difference of f, normalised as noise would be, and pooled over the
    # elements (noise is f's, the same at every element): one noisy distance between
    # two orders is no bound on the noise in the estimate; this allowance is. Where f is
    # smooth the highest difference is its next term instead, which covers an order
    # whose leading coefficient vanishes at x. (With three points the highest
    # difference is f's curvature, counted only where it looks like noise.)
    rough = _rough(look)
    counted = look.noise if look.orders >= 3 else look.noise[rough]
    pooled = float(np.median(counted)) if counted.size else 0.0
    allowed = threshold("noise margin") * pooled
    noise_bar = allowed * float(np.abs(formula.weights).sum()) / width(step)
    result = Checked(
        grad=look.estimate.copy(),
        error=look.bar + noise_bar,
        step=np.broadcast_to(per_element(step.astype(np.float64), look.estimate), shape).copy(),
        asymptotic=np.ones(shape, dtype=bool),
        noisy=np.broadcast_to((noise_bar > look.rounding) & rough, shape).copy(),
        loud=np.broadcast_to(
            (noise_bar > look.rounding) & rough & (pooled > NOISE_SEEN * look.size), shape
        ).copy(),
        kink=np.zeros(shape, dtype=bool),
        slope_jump=np.zeros(shape),
        jump=np.zeros(shape, dtype=bool),
        noise=np.broadcast_to(np.maximum(look.per_value, allowed), shape).copy(),
        limited=np.broadcast_to(look.rounding + np.where(rough, noise_bar, 0.0), shape).copy(),
    )
    finite = np.abs(look.estimate[np.isfinite(look.estimate)])
    largest = float(finite.max()) if finite.size else 0.0
    plain = np.all(_plain(look, largest, formula.side != 0).reshape(len(x0), -1), axis=1)
    deviation = np.zeros(shape)  # the largest of f's deviations off the grid, per element
    # the plain elements, before they are trusted: f at one more point, off the grid
    # (aliasing shows there); those that disagree go on to smaller steps too
    off = np.flatnonzero(plain)
    if off.size:
        toward = formula.side if formula.side else 1
        move = (toward * PROBE_FRACTION * step[off]).astype(x0.dtype)
        value, moved = yield from probe_at(off, move)
        where = (moved.astype(wide) - x0[off].astype(wide)) / step[off].astype(wide)
        sub_x = None if at_x is None else at_x[off]
        probed = look.rows(off)
        misfit, apart = _off_grid_misfit(formula, block[off], sub_x, probed, where, value)
        plain[off[np.any(misfit.reshape(off.size, -1), axis=1)]] = False
        deviation[off] = apart
        # noise allowed for, and f's deviation off the grid that no rounding makes
        result.loud[off] |= result.noisy[off] & (apart > NOISE_SEEN * probed.size)
    rows = np.flatnonzero(~plain)
    # f's noise as the elements verified at the step measure it (their highest
    # difference, normalised as noise would be: smooth there, it is at most that): an
    # offset at x in one element alone, below it, is no evidence of a jump either
    quiet = look.noise[plain]
    plain_noise = float(np.median(quiet)) if quiet.size else 0.0
    coarse, coarse_block, coarse_step = look.rows(rows), block[rows], step[rows]
    before = np.zeros(rows.size, dtype=bool)  # the pair of steps before was asymptotic
    for _ in range(SHRINKS):
        if not rows.size:
            break
        fine_step = representable_step(
            x0[rows], (coarse_step / x0.dtype.type(SHRINK)).astype(x0.dtype)
        ).astype(step.dtype)
        fine_block = yield from evaluate_at(rows, fine_step)
        sub_x = None if at_x is None else at_x[rows]
        fine = _look(formula, fine_block, sub_x, width(fine_step), precision, terms=terms)
        # noise: f's highest difference falls neither as a smooth f's nor stays the
        # same as an offset's, and is small beside f's change over the step (else it is
        # f's own variation at a step too large for it): the bars allow for it (the
        # noise measured, times a margin)
        above = threshold("above noise") * fine.per_value
        falling = fine.top * SHRINK ** (points - 3) <= coarse.top
        # an offset at x, or f(x + h) - f(x - h) the same at both steps, is evidence of
        # a jump only above f's noise as the change of its highest difference measures
        # it (f(x)'s noise, shared by both steps, is an offset at x too), or as the
        # elements verified at the step do
        measured = max(_changing_noise(coarse, fine, shared), plain_noise)
        floors = (
            np.maximum(fine.per_value, math.sqrt(2.0) * measured),
            np.maximum(
                fine.per_value, math.sqrt(math.comb(2 * (points - 1), points - 1)) * measured
            ),
        )
        offset = steady(coarse.top, fine.top, floors[1])
        resolved = threshold("noise resolved") * coarse.noise <= np.abs(coarse.odd)
        noisy = (fine.top > above * 2.0 ** (points - 1)) & ~falling & ~offset & resolved
        if noisy.any():
            measured = threshold("noise margin") * np.maximum(coarse.noise, fine.noise)
            noise_allowed = np.where(noisy, measured, 0.0)
            coarse = _look(
                formula, coarse_block, sub_x, width(coarse_step), precision, noise_allowed, terms
            )
            fine = _look(
                formula, fine_block, sub_x, width(fine_step), precision, noise_allowed, terms
            )
        steps = (coarse_step, fine_step)
        settled, judged = _settled(coarse, fine, steps, order_below, points, noisy, floors)
        # two pairs of steps in a row asymptotic settle it too, the finer estimate kept,
        # though their ratio is that of a higher order than the leading term's (a
        # coefficient that vanishes at x: x**4 at 0)
        asymptotic = np.all(judged.asymptotic.reshape(len(rows), -1), axis=1)
        settled |= per_element(before & asymptotic, settled)
        before = asymptotic
        done = np.all(settled.reshape(len(rows), -1), axis=1)
        # a value verified by two steps is trusted only where f off the finer grid is
        # what the grid says, within its noise where it is noisy (a step a multiple of 4
        # times f's period aliases at both)
        smooth = settled & judged.asymptotic & ~judged.kink & ~judged.jump
        check = np.flatnonzero(done & np.any(smooth.reshape(len(rows), -1), axis=1))
        if check.size:
            toward = formula.side if formula.side else 1
            move = (toward * PROBE_FRACTION * fine_step[check]).astype(x0.dtype)
            value, moved = yield from probe_at(rows[check], move)
            where = moved.astype(wide) - x0[rows[check]].astype(wide)
            where /= fine_step[check].astype(wide)
            check_x = None if sub_x is None else sub_x[check]
            probed = fine.rows(check)
            misfit, apart = _off_grid_misfit(
                formula, fine_block[check], check_x, probed, where, value
            )
            aliased = np.any((misfit & smooth[check]).reshape(check.size, -1), axis=1)
            deviation[rows[check]] = np.maximum(deviation[rows[check]], apart)
            done[check[aliased]] = False
        # noise allowed for, and f's deviation off the grid at some step that no rounding
        # makes (one value off the grid may fall near the smooth part by chance)
        judged.loud |= judged.noisy & (deviation[rows] > NOISE_SEEN * fine.size)
        result.write(rows[done], judged, done)
        rows, coarse, coarse_block, coarse_step, before = (
            rows[~done],
            fine.rows(~done),
            fine_block[~done],
            fine_step[~done],
            before[~done],
        )
    if rows.size:  # never verified: the finest estimate, unverified
        result.grad[rows] = coarse.estimate
        result.error[rows] = coarse.bar
        result.asymptotic[rows] = False
        result.step[rows] = per_element(coarse_step.astype(np.float64), coarse.estimate)
    return result
