"""The book's activation and loss functions."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk.functions import (
    cross_entropy_error,
    identity_function,
    relu,
    sigmoid,
    softmax,
    step_function,
    sum_squared_error,
)

# Section 4.2 of the book: the "2" is correct; y puts 0.6 on it.
BOOK_T = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
BOOK_Y = np.array([0.1, 0.05, 0.6, 0.0, 0.05, 0.1, 0.0, 0.1, 0.0, 0.0])


def test_sum_squared_error_of_the_books_example() -> None:
    expected = 0.5 * np.sum((BOOK_Y - BOOK_T) ** 2)
    assert sum_squared_error(BOOK_Y, BOOK_T) == expected
    assert expected == pytest.approx(0.0975, rel=1e-12)


def test_cross_entropy_with_one_hot_and_label_targets() -> None:
    assert cross_entropy_error(BOOK_Y, BOOK_T) == pytest.approx(-np.log(0.6 + 1e-7), rel=1e-15)
    assert cross_entropy_error(BOOK_Y, 2) == cross_entropy_error(BOOK_Y, BOOK_T)
    assert cross_entropy_error(BOOK_Y, [2]) == cross_entropy_error(BOOK_Y, BOOK_T)


def test_cross_entropy_averages_over_the_batch() -> None:
    y = np.array([[0.1, 0.9], [0.8, 0.2], [0.5, 0.5]])
    t = np.array([1, 0, 1])
    expected = -(np.log(0.9 + 1e-7) + np.log(0.8 + 1e-7) + np.log(0.5 + 1e-7)) / 3
    assert cross_entropy_error(y, t) == pytest.approx(expected, rel=1e-15)
    assert cross_entropy_error(y, np.eye(2)[t]) == pytest.approx(expected, rel=1e-15)


def test_cross_entropy_of_a_zero_probability_is_finite_thanks_to_the_delta() -> None:
    assert cross_entropy_error(np.array([1.0, 0.0]), 1) == pytest.approx(-np.log(1e-7))


def test_cross_entropy_rejects_mismatched_targets() -> None:
    with pytest.raises(ValueError, match=r"one integer label per row, shape \(3,\)"):
        cross_entropy_error(np.full((3, 2), 0.5), np.array([0, 1]))
    with pytest.raises(ValueError, match=r"1-D .* or 2-D"):
        cross_entropy_error(np.full((2, 2, 2), 0.5), 0)


def test_softmax_sums_to_one_over_the_last_axis_without_overflow() -> None:
    a = np.array([[1010.0, 1000.0, 990.0], [0.3, 2.9, 4.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = softmax(a)
    np.testing.assert_allclose(y.sum(axis=-1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(y[1], np.exp(a[1]) / np.sum(np.exp(a[1])), rtol=1e-15)
    np.testing.assert_allclose(y[0], y[0] * 0 + softmax(a[0] - 1000.0), rtol=1e-15)


def test_sigmoid_does_not_warn_for_very_negative_input() -> None:
    x = np.array([-1000.0, -745.0, -30.0, 0.0, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sigmoid(x)
    assert y[0] == 0.0 and y[-1] == 1.0 and y[3] == 0.5
    moderate = np.linspace(-20, 20, 41)
    np.testing.assert_allclose(sigmoid(moderate), 1 / (1 + np.exp(-moderate)), rtol=1e-14)


def test_sigmoid_keeps_float32_and_accepts_scalars() -> None:
    assert sigmoid(np.array([1.0], dtype=np.float32)).dtype == np.float32
    assert sigmoid(0.0) == 0.5


def test_step_relu_identity() -> None:
    np.testing.assert_array_equal(step_function(np.array([-1.0, 0.0, 0.5])), [0, 0, 1])
    assert step_function(np.array([1.0])).dtype.kind == "i"
    np.testing.assert_array_equal(relu(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    x = np.array([1.0, 2.0])
    assert identity_function(x) is x


def test_sigmoid_can_be_differentiated_by_the_complex_step() -> None:
    from gradwalk import numerical_gradient

    x = np.array([-3.0, -0.5, 0.0, 2.0])
    s = 1 / (1 + np.exp(-x))
    grad = numerical_gradient(lambda w: np.sum(sigmoid(w)), x, method="complex")
    np.testing.assert_allclose(grad, s * (1 - s), rtol=1e-14)


@pytest.mark.parametrize("x", [-750.0, -710.0, -30.0, 0.0, 30.0, 710.0, 750.0])
def test_sigmoid_under_the_complex_step_is_its_analytic_derivative_without_warnings(
    x: float,
) -> None:
    h = 1e-20
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow from the branch not taken
        value = sigmoid(np.array([x + 1j * h, x]))
    e = np.exp(-abs(x))
    assert value[1] == sigmoid(x), "complex and real branches must agree on the real axis"
    # Where e^-|x|·h underflows, the imaginary part holds what a subnormal can.
    smallest = np.finfo(np.float64).smallest_subnormal
    assert abs(value[0].imag - h * e / (1 + e) ** 2) <= max(1e-15 * h * e, smallest), (
        f"Im sigmoid({x} + ih) = {value[0].imag}, expected h·sigma' = {h * e / (1 + e) ** 2}"
    )


def test_softmax_and_cross_entropy_take_complex_logits_without_overflow() -> None:
    h = 1e-20
    logits = np.array([1000.0, 1000.0, -1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for i in range(3):
            point = logits.astype(complex)
            point[i] += 1j * h
            probabilities = softmax(point)
            loss = cross_entropy_error(probabilities, np.array([1, 0, 0]))
            # d softmax_0 / d z_i = p_0 (delta_0i - p_i), with p = (1/2, 1/2, 0).
            expected = 0.5 * ((i == 0) - [0.5, 0.5, 0.0][i])
            assert probabilities[0].imag / h == pytest.approx(expected, abs=1e-15)
            # d(-log(p_0 + 1e-7)) = -d p_0 / (p_0 + 1e-7)
            assert loss.imag / h == pytest.approx(-expected / (0.5 + 1e-7), rel=1e-12, abs=1e-15)


def test_relu_under_the_complex_step_keeps_the_branch_of_the_real_part() -> None:
    out = relu(np.array([-2.0 + 1e-20j, 3.0 + 1e-20j]))
    np.testing.assert_array_equal(out.imag / 1e-20, [0.0, 1.0])


Y2 = np.array([[0.1, 0.9], [0.5, 0.5]])


@pytest.mark.parametrize(
    ("y", "t", "match"),
    [
        (np.array([0.88, 0.22, 0.99]), np.array([[1], [0], [1]]), r"shape \(3,\).*got t of shape"),
        (np.array([0.1, 0.6, 0.3]), np.array([0, 0.5, 0.5]), r"soft labels.*one-hot"),
        (Y2, np.array([[0.3, 0.7], [0.0, 1.0]]), r"row 0 .*soft labels"),
        (Y2, np.array([[1, 1], [0, 1]]), r"row 0 .*2 ones"),
        (Y2, np.array([[1, 0], [0, 0]]), r"row 1 .*no 1"),
        (Y2, np.array([0, 2]), r"t\[1\] = 2 is out of range.*\[0, 2\)"),
        (Y2, np.array([-1, 0]), r"t\[0\] = -1 is out of range"),
        (Y2, np.array([0, 0.5]), r"t\[1\] = 0.5 is not a whole number"),
        (np.array([0.1, 0.6, 0.3]), 3, r"t\[0\] = 3 is out of range.*\[0, 3\)"),
        (Y2, np.array([0, 1, 1]), r"one integer label per row, shape \(2,\)"),
    ],
    ids=[
        "column-t",
        "soft-1d",
        "soft-2d",
        "two-ones",
        "all-zeros",
        "label-too-big",
        "label-negative",
        "label-fraction",
        "scalar-label-too-big",
        "labels-wrong-count",
    ],
)
def test_cross_entropy_refuses_a_t_it_would_misread_and_says_what_t_should_be(
    y: np.ndarray, t: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        cross_entropy_error(y, t)


def test_cross_entropy_reads_one_hot_rows_and_labels_alike() -> None:
    expected = -(np.log(0.9 + 1e-7) + np.log(0.5 + 1e-7)) / 2
    assert cross_entropy_error(Y2, np.array([[0, 1], [1, 0]])) == pytest.approx(expected)
    assert cross_entropy_error(Y2, np.array([1, 0])) == pytest.approx(expected)
    assert cross_entropy_error(Y2, np.array([1.0, 0.0])) == pytest.approx(expected)
