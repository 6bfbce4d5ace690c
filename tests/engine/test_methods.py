"""Plans on their own: the points each method asks for and how their values combine.

The plans are driven here by a tiny evaluator of our own (a copy of x per point), so that
what is tested is the plan, not how points are evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradwalk import PrecisionWarning
from gradwalk._engine.methods import METHODS, method_named
from gradwalk._engine.points import UNPERTURBED
from gradwalk.functions import sigmoid
from tests.support.plan_driver import drive, exp_sin, exp_sin_grad

X = np.array([0.3, -1.2, 2.5])


def test_central_with_a_fixed_step_is_the_books_formula_bit_for_bit() -> None:
    estimate, batches = drive("central", exp_sin, X, 1e-4)
    expected = []
    for i in range(X.size):
        plus, minus = X.copy(), X.copy()
        plus[i] += 1e-4
        minus[i] -= 1e-4
        expected.append((exp_sin(plus) - exp_sin(minus)) / (2 * 1e-4))
    assert len(batches) == 1 and len(batches[0].index) == 2 * X.size
    assert np.array_equal(estimate.grad, expected), "central h=1e-4 is not the book's formula"


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_one_sided_plans_evaluate_x_once_and_each_element_once(method: str) -> None:
    estimate, batches = drive(method, exp_sin, X, "auto")
    index = batches[0].index
    assert list(index) == [UNPERTURBED, 0, 1, 2], f"{method} asked for {index}"
    np.testing.assert_allclose(estimate.grad, exp_sin_grad(X), rtol=1e-6)


def test_complex_plan_asks_for_x_plus_ih_once_per_element() -> None:
    estimate, batches = drive("complex", exp_sin, X, "auto")
    (points,) = batches
    assert points.value.dtype == np.complex128
    np.testing.assert_array_equal(points.value.real, X)
    assert np.all((points.value.imag > 0) & (points.value.imag < 1e-15))
    relative = np.abs(estimate.grad - exp_sin_grad(X)) / np.abs(exp_sin_grad(X))
    assert np.all(relative < 1e-15), f"complex step errors {relative}"


@pytest.mark.parametrize(
    "f",
    [lambda x: np.sum(np.abs(x) ** 2), lambda x: np.sum(x * np.conj(x)), lambda x: x[0].real],
    ids=["abs", "conj", "real"],
)
def test_complex_plan_refuses_f_that_drops_the_imaginary_part(f: Callable[[Any], Any]) -> None:
    with pytest.raises(ValueError, match=r"not analytic.*method='richardson'"):
        drive("complex", f, X, "auto")


def test_complex_plan_accepts_a_true_zero_derivative() -> None:
    # d/dx x**2 is exactly 0 at 0: the check must not mistake it for a dropped part.
    estimate, batches = drive("complex", lambda x: np.sum(x**2), np.array([0.0, 1.5]), "auto")
    np.testing.assert_array_equal(estimate.grad, [0.0, 3.0])
    assert len(batches) == 2, "the zero element should be double-checked by one batch"


def logistic_slope(x: np.ndarray) -> np.ndarray:
    """sigma'(x) = e^-|x| / (1 + e^-|x|)^2, the analytic derivative of the logistic."""
    e = np.exp(-np.abs(x))
    return np.asarray(e / (1 + e) ** 2)


@pytest.mark.parametrize(
    "x",
    [[-710.0], [-700.0, 0.5], [705.0, -709.0]],
    ids=["-710", "-700", "both-signs"],
)
def test_complex_plan_falls_back_to_central_where_the_imaginary_part_underflows(
    x: list[float],
) -> None:
    # sigma'(-710) = 4.476e-309: f'·h is far below the smallest normal float.
    point = np.array(x)
    with pytest.warns(PrecisionWarning, match=r"underflowed.*central differences instead"):
        estimate, _ = drive("complex", lambda v: np.sum(sigmoid(v)), point, "auto")
    true = logistic_slope(point)
    assert np.all(np.abs(estimate.grad - true) <= estimate.error), (
        f"grad {estimate.grad}, true {true}: the error bar {estimate.error} must cover it"
    )
    if point.size == 1:  # f is the subnormal itself: its central differences keep digits
        assert estimate.error[0] < 1e-3 * true[0], f"error {estimate.error[0]} for {true[0]}"


@pytest.mark.parametrize(
    ("f", "x"),
    [(lambda v: np.sum(sigmoid(v)), 710.0), (lambda v: 1 + np.sum(sigmoid(v)), -710.0)],
    ids=["sigma-at-710", "1+sigma-at-minus-710"],
)
def test_complex_plan_finds_a_derivative_whose_trace_underflowed_to_zero(
    f: Callable[[Any], Any], x: float
) -> None:
    # f = 1 to the last bit and f'·h = 4.5e-309·7e-18 is below the smallest subnormal, so
    # neither Im f(x + ih) nor real differences move: a larger imaginary step must find it.
    point = np.array([x])
    with pytest.warns(PrecisionWarning, match=r"underflowed"):
        estimate, _ = drive("complex", f, point, "auto")
    true = logistic_slope(point)[0]
    assert abs(estimate.grad[0] - true) <= estimate.error[0] < 1e-6 * true, (
        f"grad {estimate.grad[0]} ± {estimate.error[0]}, true {true}: not found or not covered"
    )


def test_complex_plan_error_bar_covers_a_derivative_too_small_to_leave_a_trace() -> None:
    # sigma'(740) = 4.2e-322: f'·h and even f'·sqrt(eps)·740 are below the smallest subnormal.
    estimate, _ = drive("complex", lambda v: np.sum(sigmoid(v)), np.array([740.0]), "auto")
    assert estimate.grad[0] == 0.0
    assert estimate.error[0] >= logistic_slope(np.array([740.0]))[0], (
        f"error {estimate.error[0]} must cover the true derivative 4.2e-322"
    )


@pytest.mark.parametrize("x", [1e-110, 0.0, 1e-30, 1e-21, -3e-14])
def test_complex_plan_error_bar_covers_the_truncation_error_near_zero(x: float) -> None:
    # d/dx x**3 = 3x²; Im (x + ih)³ / h = 3x² - h², and h = 1e-20 is not small against |x|.
    point = np.array([x, 0.5])
    estimate, batches = drive("complex", lambda v: np.sum(v**3), point, "auto")
    true = 3 * point**2
    assert np.all(np.abs(estimate.grad - true) <= estimate.error), (
        f"grad {estimate.grad} ± {estimate.error}, true {true}: the bar misses the truncation"
    )
    assert estimate.error[1] < 1e-14, f"the ordinary element got the bar {estimate.error[1]}"
    assert list(batches[0].index) == [0, 1, 0], "only the element near 0 is evaluated at 2h"


def test_a_misspelt_method_is_named_with_every_choice_and_a_suggestion() -> None:
    with pytest.raises(ValueError) as raised:
        method_named("richardsn")
    message = str(raised.value)
    assert "'richardsn'" in message and "Did you mean 'richardson'?" in message
    for name in METHODS:
        assert repr(name) in message, f"{name!r} missing from the choices"
