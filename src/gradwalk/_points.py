"""What plans and evaluators exchange: points to evaluate, and the estimate a plan returns.

A plan (see :mod:`gradwalk._plan`) is a generator. It yields :class:`Points` (flat
indices into x and the new values those elements take), receives the values of f at
those points, and finally returns an :class:`Estimate`. It never knows how the points
are evaluated; an evaluator (see :mod:`gradwalk._evaluate`) never knows which method
asked for them.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Estimate:
    """What a plan returns: the gradient, its error estimate and the step per element.

    ``vanished`` marks the elements where x ± h rounded back to x.
    """

    grad: NDArray[np.floating]
    error: NDArray[np.floating]
    step: NDArray[np.floating]
    vanished: NDArray[np.bool_]


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


def unknown_error(grad: NDArray[np.floating]) -> NDArray[np.floating]:
    """Per-element error of a plan that does not estimate it: nan, meaning 'not estimated'."""
    return np.full_like(grad, np.nan)


def wide_dtype(dtype: np.dtype[Any]) -> np.dtype[Any]:
    """The dtype in which distances between points are computed (float64 or wider)."""
    return np.result_type(dtype, np.float64)
