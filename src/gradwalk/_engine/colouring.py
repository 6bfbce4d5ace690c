"""Sparsity patterns and the colouring of their columns, for sparse Jacobians.

Columns of a Jacobian that share no row are *structurally orthogonal*: moving all of
them at once changes each row through one of them only, so one evaluation of f serves
every column of the group (A. R. Curtis, M. J. D. Powell and J. K. Reid, "On the
estimation of sparse Jacobian matrices", J. Inst. Math. Appl. 13, 1974). Groups are the
colour classes of a colouring of the column-intersection graph (columns adjacent where
they share a row): greedy in largest-first order (D. J. A. Welsh and M. B. Powell,
1967), computed from the rows without forming the graph, and DSATUR (D. Brélaz, "New
methods to color the vertices of a graph", Comm. ACM 22, 1979) where largest-first
stays above the lower bound, the largest number of entries in one row (T. F. Coleman
and J. J. Moré, "Estimation of sparse Jacobian matrices and graph coloring problems",
SIAM J. Numer. Anal. 20, 1983).

>>> import numpy as np
>>> pattern = as_pattern(np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool), (4, 4))
>>> column_colours(pattern).tolist()
[0, 1, 0, 1]
"""

from __future__ import annotations

import heapq
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.optional import scipy_sparse

__all__ = [
    "Pattern",
    "as_pattern",
    "colour",
    "colour_count",
    "column_colours",
    "derived",
    "lower_bound",
]

#: Most pairs (row, column, column) the column-intersection graph may be built from
#: (for DSATUR); beyond (a nearly dense row), the greedy colouring is kept.
GRAPH_LIMIT = 20_000_000

#: Patterns whose colouring is kept (Newton iterations reuse one pattern many times).
CACHED_PATTERNS = 8

#: Per pattern kept: its colours, and a dictionary of what callers derive from it.
_CACHE: OrderedDict[tuple[Any, ...], tuple[NDArray[np.intp], dict[str, Any]]] = OrderedDict()


@dataclass(frozen=True, eq=False)
class Pattern:
    """A Jacobian's sparsity pattern in compressed sparse rows.

    Row i (a flat index of f's values) may depend on the columns (flat indices of x)
    ``indices[indptr[i]:indptr[i + 1]]``, sorted and without repeats; every other
    entry of the Jacobian is zero by definition.
    """

    shape: tuple[int, int]
    indptr: NDArray[np.intp]
    indices: NDArray[np.intp]

    @property
    def nnz(self) -> int:
        """The number of entries."""
        return int(self.indices.size)

    def rows(self) -> NDArray[np.intp]:
        """The row of each entry, in the entries' order."""
        return np.repeat(np.arange(self.shape[0], dtype=np.intp), np.diff(self.indptr))

    @classmethod
    def from_entries(
        cls, shape: tuple[int, int], rows: NDArray[np.intp], columns: NDArray[np.intp]
    ) -> Pattern:
        """The pattern holding the entries (rows[k], columns[k]) (repeats kept once).

        >>> import numpy as np
        >>> p = Pattern.from_entries((2, 3), np.array([1, 0, 1]), np.array([2, 1, 2]))
        >>> p.indptr.tolist(), p.indices.tolist()
        ([0, 1, 2], [1, 2])
        """
        flat = np.sort(rows.astype(np.int64) * shape[1] + columns.astype(np.int64))
        if flat.size:
            flat = flat[np.append(True, flat[1:] != flat[:-1])]
        row, column = np.divmod(flat, max(1, shape[1]))
        indptr = np.zeros(shape[0] + 1, dtype=np.intp)
        np.cumsum(np.bincount(row, minlength=shape[0]), out=indptr[1:])
        return cls(shape, indptr, column.astype(np.intp))

    def matrix(self, data: NDArray[Any]) -> Any:
        """A ``scipy.sparse.csr_array`` of this pattern holding ``data`` (one per entry)."""
        sparse = scipy_sparse("a sparse Jacobian")
        return sparse.csr_array((data, self.indices.copy(), self.indptr.copy()), shape=self.shape)


