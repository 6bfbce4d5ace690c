"""A sparse Jacobian's entries, evaluated in groups of columns that share no row.

The driver sees one element per entry of the pattern (entry e: output ``rows[e]``
along element ``columns[e]`` of x, starting from x's value there) and runs the method's
plan on them unchanged. :class:`Compressed` answers a plan's request (entry e at value
v) with *whole* points: the pairs (column, value) asked for are gathered, each column's
distinct values numbered (its slots), and one point is evaluated per colour and slot,
every column of that colour at its slot's value and all others at x. Entry e's value is
f's output ``rows[e]`` at the point holding its column's value: no other column of that
colour touches that row (Curtis, Powell and Reid 1974). Entries of one column ask for
the same values (x_j ± h_j), so the cost is the number of colours times the stencil's
points, as for SciPy's grouped differences, while each column keeps its own exact step.

The whole points are evaluated by the evaluator of the caller's options (in place on the
caller's array, vectorized batches, workers), given :class:`WholePoints`: a function of a
point's number. Every point also checks the pattern: an output that no moved column
touches must not move; where one does, the columns are halved until the one that moves
it is found, and the entry is recorded in ``Compression.missed``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import InputModifiedError, modified_message
from gradwalk._engine.points import OWN_X, UNPERTURBED, Points, element_of
from gradwalk._engine.rounding import ROUNDING_ULPS

from .batching import copy_modified
from .compression import Compression
from .interface import Evaluator

__all__ = ["Compressed", "Table", "WholePoints", "whole_batch_size"]

#: Bytes of whole points one call of a vectorized f receives when no batch_size is given.
WHOLE_BATCH_BYTES = 16 * 2**20

#: Most evaluations one request may spend finding which column moved an output that the
#: pattern says no moved column touches (a non-deterministic f would move every output).
BLAME_BUDGET = 64

#: The precision f's values are compared in when checking the pattern.
EPS = float(np.finfo(np.float64).eps)

Table = tuple[NDArray[np.intp], NDArray[np.intp], NDArray[Any]]


def whole_batch_size(x: NDArray[Any]) -> int:
    """Whole points per call of a vectorized f: as many copies of x as fit in
    :data:`WHOLE_BATCH_BYTES` (at least one)."""
    return max(1, WHOLE_BATCH_BYTES // max(1, x.size * x.itemsize))


@dataclass(eq=False)
class WholePoints:
    """f at whole points, called with point numbers (the evaluators' "x" is the number).

    Point k sets the elements ``table[1][table[0][k]:table[0][k + 1]]`` (flat indices)
    of ``base`` to ``table[2][...]``; a negative number is x itself. In place, ``base`` is
    the caller's array: it is moved, handed to f and put back, and f must leave the moved
    elements as they were set. Otherwise f gets a fresh copy, or (``vectorized``) a batch
    of copies, which it must leave unchanged.
    """

    f: Callable[[Any], object]
    base: NDArray[Any]
    vectorized: bool
    in_place: bool
    table: Table = field(
        default_factory=lambda: (
            np.zeros(1, dtype=np.intp),
            np.zeros(0, dtype=np.intp),
            np.zeros(0),
        )
    )

    def _moves(self, number: int) -> tuple[NDArray[np.intp], NDArray[Any]]:
        if number < 0:
            return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=self.base.dtype)
        ptr, columns, values = self.table
        start, stop = int(ptr[number]), int(ptr[number + 1])
        return columns[start:stop], values[start:stop]

    def __call__(self, numbers: NDArray[Any]) -> object:
        if self.vectorized:
            return self._batch(np.asarray(numbers).reshape(len(numbers), -1)[:, 0])
        number = int(np.asarray(numbers).reshape(-1)[0])
        columns, values = self._moves(number)
        if not self.in_place:
            point = self.base.copy()
            point.flat[columns] = values
            expected = point.copy()
            value = self.f(point)
            _check_unchanged(point, expected, self.base.size)
            return value
        flat = _flat(self.base)
        saved = flat[columns]
        flat[columns] = values
        try:
            value = self.f(self.base)
            now = flat[columns]
            changed = np.flatnonzero((now != values) & (values == values))
            if changed.size:
                where = int(columns[changed[0]])
                raise InputModifiedError(
                    modified_message(self.base.shape, np.array([where])), where
                )
        finally:
            flat[columns] = saved
        return value

    def _batch(self, numbers: NDArray[Any]) -> object:
        batch = np.repeat(self.base[np.newaxis], len(numbers), axis=0)
        flat = batch.reshape(len(numbers), -1)
        for row, number in enumerate(numbers.tolist()):
            columns, values = self._moves(int(number))
            flat[row, columns] = values
        expected = batch.copy()
        value = self.f(batch)
        _check_unchanged(batch, expected, self.base.size)
        return value


def _flat(array: NDArray[Any]) -> Any:
    """A flat view of ``array`` that writes through (its ``.flat`` where no view exists)."""
    if array.flags.c_contiguous:
        return array.reshape(-1)
    return array.flat


def _check_unchanged(given: NDArray[Any], expected: NDArray[Any], point_size: int) -> None:
    """f must leave the copy (or batch of copies) it was given unchanged."""
    same = (given == expected) | ((given != given) & (expected != expected))
    if not np.all(same):
        flat = int(np.flatnonzero(~same.reshape(-1))[0])
        raise InputModifiedError(copy_modified(flat % max(1, point_size)))


def _derived(compression: Compression) -> dict[str, Any]:
    """The entries by column (``by_column``, ``column_start``), the columns with entries
    grouped by colour (``present``, ``colour_start``) and each column's first entry."""
    columns = compression.columns
    n = compression.x.size
    by_column = np.argsort(columns, kind="stable")
    column_start = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(columns, minlength=n), out=column_start[1:])
    present = np.flatnonzero(np.diff(column_start))
    colours = compression.colours[present]
    count = int(colours.max()) + 1 if colours.size else 0
    colour_start = np.zeros(count + 1, dtype=np.intp)
    np.cumsum(np.bincount(colours, minlength=count), out=colour_start[1:])
    first_entry = np.zeros(n, dtype=np.intp)
    first_entry[present] = by_column[column_start[present]]
    return {
        "by_column": by_column,
        "column_start": column_start,
        "present": present[np.argsort(colours, kind="stable")],
        "colour_start": colour_start,
        "first_entry": first_entry,
    }


