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
bar), and the elements whose complex step disagrees with them are NON_ANALYTIC: their
value and bar are the real differences', and a warning names the operations that do
this. A mismatch that no element confirms (a step too large for an f varying faster)
costs those evaluations and changes nothing.
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

__all__ = ["directional_move", "disagrees", "non_analytic", "warn_non_analytic"]

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
    depending on its own element) is compared element by element."""
    value = np.asarray(f_moved, dtype=np.complex128)
    moved = np.real(value).astype(np.float64)
    at_x = np.real(np.asarray(f_at_x, dtype=np.complex128)).astype(np.float64)
    outside = np.any(np.imag(value) != 0)  # a real point, a complex value: log(-1)
    if outside or not (np.all(np.isfinite(moved)) and np.all(np.isfinite(at_x))):
        return False  # x + t d leaves f's domain: no check to be had
    terms = per_element(move.astype(np.float64), grad) * grad
    projected, allowed = terms, threshold("agreement") * np.abs(terms)
    if not elementwise:  # f(x) depends on every element: the projection sums them
        projected, allowed = np.sum(terms, axis=0), np.sum(allowed, axis=0)
    eps = float(np.finfo(np.float64).eps)
    allowed = allowed + 4 * ROUNDING_ULPS * eps * np.maximum(np.abs(moved), np.abs(at_x))
    with np.errstate(invalid="ignore"):
        return bool(np.any(np.abs((moved - at_x) - projected) > allowed))


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
