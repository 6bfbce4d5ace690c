"""The complex step's cross-check: one real directional difference against the
complex-step derivative's projection, which catches an f that is not analytic.

The complex step reads f'(x) from Im f(x + ih) / h, which is right only where f carries
the imaginary part through analytically. An f that drops it (abs of a complex number,
np.conj, .real, comparisons on x.real) keeps an imaginary part that is wrong, not
missing: x * abs(x) at x + ih gives ih|x|, half the derivative 2|x|. Per call, f is
evaluated once more, at x moved by t·d along a random direction d (t = sqrt(eps)·max(1,
|x|) per element, random signs and sizes): (f(x + t d) - f(x)) must agree with the
complex step's projection t d · f'(x) to the first order. Where it does not, every
element is differenced for real (central differences at two steps, with their error
bar). Those steps, like t, scale with max(1, |x|), and an f varying on a smaller scale
(sin at x = 1e6, whose period is ≪ the step) defeats them: their disagreement with the
complex step proves nothing until it is verified. So the elements whose complex step
disagrees with them are differenced again at a much smaller step σ
(:func:`small_step`): where that agrees with the complex step and not with the larger
step, the larger step was not asymptotic and the complex step stands
(:func:`complex_stands`; its bar then covers the distance to the smaller step's
value); where it disagrees with the complex step, once more at 4σ, and only where the
two agree and change with the step as a smooth f's differences do
(:func:`confirmed_non_analytic`) is the element NON_ANALYTIC: the value and bar are
the real differences' at σ, and a warning names the operations that do this. Anything
else is STEP_TOO_LARGE: the complex step's value (exact for an analytic f), a bar of
inf, and a warning that the real differences could not be verified at this scale. A
mismatch that no element confirms costs those evaluations and changes nothing.

An f large against its change along d (a large constant part: x·|x| + 1e10) hides
that change in its rounding, and with it any disagreement. Where f's rounding exceeds
1e-2 of the projection, :func:`widening` finds the factor that makes it 1e-3 of it,
and f is differenced centrally over that wider move (two evaluations, judged by
:func:`disagrees`). Where no move up to 1e-2·max(1, |x|) suffices, the wider move
disagrees, or it leaves f's domain, the analyticity could not be checked
(:func:`warn_unchecked`): the complex step's values, a bar of inf, ROUNDING_LIMITED.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.warnings import PrecisionWarning, issue_warning

from .inputs import names, scale
from .points import any_per_element, per_element
from .rounding import ROUNDING_ULPS
from .verify import threshold

__all__ = [
    "UNCHECKED_BECAUSE",
    "complex_stands",
    "confirmed_non_analytic",
    "directional_move",
    "disagrees",
    "non_analytic",
    "small_step",
    "warn_non_analytic",
    "warn_unchecked",
    "warn_unverified",
    "widening",
    "within_domain",
]

#: The seed of the random direction (fixed: the same x gets the same check).
_SEED = 20250


def directional_move(snapshot: NDArray[Any]) -> NDArray[Any]:
    """t·d: a move of every element at once by sqrt(eps)·max(1, |x|), times a random
    sign and a random size in [0.5, 1.5] (real, in x's real dtype)."""
    real = np.real(snapshot)
    rng = np.random.default_rng(_SEED)
    sizes = rng.uniform(0.5, 1.5, real.shape) * rng.choice([-1.0, 1.0], real.shape)
    eps = float(np.finfo(real.dtype).eps)
    move: NDArray[Any] = (np.sqrt(eps) * sizes * scale(real)).astype(real.dtype)
    return move


#: The check decides only where f's rounding is below this share of the projection.
_DECISIVE = 1e-2
#: A widened move makes f's rounding this share of the projection ...
_RESOLVED = 1e-3
#: ... up to this much of max(1, |x|) per element (its truncation stays far below
#: "agreement" for an f that curves on the scale of x).
_WIDEST = 1e-2


def within_domain(*values: NDArray[Any]) -> bool:
    """Whether f's ``values`` at real points are real and finite (not log(-1), not inf):
    the points are within f's domain, and their difference can check the complex step."""
    for value in values:
        value = np.asarray(value, dtype=np.complex128)
        if np.any(np.imag(value) != 0) or not np.all(np.isfinite(value)):
            return False
    return True


def _compared(
    grad: NDArray[Any],
    move: NDArray[Any],
    f_moved: NDArray[Any],
    f_at_x: NDArray[Any],
    elementwise: bool,
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any], NDArray[Any]] | None:
    """f's change over ``move``, the complex step's projection on it, the first order's
    allowance ("agreement" of the projection's terms) and f's rounding over the change;
    None where x + ``move`` leaves f's domain (see :func:`disagrees`)."""
    if not within_domain(f_moved, f_at_x):
        return None  # x + t d leaves f's domain: no check to be had
    moved = np.real(np.asarray(f_moved, dtype=np.complex128)).astype(np.float64)
    at_x = np.real(np.asarray(f_at_x, dtype=np.complex128)).astype(np.float64)
    terms = per_element(move.astype(np.float64), grad) * grad
    projected, allowed = terms, threshold("agreement") * np.abs(terms)
    if not elementwise:  # f(x) depends on every element: the projection sums them
        projected, allowed = np.sum(terms, axis=0), np.sum(allowed, axis=0)
    eps = float(np.finfo(np.float64).eps)
    rounding = 4 * ROUNDING_ULPS * eps * np.maximum(np.abs(moved), np.abs(at_x))
    return moved - at_x, projected, allowed, rounding