def as_pattern(
    sparsity: object, shape: tuple[int, int], full_shape: tuple[int, ...] = ()
) -> Pattern:
    """``sparsity`` (a boolean array, or any ``scipy.sparse`` matrix or array) as a
    :class:`Pattern` of ``shape`` (f's values flattened, x flattened).

    An entry belongs to the pattern where ``sparsity`` holds a nonzero value (True, 1,
    nan); stored zeros do not count. A dense pattern may also have the Jacobian's own
    shape ``full_shape`` (``f(x).shape + x.shape``).

    Raises
    ------
    ValueError
        The pattern's shape is neither ``shape`` nor ``full_shape``.
    TypeError
        ``sparsity`` is not a numeric or boolean array, nor a scipy.sparse matrix.

    Examples
    --------
    >>> import numpy as np
    >>> p = as_pattern(np.array([[1, 0], [1, 1]]), (2, 2))
    >>> p.indptr.tolist(), p.indices.tolist()
    ([0, 1, 3], [0, 0, 1])
    """
    wanted = f"(outputs, elements) = {shape}" + (
        f" or f(x).shape + x.shape = {full_shape}" if full_shape and full_shape != shape else ""
    )
    sparse = scipy_sparse("numerical_jacobian(sparsity=...)")
    if sparse.issparse(sparsity):
        matrix: Any = sparsity
        if matrix.shape != shape:
            raise ValueError(
                f"sparsity has shape {matrix.shape}, but the Jacobian of f at x has shape "
                f"{wanted}: one row per value of f, one column per element of x (both "
                "flattened)."
            )
        csr = sparse.csr_array(matrix, copy=True)
        csr.sum_duplicates()  # and sorts each row's columns
        keep = np.asarray(csr.data != 0)
        if keep.all():
            return Pattern(
                shape,
                np.asarray(csr.indptr, dtype=np.intp),
                np.asarray(csr.indices, dtype=np.intp),
            )
        rows = np.repeat(np.arange(shape[0], dtype=np.intp), np.diff(csr.indptr))[keep]
        columns = np.asarray(csr.indices, dtype=np.intp)[keep]
        return Pattern.from_entries(shape, rows, columns)
    else:
        array = np.asarray(sparsity)
        if array.dtype.kind not in "biuf":
            raise TypeError(
                f"sparsity must be a boolean array or a scipy.sparse matrix, got dtype "
                f"{array.dtype} ({type(sparsity).__name__}); pass True where an output may "
                "depend on an element."
            )
        if array.shape != shape and not (full_shape and array.shape == full_shape):
            raise ValueError(
                f"sparsity has shape {array.shape}, but the Jacobian of f at x has shape "
                f"{wanted}: True where output i may depend on element j."
            )
        rows, columns = np.nonzero(array.reshape(shape))
    return Pattern.from_entries(shape, rows.astype(np.intp), columns.astype(np.intp))


def column_colours(pattern: Pattern) -> NDArray[np.intp]:
    """A colour per column such that columns of one colour share no row.

    Colours are 0, 1, ...; a column without entries gets 0. Colourings are kept for the
    last :data:`CACHED_PATTERNS` patterns (compared entry by entry), so a pattern reused
    in every step of a Newton iteration is coloured once.

    Examples
    --------
    >>> import numpy as np
    >>> band = np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> column_colours(as_pattern(band, (6, 6))).tolist()
    [0, 1, 2, 0, 1, 2]
    """
    return _kept(pattern)[0]


def derived(pattern: Pattern) -> dict[str, Any]:
    """A dictionary kept with the pattern's colouring, for arrays derived from the pattern
    and its colours (computed once for a pattern used call after call).

    >>> import numpy as np
    >>> p = as_pattern(np.eye(3, dtype=bool), (3, 3))
    >>> derived(p)["seen"] = True
    >>> derived(as_pattern(np.eye(3, dtype=bool), (3, 3)))["seen"]
    True
    """
    return _kept(pattern)[1]


def _kept(pattern: Pattern) -> tuple[NDArray[np.intp], dict[str, Any]]:
    """The kept colouring of ``pattern`` and its dictionary (made and kept if new)."""
    key = (pattern.shape, pattern.indptr.tobytes(), pattern.indices.tobytes())
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    colours = colour(pattern)
    colours.setflags(write=False)
    _CACHE[key] = (colours, {})
    while len(_CACHE) > CACHED_PATTERNS:
        _CACHE.popitem(last=False)
    return _CACHE[key]


def _in_order_of_appearance(colours: NDArray[np.intp]) -> NDArray[np.intp]:
    """The same colouring, colours renumbered in the order the columns first show them."""
    _, first = np.unique(colours, return_index=True)
    renumber = np.empty(first.size, dtype=np.intp)
    renumber[np.argsort(first)] = np.arange(first.size)
    return renumber[np.searchsorted(np.unique(colours), colours)]


