"""jacobian_vector_product: J·v along a direction by every method, with an error bar."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import jacobian_vector_product
from gradwalk._derivatives.directional import exact_direction
from tests.support.bratu import Bratu

#: method, order, relative accuracy expected on the stiff Bratu Jacobian (entries ~1e7)
ACCURACY = [
    ("richardson", None, 1e-14),
    ("complex", None, 1e-14),
    ("central", None, 1e-10),
    ("forward", None, 1e-7),
    ("backward", None, 1e-7),
]


@pytest.mark.parametrize(("method", "order", "accuracy"), ACCURACY)
def test_every_method_gives_j_times_v(method: str, order: int | None, accuracy: float) -> None:
    bratu = Bratu(2000)
    v = np.random.default_rng(3).uniform(-1.5, 1.5, 2000)
    exact = bratu.jacobian() @ v
    result = jacobian_vector_product(
        bratu, bratu.u, v, method=method, order=order, full_output=True
    )
    scale = np.abs(bratu.jacobian()) @ np.abs(v)
    assert np.max(np.abs(result.jac - exact) / scale) < accuracy, method
    assert result.nfev == bratu.calls
    if method == "richardson":
        assert np.all(np.abs(result.jac - exact) <= result.error), "the bar must cover"
        levels = 20  # the ladder's most levels: a cost that does not grow with x
        assert result.nfev <= 1 + 2 * levels + 4, f"{result.nfev} evaluations for one product"


def test_richardsons_points_along_a_dense_direction_are_exact() -> None:
    x = np.linspace(0.1, 0.4, 1000)
    v = exact_direction(x, np.random.default_rng(0).uniform(-1, 1, 1000))
    size = 2.0 ** np.ceil(np.log2(np.max(np.abs(v) / np.maximum(1, np.abs(x)))))
    for k in range(12, 26):  # the ladder's steps (the largest may cross a power of two)
        t = size * 2.0**-k
        assert np.array_equal((x + t * v) - x, t * v), f"x + t·v inexact at t = 2^-{k}"


def test_the_step_along_v_is_h_times_v() -> None:
    f = lambda x: x**2  # noqa: E731
    x, v = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    result = jacobian_vector_product(f, x, v, 1e-3, method="central", full_output=True)
    np.testing.assert_allclose(result.jac, 2 * x * v, rtol=1e-12)
    np.testing.assert_allclose(result.step, 1e-3)


def test_a_zero_direction_gives_zero() -> None:
    result = jacobian_vector_product(np.sin, np.ones(3), np.zeros(3), full_output=True)
    assert np.all(result.jac == 0)


def test_a_direction_of_another_shape_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"v must be a real array of x's shape \(3,\)"):
        jacobian_vector_product(np.sin, np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="finite"):
        jacobian_vector_product(np.sin, np.ones(2), [1.0, np.nan])


def test_x_is_left_as_it_was() -> None:
    x = np.array([0.3, 0.7])
    jacobian_vector_product(lambda u: u**3, x, [1.0, 1.0])
    assert x.tolist() == [0.3, 0.7]


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")
def test_a_stencil_along_a_direction_is_within_its_error_bar() -> None:
    bratu = Bratu(2000)
    v = np.random.default_rng(3).uniform(-1.5, 1.5, 2000)
    result = jacobian_vector_product(bratu, bratu.u, v, method="central", order=4, full_output=True)
    assert np.all(np.abs(result.jac - bratu.jacobian() @ v) <= result.error)