def disagrees(
    grad: NDArray[Any],
    move: NDArray[Any],
    f_moved: NDArray[Any],
    f_at_x: NDArray[Any],
    elementwise: bool = False,
) -> bool:
    """Whether f's change over ``move`` (flat, one entry per element) disagrees with
    the complex-step derivative ``grad`` (one row per element, trailing axes of a
    vector-valued f) projected on it, beyond what the first order and f's rounding
    allow: :data:`~gradwalk._engine.verify.THRESHOLDS` "agreement" of the projection's
    terms, plus f's rounding. An ``elementwise`` f (one value per element, each
    depending on its own element) is compared element by element. ``f_at_x`` may be f
    at x - ``move``/2 and ``f_moved`` f at x + ``move``/2: a central difference."""
    compared = _compared(grad, move, f_moved, f_at_x, elementwise)
    if compared is None:
        return False
    change, projected, allowed, rounding = compared
    with np.errstate(invalid="ignore"):
        return bool(np.any(np.abs(change - projected) > allowed + rounding))


def widening(
    grad: NDArray[Any],
    move: NDArray[Any],
    f_moved: NDArray[Any],
    f_at_x: NDArray[Any],
    x0: NDArray[Any],
    elementwise: bool = False,
) -> float:
    """The factor by which ``move`` (at ``x0``) must grow for :func:`disagrees` to decide: 1 where
    f's rounding is at most 1e-2 of the projection already (or the projection is 0, or
    x + ``move`` leaves f's domain), else the factor that makes it 1e-3 of it (f large
    against its change: x·|x| + 1e10, whose rounding swamps the half of the projection
    by which the complex step is wrong), inf where that would move an element by more
    than 1e-2·max(1, |x|): then nothing can check f's analyticity."""
    compared = _compared(grad, move, f_moved, f_at_x, elementwise)
    if compared is None:
        return 1.0
    _, projected, _, rounding = compared
    size = np.abs(projected)
    undecided = (rounding > _DECISIVE * size) & (size > 0)
    if not undecided.any():
        return 1.0
    factor = float(np.max(rounding[undecided] / (_RESOLVED * size[undecided])))
    moves = np.abs(np.ravel(move).astype(np.float64))
    widest = _WIDEST * float(np.min(np.ravel(scale(np.real(x0))) / np.maximum(moves, 1e-300)))
    return factor if factor <= widest else float("inf")


def non_analytic(
    grad: NDArray[Any], slope: NDArray[Any], slope_error: NDArray[Any]
) -> NDArray[np.bool_]:
    """The entries whose complex-step ``grad`` disagrees with real central differences
    ``slope`` beyond their ``slope_error`` and "agreement" of the slope (f's change
    along the random direction has already disagreed with the complex step)."""
    allowed = slope_error + threshold("agreement") * np.abs(slope)
    with np.errstate(invalid="ignore"):
        result: NDArray[np.bool_] = np.abs(grad - slope) > allowed
    return result


def small_step(x0: NDArray[np.floating]) -> NDArray[np.floating]:
    """The step of the verifying central differences: eps**(2/3)·max(1, |x|), the "auto"
    step times eps**(1/3) (6e-6 in float64), so that an f varying on a scale between
    the two shows it; at least 64 ulps of x, so that x ± the step stays distinct from
    x and its move is exact to a 64th."""
    real = np.real(x0)
    eps = float(np.finfo(real.dtype).eps)
    magnitude = np.abs(real).astype(real.dtype)
    step = np.maximum(eps ** (2 / 3) * scale(real), 64 * eps * magnitude)
    result: NDArray[np.floating] = step.astype(real.dtype)
    return result


def complex_stands(
    grad: NDArray[Any],
    slope: NDArray[Any],
    slope_error: NDArray[Any],
    fine: NDArray[Any],
    fine_error: NDArray[Any],
) -> NDArray[np.bool_]:
    """Whether the complex-step ``grad``, which disagreed with real central differences
    ``slope`` ± ``slope_error``, stands: central differences at the small step, ``fine``
    ± ``fine_error``, agree with it and not with ``slope`` (whose step was too large
    for f)."""
    with np.errstate(invalid="ignore"):
        finite = np.isfinite(fine) & np.isfinite(fine_error)
    off_slope = non_analytic(slope, fine, fine_error + slope_error)
    result: NDArray[np.bool_] = ~non_analytic(grad, fine, fine_error) & off_slope & finite
    return result


