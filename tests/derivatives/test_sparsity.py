"""jacobian_sparsity: patterns found from f alone, at a cost it states."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from gradwalk import jacobian_sparsity, numerical_jacobian
from tests.engine.test_colouring import laplacian_2d
from tests.support.bratu import Bratu


def test_the_tridiagonal_pattern_is_found_exactly_in_a_few_dozen_evaluations() -> None:
    bratu = Bratu(2000)
    found = jacobian_sparsity(bratu, bratu.u, full_output=True)
    assert (found.pattern != bratu.pattern()).nnz == 0, "not the tridiagonal pattern"
    assert found.nfev == bratu.calls, "nfev must count f's evaluations"
    assert found.nfev < 150 and found.colours == 3


def test_the_five_point_laplacian_pattern_is_found_exactly() -> None:
    width = 45

    def poisson(u: np.ndarray) -> np.ndarray:
        grid = np.pad(u.reshape(width, width), 1)
        inner = grid[1:-1, 1:-1]
        lap = grid[:-2, 1:-1] + grid[2:, 1:-1] + grid[1:-1, :-2] + grid[1:-1, 2:] - 4 * inner
        return (lap + inner**3).ravel()

    u = np.random.default_rng(0).uniform(0.1, 1.0, width * width)
    found = jacobian_sparsity(poisson, u, full_output=True)
    assert (found.pattern != laplacian_2d(width)).nnz == 0
    assert found.colours == 5 and found.nfev < 300


def test_a_kink_at_x_moving_one_side_only_is_found() -> None:
    def f(u: np.ndarray) -> np.ndarray:
        return np.array([np.maximum(u[0], 0.0) + u[1], np.minimum(u[2], 0.0)])

    found = jacobian_sparsity(f, np.array([0.0, 1.0, 0.0]))
    assert found.toarray().tolist() == [[True, True, False], [False, False, True]]


def test_every_entry_of_a_dense_jacobian_is_found_at_about_two_evaluations_per_element() -> None:
    A = np.random.default_rng(1).uniform(0.5, 1.5, (40, 40))
    found = jacobian_sparsity(lambda u: np.tanh(A @ u), np.full(40, 0.01), full_output=True)
    assert found.pattern.nnz == 40 * 40
    assert found.nfev <= 2 * 40 + 100


def test_a_zero_that_holds_only_at_x_is_missed_and_a_point_nearby_finds_it() -> None:
    def product(u: np.ndarray) -> np.ndarray:
        return np.array([u[0] * u[1]])

    x = np.array([2.0, 0.0])  # d(u0 u1)/du0 = u1 = 0 here: moving u0 alone moves nothing
    assert jacobian_sparsity(product, x).toarray().tolist() == [[False, True]]
    nearby = x + np.random.default_rng(0).uniform(-1e-3, 1e-3, 2)
    union = jacobian_sparsity(product, x) + jacobian_sparsity(product, nearby)
    assert union.toarray().tolist() == [[True, True]]


def test_the_pattern_found_is_reused_by_numerical_jacobian() -> None:
    bratu = Bratu(500)
    pattern = jacobian_sparsity(bratu, bratu.u)
    result = numerical_jacobian(
        bratu, bratu.u, method="complex", sparsity=pattern, full_output=True
    )
    difference = abs(result.jac - bratu.jacobian())
    # 3 colours, f(x), 2 to verify, and 3 × 3 for the complex step's check of analyticity
    assert difference.max() < 1e-6 and result.nfev == 3 + 1 + 2 + 9


def test_x_is_restored_and_a_vectorized_f_works() -> None:
    bratu = Bratu(60)
    x = bratu.u.copy()
    found = jacobian_sparsity(bratu.batch, x, vectorized=True)
    assert (found != bratu.pattern()).nnz == 0
    assert np.array_equal(x, bratu.u)


def test_a_seed_of_the_wrong_type_is_an_error() -> None:
    with pytest.raises(TypeError, match="seed"):
        jacobian_sparsity(np.sin, np.ones(3), seed="x")  # type: ignore[arg-type]


def test_the_result_is_a_boolean_csr_array() -> None:
    found = jacobian_sparsity(np.sin, np.ones(3))
    assert isinstance(found, sparse.csr_array) and found.dtype == bool
    assert found.toarray().tolist() == np.eye(3, dtype=bool).tolist()
