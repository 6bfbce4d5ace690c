"""check_jacobian: the gradient checker's verdict and diagnosis, entry by entry."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import PrecisionWarning, check_jacobian


def f(x: np.ndarray) -> np.ndarray:
    return np.array([np.exp(x[0]) * x[1], np.sin(x[0] * x[1]), x[1] ** 3])


def f_batch(X: np.ndarray) -> np.ndarray:
    return np.stack([np.exp(X[:, 0]) * X[:, 1], np.sin(X[:, 0] * X[:, 1]), X[:, 1] ** 3], 1)


def jac(x: np.ndarray) -> np.ndarray:
    c = np.cos(x[0] * x[1])
    return np.array(
        [[np.exp(x[0]) * x[1], np.exp(x[0])], [c * x[1], c * x[0]], [0.0, 3 * x[1] ** 2]]
    )


X = np.array([0.3, -1.1])


@pytest.mark.parametrize("options", [{}, {"vectorized": True}])
def test_a_correct_jacobian_passes_and_x_is_left_alone(options: dict[str, bool]) -> None:
    x = X.copy()
    check = check_jacobian(f_batch if options else f, x, jac, **options)
    assert check.passed, str(check)
    assert check.checked == 6 and check.subject == "Jacobian"
    assert np.array_equal(x, X), "x must be left as it was"


def test_a_wrong_entry_is_named_and_diagnosed_wrong() -> None:
    wrong = jac(X)
    wrong[1, 1] *= 1.001
    check = check_jacobian(f, X.copy(), wrong)
    assert not check.passed and check.failed == 1
    assert check.failures[0].label == "J[1, 1]", check.failures[0].label
    assert check.failures[0].diagnosis == "wrong", str(check)
    assert "Jacobian check FAILED: the analytic Jacobian is wrong at J[1, 1]" in str(check)


def test_a_kink_in_one_output_is_diagnosed_nonsmooth() -> None:
    def g(x: np.ndarray) -> np.ndarray:
        return np.array([np.abs(x[0]), x[0] ** 2])

    with pytest.warns(PrecisionWarning, match="kink or a jump"):  # the Jacobian says it too
        check = check_jacobian(g, np.array([0.0]), np.array([[1.0], [0.0]]))
    assert check.outcome == "not checkable", str(check)
    assert [(row.label, row.diagnosis) for row in check.unverified] == [("J[0, 0]", "nonsmooth")]


def test_jac_of_the_wrong_shape_names_the_expected_shape() -> None:
    with pytest.raises(ValueError, match=r"\(3,\) \+ \(2,\) = \(3, 2\)"):
        check_jacobian(f, X, np.zeros((2, 3)))


# --- f computed inexactly: an ODE solved to a tolerance -------------------------------


def _lotka_volterra(t: float, z: np.ndarray, a: float, b: float, c: float, d: float) -> list[float]:
    u, v = z
    return [a * u - b * u * v, c * u * v - d * v]


def _with_sensitivities(
    t: float, s: np.ndarray, a: float, b: float, c: float, d: float
) -> np.ndarray:
    """The model and its forward sensitivities d(u, v)/d(a, b, c, d): the exact Jacobian
    of the solution, by the variational equations (solved far more tightly)."""
    u, v = s[:2]
    sensitivity = s[2:].reshape(2, 4)
    jac_z = np.array([[a - b * v, -b * u], [c * v, c * u - d]])
    jac_p = np.array([[u, -u * v, 0, 0], [0, 0, u * v, -v]])
    return np.concatenate(
        [_lotka_volterra(t, s[:2], a, b, c, d), (jac_z @ sensitivity + jac_p).ravel()]
    )


TIMES = np.linspace(0.2, 10, 50)
P0 = np.array([1.0, 0.5, 0.3, 0.8])


@pytest.mark.filterwarnings("ignore:f is noisy:gradwalk.PrecisionWarning")
@pytest.mark.parametrize("rtol", [1e-6, 1e-8])
def test_an_ode_solved_to_a_tolerance_is_computed_inexactly_not_a_wrong_jacobian(
    rtol: float,
) -> None:
    solve_ivp = pytest.importorskip("scipy.integrate").solve_ivp
    start = np.concatenate([[1.0, 1.0], np.zeros(8)])
    exact = solve_ivp(
        _with_sensitivities, (0, 10), start, t_eval=TIMES, args=tuple(P0), rtol=1e-13, atol=1e-13
    )
    jac = exact.y[2:].reshape(2, 4, -1).transpose(0, 2, 1).reshape(100, 4)

    def solution(p: np.ndarray) -> np.ndarray:
        run = solve_ivp(
            _lotka_volterra,
            (0, 10),
            [1.0, 1.0],
            t_eval=TIMES,
            args=tuple(p),
            rtol=rtol,
            atol=rtol * 1e-3,
        )
        return np.asarray(run.y).ravel()

    check = check_jacobian(solution, P0, jac)
    assert check.outcome == "not checkable", str(check)
    assert {row.diagnosis for row in check.failures} == {"inexact"}, str(check)
    assert "f is computed inexactly" in check.verdict and "wrong" not in check.verdict
    assert f"{check.max_rel_error:.1e} relative" in check.verdict, "the size is stated"


def test_an_entry_beside_a_jump_is_not_ok_when_its_value_is_too_uncertain() -> None:
    # J = [[jump, 2·x1], [0, 2·x1]] at x = (0, 0.5): the true J[:, 1] is 1, not 1.9; the
    # jump's estimate (about 5e6) must not set the scale the other entries are judged on.
    def f(x: np.ndarray) -> np.ndarray:
        return np.array([np.where(x[0] >= 0, 1.0, 0.0) + x[1] ** 2, x[1] ** 2])

    with pytest.warns(PrecisionWarning):
        check = check_jacobian(f, np.array([0.0, 0.5]), np.array([[0.0, 1.9], [0.0, 1.9]]))
    for row in check.worst:
        if row.index in ((0, 1), (1, 1)):
            assert row.state != "ok", f"J{list(row.index)} = 1.9 against 1 was ok:\n{check}"
            assert row.rel_error > 0.1, f"1.9 against 1 is no {row.rel_error:.1e} relative"
    assert "agree" not in check.verdict, f"wrong entries were said to agree:\n{check}"


def test_a_float64_f_that_is_flat_along_an_entry_is_not_called_float32() -> None:
    # output 1 ignores x[0] (its values along that line are all equal), and output 0 is
    # 1 + t**2 beside x[0] = 0 (values a few float64 units apart): neither says anything
    # about f's precision, and f computes in float64
    def f(x: np.ndarray) -> np.ndarray:
        return np.where(x >= 0, 1.0, 0.0) + x**2

    with pytest.warns(PrecisionWarning):
        check = check_jacobian(f, np.array([0.0, 0.5]), np.diag([0.0, 1.0]))
    said = [note for note in check.notes if "float32" in note] + [
        row.explanation for row in check.worst if row.diagnosis == "float32"
    ]
    assert not said, f"a float64 f was said to compute in float32: {said}"
