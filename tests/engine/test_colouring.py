"""Sparsity patterns and column colourings: groups that share no row, few of them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from gradwalk._engine.colouring import (
    GRAPH_LIMIT,
    Pattern,
    as_pattern,
    colour,
    colour_count,
    column_colours,
    lower_bound,
)


def laplacian_2d(width: int) -> sparse.csr_array:
    """The five-point Laplacian's pattern on a width × width grid (natural ordering)."""
    index = np.arange(width * width).reshape(width, width)
    pairs = [(index, index), (index[1:], index[:-1]), (index[:-1], index[1:])]
    pairs += [(index[:, 1:], index[:, :-1]), (index[:, :-1], index[:, 1:])]
    rows = np.concatenate([a.ravel() for a, _ in pairs])
    columns = np.concatenate([b.ravel() for _, b in pairs])
    size = width * width
    return sparse.csr_array((np.ones(rows.size, bool), (rows, columns)), shape=(size, size))


def assert_groups_share_no_row(pattern: Pattern, colours: np.ndarray) -> None:
    rows = pattern.rows()
    pairs = np.stack([rows, colours[pattern.indices]], axis=1)
    distinct = np.unique(pairs, axis=0)
    assert len(distinct) == len(pairs), "two columns of one colour share a row"


def test_tridiagonal_takes_three_colours_the_lower_bound() -> None:
    n = 2000
    pattern = as_pattern(
        sparse.diags_array([1, 1, 1], offsets=[-1, 0, 1], shape=(n, n), dtype=bool), (n, n)
    )
    colours = column_colours(pattern)
    assert colour_count(colours) == 3 == lower_bound(pattern)
    assert_groups_share_no_row(pattern, colours)


def test_five_point_laplacian_takes_five_colours() -> None:
    matrix = laplacian_2d(45)
    pattern = as_pattern(matrix, matrix.shape)
    colours = column_colours(pattern)
    assert colour_count(colours) == 5, "DSATUR should reach the lower bound of 5 on the grid"
    assert_groups_share_no_row(pattern, colours)


def test_a_dense_row_gives_every_column_its_own_colour_without_the_graph() -> None:
    n = 5000  # an arrow: row 0 holds every column, so the graph would be n² pairs
    rows = np.concatenate([np.zeros(n, int), np.arange(n)])
    columns = np.concatenate([np.arange(n), np.arange(n)])
    pattern = Pattern.from_entries((n, n), rows, columns)
    assert n * n > GRAPH_LIMIT, "the case must exceed the graph limit"
    colours = colour(pattern)
    assert colour_count(colours) == n


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 30),
    st.floats(0.02, 0.5),
    st.integers(0, 2**31 - 1),
)
def test_any_pattern_is_coloured_into_groups_that_share_no_row(
    m: int, n: int, density: float, seed: int
) -> None:
    dense = np.random.default_rng(seed).random((m, n)) < density
    pattern = as_pattern(dense, (m, n))
    colours = colour(pattern)
    assert colours.shape == (n,)
    assert_groups_share_no_row(pattern, colours)
    assert colour_count(colours) >= lower_bound(pattern)


def test_patterns_are_read_from_every_sparse_format_and_stored_zeros_do_not_count() -> None:
    dense = np.array([[1, 0, 2], [0, 0, 3]])
    expected = as_pattern(dense != 0, (2, 3))
    for kind in (sparse.csr_array, sparse.csc_array, sparse.coo_array, sparse.csr_matrix):
        found = as_pattern(kind(dense), (2, 3))
        assert found.indices.tolist() == expected.indices.tolist(), kind.__name__
    stored_zero = sparse.csr_array((np.array([1.0, 0.0]), np.array([0, 1]), np.array([0, 2, 2])))
    assert as_pattern(stored_zero, (2, 2)).nnz == 1, "a stored 0 is not an entry"


def test_a_pattern_of_the_wrong_shape_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"shape \(3, 3\).*\(outputs, elements\) = \(4, 3\)"):
        as_pattern(np.eye(3, dtype=bool), (4, 3))
    with pytest.raises(ValueError, match=r"shape \(4, 4\)"):
        as_pattern(sparse.eye_array(4), (4, 3))


def test_a_pattern_that_is_not_boolean_or_numeric_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"boolean array or a scipy\.sparse matrix"):
        as_pattern(np.array([["a", "b"]]), (1, 2))


def test_a_dense_pattern_may_have_the_jacobians_own_shape() -> None:
    full = np.zeros((2, 3, 2, 3), dtype=bool)
    full[1, 2, 0, 1] = True
    pattern = as_pattern(full, (6, 6), (2, 3, 2, 3))
    assert pattern.rows().tolist() == [5] and pattern.indices.tolist() == [1]


def test_colourings_are_kept_per_pattern() -> None:
    pattern = as_pattern(np.eye(7, dtype=bool) | np.eye(7, k=2, dtype=bool), (7, 7))
    first = column_colours(pattern)
    again = column_colours(as_pattern(np.eye(7, dtype=bool) | np.eye(7, k=2, dtype=bool), (7, 7)))
    assert again is first, "the same pattern must not be coloured twice"
