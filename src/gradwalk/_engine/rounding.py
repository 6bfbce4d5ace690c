"""f's rounding: the precision f computes in, read from its values, and when the
uncertainty it leaves in an element is worth reporting."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .verify import threshold

#: Index used in :class:`Points` for "evaluate f at x itself, unperturbed".

#: Rounding error of one value of f, in units of eps·|f| (f's own arithmetic included).
ROUNDING_ULPS = 8.0


def resolution(dtype: np.dtype[Any]) -> float:
    """The fraction of the largest gradient element below which rounding goes unreported.

    ``eps**(1/3)`` of x's dtype: the relative accuracy of a central difference at its
    best step. An element whose rounding leaves an uncertainty below that fraction of
    the largest element is as good as the method gets anywhere.
    """
    fraction: float = float(np.finfo(dtype).eps) ** (1 / 3)
    return fraction


#: The relative tolerance on an element's own gradient above which the uncertainty that
#: f's rounding leaves in it is reported (at least :func:`resolution` of x's dtype):
#: 1e-4, four digits, which a float64 f at the book's step keeps unless |f| is about
#: 1e6 times the element's contribution.
ROUNDING_TOLERANCE = 1e-4

#: The floor of that test relative to the largest element, in units of
#: :func:`resolution`: an uncertainty below 10·eps**(1/3) (6e-5 in float64) of the
#: largest element is noise only in an element that does not matter beside it (an
#: element at a minimum, 0 beside 2e4).
ROUNDING_FLOOR = 10.0


def rounding_limited(uncertainty: Any, grad: Any, largest: float, dtype: np.dtype[Any]) -> Any:
    """Whether an uncertainty left by f's rounding is worth reporting, per element.

    It is where ``uncertainty`` (f's rounding over the step, times the stencil's
    amplification) exceeds both ``max(ROUNDING_TOLERANCE, resolution(dtype))`` times
    the element's own |grad| and ``ROUNDING_FLOOR·resolution(dtype)`` times the
    ``largest`` element: a
    tolerance relative to the element, with a floor relative to the whole gradient, so
    that an element only tiny beside the others (0 beside 2e4) is not called noise.
    Works on arrays and on Python floats alike.

    >>> bool(rounding_limited(0.12, 1.47, 15.9, np.dtype(np.float64)))  # float32 inside f
    True
    >>> bool(rounding_limited(4e-10, 6.0, 8.0, np.dtype(np.float64)))  # the book's f
    False
    """
    fraction = resolution(dtype)
    tolerance = max(ROUNDING_TOLERANCE, fraction)
    return uncertainty > np.maximum(tolerance * abs(grad), rounding_floor(largest, dtype))


def rounding_floor(largest: float, dtype: np.dtype[Any]) -> float:
    """The uncertainty at or below which :func:`rounding_limited` reports no element,
    whatever its gradient: ``ROUNDING_FLOOR·resolution(dtype)`` times the ``largest``.

    >>> rounding_floor(8.0, np.dtype(np.float64)) < 1e-3
    True
    """
    return ROUNDING_FLOOR * resolution(dtype) * largest


def near_stationary(grad: NDArray[np.floating], x0: NDArray[np.floating], f_size: float) -> bool:
    """Whether x is near a stationary point, where rounding goes unreported.

    There f barely changes over the scale of x: ``max |grad_i|·max(1, |x_i|)`` is below
    :func:`resolution` times |f|. Every element is then small beside f, and some are
    always at rounding level; that is the nature of a minimum, not a fault.

    Examples
    --------
    >>> near_stationary(np.array([1e-9, 2.0]), np.array([0.5, 1.0]), 1.0)
    False
    >>> near_stationary(np.array([1e-9, 1e-8]), np.array([0.5, 1.0]), 1.0)
    True
    """
    magnitude = np.abs(grad.astype(np.float64)) * np.maximum(1.0, np.abs(x0.astype(np.float64)))
    magnitude = magnitude[np.isfinite(magnitude)]
    largest = float(magnitude.max()) if magnitude.size else 0.0
    return bool(largest <= resolution(x0.dtype) * f_size)


#: Where a probe of f's precision is taken, as a fraction of a step: an irrational
#: fraction, so that f's value there is not a short binary fraction.
PROBE_FRACTION = 0.7071067811865476


def short_fraction(values: NDArray[Any]) -> NDArray[np.bool_]:
    """Whether each value is exactly representable in float32 (a short binary fraction).

    >>> short_fraction(np.array([4.0625, 0.1])).tolist()
    [True, False]
    """
    real = np.real(values)
    with np.errstate(all="ignore"):
        short: NDArray[np.bool_] = real.astype(np.float32).astype(real.dtype) == real
    return short


#: Precisions f may compute in, narrowest first, for :func:`value_precision`.
_PRECISIONS = (np.float16, np.float32)

#: How many values at the start :func:`value_precision` reads before all of them.
_HEAD = 16

#: Fewest nonzero values from which :func:`value_precision` infers a narrower precision.
PRECISION_SAMPLE = 3


def value_precision(
    values: NDArray[Any], dtype: np.dtype[Any], least: int = PRECISION_SAMPLE
) -> float:
    """The machine epsilon of the precision f evidently computes in.

    f computing internally in float32 (or float16) returns values that are exactly
    representable in that type, even when x and the result are float64. If at least
    ``least`` (:data:`PRECISION_SAMPLE`) finite nonzero ``values`` are all exact in a narrower type
    than ``dtype``, that type's eps is returned; otherwise ``dtype``'s. The values should
    include one at a generic point: at a dyadic x with a dyadic step a polynomial's
    values are short binary fractions, exact in float32 by chance. Values that are all
    integers (f counts something) say nothing about precision.

    Examples
    --------
    >>> x = np.array([1.1, 2.3, 0.7, 1.9])
    >>> value_precision(np.float64(x.astype(np.float32) ** 2), np.dtype(np.float64))
    1.1920928955078125e-07
    >>> value_precision(x**2, np.dtype(np.float64))
    2.220446049250313e-16
    """
    eps = float(np.finfo(dtype).eps)
    narrower = [narrow for narrow in _PRECISIONS if float(np.finfo(narrow).eps) > eps]
    if not narrower:
        return eps
    real = np.real(np.asarray(values)).ravel()
    # A few values at the start that are not exact in the widest narrower type settle it
    # without a pass over them all (the common case: f computes in x's precision).
    head = real[:_HEAD]
    head = head[np.isfinite(head) & (head != 0)]
    with np.errstate(all="ignore"):
        if head.size >= least and np.any(head.astype(narrower[-1]).astype(head.dtype) != head):
            return eps
    real = real[np.isfinite(real) & (real != 0)]
    if real.size < least or (real[0] == np.round(real[0]) and np.all(real == np.round(real))):
        return eps  # integers: f counts, say
    # Widest first, stopping at the first type the values are not exact in: a value exact
    # in a narrower type is exact in every wider one.
    found = eps
    for narrow in reversed(narrower):
        narrow_eps = float(np.finfo(narrow).eps)
        with np.errstate(all="ignore"):
            exact = np.all(real.astype(narrow).astype(real.dtype) == real)
        if not exact:
            break
        found = narrow_eps
    return found


def undecided_precision(
    values: NDArray[Any], dtype: np.dtype[Any], least: int = PRECISION_SAMPLE
) -> bool:
    """Whether ``values`` are too few for :func:`value_precision` to conclude, yet look
    narrower than ``dtype``: fewer than ``least`` finite nonzero values, at least one,
    all of them exact in the widest type narrower than ``dtype``, and not all integers.

    A single difference of f at one element sees two values (f(x) and f(x + h), or
    f(x ± h)); f computing in float32 returns float32 numbers, but so may a float64 f by
    chance. One more value at a generic point decides.

    >>> undecided_precision(np.float64(np.float32([1.3, 1.31]) ** 3), np.dtype(np.float64))
    True
    >>> undecided_precision(np.array([1.3, 1.31]) ** 3, np.dtype(np.float64))
    False
    >>> undecided_precision(np.array([3.0, 4.0]), np.dtype(np.float64))  # f counts
    False
    """
    eps = float(np.finfo(dtype).eps)
    narrower = [narrow for narrow in _PRECISIONS if float(np.finfo(narrow).eps) > eps]
    if not narrower:
        return False
    real = np.real(np.asarray(values)).ravel()
    real = real[np.isfinite(real) & (real != 0)]
    if not 0 < real.size < least or np.all(real == np.round(real)):
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(real.astype(narrower[-1]).astype(real.dtype) == real))


#: The most significant bits a difference of values on a float32 grid may have (float32's
#: 24, and room for values a few binades apart): more shows there is no such grid.
_GRID_DIGITS = 32

#: The fewest trailing zero bits, beyond those of float64 at f's magnitude, that every
#: difference of f's values must share for :func:`value_grid` to see a grid: by chance,
#: three differences of a float64 f share them with probability 2**-15.
GRID_BITS = int(threshold("grid bits"))

#: The fewest nonzero differences of f's values from which :func:`value_grid` infers a grid
#: (by chance, two differences of a float64 f share :data:`GRID_BITS` zero bits with
#: probability 2**-10: a caller with few values confirms a grid at a generic point).
GRID_SAMPLE = 2

#: Below this many values, a grid :func:`value_grid` sees is confirmed at a generic point.
GRID_CONFIRM = 8


def value_grid(values: NDArray[Any]) -> float:
    """The spacing of a grid that f's values evidently lie on, or 0 where none shows.

    f computing in float32 inside and adding a float64 constant (``1e3 + float(loss32)``)
    returns values that are not float32 numbers (so :func:`value_precision` sees
    float64), but their differences are: every difference is a multiple of the float32
    spacing of the varying part, far coarser than float64's spacing at f's magnitude.
    The grid is the largest power of two dividing every difference between values
    within a factor 2 of the first (such differences are exact), accepted where at
    least :data:`GRID_SAMPLE` of them are nonzero and all share :data:`GRID_BITS`
    trailing zero bits beyond float64's spacing of the largest value (from fewer than
    :data:`GRID_CONFIRM` values, the caller confirms it at a generic point). Values that are
    all integers below 2**53 (f counts something) show no grid. As for
    :func:`value_precision`, the values should include one at a generic point: a
    polynomial's values at dyadic points lie on a grid by construction.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> loss = 1e3 + rng.uniform(0.5, 1.0, 6).astype(np.float32).astype(np.float64)
    >>> value_grid(loss)  # float32 numbers near 0.5, shifted by 1000
    5.960464477539063e-08
    >>> value_grid(1e3 + rng.random(6))
    0.0
    """
    real = np.real(np.asarray(values, dtype=np.float64 if np.isrealobj(values) else None))
    real = real.ravel().astype(np.float64, copy=False)
    # A few differences with far more digits than float32 has settle it without a pass
    # over them all (the common case: f computes in float64): the differences of float32
    # values a few binades apart keep within 32 bits.
    head = real[: 2 * _HEAD]
    head = head[np.isfinite(head)]
    if head.size > GRID_SAMPLE:
        with np.errstate(all="ignore"):
            differences = head[1:_HEAD] - head[0]
        mantissa = np.frexp(differences[differences != 0])[0]
        if mantissa.size and np.any(np.ldexp(mantissa, _GRID_DIGITS) % 1 != 0):
            return 0.0
    real = real[np.isfinite(real)]
    if real.size <= GRID_SAMPLE:
        return 0.0
    reference = real[0]
    with np.errstate(all="ignore"):
        near = (real / reference >= 0.5) & (real / reference <= 2.0)
    differences = real[near] - reference
    differences = differences[differences != 0]
    if differences.size < GRID_SAMPLE:
        return 0.0
    largest = float(np.max(np.abs(real)))
    if largest < 2.0**53 and np.all(real == np.round(real)):
        return 0.0  # integers: f counts, say
    mantissa, exponent = np.frexp(differences)
    whole = (np.abs(mantissa) * 2.0**53).astype(np.int64)
    lowest = np.ldexp((whole & -whole).astype(np.float64), exponent - 53)
    grid = float(lowest.min())
    return grid if grid >= 2.0**GRID_BITS * float(np.spacing(largest)) else 0.0


#: The precisions whose subnormal spacing :func:`subnormal_spacing` knows, by their eps.
_SUBNORMAL_SPACING = {
    float(np.finfo(kind).eps): float(np.finfo(kind).smallest_subnormal)
    for kind in (np.float16, np.float32, np.float64)
}


def subnormal_spacing(eps: float) -> float:
    """The spacing of the subnormal numbers of the precision whose epsilon is ``eps``
    (its smallest subnormal, eps times its smallest normal number): the rounding a value
    of f below that normal number carries. There a value keeps fewer digits than eps says
    (2.2e-316 in float64 keeps about 8), and eps·|f| underflows to 0. A precision other
    than float16, float32 and float64 (longdouble) gets float64's.

    >>> subnormal_spacing(2.0**-52)
    5e-324
    >>> subnormal_spacing(2.0**-23) == 2.0**-149
    True
    """
    return _SUBNORMAL_SPACING.get(eps, _SUBNORMAL_SPACING[float(np.finfo(np.float64).eps)])


def rounding_size(size: Any, eps: float, grid: float = 0.0) -> Any:
    """The magnitude of f that the rounding of a value of magnitude ``size`` is eps of:
    ``size``, or ``grid / eps`` where f's value grid is coarser, or the precision's
    smallest normal number (:func:`subnormal_spacing` over eps) where ``size`` is
    subnormal. A value of exactly 0 is taken as exact, as f computes it in the normal
    range (x·y at y = 0).

    >>> rounding_size(np.array([0.0, 2.2e-316, 1.5]), 2.0**-52).tolist()
    [0.0, 2.2250738585072014e-308, 1.5]
    """
    magnitude = np.fmax(np.abs(np.asarray(size, dtype=np.float64)), grid / eps)
    least = subnormal_spacing(eps) / eps
    return np.where((magnitude > 0) & (magnitude < least), least, magnitude)[()]


def per_value_rounding(size: Any, eps: float, grid: float = 0.0) -> Any:
    """The rounding error of one value of f of magnitude ``size``: ``ROUNDING_ULPS``
    units of f's precision ``eps``, or of its value grid (:func:`value_grid`) where that
    is coarser, or of the precision's subnormal spacing (:func:`subnormal_spacing`) where
    |f| is subnormal (a value of 0 is taken as exact).

    >>> float(per_value_rounding(1e3, 2.0**-52, grid=2.0**-24)) == 8 * 2.0**-24
    True
    >>> float(per_value_rounding(2.2e-316, 2.0**-52)) == 8 * 2.0**-1074  # a subnormal f
    True
    """
    size = np.asarray(size)
    spacing = subnormal_spacing(eps)
    rounding = np.maximum(eps * size, grid)
    subnormal = (size != 0) & (np.abs(size) < spacing / eps)  # eps·|f| underflows
    return (ROUNDING_ULPS * np.where(subnormal, np.maximum(rounding, spacing), rounding))[()]


@dataclass(frozen=True)
class Precision:
    """f's precision as measured from its values: ``eps`` (relative, the precision f
    computes in: :func:`value_precision`) and ``grid`` (absolute, the grid its values lie
    on: :func:`value_grid`, 0 where none shows)."""

    eps: float
    grid: float = 0.0

    def rounding(self, size: Any) -> Any:
        """The rounding error of one value of f of magnitude ``size``
        (:func:`per_value_rounding`)."""
        return per_value_rounding(size, self.eps, self.grid)

    def size(self, values: Any) -> Any:
        """The magnitude of f whose eps is the rounding of each value
        (:func:`rounding_size`)."""
        return rounding_size(values, self.eps, self.grid)

    def narrower_than(self, dtype: np.dtype[Any]) -> bool:
        """Whether f's values look coarser than ``dtype`` computes."""
        return self.grid > 0 or self.eps > float(np.finfo(dtype).eps)


def measured_precision(
    values: NDArray[Any], dtype: np.dtype[Any], least: int = PRECISION_SAMPLE
) -> Precision:
    """f's :class:`Precision` read from ``values`` for x of ``dtype``: the precision f
    computes in, and where that is x's own, the grid its values lie on (where they are
    narrower numbers themselves, the grid adds nothing).

    >>> measured_precision(np.array([1.1, 2.3, 0.7, 1.9]), np.dtype(np.float64)).eps
    2.220446049250313e-16
    """
    eps = value_precision(values, dtype, least)
    if eps > float(np.finfo(dtype).eps):
        return Precision(eps)
    return Precision(eps, value_grid(values))
