"""Golden tests: every number section 4.4 of the book prints, through gradwalk.book.

The expected values are the book's printed digits (book-reference, sections 1-3) or
come from an independent computation: the reference code's own loop, written out here,
or the analytic gradient.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import gradwalk
from gradwalk import PrecisionWarning, TrainingWarning
from gradwalk.book import (
    SimpleNet,
    cross_entropy_error,
    function_1,
    function_2,
    gradient_descent,
    numerical_diff,
    numerical_gradient,
    numerical_gradient_2d,
    simpleNet,
    softmax,
    tangent_line,
)

BOOK_W = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
BOOK_X = np.array([0.6, 0.9])
BOOK_T = np.array([0, 0, 1])


def reference_gradient(f: Any, x: np.ndarray) -> np.ndarray:
    """The book's 1-D listing of numerical_gradient, verbatim in substance."""
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = tmp_val + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def reference_descent(f: Any, init_x: np.ndarray, lr: float, step_num: int) -> np.ndarray:
    """The book's gradient_descent loop, on its own copy."""
    x = init_x.copy()
    for _ in range(step_num):
        x -= lr * reference_gradient(f, x)
    return x


def loss_without_delta(net: SimpleNet) -> float:
    """The cross-entropy of the book's first print run (log(y) without + 1e-7)."""
    return float(-np.log(softmax(net.predict(BOOK_X))[2]))


# --- 4.4: the three gradients -----------------------------------------------------------


def test_gradient_at_3_4_has_the_books_footnote_digits() -> None:
    grad = numerical_gradient(function_2, np.array([3.0, 4.0]))
    assert grad.tolist() == [6.00000000000378, 7.999999999999119]
    assert repr(grad) == "array([6., 8.])"


@pytest.mark.parametrize(
    ("point", "printed"), [((0.0, 2.0), "array([0., 4.])"), ((3.0, 0.0), "array([6., 0.])")]
)
def test_gradients_at_0_2_and_3_0_print_as_in_the_book(point: Any, printed: str) -> None:
    x = np.array(point)
    grad = numerical_gradient(function_2, x)
    assert repr(grad) == printed
    np.testing.assert_array_equal(grad, reference_gradient(function_2, x.copy()))


def test_numerical_gradient_2d_takes_each_row_as_a_point_as_the_figure_4_9_script() -> None:
    x0, x1 = np.meshgrid(np.arange(-2, 2.5, 0.25), np.arange(-2, 2.5, 0.25))
    points = np.array([x0.flatten(), x1.flatten()]).T
    expected = np.array([reference_gradient(function_2, row.copy()) for row in points])
    before = points.copy()
    np.testing.assert_array_equal(numerical_gradient_2d(function_2, points), expected)
    np.testing.assert_array_equal(points, before, err_msg="X was left perturbed")
    assert repr(numerical_gradient_2d(function_2, [3, 4])) == "array([6., 8.])"
    with pytest.raises(ValueError, match="point per row"):
        numerical_gradient_2d(function_2, np.zeros((2, 2, 2)))


# --- 4.4.1: gradient descent --------------------------------------------------------------

DESCENT_TABLE = [
    (0.1, "[-6.11110793e-10  8.14814391e-10]"),
    (10.0, "[-2.58983747e+13 -1.29524862e+12]"),
    (1e-10, "[-2.99999994  3.99999992]"),
    (0.01, "[-0.39785867  0.53047822]"),
]


