"""The verification stage: when the evidence supports an estimate's error bar.

An estimate is CONVERGED only when two estimates agree as the method's order predicts,
within f's measured rounding and noise. Every test here reads values gradwalk has
already evaluated, and works per element (and per output) on whole arrays:

- :func:`shrinks_as_predicted`: distances between successive estimates shrink by the
  step ratio to the power of the method's order (or are at noise level);
- :func:`kink_like` and :func:`steady`: f's own differences say whether f has a
  derivative at all: at a jump, f(x + h) - f(x - h) stays the same as h shrinks; at a
  kink, f's even part f(x + h) + f(x - h) - 2 f(x) shrinks like h, not h²;
- :func:`noise_level`: f's noise, in the spirit of ECnoise (J. J. Moré and S. M. Wild,
  "Estimating computational noise", SIAM J. Sci. Comput. 33 (2011)): high-order
  differences of f along an axis, normalised so that pure noise gives the same level at
  every order, counted only where two orders agree;
- :func:`interpolation`: the weights of f's interpolating polynomial at a point off
  the grid of a method's points, where f's value tells aliasing from a smooth f;
- :func:`verdict`: the status and the widened error bar from that evidence.

The thresholds are in one table, :data:`THRESHOLDS` (printed in docs/precision.md).
The Hessian's ladder and the checkers use the same functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .status_codes import GradientStatus, raise_status

__all__ = [
    "THRESHOLDS",
    "Verdict",
    "default_tolerance",
    "interpolation",
    "kink_like",
    "noise_level",
    "shrinks_as_predicted",
    "steady",
    "threshold_table",
    "verdict",
]

#: Every threshold of the verification stage, by name: (value, what it decides).
THRESHOLDS: dict[str, tuple[float, str]] = {
    "tolerance": (
        1e-4,
        "relative error bar above which an element is not CONVERGED (rounding, noise)",
    ),
    "order band low": (
        0.4,
        "an old/new distance ratio below this times ratio**order is not asymptotic",
    ),
    "order band high": (
        2.5,
        "an old/new distance ratio above this times ratio**(order + 2) is not asymptotic",
    ),
    "at noise": (
        2.0,
        "a distance within this many times the noise of its two estimates says nothing more",
    ),
    "agreement": (
        1e-3,
        "two orders on the same points agree (asymptotic without a second step) within "
        "this relative distance",
    ),
    "margin": (2.0, "the error bar of a fixed stencil: this many times the distance"),
    "richardson margin": (
        2.0,
        "Richardson's error bar: this many times its own estimate (distance to the "
        "previous extrapolant plus rounding)",
    ),
    "kink low": (1.6, "f's even part shrinking by a factor from here ..."),
    "kink high": (2.6, "... to here per halving of the step: a kink (smooth f: 4 or 16)"),
    "steady low": (0.8, "f(x + h) - f(x - h) changing by a factor from here ..."),
    "steady high": (1.25, "... to here per halving of the step: a jump (smooth f: 2)"),
    "above noise": (
        16.0,
        "a difference of f counts as evidence of a kink or jump only above this many "
        "times its rounding",
    ),
    "noise orders": (
        4.0,
        "two orders of f's differences estimate its noise alike within this factor",
    ),
    "noisy": (4.0, "f is noisy where its measured noise is this many times its rounding"),
    "noise seen": (
        1e-8,
        "noise in f above this share of f's magnitude (about the square root of eps) is no "
        "rounding in its arithmetic: noise, or an oscillation faster than the steps tried, "
        "whose derivative no bar covers (NOISY however small its bar; a fixed stencil "
        "tries a second step)",
    ),
    "noise margin": (
        5.0,
        "the noise allowed for in an error bar, in units of the noise measured (one "
        "estimate from a few values is itself uncertain)",
    ),
    "rough": (
        0.1,
        "a fixed stencil's highest difference of f above this share of those of the two "
        "orders below (noise makes them grow): the stencil is evaluated at a smaller step",
    ),
    "trend": (
        10.0,
        "... or, one-sided, falling this many times slower than the trend of those two (an "
        "offset at x: a kink or jump just beside it)",
    ),
    "beside": (
        1e-2,
        "the agreement of two orders is relative to the element, or to this share of the "
        "largest element where the element is small beside it",
    ),
    "off grid": (
        4.0,
        "f at one more point, 1/√2 of a fixed stencil's step from x, agrees with the "
        "polynomial through the stencil's values within this many times the error the "
        "trend of f's differences predicts, plus f's rounding (else aliased: smaller steps)",
    ),
    "probe": (
        64.0,
        "Richardson: noise measured in f, or f's deviation off its grid, this many "
        "times f's rounding or more may be f varying on a scale below "
        "the steps tried: f is evaluated at three small steps, h, 2h and 4h, to tell",
    ),
    "probe smooth": (
        1e-3,
        "... f is smooth at those steps where its central differences and even parts there "
        "change as a smooth f's do within this share of the noise measured, plus its "
        "rounding; and then their extrapolant disagreeing with the value: STEP_TOO_LARGE",
    ),
    "shrink": (4.0, "a fixed stencil's smaller steps: its step divided by this ..."),
    "shrinks": (4.0, "... at most this many times, before its value is called unverified"),
    "confirming": (
        3.0,
        "Richardson: this many levels in a row after the best one that agree confirm it "
        "where the levels beside it did not",
    ),
    "grid bits": (
        5.0,
        "f's values lie on a grid (float32 inside f) where all their differences share this "
        "many zero bits beyond float64's",
    ),
    "noise resolved": (
        1e3,
        "before a ladder has been asymptotic, noise counts only this many times below "
        "the change of f over the coarsest of the steps it is measured on",
    ),
}


def threshold_table() -> str:
    """The docs' table of the verification stage's thresholds (docs/precision.md), from
    :data:`THRESHOLDS`.

    >>> threshold_table().splitlines()[2].split(" | ")[:2]
    ['| `tolerance`', '1e-04']
    """
    rows = ["| threshold | value | what it decides |", "|---|---|---|"]
    for name, (value, meaning) in THRESHOLDS.items():
        rows.append(
            f"| `{name}` | {value:.0e} | {meaning} |"
            if value < 0.1
            else f"| `{name}` | {value:g} | {meaning} |"
        )
    return "\n".join(rows)


def threshold(name: str) -> float:
    """The value of one threshold of :data:`THRESHOLDS`.

    >>> threshold("tolerance")
    0.0001
    """
    return THRESHOLDS[name][0]


def shrinks_as_predicted(
    older: Any,
    newer: Any,
    noise_older: Any,
    noise_newer: Any,
    *,
    ratio: float,
    order: int,
) -> NDArray[np.bool_]:
    """Whether distances between successive estimates shrink as the method's order says.

    ``older`` and ``newer`` are distances |E(h·ratio) - E(h·ratio²)| and |E(h) -
    E(h·ratio)| between estimates E of a formula whose error is a series starting at
    ``order`` in the step, in steps of ``order`` + 0, 2, ... where the next term takes
    over (central differences: 2, 4, ...; one-sided: 1, 2, ...: pass ``order`` and the
    band admits up to ``order + 2``). In the asymptotic range ``older / newer`` is
    ``ratio**order`` (``ratio**(order + 2)`` where that term vanishes at x); the band
    is ``[0.4·ratio**order, 2.5·ratio**(order + 2)]``. A ``newer`` distance within
    2 × the noise of its estimates (``noise_older + noise_newer``) says nothing more can
    be learned, and counts as asymptotic.

    Examples
    --------
    >>> h = 0.1 / 2.0 ** np.arange(3)
    >>> d = (np.sin(1 + h) - np.sin(1 - h)) / (2 * h)
    >>> bool(shrinks_as_predicted(abs(d[1] - d[0]), abs(d[2] - d[1]), 0, 0, ratio=2, order=2))
    True
    >>> bool(shrinks_as_predicted(1.0, 2.0, 0, 0, ratio=2, order=2))  # growing: a jump
    False
    """
    older, newer = np.abs(np.asarray(older)), np.abs(np.asarray(newer))
    at_noise: NDArray[np.bool_] = newer <= threshold("at noise") * (
        np.asarray(noise_older) + np.asarray(noise_newer)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = older / newer
    low = threshold("order band low") * ratio**order
    high = threshold("order band high") * ratio ** (order + 2)
    result: NDArray[np.bool_] = at_noise | ((quotient >= low) & (quotient <= high))
    return result


def _band(older: Any, newer: Any, noise: Any, low: str, high: str) -> NDArray[np.bool_]:
    """Both differences well above ``noise`` and ``older / newer`` within the band."""
    older, newer = np.asarray(older), np.asarray(newer)
    floor = threshold("above noise") * np.asarray(noise)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = older / newer
    result: NDArray[np.bool_] = (
        (np.abs(older) > floor)
        & (np.abs(newer) > floor)
        & (quotient >= threshold(low))
        & (quotient <= threshold(high))
    )
    return result


def kink_like(older: Any, newer: Any, noise: Any) -> NDArray[np.bool_]:
    """Whether f's even part shrinks like h: a kink within the step.

    ``older`` and ``newer`` are successive differences of S(h) = f(x + h) + f(x - h)
    between steps that halve (S(2h) - S(h), S(h) - S(h/2)); ``noise`` the rounding of
    one of them. For a smooth f they shrink by 4 (by 16 where f'' vanishes); where the
    step straddles a kink, S(h) - 2 f(x) is |f'_+ - f'_-|·h, and they shrink by 2.

    >>> h = 0.1 / 2.0 ** np.arange(3)
    >>> relu = lambda t: np.maximum(t - 1e-9, 0.0)
    >>> even = relu(h) + relu(-h)
    >>> bool(kink_like(even[0] - even[1], even[1] - even[2], 1e-16))
    True
    """
    return _band(older, newer, noise, "kink low", "kink high")


def steady(older: Any, newer: Any, noise: Any) -> NDArray[np.bool_]:
    """Whether f(x + h) - f(x - h) stays the same as h halves: a jump within the step.

    ``older`` and ``newer`` are that difference at successive steps, ``noise`` its
    rounding. For a smooth f it halves with h.

    >>> step = lambda t: np.where(t >= 0, 1.0, 0.0)
    >>> bool(steady(step(0.1) - step(-0.1), step(0.05) - step(-0.05), 1e-16))
    True
    """
    return _band(older, newer, noise, "steady low", "steady high")


def _difference_weights(offsets: tuple[float, ...]) -> NDArray[np.float64]:
    """The weights c_i of the divided difference of f on ``offsets`` (of order len - 1),
    normalised to unit length: ``sum c_i f(t_i)`` is then, for pure noise of standard
    deviation s, of standard deviation s, and it vanishes on every polynomial of degree
    below len - 1."""
    t = np.asarray(offsets, dtype=np.float64)
    weights = np.array(
        [1.0 / math.prod(t[i] - t[j] for j in range(t.size) if j != i) for i in range(t.size)]
    )
    normalised: NDArray[np.float64] = weights / math.sqrt(float(np.sum(weights**2)))
    return normalised


def noise_level(values: NDArray[Any], offsets: tuple[float, ...]) -> NDArray[np.float64]:
    """f's noise at each element, from its values at ``offsets`` along the element's axis.

    ``values`` has one row per offset (and one column per element, any trailing axes
    for a vector-valued f). The divided differences of the highest order (all the
    points) and of the next order (the points without the first, and without the
    last; their mean), normalised so that noise of standard deviation s gives s at
    every order (for equally spaced points, ECnoise's ``sqrt(gamma_k) |Δ^k f|``), are
    the noise where they agree within :data:`THRESHOLDS` "noise orders"; a smooth f's
    differences fall with the order instead, and give 0 here.

    Examples
    --------
    >>> t = (-4.0, -2.0, -1.0, 1.0, 2.0, 4.0)
    >>> smooth = np.sin(1 + 1e-3 * np.array(t))[:, None]
    >>> float(noise_level(smooth, t)[0])
    0.0
    >>> noisy = smooth + 1e-9 * np.random.default_rng(2).standard_normal((6, 1))
    >>> bool(1e-10 < noise_level(noisy, t)[0] < 1e-8)
    True
    """
    values = np.asarray(values, dtype=np.float64)
    top = np.abs(np.tensordot(_difference_weights(offsets), values, axes=(0, 0)))
    below = 0.5 * (
        np.abs(np.tensordot(_difference_weights(offsets[1:]), values[1:], axes=(0, 0)))
        + np.abs(np.tensordot(_difference_weights(offsets[:-1]), values[:-1], axes=(0, 0)))
    )
    factor = threshold("noise orders")
    agree = (top > 0) & (below <= factor * top) & (top <= factor * below)
    level: NDArray[np.float64] = np.where(agree, np.maximum(top, below), 0.0)
    return level


def interpolation(nodes: Any, where: Any) -> NDArray[np.float64]:
    """The weights of the values at ``nodes`` in their interpolating polynomial (Lagrange's
    basis) at each point of ``where``: one row per point, one column per node.

    On a grid of step h, f = sin(ω x) with ω h near a multiple of 2π is a slow sine: a
    method's values, its estimates and their differences are those of a smooth f, and
    agree with themselves (aliased). f's value at a point off the grid, set against
    this polynomial, shows it.

    >>> interpolation([-1.0, 0.0, 1.0], [0.5]) @ np.array([1.0, 0.0, 1.0])  # t**2 at 0.5
    array([0.25])
    """
    t = np.asarray(where, dtype=np.float64).reshape(-1)
    points = np.asarray(nodes, dtype=np.float64)
    basis = np.ones((t.size, points.size))
    for j, node in enumerate(points):
        for k, other in enumerate(points):
            if k != j:
                basis[:, j] *= (t - other) / (node - other)
    return basis


def default_tolerance(grad: NDArray[Any], dtype: np.dtype[Any], floor: float = 1.0) -> NDArray[Any]:
    """The bar above which an element is not CONVERGED, where the caller asked for no
    tolerance: :data:`THRESHOLDS` "tolerance" (at least eps**(1/3) of x's dtype: what a
    central difference reaches in float32) times the element, plus ``floor`` times
    eps**(1/3) times the largest finite element (an element far below the others is
    resolved well enough once its error is small beside them).

    >>> default_tolerance(np.array([2.0, 0.0]), np.dtype(np.float64)).round(8).tolist()
    [0.00021211, 1.211e-05]
    """
    magnitude = np.abs(np.asarray(grad, dtype=np.float64))
    finite = magnitude[np.isfinite(magnitude)]
    largest = float(finite.max()) if finite.size else 0.0
    fraction = float(np.finfo(dtype).eps) ** (1 / 3)
    relative = max(threshold("tolerance"), fraction)
    result: NDArray[Any] = relative * magnitude + floor * fraction * largest
    return result


@dataclass(frozen=True)
class Verdict:
    """What the evidence says of each element: its status and its error bar."""

    status: NDArray[np.int8]
    error: NDArray[np.float64]


def verdict(
    estimate: NDArray[np.floating],
    error: NDArray[np.floating],
    *,
    asymptotic: Any = True,
    noisy: Any = False,
    loud: Any = False,
    kink: Any = False,
    slope_jump: Any = 0.0,
    jump: Any = False,
    tolerance: Any = None,
    status: NDArray[np.int8] | None = None,
    limited_part: Any = None,
) -> Verdict:
    """The status and error bar of each element from the evidence about it.

    ``error`` is the bar from the method's own estimates (a distance between two of
    them, with f's rounding and measured noise, amplified by the formula); ``noisy``
    marks where f's measured noise, not its rounding, dominates that bar, ``loud`` where
    that noise is also above :data:`THRESHOLDS` "noise seen" of |f| (no rounding: noise,
    or an oscillation faster than the step, whose derivative the bar cannot cover). At a ``kink``
    the bar is widened by the ``slope_jump`` between the one-sided slopes (the value is
    then their mean, and the derivative either one). In order of precedence:

    - a ``jump`` (f's difference stays the same as the step shrinks): NONSMOOTH, bar inf;
    - a ``kink``: NONSMOOTH, bar covering both one-sided slopes;
    - not ``asymptotic`` (the estimates never agreed as the order predicts):
      STEP_TOO_LARGE, bar inf;
    - a bar above ``tolerance`` (per element; default :data:`THRESHOLDS` "tolerance"
      relative) (or, where given, the ``limited_part`` of the bar that f's rounding and
      noise make, the rest being a verified truncation error): NOISY where ``noisy``,
      else ROUNDING_LIMITED; and NOISY where ``loud``, whatever the bar;
    - else the ``status`` given (CONVERGED by default), raised by the above.

    Examples
    --------
    >>> v = verdict(np.array([2.0, 5.0]), np.array([1e-12, 1e-12]),
    ...             asymptotic=np.array([True, False]))
    >>> [GradientStatus(s).name for s in v.status], v.error.tolist()
    (['CONVERGED', 'STEP_TOO_LARGE'], [1e-12, inf])
    """
    estimate = np.asarray(estimate, dtype=np.float64)
    shape = estimate.shape
    codes = np.zeros(shape, dtype=np.int8) if status is None else status.copy()
    kink = np.broadcast_to(np.asarray(kink, dtype=bool), shape)
    jump = np.broadcast_to(np.asarray(jump, dtype=bool), shape)
    bar = np.asarray(error, dtype=np.float64)
    bar = np.where(kink, bar + np.abs(slope_jump), bar)
    if tolerance is None:
        tolerance = threshold("tolerance") * np.abs(estimate)
    short = ~(bar <= tolerance)
    if limited_part is not None:
        short &= ~(np.asarray(limited_part) <= tolerance)
    noisy = (short & np.asarray(noisy, dtype=bool)) | np.asarray(loud, dtype=bool)
    flat = codes.reshape(-1)
    raise_status(flat, (short & ~noisy).reshape(-1), GradientStatus.ROUNDING_LIMITED)
    raise_status(flat, noisy.reshape(-1), GradientStatus.NOISY)
    unverified = ~np.broadcast_to(np.asarray(asymptotic, dtype=bool), shape)
    raise_status(flat, unverified.reshape(-1), GradientStatus.STEP_TOO_LARGE)
    raise_status(flat, (kink | jump).reshape(-1), GradientStatus.NONSMOOTH)
    bar = np.where(unverified | jump, np.inf, bar)
    return Verdict(codes, bar)
