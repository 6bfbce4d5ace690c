"""What plans and evaluators exchange: points to evaluate, and the estimate a plan returns.

A plan (see :mod:`gradwalk._engine.methods`) is a generator. It yields :class:`Points` (flat
indices into x and the new values those elements take), receives the values of f at
those points, and finally returns an :class:`Estimate`. It never knows how the points
are evaluated; an evaluator (see :mod:`gradwalk._engine.evaluators`) never knows which method
asked for them.

f's values are scalars (a gradient) or arrays (a Jacobian): the values of k points then
have shape ``(k, *value_shape)`` and the estimate's ``grad`` and ``error`` shape
``(n, *value_shape)``, one row per element of x. Plans broadcast their per-element
quantities (steps, widths) over those trailing axes with :func:`per_element`.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Index used in :class:`Points` for "evaluate f at x itself, unperturbed".
UNPERTURBED = -1

#: Index used in :class:`Points` for "f at x as element i's own problem" (index
#: ``OWN_X - i``): for an elementwise f (``numerical_diff`` at many points), whose f(x)
#: is one value per element. Plans ask for it only when told f is elementwise.
OWN_X = -2


def own_x(elements: NDArray[np.intp]) -> NDArray[np.intp]:
    """The :class:`Points` indices of f(x) as the ``elements``' own problems (:data:`OWN_X`).

    >>> import numpy as np
    >>> own_x(np.arange(3)).tolist(), element_of(own_x(np.arange(3))).tolist()
    ([-2, -3, -4], [0, 1, 2])
    """
    result: NDArray[np.intp] = (OWN_X - np.asarray(elements)).astype(np.intp)
    return result


def element_of(index: NDArray[np.intp]) -> NDArray[np.intp]:
    """The element each :class:`Points` index belongs to: itself, or for f(x) as an
    element's own problem (:func:`own_x`) that element; :data:`UNPERTURBED` stays."""
    result: NDArray[np.intp] = np.where(index <= OWN_X, OWN_X - index, index).astype(np.intp)
    return result


#: A step: a number, or "auto" for a step per element (see :mod:`gradwalk._engine.steps`).
Step = float | str


@dataclass(frozen=True)
class Points:
    """Points to evaluate: element ``index[k]`` of x set to ``value[k]`` (index -1: x as
    is; index ``OWN_X - i``: x as is, as element i's own problem, :func:`own_x`)."""

    index: NDArray[np.intp]
    value: NDArray[Any]


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


def no_error_estimate(grad: NDArray[np.floating]) -> NDArray[np.floating]:
    """:func:`unknown_error` as a read-only view of one nan: a single difference's error,
    which nothing writes to (a Jacobian's would be as large as the Jacobian).

    >>> no_error_estimate(np.zeros((2, 3))).shape
    (2, 3)
    """
    nan = np.full((), np.nan, dtype=grad.dtype)
    view: NDArray[np.floating] = np.broadcast_to(nan, grad.shape)
    return view


def wide_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype in which distances between points are computed (float64 or wider)."""
    return np.result_type(dtype, np.float64)
