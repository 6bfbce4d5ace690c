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
    relu_grad,
    sigmoid,
    sigmoid_grad,
    softmax,
    softmax_loss,
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
    # Real input takes the book's formula with a real exp, complex input an analytic
    # branch with the complex exp: they agree to rounding (below the underflow of the
    # book's formula, x < -709.8, the book's 0 against the subnormal true value).
    assert abs(value[1].real - sigmoid(x)) <= max(4.5e-16 * sigmoid(x), 1e-300), (
        "complex and real branches must agree on the real axis"
    )
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


# --- the book's results, bit for bit --------------------------------------------------------
# Each expected value is the formula of the book's common/functions.py, written out here.

RNG = np.random.default_rng(3)
HIDDEN = RNG.standard_normal((100, 50)) * 5
SCORES = RNG.standard_normal((100, 10)) * 3
LABELS = RNG.integers(0, 10, 100)
ONE_HOT = np.eye(10)[LABELS]


def _bits(value: Any) -> tuple[str, tuple[int, ...], bytes]:
    array = np.asarray(value)
    return str(array.dtype), array.shape, array.tobytes()


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_and_its_gradient_are_the_books_bit_for_bit(dtype: type) -> None:
    x = HIDDEN.astype(dtype)
    book = 1 / (1 + np.exp(-x))
    assert _bits(sigmoid(x)) == _bits(book)
    assert _bits(sigmoid_grad(x)) == _bits((1.0 - book) * book)
    assert _bits(sigmoid(0.5)) == _bits(1 / (1 + np.exp(-0.5)))


def test_sigmoid_of_integers_is_float64() -> None:
    assert _bits(sigmoid(np.array([-1, 0, 2]))) == _bits(1 / (1 + np.exp(-np.array([-1, 0, 2]))))


def test_relu_grad_is_one_from_zero_on_in_xs_dtype() -> None:
    out = relu_grad(np.array([-1.5, 0.0, 2.0]))
    assert out.dtype == np.float64 and out.tolist() == [0.0, 1.0, 1.0]
    assert relu_grad(np.array([-1, 0, 3])).tolist() == [0, 1, 1]
    assert relu_grad([-1, 0, 3]).dtype == np.float64
    assert relu_grad(np.array([-1.0], dtype=np.float32)).dtype == np.float32
    with pytest.raises(TypeError, match="numeric"):
        relu_grad(np.array(["a"]))


@pytest.mark.parametrize("scores", [SCORES, SCORES[0], np.array([0.3, 2.9, 4.0])])
def test_softmax_is_the_books_bit_for_bit(scores: np.ndarray) -> None:
    shifted = scores - np.max(scores, axis=-1, keepdims=True)
    book = np.exp(shifted) / np.sum(np.exp(shifted), axis=-1, keepdims=True)
    assert _bits(softmax(scores)) == _bits(book)


def _book_cross_entropy(y: np.ndarray, t: np.ndarray, delta: float = 1e-7) -> Any:
    if y.ndim == 1:
        t, y = t.reshape(1, t.size), y.reshape(1, y.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    return -np.sum(np.log(y[np.arange(y.shape[0]), t] + delta)) / y.shape[0]


@pytest.mark.parametrize("delta", [1e-7, 0.0])
def test_cross_entropy_is_the_books_bit_for_bit(delta: float) -> None:
    y = softmax(SCORES)
    cases = [
        (y, ONE_HOT),
        (y, LABELS),
        (y, ONE_HOT.astype(np.float32)),
        (y, ONE_HOT.astype(np.int64)),
        (y[0], ONE_HOT[0]),
        (y[:1], ONE_HOT[:1]),
        (softmax(np.array([1.05414809, 0.63071653, 1.1328074])), np.array([0, 0, 1])),
    ]
    for probabilities, t in cases:
        expected = _book_cross_entropy(probabilities, t, delta)
        assert _bits(cross_entropy_error(probabilities, t, delta=delta)) == _bits(expected), (
            f"y {probabilities.shape}, t {t.shape} {t.dtype}, delta {delta}"
        )
    assert _bits(softmax_loss(SCORES, ONE_HOT)) == _bits(_book_cross_entropy(y, ONE_HOT))


def test_cross_entropy_without_delta_is_minus_log() -> None:
    assert cross_entropy_error([0.2, 0.8], 1, delta=0) == -np.log(0.8)
    with np.errstate(divide="ignore"):
        assert cross_entropy_error([1.0, 0.0], 1, delta=0) == np.inf


@pytest.mark.parametrize(
    ("t", "match"),
    [
        (np.array([[1, -1, 1], [0, 0, 1]]), r"row 0 .*soft labels"),  # row sums and max are 1
        (np.array([[1.0, 0, 0], [0.5, 0.5, 0]]), r"row 1 .*soft labels"),
        (np.array([[2.0, 0, 0], [0, 0, 0]]), r"row 0 "),  # the picked entries sum to N
        (np.array([[1, 1, 0], [0, 0, 0]], dtype=np.int8), r"row 0 .*2 ones"),
        (np.array([[True, False, False], [False, True, True]]), r"row 1 .*2 ones"),
    ],
    ids=["negative-entry", "half-halves", "two-and-zero", "int8", "bool"],
)
def test_cross_entropy_fast_one_hot_check_misses_nothing_the_slow_one_catches(
    t: np.ndarray, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        cross_entropy_error(np.full((2, 3), 1 / 3), t)


def test_cross_entropy_reads_small_integer_and_bool_one_hot_rows() -> None:
    y = softmax(SCORES[:4])
    expected = _book_cross_entropy(y, ONE_HOT[:4])
    assert cross_entropy_error(y, ONE_HOT[:4].astype(np.int8)) == expected
    assert cross_entropy_error(y, ONE_HOT[:4].astype(bool)) == expected
    assert cross_entropy_error(y, LABELS[:4].astype(np.uint8)) == expected
