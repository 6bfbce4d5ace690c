"""What plans and evaluators exchange: points to evaluate, and the estimate a plan returns.

A plan (see :mod:`gradwalk._plan`) is a generator. It yields :class:`Points` (flat
indices into x and the new values those elements take), receives the values of f at
those points, and finally returns an :class:`Estimate`. It never knows how the points
are evaluated; an evaluator (see :mod:`gradwalk._evaluate`) never knows which method
asked for them.

f's values are scalars (a gradient) or arrays (a Jacobian): the values of k points then
have shape ``(k, *value_shape)`` and the estimate's ``grad`` and ``error`` shape
``(n, *value_shape)``, one row per element of x. Plans broadcast their per-element
quantities (steps, widths) over those trailing axes with :func:`per_element`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Index used in :class:`Points` for "evaluate f at x itself, unperturbed".
UNPERTURBED = -1

#: Rounding error of one value of f, in units of eps·|f| (f's own arithmetic included).
ROUNDING_ULPS = 8.0

#: A step: a number, or "auto" for a step per element (see :mod:`gradwalk._steps`).
Step = float | str


@dataclass(frozen=True)
class Points:
    """Points to evaluate: element ``index[k]`` of x set to ``value[k]`` (index -1: x as is)."""

    index: NDArray[np.intp]
    value: NDArray[Any]


class GradientStatus(IntEnum):
    """What happened to one element of a numerical gradient (``GradientResult.status``).

    One code per element. Where several apply, the element carries the most severe,
    in the order of :data:`SEVERITY`; every warning gradwalk gives about an element is
    a view of its code.

    Attributes
    ----------
    CONVERGED : 0
        Computed as the method intends: for "richardson", its error estimate settled
        (within ``atol + rtol·|grad|`` when those are given); for the other methods, the
        differences were well above f's rounding.
    NONFINITE : 1
        f returned inf or nan at the points this element needs, at every step tried:
        the element is nan.
    STEP_VANISHED : 2
        x ± h rounded back to x (h is below the spacing of floats at that |x|): the
        element is computed as exactly 0.
    ROUNDING_LIMITED : 3
        f's own rounding (measured from f's values) over the step leaves an
        uncertainty above 1e-4 of this element (:func:`rounding_limited`): few of its
        digits, or none, are left.
    LEVEL_LIMIT : 4
        "richardson" used all its levels (``max_levels``) without reaching its
        tolerance; the error estimate says how far it got.
    OUT_OF_BOUNDS : 5
        The bounds leave no room for the element's stencil at the method's step on
        either side, so it was computed with the largest step that fits (shown in
        ``GradientResult.step``): less accurate than asked, and said by no warning.
    STEP_SHRUNK : 6
        f was not finite at the method's first step (outside f's domain, such as
        log(x - h) for x < h); the step was reduced until it was. The result is good;
        ``GradientResult.step`` shows the step used.
    STEP_INEXACT : 7
        With a fixed h, x + h or x - h is not exactly x ± h in x's dtype and differs
        from it by more than :data:`STEP_TOLERANCE` of h; the book's central difference
        still divides by 2h, so the element is off by that much.

    Examples
    --------
    >>> GradientStatus(3).name, int(GradientStatus.LEVEL_LIMIT)
    ('ROUNDING_LIMITED', 4)
    """

    CONVERGED = 0
    NONFINITE = 1
    STEP_VANISHED = 2
    ROUNDING_LIMITED = 3
    LEVEL_LIMIT = 4
    OUT_OF_BOUNDS = 5
    STEP_SHRUNK = 6
    STEP_INEXACT = 7


#: The codes from least to most severe: an element carries the most severe that applies.
SEVERITY = (
    GradientStatus.CONVERGED,
    GradientStatus.STEP_SHRUNK,
    GradientStatus.LEVEL_LIMIT,
    GradientStatus.ROUNDING_LIMITED,
    GradientStatus.STEP_INEXACT,
    GradientStatus.STEP_VANISHED,
    GradientStatus.OUT_OF_BOUNDS,
    GradientStatus.NONFINITE,
)


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


#: Relative difference between the step taken, (x + h) - x, and h that makes it inexact.
STEP_TOLERANCE = 1e-2

_RANK = np.zeros(len(GradientStatus), dtype=np.int8)
_RANK[[int(code) for code in SEVERITY]] = np.arange(len(SEVERITY))


#: A status not yet known: set in a merged estimate for the elements whose plan keeps
#: none, for the driver to read from f's values.
UNKNOWN_STATUS = -1


def new_status(size: int) -> NDArray[np.int8]:
    """A status array of ``size`` elements, all CONVERGED."""
    return np.zeros(size, dtype=np.int8)


def raise_status(status: NDArray[np.int8], where: NDArray[Any], code: GradientStatus) -> None:
    """Set ``code`` on the elements ``where`` (mask or indices) that carry a less severe one.

    Examples
    --------
    >>> status = new_status(3)
    >>> raise_status(status, np.array([0, 1]), GradientStatus.NONFINITE)
    >>> raise_status(status, np.array([True, True, False]), GradientStatus.STEP_SHRUNK)
    >>> [GradientStatus(s).name for s in status]
    ['NONFINITE', 'NONFINITE', 'CONVERGED']
    """
    where = np.asarray(where)
    if where.size == 0 or (where.dtype == np.bool_ and not where.any()):
        return  # nothing to raise: spares the pass over every element below
    selected = np.zeros(status.shape, dtype=bool)
    selected[where] = True
    selected &= _RANK[status] < _RANK[int(code)]
    status[selected] = int(code)


@dataclass(frozen=True)
class Estimate:
    """What a plan returns: the gradient, its error estimate and the step per element.

    ``vanished`` marks the elements where x ± h rounded back to x. ``status`` (one
    :class:`GradientStatus` code per element) and ``noise`` (the rounding error of one
    value of f, per element, as measured) are given by plans that track them; the
    driver derives both from f's values for the plans that do not.
    """

    grad: NDArray[np.floating]
    error: NDArray[np.floating]
    step: NDArray[np.floating]
    vanished: NDArray[np.bool_]
    status: NDArray[np.int8] | None = None
    noise: NDArray[np.floating] | None = None


@dataclass(frozen=True)
class Region:
    """Where f may be evaluated, per flat element of x, and the side each element steps to.

    ``lower <= x + k h <= upper`` for every point (float64 at least; ±inf where
    unbounded); ``direction`` is 0 (central), +1 (forward) or -1 (backward), the side an
    element prefers where the bounds allow it.
    """

    lower: NDArray[np.floating]
    upper: NDArray[np.floating]
    direction: NDArray[np.int8]

    def arrays(self) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
        """The three arrays, in the order the constructor takes them."""
        return self.lower, self.upper, self.direction

    def subset(self, elements: NDArray[np.intp]) -> Region:
        """The region of the elements ``elements`` only."""
        return Region(*(array[elements] for array in self.arrays()))


PlanGenerator = Generator[Points, NDArray[Any], Estimate]
PlanFactory = Callable[[NDArray[np.floating], Step], PlanGenerator]


def per_element(quantity: Any, values: NDArray[Any]) -> Any:
    """``quantity`` (one entry per point or element, or a number) shaped to broadcast
    against ``values``, which may have trailing axes (the shape of a vector-valued f).

    For scalar values it is returned unchanged.

    >>> import numpy as np
    >>> per_element(np.array([1.0, 2.0]), np.zeros((2, 3))).shape
    (2, 1)
    """
    if np.ndim(values) <= 1 or np.ndim(quantity) == 0:
        return quantity
    array = np.asarray(quantity)
    return array.reshape(array.shape + (1,) * (np.ndim(values) - array.ndim))


def any_per_element(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per row of ``mask``: whether any of its entries (over the trailing axes) is true.

    >>> import numpy as np
    >>> any_per_element(np.array([[True, False], [False, False]])).tolist()
    [True, False]
    """
    if mask.ndim <= 1:
        return mask
    result: NDArray[np.bool_] = np.asarray(mask.any(axis=tuple(range(1, mask.ndim))))
    return result


def all_per_element(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Per row of ``mask``: whether all of its entries (over the trailing axes) are true.

    >>> import numpy as np
    >>> all_per_element(np.array([[True, False], [True, True]])).tolist()
    [False, True]
    """
    result: NDArray[np.bool_] = ~any_per_element(~mask)
    return result


def unknown_error(grad: NDArray[np.floating]) -> NDArray[np.floating]:
    """Per-element error of a plan that does not estimate it: nan, meaning 'not estimated'."""
    return np.full_like(grad, np.nan)


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


def wide_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype in which distances between points are computed (float64 or wider)."""
    return np.result_type(dtype, np.float64)
