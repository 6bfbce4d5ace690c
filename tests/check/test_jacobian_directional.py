"""check_jacobian(mode="directional"): a cost independent of the size, and a wrong entry
found and named by row and column."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import check_jacobian
from tests.support.bratu import Bratu

BRATU = Bratu(2000)


def planted(row: int, column: int, error: float = 1e-3):  # type: ignore[no-untyped-def]
    wrong = BRATU.jacobian().tolil()
    wrong[row, column] = wrong[row, column] + error
    return wrong.tocsr()


def test_the_exact_jacobian_passes_at_a_cost_independent_of_its_size() -> None:
    BRATU.calls = 0
    check = check_jacobian(BRATU, BRATU.u, BRATU.jacobian(), mode="directional", seed=0)
    assert check.passed, str(check)
    assert check.nfev == BRATU.calls and check.nfev < 50
    assert check.mode == "directional" and check.checked == 2


@pytest.mark.parametrize(
    ("row", "column"),
    [(1234, 1234), (17, 18), (1999, 1998), (5, 1500), (1800, 3)],
    ids=["diagonal", "above", "below", "far above", "far below"],
)
def test_a_wrong_entry_anywhere_is_found_and_named(row: int, column: int) -> None:
    # +1e-3 on entries of 8e6: hidden under any tolerance relative to the whole Jacobian
    BRATU.calls = 0
    check = check_jacobian(BRATU, BRATU.u, planted(row, column), mode="directional", seed=row)
    assert not check.passed
    assert [failure.index for failure in check.failures] == [(row, column)], str(check)
    assert check.failures[0].diagnosis == "wrong"
    assert f"wrong at J[{row}, {column}]" in check.verdict
    assert check.nfev == BRATU.calls and check.nfev < 50, f"{check.nfev} evaluations"


def test_one_direction_takes_one_more_to_name_the_column() -> None:
    check = check_jacobian(BRATU, BRATU.u, planted(700, 700), mode="directional", k=1, seed=3)
    assert [failure.index for failure in check.failures] == [(700, 700)]


def test_a_wrong_column_is_named_in_every_row_it_reaches() -> None:
    wrong = BRATU.jacobian().tolil()
    for row in (99, 100, 101):
        wrong[row, 100] = wrong[row, 100] * (1 + 1e-6)
    check = check_jacobian(BRATU, BRATU.u, wrong.tocsr(), mode="directional", seed=5)
    assert sorted(failure.index for failure in check.failures) == [
        (99, 100),
        (100, 100),
        (101, 100),
    ]


def test_a_dense_jacobian_of_arrays_is_checked_with_its_own_shape() -> None:
    A = np.random.default_rng(2).normal(size=(2, 3, 4))

    def f(x: np.ndarray) -> np.ndarray:
        return np.tanh(np.tensordot(A, x, axes=1))

    x = np.linspace(-0.5, 0.5, 4)
    exact = A * (1 - f(x) ** 2)[..., None]
    assert check_jacobian(f, x, exact, mode="directional", seed=1).passed
    exact[1, 2, 3] += 1e-6
    check = check_jacobian(f, x, exact, mode="directional", seed=1)
    assert [failure.index for failure in check.failures] == [(1, 2, 3)]


def test_the_report_says_how_each_value_was_scaled() -> None:
    report = str(check_jacobian(BRATU, BRATU.u, planted(40, 41), mode="directional", seed=4))
    assert "scale = sum_j |J[i, j] v_j| for output i of J·v" in report
    assert "J          40, 41" in report


def test_a_jacobian_of_the_wrong_shape_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"jac has shape \(3, 3\)"):
        check_jacobian(np.sin, np.ones(2), np.eye(3), mode="directional")


def test_an_unknown_mode_is_an_error() -> None:
    with pytest.raises(ValueError, match="mode='both' is not a mode"):
        check_jacobian(np.sin, np.ones(2), np.eye(2), mode="both")  # type: ignore[arg-type]


def test_options_that_directions_do_not_take_are_an_error() -> None:
    with pytest.raises(ValueError, match="not sparsity"):
        check_jacobian(np.sin, np.ones(2), np.eye(2), mode="directional", sparsity=np.eye(2))


def test_a_vectorized_f_is_checked_along_directions() -> None:
    A = np.array([[1.0, 2.0], [0.5, -1.0]])
    check = check_jacobian(
        lambda X: np.sin(X @ A.T),
        np.array([0.1, 0.2]),
        A * np.cos(A @ np.array([0.1, 0.2]))[:, None],
        mode="directional",
        vectorized=True,
    )
    assert check.passed, str(check)