@pytest.mark.parametrize(("lr", "printed"), DESCENT_TABLE, ids=[str(r[0]) for r in DESCENT_TABLE])
def test_gradient_descent_reproduces_the_book_table_bit_for_bit(lr: float, printed: str) -> None:
    init_x = np.array([-3.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)  # lr = 10 freezes; tested below
        warnings.simplefilter("ignore", TrainingWarning)  # and diverges; tested below
        x = gradient_descent(function_2, init_x, lr=lr, step_num=100)
    expected = reference_descent(function_2, np.array([-3.0, 4.0]), lr, 100)
    np.testing.assert_array_equal(x, expected, err_msg=f"lr={lr} differs from the book's loop")
    assert str(x) == printed
    np.testing.assert_array_equal(init_x, [-3.0, 4.0], err_msg="init_x was modified")


def test_gradient_descent_gives_the_repositorys_x_history() -> None:
    # ch04/gradient_method.py appends a copy of x before each step and returns both.
    expected_history = []
    x = np.array([-3.0, 4.0])
    for _ in range(20):
        expected_history.append(x.copy())
        x -= 0.1 * reference_gradient(function_2, x)
    last, history = gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=20, history=True)
    np.testing.assert_array_equal(history, np.array(expected_history))
    np.testing.assert_array_equal(last, x)
    empty = gradient_descent(function_2, [-3.0, 4.0], step_num=0, history=True)[1]
    assert empty.shape == (0, 2)


def test_lr_0_1_lands_on_the_closed_form_within_rounding() -> None:
    x = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
    np.testing.assert_allclose(x, 0.8**100 * np.array([-3.0, 4.0]), rtol=1e-6)


def test_lr_10_warns_once_per_kind_as_rounding_takes_over() -> None:
    # |x| grows 19-fold a step: at step 5 (|x| ~ 1e7, f ~ 1.5e14) f's rounding over h,
    # 8 ulps·|f|/h ~ 2.7e3, is 1.8e-4 of the gradient 1.5e7 (rounding takes over; by step
    # 8 f(x ± h e_0) differ by ~20 units of it); at step 9 x[0] ± h lands on floats
    # 0.000122 apart and x[1] ± h rounds back to x[1]. Each kind is shown once, first.
    with pytest.warns((PrecisionWarning, TrainingWarning)) as record:
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=10.0, step_num=100)
    messages = [str(r.message) for r in record if r.category is PrecisionWarning]
    expected = [
        r"^at step 5: rounding in f limits x\[0\].*about 4 significant digits are left",
        r"^at step 9: the step h = 0.0001 is too small .*x\[1\].*rounds back to x",
        r"^at step 9: the step actually taken at x\[0\] is not h = 0.0001",
    ]
    for pattern in expected:
        assert sum(bool(re.search(pattern, m)) for m in messages) == 1, (pattern, messages)
    assert len(messages) == 3, f"expected one warning per kind, got {messages}"


@pytest.mark.parametrize("lr", [10.0, 1e9])
def test_a_diverging_run_names_lr_as_the_cause_with_the_stable_bound(lr: float) -> None:
    # f = x0² + x1² has the Hessian 2I: λmax = 2, so the stable bound 2/λmax is exactly 1.
    with pytest.warns((PrecisionWarning, TrainingWarning)) as record:
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)
    [message] = [str(r.message) for r in record if r.category is TrainingWarning]
    assert message.startswith("gradient_descent diverged: the largest |x| grew from 4 to"), message
    assert f"lr = {lr:g} is above the stable bound of about 1 here" in message, message
    assert "pass a smaller lr, such as 0.5" in message, message


def test_a_run_that_converges_or_barely_moves_is_not_called_diverged() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=0.1, step_num=100)
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=1e-10, step_num=100)
    with pytest.warns(TrainingWarning) as record:  # swings: warned, but not as diverged
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=1.0, step_num=10)
    [message] = [str(r.message) for r in record if r.category is TrainingWarning]
    assert "diverged" not in message and "swings across the minimum" in message, (
        f"lr = 1 on function_2 swings across the minimum; it does not diverge: {message}"
    )


def test_gradient_descent_accepts_integer_start_and_zero_steps() -> None:
    start = [-3, 4]
    x = gradient_descent(function_2, start, lr=0.1, step_num=0)
    assert x.dtype == np.float64 and x.tolist() == [-3.0, 4.0]
    assert start == [-3, 4]
    x = gradient_descent(function_2, np.array([-3, 4]), lr=0.1, step_num=100)
    assert str(x) == "[-6.11110793e-10  8.14814391e-10]"


