"""numerical_hessian and hessian_vector_product against analytic second derivatives."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from gradwalk import InputModifiedError, hessian_vector_product, numerical_hessian


def f(x: np.ndarray) -> float:
    return float(np.sum(np.exp(0.3 * x) * np.sin(x)) + x[0] * x[1] ** 2)


def f_batch(X: np.ndarray) -> np.ndarray:
    return np.sum(np.exp(0.3 * X) * np.sin(X), axis=1) + X[:, 0] * X[:, 1] ** 2


def hessian(x: np.ndarray) -> np.ndarray:
    e = np.exp(0.3 * x)
    H = np.diag(e * (0.09 * np.sin(x) + 0.6 * np.cos(x) - np.sin(x)))
    H[1, 1] += 2 * x[0]
    H[0, 1] += 2 * x[1]
    H[1, 0] += 2 * x[1]
    return H


X = np.array([0.4, -1.2, 2.0])


@pytest.mark.parametrize(
    ("options", "func"),
    [
        ({}, f),
        ({"vectorized": True, "batch_size": 7}, f_batch),
        ({"workers": ThreadPoolExecutor(2)}, f),
    ],
)
def test_richardson_hessian_is_symmetric_accurate_and_its_error_bar_covers(
    options: dict[str, object], func: object
) -> None:
    x = X.copy()
    result = numerical_hessian(func, x, full_output=True, **options)  # type: ignore[arg-type]
    error = np.abs(result.hess - hessian(X))
    assert result.hess.shape == (3, 3)
    assert np.array_equal(result.hess, result.hess.T), "the Hessian must be exactly symmetric"
    assert error.max() <= 1e-10, f"max error {error.max():.1e}"
    assert np.all(error <= result.error), "the error estimate must cover the true error"
    assert result.nfev == 1 + 4 * 2 * 3**2, "4 levels of 2n² points and f(x)"
    assert np.array_equal(x, X), "x must be restored"


def test_central_hessian_has_one_level_and_no_error_estimate() -> None:
    result = numerical_hessian(f, X.copy(), method="central", full_output=True)
    np.testing.assert_allclose(result.hess, hessian(X), atol=1e-6)
    assert np.all(np.isnan(result.error)) and result.nfev == 1 + 2 * 9


def test_hessian_of_a_matrix_argument_has_shape_x_plus_x() -> None:
    W = np.array([[1.0, 2.0], [0.5, -1.0]])
    H = numerical_hessian(lambda w: float(np.sum(w**3)), W)
    expected = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = 6 * W[i, j]
    np.testing.assert_allclose(H, expected, atol=1e-9)


def test_f_modifying_x_is_an_error_and_x_is_restored() -> None:
    x = np.array([1.0, 2.0])

    def bad(w: np.ndarray) -> float:
        w[1] = 5.0
        return float(w[0])

    with pytest.raises(InputModifiedError):
        numerical_hessian(bad, x)
    assert x.tolist() == [1.0, 2.0]


def test_unknown_method_names_the_choices() -> None:
    with pytest.raises(ValueError, match="'richardson'"):
        numerical_hessian(f, X, method="complex")


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_hessian_vector_product_from_numerical_gradients(method: str) -> None:
    v = np.array([1.0, -2.0, 0.5])
    hv = hessian_vector_product(f_complex, X, v, method=method, h="auto")
    tolerance = {"central": 1e-6, "richardson": 1e-9}[method]
    np.testing.assert_allclose(hv, hessian(X) @ v, atol=tolerance)


def f_complex(x: np.ndarray) -> object:
    return np.sum(np.exp(0.3 * x) * np.sin(x)) + x[0] * x[1] ** 2


def test_hessian_vector_product_from_a_users_gradient() -> None:
    def grad(x: np.ndarray) -> np.ndarray:
        e = np.exp(0.3 * x)
        g = e * (0.3 * np.sin(x) + np.cos(x))
        g[0] += x[1] ** 2
        g[1] += 2 * x[0] * x[1]
        return g

    v = np.array([0.0, 1.0, 1.0])
    result = hessian_vector_product(None, X, v, grad=grad, full_output=True)
    np.testing.assert_allclose(result.jac, hessian(X) @ v, atol=1e-12)
    assert np.all(np.abs(result.jac - hessian(X) @ v) <= result.error)


@pytest.mark.parametrize("v", [np.ones(2), np.ones((3, 1)), ["a", "b", "c"]])
def test_v_of_the_wrong_shape_or_kind_names_x_shape(v: object) -> None:
    with pytest.raises(ValueError, match=r"v must be a real array of x's shape \(3,\)"):
        hessian_vector_product(f, X, v)


def test_hessian_vector_product_needs_f_or_grad() -> None:
    with pytest.raises(TypeError, match="grad="):
        hessian_vector_product(None, X, np.ones(3))


def test_complex_step_in_t_needs_a_complex_safe_gradient() -> None:
    with pytest.raises(ValueError, match="grad="):
        hessian_vector_product(f, X, np.ones(3), method="complex")
    hv = hessian_vector_product(
        None, X, np.ones(3), method="complex", grad=lambda x: 3 * x**2
    )  # f = sum(x³): H v = 6 x v
    np.testing.assert_allclose(hv, 6 * X, rtol=1e-15)


def test_zero_curvature_along_v_is_zero_without_a_warning() -> None:
    # a constant gradient: every value the same, which must not read as f ignoring x
    hv = hessian_vector_product(None, X, np.ones(3), grad=lambda x: np.full(3, 3.0))
    assert np.array_equal(hv, np.zeros(3)), "a linear f has no curvature"


def test_steps_that_leave_fs_domain_shrink_until_f_is_finite() -> None:
    # sqrt(x0) * x1**2 at x0 = 1e-3: Richardson's first step (about 0.17) leaves
    # sqrt's domain; the entries must still be the analytic ones, not nan.
    x = np.array([1e-3, 1.5])

    def func(v: np.ndarray) -> float:
        with np.errstate(invalid="ignore"):
            return float(np.sqrt(v[0]) * v[1] ** 2)

    exact = np.array(
        [
            [-0.25 * x[0] ** -1.5 * x[1] ** 2, x[1] / np.sqrt(x[0])],
            [x[1] / np.sqrt(x[0]), 2 * np.sqrt(x[0])],
        ]
    )
    result = numerical_hessian(func, x.copy(), full_output=True)
    assert np.all(np.isfinite(result.hess)), f"entries left nan near sqrt's edge: {result.hess}"
    np.testing.assert_allclose(result.hess, exact, rtol=1e-5)
    error = np.abs(result.hess - exact)
    assert np.all(error <= result.error), "the error estimate must cover the true error"
