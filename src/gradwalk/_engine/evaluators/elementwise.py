"""An elementwise f at many points: every element its own one-variable problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import describe, value_of
from gradwalk._engine.points import OWN_X, UNPERTURBED, Points, element_of

from .interface import Evaluator, values_dtype
from .options import Options


class Elementwise(Evaluator):
    """An elementwise f (``f(x)[i]`` depends on ``x[i]`` only): the derivative at many points.

    Every element of x is its own one-variable problem, so points of different elements
    can be evaluated together: a vectorized f (``options.vectorized``) gets one array per
    round, holding the r-th point of every element the plan asks for (two calls per
    level of central differences, whatever the size of x); otherwise f is called with
    each point's number. x itself is never handed to f.

    f(x) is not one number here but one per element: a plan told that f is elementwise
    asks for it as each element's own value (:func:`~gradwalk._engine.points.own_x`),
    which :attr:`f_at_x` then holds. A request for x itself (index
    :data:`~gradwalk._engine.points.UNPERTURBED`) gets 0 for it (and f(x) is evaluated at
    every element, for :attr:`f_at_x`); for every other point of such a request, f's
    value minus f(x) at that element: the differences the plan takes are those of each
    element's own f(x).
    """

    copies = "elementwise evaluation"

    def __init__(
        self, f: Callable[[Any], object], work: NDArray[Any], options: Options, complex_ok: bool
    ) -> None:
        super().__init__(options.progress, complex_ok)
        self.f, self.x, self.vectorized = f, work.copy(), options.vectorized
        self.flat_x = self.x.reshape(-1)
        self.dtype = values_dtype(work.dtype, complex_ok)
        self.f_at_x = None
        self._own = np.zeros(self.flat_x.size, dtype=self.dtype)  # f(x) per element, as asked
        self._known = np.zeros(self.flat_x.size, dtype=bool)

    def _values(self, index: NDArray[np.intp], value: NDArray[Any]) -> NDArray[Any]:
        """f at ``value[k]`` for element ``index[k]`` (every index >= 0)."""
        out = np.empty(len(index), dtype=self.dtype)
        if not self.vectorized:
            for k, number in enumerate(value):
                out[k] = value_of(self.f(number), (), complex_ok=self.complex_ok)
            return out
        order = np.argsort(index, kind="stable")
        sorted_index = index[order]
        starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
        rank = np.empty(len(index), dtype=np.intp)
        rank[order] = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
        for r in range(int(rank.max(initial=-1)) + 1):
            chosen = np.flatnonzero(rank == r)
            point = self.flat_x.astype(value.dtype)
            point[index[chosen]] = value[chosen]
            result = self.f(point.reshape(self.x.shape))
            array = np.asarray(result)
            if array.shape != self.x.shape:
                raise ValueError(
                    f"numerical_diff at an array of points of shape {self.x.shape} with "
                    "vectorized=True needs an elementwise f, returning one value per point "
                    f"(shape {self.x.shape}), but f returned {describe(result)}. For a "
                    "function of several variables use numerical_gradient or "
                    "numerical_jacobian."
                )
            if array.dtype.kind not in ("fiubc" if self.complex_ok else "fiub"):
                raise TypeError(
                    f"an elementwise f must return a real array of x's shape {self.x.shape}, "
                    f"but it returned {describe(result)}."
                )
            out[chosen] = array.reshape(-1)[index[chosen]]
            self.advance(len(chosen))
        return out

    def evaluate(self, points: Points) -> NDArray[Any]:
        at_x = points.index == UNPERTURBED
        moved = ~at_x
        own = points.index <= OWN_X  # f(x) as each element's own problem
        elements = element_of(points.index)
        value = np.where(own, self.flat_x[np.maximum(elements, 0)], points.value)
        values = np.zeros(len(points.index), dtype=self.dtype)
        values[moved] = self._values(elements[moved], value[moved])
        if own.any():
            self._own[elements[own]] = values[own]
            self._known[elements[own]] = True
            if self.f_at_x is None and self._known.all():
                self.f_at_x = self._own
        if at_x.any():
            if self.f_at_x is None:
                self.f_at_x = self._values(np.arange(self.flat_x.size), self.flat_x)
                self.extra_evaluations += self.flat_x.size - 1  # the plan counted one
            perturbed = moved & ~own
            values[perturbed] -= self.f_at_x[elements[perturbed]]
        return values

    def at(self, point: NDArray[Any]) -> Any:
        if self.vectorized:
            return np.asarray(self.f(point))
        return np.array([self.f(number) for number in point.reshape(-1)])
