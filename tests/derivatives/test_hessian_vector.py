"""hessian_vector_product against analytic Hessians: values, error bars, true costs."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import GradientStatus, hessian_vector_product, numerical_hessian
from tests.support.hessian_example import X, f, hessian


class Counted:
    """f counting its calls."""

    def __init__(self, f: object) -> None:
        self.f, self.calls = f, 0

    def __call__(self, x: np.ndarray) -> object:
        self.calls += 1
        return self.f(x)  # type: ignore[operator]


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_second_differences_along_v(method: str) -> None:
    v = np.array([1.0, -2.0, 0.5])
    result = hessian_vector_product(f, X, v, method=method, full_output=True)
    tolerance = {"central": 1e-6, "richardson": 1e-9}[method]
    np.testing.assert_allclose(result.jac, hessian(X) @ v, atol=tolerance)
    if method == "richardson":
        assert np.all(np.abs(result.jac - hessian(X) @ v) <= result.error)
        assert np.all(result.status == GradientStatus.CONVERGED)


@pytest.mark.parametrize("n", [20, 50])
def test_nfev_counts_every_call_and_costs_less_than_the_hessian(n: int) -> None:
    def quadratic_plus_cos(x: np.ndarray) -> float:
        return float(np.sum(np.cos(x)) + np.sum(x) ** 2)

    x = np.linspace(0.1, 1, n)
    v = np.ones(n)
    counted = Counted(quadratic_plus_cos)
    result = hessian_vector_product(counted, x, v, full_output=True)
    assert result.nfev == counted.calls, f"nfev {result.nfev}, f called {counted.calls} times"
    exact = (-np.diag(np.cos(x)) + 2 * np.ones((n, n))) @ v
    assert np.all(np.abs(result.jac - exact) <= result.error)
    full = Counted(quadratic_plus_cos)
    numerical_hessian(full, x)
    assert counted.calls < full.calls / 3, (counted.calls, full.calls)


def test_differentiating_numerical_gradients_counts_their_evaluations() -> None:
    counted = Counted(f)
    v = np.array([1.0, 0.0, 0.0])
    result = hessian_vector_product(
        counted, X, v, method="central", gradient_method="central", full_output=True
    )
    assert result.nfev == counted.calls > 0
    np.testing.assert_allclose(result.jac, hessian(X) @ v, atol=1e-5)


def test_from_a_users_gradient() -> None:
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


def test_f_or_grad_is_needed() -> None:
    with pytest.raises(TypeError, match="grad="):
        hessian_vector_product(None, X, np.ones(3))


def test_complex_step_in_t_needs_a_complex_safe_gradient() -> None:
    with pytest.raises(ValueError, match="grad="):
        hessian_vector_product(f, X, np.ones(3), method="complex")
    hv = hessian_vector_product(None, X, np.ones(3), method="complex", grad=lambda x: 3 * x**2)
    np.testing.assert_allclose(hv, 6 * X, rtol=1e-15)  # f = sum(x³): H v = 6 x v


def test_zero_curvature_along_v_is_zero_without_a_warning() -> None:
    # a constant gradient: every value the same, which must not read as f ignoring x
    hv = hessian_vector_product(None, X, np.ones(3), grad=lambda x: np.full(3, 3.0))
    assert np.array_equal(hv, np.zeros(3)), "a linear f has no curvature"
    hv = hessian_vector_product(lambda x: float(np.sum(3 * x)), X, np.ones(3))
    assert np.all(np.abs(hv) < 1e-9), hv


def test_x_is_left_exactly_as_it_was() -> None:
    x = X.copy()
    hessian_vector_product(f, x, np.array([1.0, 2.0, 3.0]))
    assert np.array_equal(x, X)
