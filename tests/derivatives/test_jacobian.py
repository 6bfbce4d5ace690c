"""numerical_jacobian: every method and evaluation mode against analytic Jacobians."""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from gradwalk import GradientStatus, NonFiniteWarning, numerical_gradient, numerical_jacobian


def f(x: np.ndarray) -> np.ndarray:
    return np.array([np.sin(x[0]) * x[1], np.exp(x[0] + 2 * x[1]), x[0] ** 3])


def f_batch(X: np.ndarray) -> np.ndarray:
    return np.stack([np.sin(X[:, 0]) * X[:, 1], np.exp(X[:, 0] + 2 * X[:, 1]), X[:, 0] ** 3], 1)


def jac(x: np.ndarray) -> np.ndarray:
    e = np.exp(x[0] + 2 * x[1])
    return np.array([[np.cos(x[0]) * x[1], np.sin(x[0])], [e, 2 * e], [3 * x[0] ** 2, 0.0]])


X = np.array([0.7, -0.3])
TOLERANCE = {
    "central": 1e-8,
    "forward": 1e-3,
    "backward": 1e-3,
    "richardson": 1e-12,
    "complex": 1e-14,
}
MODES = {
    "in place": ({}, f),
    "vectorized": ({"vectorized": True}, f_batch),
    "threads": ({"workers": ThreadPoolExecutor(2)}, f),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("method", TOLERANCE)
def test_every_method_and_mode_matches_the_analytic_jacobian(method: str, mode: str) -> None:
    options, func = MODES[mode]
    h = "auto" if method in ("central", "richardson", "complex") else None
    result = numerical_jacobian(func, X.copy(), h, method=method, full_output=True, **options)
    assert result.jac.shape == (3, 2), f"shape {result.jac.shape}, expected f(x).shape + x.shape"
    error = np.abs(result.jac - jac(X))
    assert error.max() <= TOLERANCE[method] * 10, f"{method}/{mode}: max error {error.max():.2e}"
    if method == "richardson":
        assert np.all(error <= result.error), "Richardson's per-entry error bar must cover"


def test_matrix_valued_f_of_a_matrix_has_shape_out_plus_x() -> None:
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    result = numerical_jacobian(lambda W: W @ W, A, method="complex")
    expected = np.einsum("ik,lj->ijkl", np.eye(2), A) + np.einsum("ik,jl->ijkl", A, np.eye(2))
    # d(W W)_ij / dW_kl = δ_ik W_lj + W_ik δ_jl
    assert result.shape == (2, 2, 2, 2)
    np.testing.assert_allclose(result, expected, atol=1e-14, err_msg="d(W²)/dW is wrong")


def test_scalar_f_gives_the_gradient_and_x_is_restored_bit_for_bit() -> None:
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    result = numerical_jacobian(lambda w: np.sum(w**2), x)
    np.testing.assert_allclose(result, 2 * before, rtol=1e-8, err_msg="scalar f: not the gradient")
    assert np.array_equal(x, before), "x must be restored bit for bit"


def test_in_place_semantics_let_a_closure_read_the_callers_array() -> None:
    W = np.array([1.0, 2.0])
    result = numerical_jacobian(lambda _: np.array([W[0] * W[1], W[1]]), W)
    np.testing.assert_allclose(result, [[2.0, 1.0], [0.0, 1.0]], atol=1e-8)


def test_only_the_non_finite_outputs_become_nan() -> None:
    def g(x: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.array([x[0] ** 2, np.log(x[0])])

    with pytest.warns(NonFiniteWarning, match="x\\[0\\]"):
        full = numerical_jacobian(g, np.array([1e-4]), h=1e-3, full_output=True)
    result = full.jac
    assert result[0, 0] == pytest.approx(2e-4, abs=1e-12), "the finite output must survive"
    assert np.isnan(result[1, 0]), "log at a negative point must give nan"
    assert full.status.tolist() == [GradientStatus.NONFINITE], "the element's status says so"


def test_f_changing_shape_is_an_error_naming_both_shapes() -> None:
    calls = []

    def g(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.zeros(len(calls))

    with pytest.raises(ValueError, match=r"f\(x\) has shape \(1,\)"):
        numerical_jacobian(g, np.array([1.0]))


def test_vector_f_passed_to_numerical_gradient_suggests_numerical_jacobian() -> None:
    with pytest.raises(TypeError, match="numerical_jacobian"):
        numerical_gradient(f, X.copy())


@pytest.mark.parametrize(
    ("options", "tolerance"),
    [
        ({"method": "central", "order": 6}, 1e-12),
        ({"method": "forward", "order": 4}, 1e-10),
        ({"method": "backward", "order": 3}, 1e-10),
        ({"method": "richardson", "bounds": (-1.0, [0.7, 5.0])}, 1e-12),
        ({"method": "richardson", "step_direction": [1, 0]}, 1e-12),
        ({"method": "central", "order": 4, "bounds": ([0.7, -1.0], 5.0)}, 1e-9),
    ],
)
def test_stencils_bounds_and_step_directions_give_the_jacobian(
    options: dict[str, object], tolerance: float
) -> None:
    result = numerical_jacobian(f, X.copy(), full_output=True, **options)  # type: ignore[call-overload]
    error = np.abs(result.jac - jac(X))
    assert error.max() <= tolerance, f"{options}: max error {error.max():.1e}"
    assert result.step.shape == result.jac.shape, "a step per entry"


@pytest.mark.parametrize("method", ["central", "richardson", "complex"])
def test_an_output_not_finite_at_x_gives_nan_in_its_row_only(method: str) -> None:
    # log|x0| at x0 = 0 is -inf: that output has no derivative; x1²/4 has (0, x1/2 = 1).
    def f(x: np.ndarray) -> np.ndarray:
        return np.array([np.log(np.abs(x[0])), x[1] ** 2 / 4])

    with np.errstate(all="ignore"), pytest.warns(NonFiniteWarning, match=r"output f\(x\)\[0\]"):
        jacobian = numerical_jacobian(f, np.array([0.0, 2.0]), method=method)
    assert np.all(np.isnan(jacobian[0])), f"{method}: row of log|x0| is {jacobian[0]}"
    np.testing.assert_allclose(jacobian[1], [0.0, 1.0], atol=1e-8, err_msg=method)


def test_a_finite_pole_in_one_output_is_nan_in_that_entry_only() -> None:
    # tan at the float nearest pi/2 is finite (1.6e16) but a pole: d/dx0 of tan(x0) is nan
    with pytest.warns(NonFiniteWarning, match=r"singular at x\[0\] in output f\(x\)\[0\]"):
        jacobian = numerical_jacobian(np.tan, np.array([np.pi / 2, 0.3]), method="richardson")
    assert np.isnan(jacobian[0, 0]), f"d tan/dx at pi/2 is {jacobian[0, 0]}"
    np.testing.assert_allclose(
        [jacobian[0, 1], jacobian[1, 0], jacobian[1, 1]],
        [0.0, 0.0, 1 + np.tan(0.3) ** 2],
        rtol=1e-8,
        atol=1e-10,
    )


def test_f_varying_below_richardsons_steps_is_not_a_confident_jacobian() -> None:
    # sin(x) + x at x = 1e6, each output its own: the ladder's steps are all far above
    # sin's scale, and its value 2x (sin missed) was CONVERGED with a bar of 1e-3
    x = np.array([1e6, 1e4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = numerical_jacobian(
            lambda w: np.sin(w) + w**2, x, method="richardson", full_output=True
        )
    true = np.diag(2 * x + np.cos(x))
    wrong = np.abs(result.jac - true) > result.error
    converged = np.broadcast_to(result.status == GradientStatus.CONVERGED, wrong.shape)
    assert not np.any(wrong & converged), (
        f"{result.jac} ± {result.error} called converged against the true {true}"
    )
