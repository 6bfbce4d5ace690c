"""The complex step's cross-check (gradwalk._engine.complex_check) where the real
differences it judges by are themselves wrong: an f varying on a scale below their
steps (sin at x = 1e6, whose period is far below a step of eps**(1/3)·|x| ≈ 6) is
analytic, and the complex step, exact for it, must stand; a truly non-analytic f is
still NON_ANALYTIC, with the right value.

Every expected derivative is written out from calculus.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradwalk import GradientStatus, PrecisionWarning, numerical_diff, numerical_gradient
from gradwalk._engine.complex_check import complex_stands, confirmed_non_analytic, small_step


def caught(call: Callable[[], Any]) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = call()
    return result, [str(w.message) for w in record if issubclass(w.category, PrecisionWarning)]


def names(status: Any) -> list[str]:
    return [GradientStatus(int(code)).name for code in np.ravel(status)]


@pytest.mark.parametrize("x", [1e6, -1e6, 2e6 + 0.5, 1e8])
@pytest.mark.parametrize(
    ("f", "derivative"), [(np.sin, np.cos), (np.cos, lambda x: -np.sin(x))], ids=["sin", "cos"]
)
def test_an_analytic_f_faster_than_the_real_steps_keeps_the_complex_step(
    f: Any, derivative: Any, x: float
) -> None:
    result, said = caught(lambda: numerical_diff(f, x, method="complex", full_output=True))
    true = derivative(x)
    assert names(result.status) == ["CONVERGED"], (
        f"{f.__name__} is analytic, but at x = {x} its complex step was "
        f"{names(result.status)} with warnings {said}"
    )
    assert abs(result.grad - true) <= result.error, (
        f"{result.grad} ± {result.error} CONVERGED, but the derivative is {true}"
    )
    # the bar covers the distance to the central differences that verified it
    assert result.error <= 1e-4, f"a bar of {result.error} where f' is {true}"
    assert not said, f"warnings for an analytic f: {said}"


def test_sin_at_many_points_far_and_near_is_converged_and_right() -> None:
    x = np.array([1e6, 2e6 + 0.5, 0.3])
    result, said = caught(lambda: numerical_diff(np.sin, x, method="complex", full_output=True))
    assert names(result.status) == ["CONVERGED"] * 3, said
    assert np.all(np.abs(result.grad - np.cos(x)) <= result.error), (
        f"{result.grad} ± {result.error}, but the derivative is {np.cos(x)}"
    )
    assert not said, said


def test_x_abs_x_is_still_non_analytic_with_the_real_derivative() -> None:
    result, said = caught(
        lambda: numerical_gradient(
            lambda x: np.sum(x * np.abs(x)), [2.0, -3.0], method="complex", full_output=True
        )
    )
    assert names(result.status) == ["NON_ANALYTIC"] * 2
    assert np.all(np.abs(result.grad - [4.0, 6.0]) <= result.error), (
        f"{result.grad} ± {result.error}, but the derivative of x|x| is 2|x| = [4, 6]"
    )
    assert said and "not analytic" in said[0] and "abs" in said[0], said


def test_a_dropped_imaginary_part_far_from_zero_is_non_analytic_with_the_real_derivative() -> None:
    # sin(x.real)·x drops sin's imaginary part: the complex step gives sin(x), the
    # derivative is sin(x) + x cos(x); the usual real steps are ≫ sin's period at 1e6
    x = 1e6
    result, said = caught(
        lambda: numerical_diff(lambda v: np.sin(v.real) * v, x, method="complex", full_output=True)
    )
    true = np.sin(x) + x * np.cos(x)
    assert names(result.status) == ["NON_ANALYTIC"], said
    assert abs(result.grad - true) <= result.error, (
        f"{result.grad} ± {result.error}, but the derivative is {true}"
    )
    assert said and "not analytic" in said[0], said


def test_abs_inside_a_numpy_loss_is_non_analytic_with_the_real_gradient() -> None:
    a = np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.5]])
    b = np.array([1.0, -2.0, 0.25])

    def loss(w: Any) -> Any:
        r = a @ w - b
        return np.sum(r * np.abs(r)) + 0.5 * np.sum(w**2)

    w = np.array([0.7, -0.4])
    r = a @ w - b
    true = a.T @ (2 * np.abs(r)) + w  # d(r|r|)/dr = 2|r|
    result, said = caught(lambda: numerical_gradient(loss, w, method="complex", full_output=True))
    assert "NON_ANALYTIC" in names(result.status), f"{names(result.status)}: {said}"
    assert np.all(np.abs(result.grad - true) <= result.error), (
        f"{result.grad} ± {result.error}, but the gradient is {true}"
    )


def test_unverifiable_real_differences_keep_the_complex_value_and_blame_no_operation() -> None:
    # float32 at 2e6: every step the real differences can take with f's rounding is
    # ≫ sin's period, so nothing can judge analyticity there
    x = np.array([2e6 + 0.5], dtype=np.float32)
    result, said = caught(lambda: numerical_diff(np.sin, x, method="complex", full_output=True))
    true = float(np.cos(np.float64(x[0])))
    assert names(result.status) != ["CONVERGED"]
    assert names(result.status) != ["NON_ANALYTIC"], f"an analytic f called not analytic: {said}"
    assert abs(float(np.ravel(result.grad)[0]) - true) <= float(np.ravel(result.error)[0])
    assert len(said) == 1, f"one warning for the unverified element, not {said}"
    assert "could not be verified" in said[0], said
    assert "abs" not in said[0] and "conj" not in said[0], f"blames f's operations: {said}"


def test_the_small_step_is_eps_to_the_two_thirds_of_the_scale() -> None:
    x = np.array([0.0, 2.0, -1e6])
    eps = np.finfo(np.float64).eps
    np.testing.assert_allclose(small_step(x), eps ** (2 / 3) * np.array([1.0, 2.0, 1e6]))


def test_the_complex_step_stands_where_small_steps_agree_with_it_not_the_large_ones() -> None:
    grad = np.array([0.9367, 2.0, 0.9367])
    slope = np.array([-0.0349, 4.0, 0.5])  # at the usual step
    slope_error = np.array([2e-3, 1e-9, 1.0])  # the third: too imprecise to disagree
    fine = np.array([0.9367, 4.0, 0.9367])  # at the small step
    fine_error = np.array([1e-9, 1e-4, 1e-9])
    stands = complex_stands(grad, slope, slope_error, fine, fine_error)
    assert stands.tolist() == [True, False, False]


def test_non_analyticity_needs_asymptotic_real_differences() -> None:
    grad = np.array([2.0, 0.977, 2.0])
    # x|x|: every central difference is 4 (f is quadratic on each side)
    # aliased sin: small values that do not change by 16 per 4 times the step
    # smooth but still changing: 4 + c h² at σ, 2σ, 4σ, 8σ with c σ² = 1e-3
    c = 1e-3
    fine = (
        np.array([4.0, 0.02, 4 + c]),
        np.array([4.0, -0.03, 4 + 4 * c]),
        np.array([1e-9, 0.07, 4 * c]),
    )
    coarse = (
        np.array([4.0, -0.01, 4 + 16 * c]),
        np.array([4.0, 0.005, 4 + 64 * c]),
        np.array([1e-9, 0.02, 64 * c]),
    )
    assert confirmed_non_analytic(grad, fine, coarse).tolist() == [True, False, True]


X = np.array([2.0, -3.0])


def test_a_non_analytic_f_with_a_large_constant_is_flagged_not_confidently_wrong() -> None:
    # d/dx x|x| = 2|x|: [4, 6]; the complex step gives |x| = [2, 3], and + 1e10 makes f's
    # rounding swamp that difference at the usual step of the cross-check
    result, messages = caught(
        lambda: numerical_gradient(
            lambda x: np.sum(x * np.abs(x)) + 1e10, X, method="complex", full_output=True
        )
    )
    truth = 2 * np.abs(X)
    right = np.all(np.abs(result.grad - truth) <= result.error)
    flagged = all(name != "CONVERGED" for name in names(result.status)) and any(
        "could not be checked" in message for message in messages
    )
    assert right or flagged, (
        f"x*|x| + 1e10 gave {result.grad} ± {result.error} ({names(result.status)}) where "
        f"the derivative is {truth}, without a warning that says so: {messages}"
    )


@pytest.mark.parametrize("constant", [0.0, 1e10])
def test_an_analytic_f_with_a_large_constant_stays_converged_and_exact(constant: float) -> None:
    result, messages = caught(
        lambda: numerical_gradient(
            lambda x: np.sum(np.exp(x)) + constant, X, method="complex", full_output=True
        )
    )
    assert names(result.status) == ["CONVERGED", "CONVERGED"], (
        f"exp + {constant:g} is analytic, and a wider step settles its cross-check, but it "
        f"came out {names(result.status)}: {messages}"
    )
    np.testing.assert_allclose(
        result.grad, np.exp(X), rtol=1e-14, err_msg="the complex step of exp is exact"
    )
    assert not messages, f"exp + {constant:g} needs no warning, got {messages}"


def test_a_non_analytic_f_without_a_constant_is_non_analytic_with_the_real_derivative() -> None:
    result, messages = caught(
        lambda: numerical_gradient(
            lambda x: np.sum(x * np.abs(x)), X, method="complex", full_output=True
        )
    )
    assert names(result.status) == ["NON_ANALYTIC", "NON_ANALYTIC"], (
        f"x*|x| must be found non-analytic, came out {names(result.status)}"
    )
    np.testing.assert_allclose(
        result.grad, 2 * np.abs(X), rtol=1e-4, err_msg="real differences give 2|x| = [4, 6]"
    )
    assert any("not analytic" in message for message in messages), messages