class Compressed(Evaluator):
    """The entries of a sparse Jacobian (see the module's description).

    f(x) is one value per entry (its output's), as for an elementwise f: the driver's
    plans ask for it as each entry's own value (:func:`~gradwalk._engine.points.own_x`),
    which is known and costs no evaluation, so that every request of a plan holds f's
    own values. A request that includes x itself (index
    :data:`~gradwalk._engine.points.UNPERTURBED`) gets 0 there and, for every other
    point of that request, the value minus f(x) at that entry's output (see
    :class:`~.elementwise.Elementwise`); :meth:`at` reads a whole point entry by entry,
    each entry's column alone at its value.
    """

    def __init__(
        self,
        compression: Compression,
        whole: WholePoints,
        inner: Evaluator,
        complex_ok: bool,
    ) -> None:
        super().__init__(False, complex_ok)
        self.compression, self.whole, self.inner = compression, whole, inner
        self.copies = inner.copies
        self.at_x: NDArray[Any] = compression.f_at_x[compression.rows]
        self.f_at_x = self.at_x
        self.blamed = 0
        #: The outputs each point of the request being evaluated touches (None: compute).
        self.touched: NDArray[np.bool_] | None = None
        derived = compression.derived
        if "by_column" not in derived:
            derived.update(_derived(compression))
        self.by_column, self.column_start = derived["by_column"], derived["column_start"]
        self.present, self.colour_start = derived["present"], derived["colour_start"]
        self.first_entry = derived["first_entry"]
        self.colour_count = len(self.colour_start) - 1

    def evaluate(self, points: Points) -> NDArray[Any]:
        index = points.index
        kind = np.complex128 if self.complex_ok else np.float64
        if index.size and index.min() >= 0:  # every point moves an entry (the usual case)
            entries = index
            table, point_of = self._tables(entries, points.value)
            values = self._evaluated(table)
            return np.asarray(values[point_of, self.compression.rows[entries]], dtype=kind)
        moved = index >= 0
        entries = index[moved]
        out = np.zeros(len(index), dtype=kind)
        own = index <= OWN_X  # f(x) as an entry's own value: known, not evaluated
        out[own] = self.at_x[element_of(index[own])]
        if entries.size:
            table, point_of = self._tables(entries, points.value[moved])
            values = self._evaluated(table)
            out[moved] = values[point_of, self.compression.rows[entries]]
        if (index == UNPERTURBED).any():
            out[moved] -= self.at_x[entries]
        return out

    def _tables(self, entries: NDArray[np.intp], values: NDArray[Any]) -> tuple[Table, Any]:
        """The whole points for a request, and each requested point's place among them."""
        whole = self._every_entry(entries, values)
        if whole is not None:
            table, point_of, touched = whole
            self.touched = touched
            return table, point_of
        self.touched = None
        return self._group(self.compression.columns[entries], values)

    def _evaluated(self, table: Table) -> NDArray[Any]:
        """f at the points of ``table``, its pattern checked (see :meth:`values_at`)."""
        values = self._whole(table)
        self._check_pattern(table, values, self.touched)
        return values

    def _every_entry(
        self, entries: NDArray[np.intp], values: NDArray[Any]
    ) -> tuple[Table, NDArray[np.intp], NDArray[np.bool_]] | None:
        """The whole points of a request for every entry at w points each, side by side
        (a single difference or a stencil), where every entry of a column asks for the
        same values: one point per colour and slot, every column of the colour moved (and
        the outputs each point touches); None for any other request."""
        nnz = self.compression.rows.size
        if not nnz or entries.size % nnz:
            return None
        w = entries.size // nnz
        derived = self.compression.derived
        if derived.get(("every entry", w)) is None:
            derived[("every entry", w)] = np.repeat(np.arange(nnz, dtype=np.intp), w)
        if not np.array_equal(entries, derived[("every entry", w)]):
            return None
        asked = values.reshape(nnz, w)
        columns = self.compression.columns
        if not np.array_equal(asked, asked[self.first_entry[columns]]):
            return None
        layout = derived.get(("layout", w))
        if layout is None:  # the points' columns and slots, and each request's point
            sizes = np.repeat(np.diff(self.colour_start), w)
            ptr = np.zeros(sizes.size + 1, dtype=np.intp)
            np.cumsum(sizes, out=ptr[1:])
            bounds = zip(self.colour_start[:-1], self.colour_start[1:], strict=True)
            moved = np.concatenate([np.tile(self.present[a:b], w) for a, b in bounds])
            slot = np.concatenate(
                [
                    np.repeat(np.arange(w), b - a)
                    for a, b in zip(self.colour_start[:-1], self.colour_start[1:], strict=True)
                ]
            )
            point_of = self.compression.colours[columns][:, None] * w + np.arange(w)
            layout = (ptr, moved, self.first_entry[moved], slot, point_of.reshape(-1))
            derived[("layout", w)] = layout
        ptr, moved, firsts, slot, point_of = layout
        table: Table = (ptr, moved, asked[firsts, slot])
        m = self.compression.f_at_x.size
        if self.colour_count * m > 4 * (nnz + m + self.compression.x.size):
            return table, point_of, self._touched(table)  # many colours: no table per colour
        return table, point_of, np.repeat(self._touched_by_colour(), w, axis=0)

    def _touched_by_colour(self) -> NDArray[np.bool_]:
        """Per colour, the outputs that its columns touch (computed once)."""
        derived = self.compression.derived
        if "touched_by_colour" not in derived:
            touched = np.zeros((self.colour_count, self.compression.f_at_x.size), dtype=bool)
            rows = self.compression.rows
            touched[self.compression.colours[self.compression.columns], rows] = True
            derived["touched_by_colour"] = touched
        found: NDArray[np.bool_] = derived["touched_by_colour"]
        return found

    def _group(self, columns: NDArray[np.intp], values: NDArray[Any]) -> tuple[Table, Any]:
        """The whole points for the pairs (column, value) asked for, and each pair's point.

        Each column's distinct values are numbered in increasing order (its slots); the
        point of a pair is its column's colour and its slot.
        """
        real = np.real(values)
        imag = np.imag(values) if np.iscomplexobj(values) else np.zeros(values.shape)
        order = np.lexsort((imag, real, columns))
        column, real_sorted, imag_sorted = columns[order], real[order], imag[order]
        new = np.ones(len(order), dtype=bool)
        new[1:] = (
            (column[1:] != column[:-1])
            | (real_sorted[1:] != real_sorted[:-1])
            | (imag_sorted[1:] != imag_sorted[:-1])
        )
        pair = np.cumsum(new) - 1  # the distinct pair of each request, in sorted order
        first = np.flatnonzero(new)
        pair_column, pair_value = column[first], values[order][first]
        opens = np.ones(first.size, dtype=bool)
        opens[1:] = pair_column[1:] != pair_column[:-1]
        starts = np.flatnonzero(opens)
        slot = np.arange(first.size) - np.repeat(starts, np.diff(np.append(starts, first.size)))
        key = self.compression.colours[pair_column] * (int(slot.max()) + 1) + slot
        _, point = np.unique(key, return_inverse=True)
        by_point = np.argsort(point, kind="stable")
        ptr = np.zeros(int(point.max()) + 2, dtype=np.intp)
        np.cumsum(np.bincount(point), out=ptr[1:])
        point_of = np.empty(len(order), dtype=np.intp)
        point_of[order] = point[pair]
        return (ptr, pair_column[by_point], pair_value[by_point]), point_of

    def values_at(
        self, table: Table, check: bool = True, touched: NDArray[np.bool_] | None = None
    ) -> NDArray[Any]:
        """f at the whole points of ``table`` (see :class:`WholePoints`), one row per point,
        outputs flattened; with ``check``, outputs that moved although no moved column
        touches them (``touched``: per point, the outputs its columns touch, when known)
        are traced to their column (recorded in ``Compression.missed``)."""
        values = self._whole(table)
        if check:
            self._check_pattern(table, values, touched)
        return values

    def touched_by(self, columns: NDArray[np.intp]) -> NDArray[np.bool_]:
        """The outputs that ``columns`` touch."""
        ptr = np.array([0, columns.size], dtype=np.intp)
        touched: NDArray[np.bool_] = self._touched((ptr, columns, np.zeros(columns.size)))[0]
        return touched

    def _whole(self, table: Table) -> NDArray[Any]:
        """f at the whole points of ``table``, one row per point (outputs flattened)."""
        self.whole.table = table
        count = len(table[0]) - 1
        if self.closed:  # after the plan (the driver's checks): one whole point at a time
            found = [np.asarray(self.inner.at(np.array([float(k)]))) for k in range(count)]
            values: Any = np.stack(found) if found else np.zeros((0, self.at_x.size))
        else:
            numbers = Points(np.zeros(count, dtype=np.intp), np.arange(count, dtype=np.float64))
            values = self.inner(numbers)
        self.compression.calls += count
        return np.asarray(values).reshape(count, -1)

    def _touched(self, table: Table) -> NDArray[np.bool_]:
        """Per point of ``table``, the outputs that its moved columns touch."""
        ptr, columns, _ = table
        count = len(ptr) - 1
        touched = np.zeros((count, self.compression.f_at_x.size), dtype=bool)
        sizes = self.column_start[columns + 1] - self.column_start[columns]
        point = np.repeat(np.repeat(np.arange(count), np.diff(ptr)), sizes)
        firsts = np.repeat(self.column_start[columns], sizes)
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        entries = self.by_column[firsts + offsets]
        touched[point, self.compression.rows[entries]] = True
        return touched

    def _moved(
        self, values: NDArray[Any], outputs: NDArray[np.intp] | None = None
    ) -> NDArray[np.bool_]:
        """Where f's values (of ``outputs``, flat; all outputs by default, one row per
        point) differ from f(x) by more than f's rounding."""
        at_x = self.compression.f_at_x if outputs is None else self.compression.f_at_x[outputs]
        with np.errstate(all="ignore"):
            size = np.maximum(np.abs(values), np.abs(at_x))
            same = (values == at_x) | (np.abs(values - at_x) <= ROUNDING_ULPS * EPS * size)
            same |= (values != values) & (at_x != at_x)
        moved: NDArray[np.bool_] = ~same
        return moved

    def _check_pattern(
        self, table: Table, values: NDArray[Any], touched: NDArray[np.bool_] | None = None
    ) -> None:
        """Outputs that moved at a point although none of its columns touches them: find
        the column that moves them (halving the point's columns) and record the entry."""
        if touched is None:
            touched = self._touched(table)
        untouched = ~touched
        if not untouched.any():  # every output is touched at every point: none can stray
            return
        stray = np.zeros(untouched.shape, dtype=bool)
        stray[untouched] = self._moved(values[untouched], np.nonzero(untouched)[1])
        if not stray.any():
            return
        ptr, columns, moved_to = table
        for k in np.flatnonzero(stray.any(axis=1)).tolist():
            start, stop = int(ptr[k]), int(ptr[k + 1])
            self._blame(columns[start:stop], moved_to[start:stop], np.flatnonzero(stray[k]))

    def trace(
        self, columns: NDArray[np.intp], values: NDArray[Any], rows: NDArray[np.intp]
    ) -> None:
        """Find which of ``columns`` (moved to ``values``) moves each of ``rows``, halving
        the columns (within :data:`BLAME_BUDGET` evaluations), and record the entries in
        ``Compression.missed``."""
        self._blame(columns, values, rows)

    def _blame(
        self, columns: NDArray[np.intp], values: NDArray[Any], rows: NDArray[np.intp]
    ) -> None:
        """Record (row, column) for each of ``rows`` that moving ``columns`` moved."""
        if columns.size == 1:
            self.compression.missed.update((int(r), int(columns[0])) for r in rows)
            return
        if self.blamed >= BLAME_BUDGET:
            self.compression.missed.update((int(r), -1) for r in rows)
            return
        half = columns.size // 2
        parts = [(columns[:half], values[:half]), (columns[half:], values[half:])]
        ptr = np.array([0, half, columns.size], dtype=np.intp)
        found = self._whole((ptr, columns, values))
        self.blamed += 2
        moved = self._moved(found)
        for (part_columns, part_values), row_moved in zip(parts, moved, strict=True):
            still = rows[row_moved[rows]]
            if still.size:
                self._blame(part_columns, part_values, still)

    def at(self, point: NDArray[Any]) -> Any:
        """f at a point given per entry, read as the elementwise evaluator reads it: entry
        e's value is its output with its own column alone at ``point[e]`` (f(x) where
        that is x's value), evaluated in groups of columns as any request."""
        point = np.asarray(point).reshape(-1)
        base = self.compression.x.reshape(-1)[self.compression.columns]
        moved = np.flatnonzero(point != base)
        kind = np.complex128 if self.complex_ok else np.float64
        out = np.array(self.at_x, dtype=kind)
        if moved.size:
            table, point_of = self._tables(moved, point[moved])
            values = self._evaluated(table)
            out[moved] = values[point_of, self.compression.rows[moved]]
        return out

    def abort(self) -> None:
        self.inner.abort()
        super().abort()

    def close(self) -> None:
        self.inner.close()
        super().close()