def confirmed_non_analytic(
    grad: NDArray[Any],
    fine: tuple[NDArray[Any], NDArray[Any], NDArray[Any]],
    coarse: tuple[NDArray[Any], NDArray[Any], NDArray[Any]],
) -> NDArray[np.bool_]:
    """Whether real central differences confirm that the complex-step ``grad`` is not
    f's derivative: ``fine`` is (slope at σ, slope at 2σ, error bar of the first) from
    the small step σ, ``coarse`` the same from 4σ. They must be asymptotic (the change
    from 4σ to 8σ is 16 times the change from σ to 2σ, as a smooth f's O(h²) error
    makes it, within half of itself and f's rounding: an f varying faster than σ
    aliases into values that do not scale so), agree with each other within their bars,
    and disagree with ``grad`` beyond the bar and their distance."""
    slope, wider, bar = fine
    slope_4, wider_4, bar_4 = coarse
    with np.errstate(invalid="ignore"):
        change, change_4 = wider - slope, wider_4 - slope_4
        rounding = np.maximum(bar - 4 / 3 * np.abs(change), 0)
        rounding_4 = np.maximum(bar_4 - 4 / 3 * np.abs(change_4), 0)
        allowed = 0.5 * np.abs(change_4) + 32 * rounding + 2 * rounding_4
        smooth = np.abs(change_4 - 16 * change) <= allowed
        finite = np.isfinite(slope) & np.isfinite(bar) & np.isfinite(slope_4) & np.isfinite(bar_4)
        distance = np.abs(slope - slope_4)
    agree = ~non_analytic(slope, slope_4, bar + bar_4)
    off = non_analytic(grad, slope, bar + distance)
    result: NDArray[np.bool_] = smooth & agree & off & finite
    return result


def warn_unverified(
    unverified: NDArray[np.bool_],
    grad: NDArray[Any],
    slope: NDArray[Any],
    shape: tuple[int, ...],
) -> None:
    """The warning for the elements whose complex step disagreed with real differences
    that smaller steps could not verify: no blame on f's operations, the value kept."""
    elements = np.flatnonzero(any_per_element(unverified))
    first = int(elements[0])
    issue_warning(
        f"method='complex': the complex step's value at {names(shape, elements)} "
        f"({float(np.ravel(grad[first])[0]):.6g}) could not be verified: real differences "
        f"give {float(np.ravel(slope[first])[0]):.6g} at the usual step, and at much "
        "smaller steps they are not asymptotic or too imprecise to tell: f varies on a "
        "scale below the real differences' steps there, and they cannot show whether f "
        "is analytic. The complex step's value (exact for an analytic f) is kept, with an "
        "error bar of inf (STEP_TOO_LARGE). Check it with method='richardson', which "
        "follows f down to smaller steps.",
        PrecisionWarning,
    )


#: Why :func:`warn_unchecked` could not check the complex step at a wider move.
UNCHECKED_BECAUSE = {
    "unresolved": "no move up to 1e-2·max(1, |x|) resolves it",
    "outside": "f is not real and finite at a move wide enough to resolve it",
    "disagreed": "at a move {factor:.3g} times wider, f's change disagrees with the complex "
    "step: f may not be analytic (np.abs or abs of a complex number, np.conj, .real, "
    "comparisons on x), or it curves over that move",
}


def warn_unchecked(factor: float, shape: tuple[int, ...], because: str) -> None:
    """The warning for a complex step whose analyticity f's rounding hid: f's change
    along the random direction was lost in f's rounding at the usual move, and a move
    ``factor`` times wider could not settle it, for the reason named ``because`` (a key
    of :data:`UNCHECKED_BECAUSE`)."""
    elements = np.arange(int(np.prod(shape)))
    issue_warning(
        f"method='complex': the complex step's values at {names(shape, elements)} could "
        "not be checked: f is large against its change along a random direction (a "
        "large constant part?), whose difference is lost in f's rounding at the usual "
        f"move; {UNCHECKED_BECAUSE[because].format(factor=factor)}. Whether f is analytic "
        "is not known: the values are kept, with an error bar of inf (ROUNDING_LIMITED). "
        "Subtract f's constant part, or check them with method='richardson'.",
        PrecisionWarning,
    )


def warn_non_analytic(
    flagged: NDArray[np.bool_],
    grad: NDArray[Any],
    complex_grad: NDArray[Any],
    shape: tuple[int, ...],
) -> None:
    """The warning for the NON_ANALYTIC elements: what the complex step gave, what real
    differences give, and which operations make f non-analytic."""
    elements = np.flatnonzero(any_per_element(flagged))
    first = int(elements[0])
    issue_warning(
        f"method='complex': f is not analytic at {names(shape, elements)}: the complex "
        f"step gave {float(np.ravel(complex_grad[first])[0]):.6g} where real differences "
        f"give {float(np.ravel(grad[first])[0]):.6g}. f bends the imaginary part of "
        "x + ih somewhere (np.abs or abs of a complex number, np.conj, .real, np.maximum, "
        "comparisons or np.where on x): those elements were computed by central "
        "differences instead (value and error bar from them). Write f with operations "
        "that carry complex numbers (x**2 instead of x*abs(x) where x is real), or use "
        "method='richardson'.",
        PrecisionWarning,
    )
