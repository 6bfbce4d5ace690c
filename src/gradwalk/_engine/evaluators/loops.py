"""The book's in-place loop: each element set to its perturbed value on the array
itself, f called with that same array, the element put back.

>>> import numpy as np
>>> from gradwalk._engine.evaluators.interface import fast_view
>>> points = Points(np.array([0, 1]), np.array([5.0, 7.0]))
>>> work = np.zeros(2)
>>> evaluate_in_place(lambda x: x.sum(), work, fast_view(work), [0.0, 0.0], points)
array([5., 7.])
"""

from __future__ import annotations

import array
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import InputModifiedError, value_of
from gradwalk._engine.points import Points

from .interface import values_dtype


def evaluate_in_place(
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    original: list[Any],
    points: Points,
    *,
    complex_ok: bool = False,
    value_shape: tuple[int, ...] = (),
) -> NDArray[Any]:
    """Evaluate f at each point by perturbing ``work`` through ``flat`` and restoring it.

    ``flat`` is a flat view of ``work`` (:func:`fast_view`) and ``original`` holds the
    unperturbed elements of ``work`` (flat order). Per point the loop does what the book's
    loop does, a write and a call of f, plus one read of the perturbed element: it raises
    :class:`InputModifiedError` as soon as f changes that element. An element is restored
    once the points move on to another one (and in every case at the end), so the two
    points of a central difference cost three writes, as in the book.
    f returns a scalar, or (for a Jacobian) an array of ``value_shape``: the values then
    have shape ``(len(points.index), *value_shape)``.
    """
    indices = points.index.tolist()
    values = points.value.tolist() if points.value.dtype == np.float64 else list(points.value)
    dtype = values_dtype(work.dtype, complex_ok)
    # float64 values go straight into a C array of doubles (no object per value kept);
    # arrays of values (a Jacobian's) into the rows of one array, as they come.
    results: Any = array.array("d") if dtype is np.float64 and not value_shape else []
    append, python_float, numpy_float = results.append, float, np.float64
    if value_shape:
        results = np.empty((len(indices), *value_shape), dtype=dtype)
        append = _RowWriter(results).append
    last = -1  # the element perturbed now; restored once the points move on from it
    try:
        for i, new in zip(indices, values):  # noqa: B905 - equal lengths: one Points
            if i != last:
                if last >= 0:
                    flat[last] = original[last]
                last = i
            if i >= 0:
                flat[i] = new
                value = f(work)
                if flat[i] != new and new == new:
                    raise InputModifiedError(
                        f"f changed the element it was evaluated at from {new!r} to {flat[i]!r}",
                        flat_index=i,
                    )
            else:
                value = f(work)
            kind = type(value)
            if value_shape or (kind is not numpy_float and kind is not python_float):
                value = value_of(value, value_shape, complex_ok=complex_ok)
            append(value)
    finally:
        if last >= 0:
            flat[last] = original[last]
    if value_shape:
        rows: NDArray[Any] = results
        return rows
    if dtype is np.float64:
        return np.frombuffer(results, dtype=np.float64) if results else np.empty(0)
    return np.array(results, dtype=dtype)


class _RowWriter:
    """Writes values one after another into the rows of an array."""

    def __init__(self, rows: NDArray[Any]) -> None:
        self.rows, self.next = rows, 0

    def append(self, value: Any) -> None:
        self.rows[self.next] = value
        self.next += 1
