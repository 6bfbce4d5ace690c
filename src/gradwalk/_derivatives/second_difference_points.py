"""f at the points of the second differences: x moved along one or two directions.

The directions are the unit vectors e_0 .. e_{n-1} of x and, for a Hessian-vector
product, one more: a vector v (direction n). A point is a base, x or x + c v, with at
most two of its elements moved. :func:`evaluate_request` answers a
:class:`~gradwalk._derivatives.second_differences.Request`: in place on the caller's
array (each point set, f called, the elements restored), or on stacked copies for a
vectorized f, or mapped over workers.
"""

from __future__ import annotations

import multiprocessing.pool
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.evaluators.options import Options
from gradwalk._engine.inputs import (
    InputModifiedError,
    changed_elements,
    modified_message,
    real_value,
)

from .second_difference_ladder import MIXED_SIGNS, Answer, Request

__all__ = ["PointEvaluator"]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it: ``reshape(-1)`` copies a
    Fortran-ordered array, where the writes would never reach f's array (its ``.flat``
    then)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


class PointEvaluator:
    """Evaluates f at the points of second differences around x0, counting the calls.

    ``work`` is the array f sees (the caller's own, or a copy), ``x0`` its flat value at
    x; ``v`` the extra direction of a Hessian-vector product (None for a Hessian).
    """

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[np.floating],
        options: Options,
        v: NDArray[np.floating] | None = None,
    ) -> None:
        self.f = f
        self.work = work
        self.x0 = work.reshape(-1).copy()
        self.options = options
        self.v = None if v is None else v.reshape(-1).astype(work.dtype)
        self.n = self.x0.size
        self.nfev = 0

    def at_x(self) -> float:
        """f(x)."""
        return float(self._group(0.0, np.full((1, 2), -1, dtype=np.intp), np.zeros((1, 2)))[0])

    def answer(self, request: Request) -> Answer:
        """f at the points of ``request``: (axes, 2) and (pairs, 4) values."""
        axis_values = np.empty((request.axes.size, 2))
        pair_values = np.empty((request.p.size, 4))
        x0 = self.x0
        units = request.axes < self.n
        # Axes along unit vectors: one move from x.
        unit_axes = request.axes[units]
        steps = request.axis_step[units]
        moves = np.stack([np.repeat(unit_axes, 2), np.full(2 * unit_axes.size, -1)], axis=1)
        values = np.stack(
            [
                np.ravel(np.stack([x0[unit_axes] + steps, x0[unit_axes] - steps], 1)),
                np.zeros(2 * unit_axes.size),
            ],
            axis=1,
        )
        axis_values[units] = self._group(0.0, moves, values).reshape(-1, 2)
        # The axis along v: x ± s v, nothing moved on top.
        for row in np.flatnonzero(~units):
            s = float(request.axis_step[row])
            for column, sign in enumerate((1.0, -1.0)):
                axis_values[row, column] = self._group(sign * s, *self._nowhere(1))[0]
        if request.p.size:
            pair_values[:] = self._pairs(request)
        return axis_values, pair_values

    def _pairs(self, request: Request) -> NDArray[np.float64]:
        """The four values of each mixed entry (p, q), in the order of MIXED_SIGNS."""
        p, q = request.p, request.q
        out = np.empty((p.size, 4))
        x0 = self.x0
        signs = np.array(MIXED_SIGNS, dtype=np.float64)
        if self.v is None or not np.any(q == self.n):
            move = np.repeat(np.stack([p, q], axis=1), 4, axis=0)
            s = np.tile(signs, (p.size, 1))
            values = np.stack(
                [
                    np.repeat(x0[p], 4) + s[:, 0] * np.repeat(request.a, 4),
                    np.repeat(x0[q], 4) + s[:, 1] * np.repeat(request.b, 4),
                ],
                axis=1,
            )
            out[:] = self._group(0.0, move, values).reshape(-1, 4)
            return out
        # Entries (i, v): the base x + t b v, element i moved by s a on top of it.
        for b in np.unique(request.b):
            rows = np.flatnonzero(request.b == b)
            for t_index, t in enumerate((1.0, -1.0)):
                base = self._base(t * float(b))
                move = np.stack([np.repeat(p[rows], 2), np.full(2 * rows.size, -1)], axis=1)
                a = np.repeat(request.a[rows], 2) * np.tile([1.0, -1.0], rows.size)
                values = np.stack([np.repeat(base[p[rows]], 2) + a, np.zeros(a.size)], axis=1)
                got = self._group(t * float(b), move, values).reshape(-1, 2)
                # MIXED_SIGNS: (+,+), (+,-), (-,+), (-,-): s first, t second
                out[rows, 0 + t_index] = got[:, 0]
                out[rows, 2 + t_index] = got[:, 1]
        return out

    def _base(self, c: float) -> NDArray[np.floating]:
        """x + c v, flat, in x's dtype."""
        if c == 0.0 or self.v is None:
            return self.x0
        base: NDArray[np.floating] = (self.x0 + self.x0.dtype.type(c) * self.v).astype(
            self.x0.dtype
        )
        return base

    @staticmethod
    def _nowhere(k: int) -> tuple[NDArray[np.intp], NDArray[np.float64]]:
        return np.full((k, 2), -1, dtype=np.intp), np.zeros((k, 2))

    def _group(
        self, c: float, moves: NDArray[np.intp], values: NDArray[Any]
    ) -> NDArray[np.float64]:
        """f at the points base + moves: ``moves[k]`` (two flat indices, -1: none) set
        to ``values[k]``, on the base x + c v."""
        if not len(moves):
            return np.empty(0)
        self.nfev += len(moves)
        base = self._base(c)
        values = values.astype(self.x0.dtype)
        options = self.options
        flat = _flat_view(self.work)
        if options.workers is None and not options.vectorized:
            if c != 0.0:
                flat[:] = base
            try:
                return self._in_place(flat, base, moves, values)
            finally:
                if c != 0.0:
                    changed = changed_elements(self.work.reshape(-1), base)
                    flat[:] = self.x0
                    if changed.size:
                        raise InputModifiedError(
                            modified_message(self.work.shape, changed), int(changed[0])
                        )
        points = np.repeat(base[np.newaxis], len(moves), axis=0)
        rows = np.repeat(np.arange(len(moves)), 2)
        used = moves.reshape(-1) >= 0
        points[rows[used], moves.reshape(-1)[used]] = values.reshape(-1)[used]
        points = points.reshape((len(moves), *self.work.shape))
        if options.workers is None:
            size = options.batch_size or len(moves)
            parts = [
                np.asarray(self.f(points[start : start + size]), dtype=np.float64).reshape(-1)
                for start in range(0, len(moves), size)
            ]
            return np.concatenate(parts)
        workers = options.workers
        batch = list(points)
        if isinstance(workers, int):
            with multiprocessing.Pool(workers) as pool:
                results: Any = pool.map(self.f, batch)
        elif isinstance(workers, Executor):
            results = list(workers.map(self.f, batch))
        else:
            results = list(workers(self.f, batch))
        return np.array([real_value(value) for value in results], dtype=np.float64)

    def _in_place(
        self,
        flat: NDArray[np.floating],
        base: NDArray[np.floating],
        moves: NDArray[np.intp],
        values: NDArray[Any],
    ) -> NDArray[np.float64]:
        out = np.empty(len(moves))
        for k, (pair, new) in enumerate(zip(moves, values, strict=True)):
            chosen = pair[pair >= 0]
            flat[chosen] = new[pair >= 0]
            try:
                out[k] = real_value(self.f(self.work))
                if np.any(flat[chosen] != new[pair >= 0]):
                    raise InputModifiedError(
                        modified_message(self.work.shape, chosen), int(chosen[0])
                    )
            finally:
                flat[chosen] = base[chosen]
        return out
