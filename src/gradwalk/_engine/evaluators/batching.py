"""Vectorized evaluation: a vectorized f on stacked perturbed copies of x.

:class:`Batcher` keeps the copies from batch to batch and chooses the batch size by
measuring; :class:`Batches` is the evaluator of ``vectorized=True``.

>>> import numpy as np
>>> points = Points(np.array([0, 1]), np.array([5.0, 7.0]))
>>> evaluate_batches(lambda X: X.sum(axis=1), np.zeros(2), points, batch_size=1)
array([5., 7.])
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import InputModifiedError, changed_elements, describe, value_of
from gradwalk._engine.points import Points

from .interface import fast_view, unperturbed, values_dtype

#: Bytes of perturbed copies of x that one vectorized call may receive, by default.
_BATCH_BYTES = 16 * 2**20


def check_batch_result(
    result: object,
    batch_shape: tuple[int, ...],
    complex_ok: bool,
    value_shape: tuple[int, ...] = (),
) -> Any:
    """Check that a vectorized f returned one real value per point; return them as an array."""
    k = batch_shape[0]
    array = None if isinstance(result, str | bytes) else np.asarray(result)
    if value_shape and array is not None and array.shape != (k, *value_shape):
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and f(x) has shape {value_shape}, so it must "
            f"return shape {(k, *value_shape)}, but it returned shape {array.shape}."
        )
    if array is None or array.shape != (k, *value_shape):
        actual = f"shape {array.shape}" if array is not None else describe(result)
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and must return shape ({k},), but it returned "
            f"{actual}. Reduce over every axis but the first (np.sum(X**2, axis=1) for a "
            "1-D x), or pass vectorized=False if f takes one point at a time."
        )
    if array.dtype.kind not in ("fiubc" if complex_ok else "fiub"):
        for item in array:
            value_of(item, value_shape, complex_ok=complex_ok)
        raise TypeError(
            f"a vectorized f must return a real numeric array, but it returned {describe(result)}."
        )
    return array


#: Bytes of the first batch when the batch size is chosen by measuring (about an L2 cache).
_FIRST_BATCH_BYTES = 2**20

#: Below this many copies of x in the memory cap, or in the batch size given or settled
#: on, a vectorized f gets batches set and checked element by element
#: (:meth:`Batcher._few_rows`): the array bookkeeping of a batch would cost more than
#: the calls it saves.
_FEW_ROWS = 8

#: Batches per block of points converted to Python numbers at once (few rows per batch).
_FEW_ROWS_BLOCK = 4096

#: A larger batch is kept only if its time per point is below this share of the last one.
_WORTH_GROWING = 0.9


class Batcher:
    """Stacked perturbed copies of x for a vectorized f, reused from batch to batch.

    The buffer of rows (copies of x) grows as larger batches are needed and is filled only
    once: for each batch only the perturbed elements are set and, after f, restored. Without
    a ``batch_size`` the size is chosen by measuring: the first batch holds about 1 MiB of
    copies (all the points, when they fit in twice that), and each next one twice as many
    points for as long as that makes a point at least 10% cheaper (fewer calls of f, less
    bookkeeping per point), never past ``_BATCH_BYTES`` of copies (or a quarter of
    ``device_free``, the free memory of the device where
    :class:`~gradwalk._engine.evaluators.device_batches.DeviceBatches` builds its batches by
    this rule, where that is more); then the cheapest size is kept. Each batch's bookkeeping
    costs a few array operations on its points, whatever the size of x. Where fewer than
    ``_FEW_ROWS`` copies fit in the cap (x of more than 2 MiB), f gets batches of as many
    copies as fit, their elements set, read back and restored one by one as in the in-place
    loop. At the end of each call the copies used are compared with x (f must not modify
    them): for an f that reads only a few elements of a huge x, that comparison and the
    filling of the copies, k x N values each, are most of the cost.
    """

    def __init__(
        self,
        x: NDArray[Any],
        batch_size: int | None,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
        device_free: int | None = None,
    ) -> None:
        self.x, self.complex_ok, self.value_shape = x, complex_ok, value_shape
        self.base = np.ravel(x)
        self.size = max(1, self.base.size)
        row_bytes = self.size * self.base.itemsize
        cap_bytes = _BATCH_BYTES if device_free is None else max(_BATCH_BYTES, device_free // 4)
        self.limit = batch_size or max(1, cap_bytes // row_bytes)
        self.rows = batch_size or min(self.limit, max(1, _FIRST_BATCH_BYTES // row_bytes))
        self.settled = batch_size is not None or self.rows >= self.limit
        #: Only a few copies fit in the cap: batches of that many, element by element.
        self.few = batch_size is None and self.limit < _FEW_ROWS
        if self.few:
            self.rows, self.settled = self.limit, True
        self.original: list[Any] | None = None
        self.per_point = math.inf
        self.buffer = np.empty((0, self.base.size), dtype=x.dtype)

    def _few_rows(
        self,
        f: Callable[[Any], object],
        points: Points,
        out: NDArray[Any],
        advance: Callable[[int], object] | None,
    ) -> NDArray[Any]:
        """Batches of the few copies that fit in the cap, set and checked element by element.

        Where only a few copies of a huge x fit, the array operations of
        :meth:`evaluate` would cost more than a cheap f: here each batch costs one write,
        one read and one restore of an element per point (through :func:`fast_view`, as
        the in-place loop), a call of f and a check of its result. The points are taken
        in blocks of :data:`_FEW_ROWS_BLOCK` batches, so that the Python numbers and
        arrays kept per point stay few whatever their count.
        """
        total, size, rows = len(points.index), self.size, self.rows
        self._grow(rows)
        flat = fast_view(self.buffer[:rows])
        whole = self.buffer[:rows].reshape((rows, *self.x.shape))
        shape = (rows, *self.value_shape)
        float64, ndarray = np.dtype(np.float64), np.ndarray
        try:
            for block in range(0, total, rows * _FEW_ROWS_BLOCK):
                index = points.index[block : block + rows * _FEW_ROWS_BLOCK]
                count = len(index)
                # Each point's place in the flat rows (-1: x itself, nothing to set).
                place = np.where(index >= 0, index + (np.arange(count) % rows) * size, -1)
                places = place.tolist()
                values = unperturbed(points.value[block : block + count])
                restore = unperturbed(self.base[np.maximum(index, 0)])
                parts: list[Any] = []
                for start in range(0, count, rows):
                    stop, batch, expected = start + rows, whole, shape
                    if stop > count:  # the last, partial batch
                        stop = count
                        batch = self.buffer[: stop - start].reshape((stop - start, *self.x.shape))
                        expected = (stop - start, *self.value_shape)
                    for q in range(start, stop):
                        if places[q] >= 0:
                            flat[places[q]] = values[q]
                    result = f(batch)
                    if not (
                        type(result) is ndarray
                        and result.dtype == float64
                        and result.shape == expected
                    ):
                        result = check_batch_result(
                            result, batch.shape, self.complex_ok, self.value_shape
                        )
                    for q in range(start, stop):
                        where = places[q]
                        if where >= 0:
                            seen, new = flat[where], values[q]
                            flat[where] = restore[q]
                            if seen != new and new == new:
                                raise InputModifiedError(copy_modified(where % size))
                    parts.append(result)
                    if advance is not None:
                        advance(stop - start)
                out[block : block + count] = np.concatenate(parts)
        except BaseException:
            self.buffer[:rows] = self.base  # elements left perturbed by the batch that failed
            raise
        finally:
            if isinstance(flat, memoryview):
                flat.release()
        changed = changed_elements(self.buffer[:rows], self.base)
        if changed.size:
            raise InputModifiedError(copy_modified(int(changed[0]) % size))
        return out

    def _grow(self, rows: int) -> None:
        """Make the buffer hold at least ``rows`` copies of x (copying x only into new rows)."""
        have = self.buffer.shape[0]
        if rows > have:
            buffer = np.empty((rows, self.base.size), dtype=self.x.dtype)
            buffer[:have] = self.buffer
            buffer[have:] = self.base
            self.buffer = buffer

    def measured(self, k: int, seconds: float) -> None:
        """Choose the next batch size from the time of a full batch of ``k`` points."""
        if self.settled or k < self.rows:
            return  # a last, partial batch
        per_point = seconds / k
        if per_point < _WORTH_GROWING * self.per_point and self.rows < self.limit:
            self.per_point = per_point
            self.rows = min(self.limit, 2 * self.rows)
        else:
            if per_point >= self.per_point:  # the last size was cheaper: go back to it
                self.rows = max(1, self.rows // 2)
            self.settled = True

    def evaluate(
        self,
        f: Callable[[Any], object],
        points: Points,
        advance: Callable[[int], object] | None = None,
    ) -> NDArray[Any]:
        """f's values at ``points``; f must leave the copies it is given unchanged."""
        total = len(points.index)
        out = np.empty(
            (total, *self.value_shape), dtype=values_dtype(self.x.dtype, self.complex_ok)
        )
        if total == 0:
            return out
        if self.settled and self.rows < _FEW_ROWS:
            return self._few_rows(f, points, out, advance)
        index, value = points.index, points.value
        perturbed = bool(index.min() >= 0)
        self._grow(min(self.rows, total))
        used = 0
        start = 0
        while start < total:
            k = min(self.rows, total - start)
            if not self.settled and total - start <= 2 * self.rows:
                k = min(self.limit, total - start)  # no small batch left over
            self._grow(k)
            used = max(used, k)
            flat = self.buffer[:k].reshape(-1)
            columns = index[start : start + k]
            new = value[start : start + k]
            if perturbed:
                where = columns + np.arange(0, k * self.size, self.size)
            else:
                rows = np.flatnonzero(columns >= 0)
                columns, new = columns[rows], new[rows]
                where = columns + rows * self.size
            clock = time.perf_counter()
            flat[where] = new
            try:
                batch = flat.reshape((k, *self.x.shape))
                result = check_batch_result(
                    f(batch), batch.shape, self.complex_ok, self.value_shape
                )
                seen = flat[where]
                if not np.array_equal(seen, new):
                    wrong = np.flatnonzero((seen != new) & (new == new))
                    if wrong.size:
                        raise InputModifiedError(copy_modified(int(columns[wrong[0]])))
            finally:
                flat[where] = self.base[columns]
            out[start : start + k] = result
            self.measured(k, time.perf_counter() - clock)
            start += k
            if advance is not None:
                advance(k)
            if self.settled and self.rows < _FEW_ROWS and start < total:
                # settled on a few rows: the rest in the leaner loop for them
                rest = Points(index[start:], value[start:])
                self._few_rows(f, rest, out[start:], advance)
                break
        changed = changed_elements(self.buffer[:used], self.base)
        if changed.size:
            raise InputModifiedError(copy_modified(int(changed[0]) % self.size))
        return out


def evaluate_batches(
    f: Callable[[Any], object],
    x: NDArray[Any],
    points: Points,
    batch_size: int | None,
    *,
    complex_ok: bool = False,
    advance: Callable[[int], object] | None = None,
    value_shape: tuple[int, ...] = (),
) -> NDArray[Any]:
    """Evaluate a vectorized f on stacked perturbed copies of x (see :class:`Batcher`).

    As in place, f must leave its input as it was given (checked like
    :func:`evaluate_in_place`: the perturbed elements after each call, every copy used
    at the end).
    """
    return Batcher(x, batch_size, complex_ok, value_shape).evaluate(f, points, advance)


def copy_modified(flat_index: int) -> str:
    """The error for an f that changed the copy of x it was given."""
    return (
        f"f modified element {flat_index} (flat index) of the copy of x it was given, "
        "which makes its other values wrong (x itself is untouched). f must leave its "
        "argument unchanged: if it must modify its input, give it a copy, e.g. "
        "lambda w: f(w.copy())."
    )


def first_of_batch(result: object, value_shape: tuple[int, ...]) -> Any:
    """The value of a vectorized f at the one point of a batch of one."""
    if value_shape:
        return np.asarray(result)[0]
    return np.asarray(result).reshape(-1)[0]
