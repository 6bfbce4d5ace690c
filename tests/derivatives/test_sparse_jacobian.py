"""numerical_jacobian(sparsity=): every method on the Bratu residual, the evaluation
modes, the caller's array, and patterns that are wrong."""

from __future__ import annotations

import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from scipy import sparse

from gradwalk import (
    GradientStatus,
    InputModifiedError,
    NonFiniteWarning,
    SparsityWarning,
    numerical_jacobian,
)
from tests.support.bratu import Bratu

#: method, order, evaluations per colour (a single difference's points; f(x) is shared)
METHODS = [
    ("central", None, 2),
    ("forward", None, 1),
    ("backward", None, 1),
    ("central", 4, 4),
    ("backward", 2, 2),
    ("complex", None, 1),
]

#: Evaluations of the verification after every sparse Jacobian (a central difference
#: along a random half of the columns).
VERIFICATION = 2


def entries(matrix: sparse.csr_array, pattern: sparse.csr_array) -> np.ndarray:
    rows, columns = pattern.nonzero()
    return np.asarray(matrix[rows, columns]).ravel()


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")  # the same for both: not here
@pytest.mark.parametrize(("method", "order", "points"), METHODS)
def test_every_method_with_sparsity_gives_the_dense_jacobians_entries(
    method: str, order: int | None, points: int
) -> None:
    bratu = Bratu(300)
    dense = numerical_jacobian(bratu, bratu.u, "auto", method=method, order=order)
    per_element = -(-(bratu.calls - 1) // 300)  # the dense Jacobian's, its checks included
    bratu.calls = 0
    result = numerical_jacobian(
        bratu,
        bratu.u,
        "auto",
        method=method,
        order=order,
        sparsity=bratu.pattern(),
        full_output=True,
    )
    assert result.colours == 3
    assert result.nfev == bratu.calls, "nfev must count f's evaluations"
    # per colour the stencil's points, and as many again where the engine verifies a
    # stencil at a second step, with one value off the stencil's grid at each step it
    # verifies; the complex step's check of analyticity reads each entry with its column
    # alone: colours × entries per column
    cross_check = 3 * 3 if method == "complex" else 0
    verified = 2 * (points + 1) if order is not None else points
    assert points <= per_element
    assert result.nfev <= 3 * verified + 1 + VERIFICATION + cross_check, result.nfev
    rows, columns = bratu.pattern().nonzero()
    found, expected = entries(result.jac, bratu.pattern()), dense[rows, columns]
    # the same points and the same arithmetic on f's own values (each entry's f(x) its
    # output's): bit for bit
    assert np.array_equal(found, expected), f"{method}: not the dense entries bit for bit"
    assert isinstance(result.jac, sparse.csr_array) and result.jac.nnz == 3 * 300 - 2


def test_richardson_with_sparsity_is_within_its_error_bars_at_a_few_evaluations_per_colour() -> (
    None
):
    bratu = Bratu(2000)
    result = numerical_jacobian(
        bratu, bratu.u, method="richardson", sparsity=bratu.pattern(), full_output=True
    )
    exact = entries(bratu.jacobian(), bratu.pattern())
    found = entries(result.jac, bratu.pattern())
    bars = entries(result.error, bratu.pattern())
    assert np.all(np.abs(found - exact) <= bars), "Richardson's bars must cover every entry"
    assert np.max(np.abs(found - exact)) < 1e-7
    assert result.nfev <= 3 * 2 * 10 + 1 + VERIFICATION, f"{result.nfev} evaluations"
    assert np.all(result.status == GradientStatus.CONVERGED)


def test_bratu_at_2000_costs_colours_times_stencil_points_plus_one_plus_the_verification() -> None:
    bratu = Bratu(2000)
    result = numerical_jacobian(bratu, bratu.u, "auto", sparsity=bratu.pattern(), full_output=True)
    assert (result.colours, result.nfev) == (3, 3 * 2 + 1 + VERIFICATION)
    exact = entries(bratu.jacobian(), bratu.pattern())
    # the central difference's own error: rounding in F amplified by 1/dx² ~ 4e6
    assert np.max(np.abs(entries(result.jac, bratu.pattern()) - exact)) < 1e-4
    assert repr(result).startswith("JacobianResult(method='central', nfev=9, colours=3")


@pytest.mark.parametrize(("method", "order"), [("central", 4), ("central", 6), ("forward", 2)])
@pytest.mark.parametrize("sparsity", [True, False], ids=["sparse", "dense"])
def test_a_fixed_stencil_on_the_smooth_bratu_residual_converges_without_a_noise_alarm(
    method: str, order: int, sparsity: bool
) -> None:
    # Each entry's f(x) is its own output's: a plan that read f(x) as 0 (the differences
    # of its first request) beside f's own values at a finer step or off the stencil's
    # grid saw f(x) itself as noise, and every entry of the sparse path was NOISY.
    bratu = Bratu(2000 if sparsity else 200)
    pattern = bratu.pattern()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = numerical_jacobian(
            bratu,
            bratu.u,
            method=method,
            order=order,
            sparsity=pattern if sparsity else None,
            full_output=True,
        )
    path = "sparse" if sparsity else "dense"
    rows, columns = pattern.nonzero()
    exact = entries(bratu.jacobian(), pattern)
    if sparsity:
        found, bars = entries(result.jac, pattern), entries(result.error, pattern)
    else:
        found, bars = result.jac[rows, columns], result.error[rows, columns]
    codes, counts = np.unique(result.status, return_counts=True)
    statuses = dict(zip(codes.tolist(), counts.tolist(), strict=True))
    assert np.all(result.status == GradientStatus.CONVERGED), (
        f"{path} {method} order={order}: the smooth Bratu residual's entries are not all "
        f"CONVERGED (status counts {statuses}): a false alarm"
    )
    messages = [str(w.message) for w in caught]
    assert not messages, f"{path} {method} order={order}: a false alarm on smooth F: {messages}"
    missed = np.abs(found - exact) > bars
    assert not missed.any(), (
        f"{path} {method} order={order}: {int(missed.sum())} entries lie outside their "
        "error bars: the bars are not honest"
    )
    assert np.all(bars <= 1e-4 * np.abs(exact)), (
        f"{path} {method} order={order}: error bars up to {np.max(bars / np.abs(exact)):.1e} "
        "of the entries, beyond the default tolerance, on a smooth F"
    )


@pytest.mark.parametrize("mode", ["vectorized", "threads", "processes"])
def test_evaluation_modes_give_the_in_place_result(mode: str) -> None:
    bratu = Bratu(100)
    expected = numerical_jacobian(bratu, bratu.u, "auto", sparsity=bratu.pattern())
    if mode == "vectorized":
        found = numerical_jacobian(
            bratu.batch, bratu.u, "auto", sparsity=bratu.pattern(), vectorized=True
        )
    elif mode == "threads":
        with ThreadPoolExecutor(2) as pool:
            found = numerical_jacobian(
                bratu, bratu.u, "auto", sparsity=bratu.pattern(), workers=pool
            )
    else:
        found = numerical_jacobian(bratu, bratu.u, "auto", sparsity=bratu.pattern(), workers=2)
    assert (found != expected).nnz == 0, f"{mode} differs from the in-place result"


def test_a_closure_over_the_callers_array_sees_the_moves_and_the_array_is_restored() -> None:
    w = np.linspace(1.0, 2.0, 6)
    before = w.copy()
    result = numerical_jacobian(lambda _: w**3, w, "auto", sparsity=np.eye(6, dtype=bool))
    np.testing.assert_allclose(result.diagonal(), 3 * before**2, rtol=1e-9)
    assert np.array_equal(w, before), "x must be restored bit for bit"


def test_f_that_changes_x_is_stopped_and_x_restored() -> None:
    x = np.linspace(1.0, 2.0, 5)
    before = x.copy()

    def rude(u: np.ndarray) -> np.ndarray:
        u[1] = 7.0
        return u**2

    with pytest.raises(InputModifiedError, match=r"x\[1\]"):
        numerical_jacobian(rude, x, sparsity=np.eye(5, dtype=bool))
    assert np.array_equal(x, before)


def test_a_pattern_of_the_wrong_shape_is_an_error_naming_the_jacobians_shape() -> None:
    bratu = Bratu(10)
    with pytest.raises(ValueError, match=r"shape \(9, 9\).*\(outputs, elements\) = \(10, 10\)"):
        numerical_jacobian(bratu, bratu.u, sparsity=np.eye(9, dtype=bool))
    with pytest.raises(ValueError, match=r"sparsity has shape \(10, 11\)"):
        numerical_jacobian(bratu, bratu.u, sparsity=sparse.eye_array(10, 11))


def with_stray_entry(u: np.ndarray) -> np.ndarray:
    """u² with output 0 also depending on u[5]."""
    result = u**2
    result[0] += 3.0 * u[5]
    return result


def sparsity_warnings(*args: object, **options: object) -> tuple[object, str]:
    """numerical_jacobian's result and the text of its SparsityWarnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = numerical_jacobian(*args, full_output=True, **options)  # type: ignore[call-overload]
    said = " ".join(str(w.message) for w in caught if w.category is SparsityWarning)
    return result, said


def test_an_entry_outside_the_pattern_that_moves_an_untouched_row_is_named() -> None:
    x = np.linspace(1.0, 2.0, 8)
    tridiagonal = sparse.diags_array([1, 1, 1], offsets=[-1, 0, 1], shape=(8, 8), dtype=bool)
    result, said = sparsity_warnings(with_stray_entry, x, "auto", sparsity=tridiagonal)
    assert "the sparsity pattern lacks: J[0, 5]" in said, said
    assert result.status[5] == GradientStatus.PATTERN_MISSED, (  # type: ignore[attr-defined]
        f"the column found to move row 0 kept status {result.status[5]}, as if it were known"  # type: ignore[attr-defined]
    )


def test_an_entry_hidden_in_its_rows_group_is_caught_by_the_verification() -> None:
    x = np.linspace(1.0, 2.0, 8)
    diagonal = np.eye(8, dtype=bool)  # one colour: every column moves at once
    result, said = sparsity_warnings(with_stray_entry, x, "auto", sparsity=diagonal)
    assert "rows for f(x)[0] do not match f" in said, said
    assert "J[0, 5]" in said, "the column that moves row 0 should be traced"
    assert np.isinf(result.error[0, 0]), "the contaminated row's error bar must be inf"  # type: ignore[attr-defined]
    assert result.status[0] == GradientStatus.PATTERN_MISSED, (  # type: ignore[attr-defined]
        "an element with an entry in a row f contradicts is not CONVERGED"
    )
    assert result.status[3] == GradientStatus.CONVERGED, "rows f agrees with are untouched"  # type: ignore[attr-defined]


def test_a_correct_pattern_draws_no_sparsity_warning() -> None:
    bratu = Bratu(50)
    _, said = sparsity_warnings(bratu, bratu.u, method="richardson", sparsity=bratu.pattern())
    assert said == ""


def test_a_jacobian_of_arrays_uses_the_flattened_shape() -> None:
    A = np.arange(24.0).reshape(2, 12) / 10

    def f(x: np.ndarray) -> np.ndarray:
        return np.sin(A @ x.reshape(-1)).reshape(2, 1)

    x = np.linspace(0.1, 1.2, 12).reshape(3, 4)
    dense = numerical_jacobian(f, x, "auto")
    pattern = np.ones(dense.shape, dtype=bool)
    pattern[0, 0, 0, 0] = False  # A[0, 0] is 0: a pattern in f(x).shape + x.shape
    found = numerical_jacobian(f, x, "auto", sparsity=pattern)
    assert found.shape == (2, 12)
    np.testing.assert_array_equal(found.toarray(), np.where(pattern, dense, 0).reshape(2, 12))


def test_warnings_name_entries_of_the_jacobian() -> None:
    x = np.array([1.0, 2.0, -1.0])
    with (
        pytest.warns(NonFiniteWarning, match=r"J\[2, 2\].*entries of the Jacobian are nan"),
        np.errstate(invalid="ignore"),
    ):
        result = numerical_jacobian(np.log, x, sparsity=np.eye(3, dtype=bool), full_output=True)
    assert np.isnan(result.jac[2, 2]) and result.status[2] == GradientStatus.NONFINITE
    assert result.status[0] == GradientStatus.CONVERGED


def test_a_pattern_without_entries_is_a_zero_jacobian_for_one_evaluation() -> None:
    result = numerical_jacobian(
        np.sin, np.ones(4), sparsity=np.zeros((4, 4), dtype=bool), full_output=True
    )
    assert result.jac.nnz == 0 and result.nfev == 1 and result.colours == 0


def test_the_sparse_path_needs_no_array_of_n_squared() -> None:
    bratu = Bratu(20000)
    pattern = bratu.pattern()
    numerical_jacobian(bratu, bratu.u, "auto", sparsity=pattern)  # imports, colouring kept
    tracemalloc.start()
    numerical_jacobian(bratu, bratu.u, "auto", sparsity=pattern)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40 * 2**20, f"peak {peak / 2**20:.0f} MiB: N² doubles would be 3 GiB"


def test_as_linear_operator_solves_a_newton_step_with_gmres() -> None:
    from scipy.sparse.linalg import gmres, splu

    bratu = Bratu(200)
    operator = numerical_jacobian(bratu, bratu.u, as_linear_operator=True)
    assert operator.shape == (200, 200)
    exact = bratu.jacobian()
    step = np.sin(np.arange(200.0))
    laplacian = splu((exact - sparse.diags_array(np.exp(bratu.u))).tocsc())
    preconditioner = sparse.linalg.LinearOperator((200, 200), matvec=laplacian.solve)
    solution, info = gmres(operator, exact @ step, rtol=1e-10, M=preconditioner)
    assert info == 0
    np.testing.assert_allclose(solution, step, rtol=1e-6, atol=1e-6)
    assert operator.nfev > 1


def test_as_linear_operator_refuses_what_it_cannot_honour() -> None:
    with pytest.raises(ValueError, match="full_output and sparsity"):
        numerical_jacobian(
            np.sin,
            np.ones(3),
            as_linear_operator=True,
            full_output=True,
            sparsity=np.eye(3, dtype=bool),
        )


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")  # sqrt' is infinite at 0
def test_bounds_hold_for_every_column_of_a_group() -> None:
    def f(u: np.ndarray) -> np.ndarray:
        if np.any(u < 0):
            raise AssertionError(f"f evaluated outside its bounds at {u}")
        return np.sqrt(u) + u[::-1]

    x = np.array([0.0, 1e-3, 0.5, 2.0])
    pattern = np.eye(4, dtype=bool) | np.eye(4, dtype=bool)[::-1]
    result = numerical_jacobian(
        f, x, method="central", order=4, bounds=(0.0, np.inf), sparsity=pattern, full_output=True
    )
    np.testing.assert_allclose(result.jac.diagonal()[2:], 1 / (2 * np.sqrt(x[2:])), rtol=1e-6)