# --- 4.4.2: simpleNet ----------------------------------------------------------------------


def test_simplenet_predict_argmax_and_loss_as_printed() -> None:
    net = simpleNet(W=BOOK_W)
    p = net.predict(BOOK_X)
    assert str(p) == "[1.05414809 0.63071653 1.1328074 ]"
    assert np.argmax(p) == 2
    # The book printed 0.92806853663411326 (its first print run had no + 1e-7). Its W had
    # more digits than the 8 it prints, so the printed W reproduces the loss to about 2e-9.
    assert loss_without_delta(net) == pytest.approx(0.92806853663411326, rel=1e-8)
    # The current reference code adds 1e-7 inside the log.
    assert net.loss(BOOK_X, BOOK_T) == pytest.approx(0.9280682857864075, rel=1e-15)


def test_simplenet_numerical_dw_as_printed_without_the_delta() -> None:
    net = simpleNet(W=BOOK_W)
    dW = numerical_gradient(lambda w: loss_without_delta(net), net.W)
    printed = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
    np.testing.assert_array_equal(np.round(dW, 8), printed)
    analytic = np.outer(BOOK_X, softmax(BOOK_X @ BOOK_W) - BOOK_T)
    np.testing.assert_allclose(dW, analytic, atol=1e-8)
    np.testing.assert_array_equal(net.W, BOOK_W, err_msg="net.W left perturbed")


def test_cross_entropy_with_delta_0_gives_the_printed_dw() -> None:
    net = simpleNet(W=BOOK_W)
    dW = numerical_gradient(
        lambda w: cross_entropy_error(softmax(net.predict(BOOK_X)), BOOK_T, delta=0), net.W
    )
    printed = [[0.21924763, 0.14356247, -0.36281009], [0.32887144, 0.2153437, -0.54421514]]
    np.testing.assert_array_equal(np.round(dW, 8), printed)


def test_simplenet_numerical_dw_with_the_delta_of_the_reference_code() -> None:
    net = simpleNet(W=BOOK_W)
    dW = numerical_gradient(lambda w: net.loss(BOOK_X, BOOK_T), net.W)
    with_delta = [[0.21924757, 0.14356243, -0.36281], [0.32887136, 0.21534364, -0.544215]]
    np.testing.assert_allclose(dW, with_delta, atol=6e-9)
    analytic = np.outer(BOOK_X, softmax(BOOK_X @ BOOK_W) - BOOK_T)
    shift = np.max(np.abs(dW - analytic))
    assert 1e-7 < shift < 1e-6, f"the + 1e-7 should shift dW by about 3e-7, got {shift:.1e}"


def test_simplenet_gradient_matches_analytic_for_random_weights() -> None:
    net = SimpleNet(seed=7)
    x, t = np.array([-0.3, 1.7]), np.array([0, 1, 0])
    dW = numerical_gradient(lambda w: float(-np.log(softmax(net.predict(x))[1])), net.W)
    np.testing.assert_allclose(dW, np.outer(x, softmax(x @ net.W) - t), atol=1e-8)


# --- 4.3 helpers still used in 4.4 ---------------------------------------------------------


def test_function_1_tangent_line_touches_the_curve() -> None:
    tangent = tangent_line(function_1, 5)
    assert tangent(5) == pytest.approx(function_1(5), abs=1e-12)
    slope = tangent(6) - tangent(5)
    assert slope == pytest.approx(numerical_diff(function_1, 5), rel=1e-12)
    assert slope == pytest.approx(0.2, abs=1e-9)


def test_function_2_works_on_one_point_and_on_a_grid() -> None:
    assert function_2(np.array([3.0, 4.0])) == 25.0
    grid = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(function_2(grid), [5.0, 25.0])


def test_book_names_are_the_packages_own() -> None:
    assert gradwalk.simpleNet is gradwalk.SimpleNet
    assert cross_entropy_error is gradwalk.functions.cross_entropy_error