def colour(pattern: Pattern, thorough: bool = True) -> NDArray[np.intp]:
    """A colour per column such that columns of one colour share no row (not kept: see
    :func:`column_colours`): greedy, then (``thorough``) DSATUR where the greedy colouring
    uses more colours than the lower bound and the graph is not huge; colours numbered in
    the order the columns first show them."""
    if not thorough:
        return _in_order_of_appearance(_colour_by_rows(pattern))
    return _in_order_of_appearance(_colour(pattern))


def _colour(pattern: Pattern) -> NDArray[np.intp]:
    """The colouring itself (see :func:`colour`)."""
    n = pattern.shape[1]
    if n == 0 or pattern.nnz == 0:
        return np.zeros(n, dtype=np.intp)
    colours = _colour_by_rows(pattern)
    per_row = np.diff(pattern.indptr).astype(np.int64)
    if colour_count(colours) > lower_bound(pattern) and int(np.sum(per_row**2)) <= GRAPH_LIMIT:
        better = _dsatur(*_intersection_graph(pattern))
        if colour_count(better) < colour_count(colours):
            colours = better
    return colours


def _intersection_graph(pattern: Pattern) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """The column-intersection graph in compressed rows: column j's neighbours are the
    other columns that share a row with it."""
    sparse = scipy_sparse("numerical_jacobian(sparsity=...)")
    ones = np.ones(pattern.nnz, dtype=np.int32)
    matrix = sparse.csr_array((ones, pattern.indices, pattern.indptr), shape=pattern.shape)
    graph = (matrix.T @ matrix).tocsr()
    graph.setdiag(0)
    graph.eliminate_zeros()
    return np.asarray(graph.indptr, dtype=np.intp), np.asarray(graph.indices, dtype=np.intp)


def _dsatur(indptr: NDArray[np.intp], indices: NDArray[np.intp]) -> NDArray[np.intp]:
    """DSATUR: the column whose neighbours already have the most distinct colours next
    (ties: the higher degree, then the lower index), given the least colour it can take."""
    starts, neighbours = indptr.tolist(), indices.tolist()
    n = len(starts) - 1
    degree = [starts[v + 1] - starts[v] for v in range(n)]
    colour = [-1] * n
    seen: list[set[int]] = [set() for _ in range(n)]
    heap = [(0, -degree[v], v) for v in range(n)]
    heapq.heapify(heap)
    while heap:
        saturation, _, v = heapq.heappop(heap)
        if colour[v] >= 0 or -saturation != len(seen[v]):
            continue  # coloured already, or an outdated entry
        c = 0
        while c in seen[v]:
            c += 1
        colour[v] = c
        for u in neighbours[starts[v] : starts[v + 1]]:
            if colour[u] < 0 and c not in seen[u]:
                seen[u].add(c)
                heapq.heappush(heap, (-len(seen[u]), -degree[u], u))
    return np.array(colour, dtype=np.intp)


def _colour_by_rows(pattern: Pattern) -> NDArray[np.intp]:
    """Greedy colouring without forming the graph (a nearly dense row would make it
    huge): each row keeps the set of colours its columns have, as the bits of an integer,
    and each column (those in the largest rows first) takes the least colour none of its
    rows has."""
    m, n = pattern.shape
    per_row = np.diff(pattern.indptr)
    rows = pattern.rows()
    by_column = np.argsort(pattern.indices, kind="stable")
    starts = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(pattern.indices, minlength=n), out=starts[1:])
    weight = np.bincount(pattern.indices, weights=per_row[rows], minlength=n)
    column_rows, bounds = rows[by_column].tolist(), starts.tolist()
    used_in_row = [0] * m
    colour = [0] * n
    for v in np.argsort(-weight, kind="stable").tolist():
        mine = column_rows[bounds[v] : bounds[v + 1]]
        used = 0
        for r in mine:
            used |= used_in_row[r]
        c = (~used & (used + 1)).bit_length() - 1  # the lowest bit not set
        colour[v] = c
        for r in mine:
            used_in_row[r] |= 1 << c
    return np.array(colour, dtype=np.intp)


def colour_count(colours: NDArray[np.intp]) -> int:
    """How many colours a colouring uses (0 for no columns).

    >>> colour_count(np.array([0, 2, 1])), colour_count(np.array([], dtype=np.intp))
    (3, 0)
    """
    return int(colours.max()) + 1 if colours.size else 0


def lower_bound(pattern: Pattern) -> int:
    """The fewest colours any colouring can use: the most entries in one row.

    >>> import numpy as np
    >>> lower_bound(as_pattern(np.ones((2, 3), dtype=bool), (2, 3)))
    3
    """
    return int(np.diff(pattern.indptr).max(initial=0))
