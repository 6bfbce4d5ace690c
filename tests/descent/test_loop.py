"""descend: the recorded path, the diagnosis of each way a run ends, and learning_rate_bound.

Golden values come from the book (its printed descent table) or from closed forms:
on x0² + x1² a step multiplies x by 1 - 2 lr, and the Hessians of the test functions
are computed here by hand.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import (
    DescentResult,
    Momentum,
    PrecisionWarning,
    TrainingWarning,
    descend,
    gradient_descent,
    learning_rate_bound,
)
from gradwalk.book import function_2
from gradwalk.testfunctions import get

START = (-3.0, 4.0)

DESCENT_TABLE = [
    (0.1, "[-6.11110793e-10  8.14814391e-10]"),
    (10.0, "[-2.58983747e+13 -1.29524862e+12]"),
    (1e-10, "[-2.99999994  3.99999992]"),
    (0.01, "[-0.39785867  0.53047822]"),
]


def start() -> np.ndarray:
    return np.array(START)


# --- the book's table ----------------------------------------------------------------------


@pytest.mark.parametrize(("lr", "printed"), DESCENT_TABLE, ids=[str(r[0]) for r in DESCENT_TABLE])
def test_descend_gives_the_books_table_bit_for_bit(lr: float, printed: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)  # gradient_descent warns at lr = 10
        warnings.simplefilter("ignore", TrainingWarning)  # that it diverged
        book = gradient_descent(function_2, start(), lr=lr, step_num=100)
    result = descend(function_2, start(), lr=lr, steps=100)
    np.testing.assert_array_equal(result.x, book, err_msg=f"lr={lr}: descend differs")


def test_path_values_and_gradient_norms_are_recorded_from_the_start() -> None:
    x0 = start()
    result = descend(function_2, x0, lr=0.1, steps=20)
    assert result.path.shape == (21, 2) and result.steps_taken == 20
    np.testing.assert_array_equal(result.path[0], START, err_msg="path does not begin at x0")
    np.testing.assert_array_equal(result.path[-1], result.x, err_msg="x is not the last point")
    # each step multiplies x by 1 - 2 lr = 0.8 (up to the rounding of the numerical gradient)
    expected = 0.8 ** np.arange(21)[:, None] * np.array(START)
    np.testing.assert_allclose(result.path, expected, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(result.values, np.sum(expected**2, axis=1), rtol=1e-9)
    np.testing.assert_allclose(result.grad_norms, 10 * 0.8 ** np.arange(21), rtol=1e-9)
    np.testing.assert_array_equal(x0, START, err_msg="x0 was modified")


def test_x0_is_never_modified_and_integer_starts_are_not_truncated() -> None:
    x0 = start()
    descend(function_2, x0, lr=0.4, steps=5, optimizer="adam")
    np.testing.assert_array_equal(x0, START, err_msg="x0 was modified by an optimizer")
    listed = [-3, 4]
    result = descend(function_2, listed, lr=0.1, steps=100)
    assert listed == [-3, 4] and result.x.dtype == np.float64
    floats = descend(function_2, [-3.0, 4.0], lr=0.1, steps=100)
    np.testing.assert_array_equal(result.x, floats.x, err_msg="an integer start was truncated")


def test_result_is_frozen_and_prints_its_story() -> None:
    result = descend(function_2, start(), lr=0.1, steps=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.status = "converged"  # type: ignore[misc]
    text = str(result)
    assert text.startswith("max_steps after 3 steps of SGD(lr=0.1)"), text
    assert result.message in text and result.message in repr(result)
    assert isinstance(result, DescentResult) and result.value == result.values[-1]


# --- the diagnoses -------------------------------------------------------------------------


def test_lr_10_diverges_and_explains_the_freeze() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the explanation replaces the per-step warnings
        result = descend(function_2, start(), lr=10.0, steps=100)
    assert result.status == "diverged", result.message
    message = result.message
    assert "orders of magnitude" in message, f"growth not stated: {message}"
    assert "exactly zero" in message and "x ± h rounds back to x" in message, message
    assert "e+13" in message, f"the magnitude |x| ≈ 1e13 is not stated: {message}"
    assert "more than h = 0.0001" in message, f"h below the spacing not stated: {message}"
    assert "stable bound of about 1 " in message, f"the bound 2/λmax = 1 is missing: {message}"
    # frozen from step 10: the path stops there instead of repeating the same point
    assert result.steps_taken == 10 and result.grad_norms[-1] == 0.0
    assert result.values[-1] > 1e25 * result.values[0]


def test_tiny_lr_barely_changes_f_and_names_the_stable_bound() -> None:
    result = descend(function_2, start(), lr=1e-10, steps=100)
    assert result.status == "max_steps", result.message
    assert "barely changed" in result.message, result.message
    assert "far below the stable bound of about 1 " in result.message, result.message
    assert result.values[0] - result.values[-1] < 1e-6 * result.values[0]


@pytest.mark.parametrize("steps", [100, 101])
def test_lr_at_the_stable_bound_swings_and_does_not_rise(steps: int) -> None:
    # lr = 1 on function_2 maps x to -x: f stays 25, though after an odd number of
    # steps it may end a rounding error above where it began.
    result = descend(function_2, start(), lr=1.0, steps=steps)
    assert "rose" not in result.message, (
        f"f stayed at 25 while x swung across the minimum, it did not rise: {result.message}"
    )
    assert "swings across the minimum" in result.message, (
        f"the message must say x swings across the minimum at lr = 1: {result.message}"
    )
    assert "))" not in result.message, f"doubled parentheses: {result.message}"


def test_a_rise_below_the_stable_bound_has_no_doubled_parentheses() -> None:
    result = descend(get("ackley"), [2.2, -1.3], lr=0.63, steps=40)
    assert "f rose from" in result.message, result.message
    assert "))" not in result.message, f"doubled parentheses: {result.message}"
    assert "lr = 0.63 is below the stable bound" in result.message, (
        f"advice to go below the bound must not be given when lr is already below it: "
        f"{result.message}"
    )


def test_lr_0_1_converges_with_gtol() -> None:
    result = descend(function_2, start(), lr=0.1, gtol=1e-6)
    # |grad| = 10 · 0.8^k < 1e-6 first at k = 73
    assert result.status == "converged", result.message
    assert result.steps_taken == 73, f"converged after {result.steps_taken} steps, not 73"
    assert result.grad_norms[-1] < 1e-6 <= result.grad_norms[-2]
    assert "gtol" in result.message


def test_lr_0_1_without_gtol_uses_every_step() -> None:
    result = descend(function_2, start(), lr=0.1)
    assert result.status == "max_steps" and result.steps_taken == 100, result.message
    assert result.value < 1e-15, f"f only fell to {result.value}"


def test_lr_at_the_bound_oscillates_and_says_so() -> None:
    result = descend(function_2, start(), lr=1.0, steps=10)
    np.testing.assert_allclose(result.path[1], [3.0, -4.0], rtol=1e-9)
    assert result.status == "max_steps" and "at or above the stable bound" in result.message


def test_lr_above_the_bound_reports_that_f_rose() -> None:
    result = descend(function_2, start(), lr=1.01, steps=100)
    assert result.status == "max_steps", result.message
    assert "f rose" in result.message and "above the stable bound" in result.message


def test_lr_above_the_bound_at_the_minimum_bounces_and_says_so() -> None:
    # Beale's minimum (3, 0.5) is stable only for lr < 0.041: at 0.05 descent gets close,
    # then bounces across the valley.
    result = descend(get("beale"), np.array([1.0, 1.0]), lr=0.05, steps=400)
    assert result.status == "max_steps", result.message
    assert "was lowest" in result.message, result.message
    assert "above the stable bound of about 0.04" in result.message, result.message


def test_sliding_off_a_saddle_says_f_may_be_unbounded() -> None:
    saddle = get("saddle")
    result = descend(saddle, np.array(saddle.start), lr=0.1, steps=100)
    assert result.status == "max_steps" and "unbounded below" in result.message, result.message


def test_overflow_to_inf_stops_as_diverged_keeping_the_path() -> None:
    # x grows 1999-fold per step; x² overflows to inf once |x| > 1.3e154, at step 47.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = descend(function_2, start(), lr=1000.0, grad=lambda x: 2 * x, steps=100)
    assert result.status == "diverged", result.message
    assert result.steps_taken == 47, f"stopped after {result.steps_taken} steps, not 47"
    assert np.isinf(result.values[-1]) and np.all(np.isfinite(result.values[:-1]))
    assert math.isnan(result.grad_norms[-1])
    assert len(result.path) == len(result.values) == len(result.grad_norms) == 48
    assert "f became inf at step 47" in result.message, result.message


def test_non_finite_numerical_gradient_stops_at_that_step() -> None:
    def f(x: np.ndarray) -> Any:
        return np.sqrt(x[0]) + x[1] ** 2

    # x0 - h < 0: the numerical gradient is nan although f(x) is finite.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = descend(f, np.array([5e-5, 1.0]), lr=0.1)
    assert result.status == "diverged" and result.steps_taken == 0, result.message
    assert math.isfinite(result.values[0]) and math.isnan(result.grad_norms[0])
    assert "gradient became not finite at step 0" in result.message


def test_a_gradient_that_rounds_to_zero_stalls_and_says_why() -> None:
    def f(x: np.ndarray) -> Any:
        return np.sum((x - 1e13) ** 2)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = descend(f, np.array([1e13 + 1024.0, 1e13]), lr=0.1)
    assert result.status == "stalled" and result.steps_taken == 0, result.message
    assert "x ± h rounds back to x" in result.message and "h='auto'" in result.message


def test_updates_below_the_float_spacing_stall() -> None:
    result = descend(function_2, np.array([1.0, 1.0]), lr=1e-20, grad=lambda x: 2 * x)
    assert result.status == "stalled" and result.steps_taken == 0, result.message
    assert "rounded back to itself" in result.message


def test_an_exactly_zero_gradient_is_a_stationary_point() -> None:
    result = descend(get("saddle"), np.zeros(2), lr=0.1)
    assert result.status == "converged" and result.steps_taken == 0, result.message
    assert "stationary point" in result.message


def test_unexplained_warnings_are_shown_once() -> None:
    x0 = np.array(START, dtype=np.float32)  # every numerical gradient warns about float32
    with pytest.warns(PrecisionWarning, match="float32") as record:
        result = descend(function_2, x0, lr=0.1, steps=5)
    assert len(record) == 1, f"expected one warning, got {len(record)}"
    assert "shown once" in str(record[0].message)
    assert result.x.dtype == np.float32 and result.path.dtype == np.float32


def test_callback_sees_every_point_and_can_stop() -> None:
    seen: list[tuple[int, float]] = []

    def callback(step: int, x: np.ndarray, value: Any, grad: np.ndarray) -> bool:
        seen.append((step, float(value)))
        x[...] = 99.0  # a copy: must not disturb the run
        np.testing.assert_allclose(grad, 2 * 0.8**step * np.array(START), rtol=1e-9)
        return step == 5

    result = descend(function_2, start(), lr=0.1, callback=callback)
    assert result.status == "stopped" and result.steps_taken == 5, result.message
    assert [s for s, _ in seen] == list(range(6))
    np.testing.assert_allclose(result.x, 0.8**5 * np.array(START), rtol=1e-9)


def test_analytic_gradient_is_used_and_checked() -> None:
    calls: list[int] = []

    def grad(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return 2 * x

    result = descend(function_2, start(), lr=0.1, steps=10, grad=grad)
    np.testing.assert_allclose(result.x, 0.8**10 * np.array(START), rtol=1e-14)
    assert len(calls) == 11, "grad must be called once per point of the path"
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        descend(function_2, start(), lr=0.1, grad=lambda x: np.zeros(3))


def test_optimizer_by_name_or_instance_gives_the_same_run() -> None:
    instance = Momentum(lr=0.1)
    by_name = descend(function_2, start(), lr=0.1, optimizer="momentum", steps=30)
    by_instance = descend(function_2, start(), optimizer=instance, steps=30)
    np.testing.assert_array_equal(by_name.path, by_instance.path)
    assert by_name.optimizer == "Momentum(lr=0.1, momentum=0.9)"
    assert not instance.v, "descend changed the caller's optimizer"


def test_gradient_options_are_passed_on() -> None:
    forward = descend(function_2, start(), lr=0.1, steps=1, method="forward", h=1e-3)
    # forward difference of x² is 2x + h
    np.testing.assert_allclose(
        forward.path[1], np.array(START) - 0.1 * (2 * np.array(START) + 1e-3)
    )


# --- what the diagnosis costs -------------------------------------------------------------


def counting(f: Any) -> tuple[Any, list[int]]:
    """f, and a list that grows by one at each call."""
    calls: list[int] = []

    def counted(x: np.ndarray) -> Any:
        calls.append(1)
        return f(x)

    return counted, calls


def test_nfev_counts_every_evaluation_of_f_the_diagnosis_included() -> None:
    n, steps = 200, 3
    f, calls = counting(lambda x: np.sum(x**2))
    result = descend(f, np.ones(n), lr=1e-10, steps=steps)
    assert result.nfev == len(calls), f"nfev={result.nfev}, but f was called {len(calls)} times"
    # the run itself: f and a central-difference gradient (2n values) at each of its points
    run = (steps + 1) * (1 + 2 * n)
    assert "stable bound of about 1 " in result.message, result.message
    assert run < result.nfev <= run + (steps + 1) * 2 * n, (
        f"{result.nfev} evaluations: the diagnosis spent more gradients than the run's {steps + 1}"
    )
    assert f"({result.nfev} evaluations of f)" in str(result), str(result)
    assert f"nfev={result.nfev}" in repr(result), repr(result)


def test_nfev_with_an_analytic_gradient_counts_only_f() -> None:
    f, calls = counting(function_2)
    result = descend(f, start(), lr=0.1, steps=5, grad=lambda x: 2 * x)
    assert result.nfev == len(calls) == 6, f"nfev={result.nfev}, f called {len(calls)} times"


def test_the_bound_is_not_estimated_when_that_costs_more_than_the_run() -> None:
    n = 50
    f, calls = counting(lambda x: np.sum(x**2))
    result = descend(f, np.ones(n), lr=1e-10, steps=1)
    assert result.nfev == len(calls) == 2 * (1 + 2 * n), (
        f"{len(calls)} evaluations: a one-step run should spend none on its diagnosis"
    )
    assert "not estimated" in result.message and "learning_rate_bound" in result.message, (
        f"the message does not say the bound was skipped: {result.message}"
    )
    assert "stable bound of about" not in result.message, result.message


def test_a_bound_that_does_not_settle_in_the_allowance_is_not_quoted() -> None:
    curvature = np.ones(20)
    curvature[:2] = [100.0, 99.9]  # close eigenvalues: power iteration needs a few rounds
    grads: list[int] = []

    def grad(x: np.ndarray) -> np.ndarray:
        grads.append(1)
        return curvature * x

    steps = 3
    result = descend(
        lambda x: 0.5 * np.sum(curvature * x**2), np.ones(20), lr=1e-9, steps=steps, grad=grad
    )
    assert len(grads) <= 2 * (steps + 1), (
        f"{len(grads)} gradients: the diagnosis spent more than the run's {steps + 1}"
    )
    assert "did not settle" in result.message and "stable bound of" not in result.message, (
        f"an unsettled estimate was quoted or not explained: {result.message}"
    )


def test_the_diagnosis_never_spends_more_than_200_gradients() -> None:
    # not a gradient field: its "Hessian" has complex eigenvalues, so the power iteration
    # never settles and would run as long as it is allowed to
    field = np.array([[1.0, 3.0], [-3.0, 0.0]])
    grads: list[int] = []

    def grad(x: np.ndarray) -> np.ndarray:
        grads.append(1)
        return np.asarray(field @ x)

    steps = 500
    result = descend(function_2, start(), lr=1e-12, steps=steps, grad=grad)
    extra = len(grads) - (steps + 1)
    assert 0 < extra <= 200, f"the diagnosis spent {extra} gradients"
    assert "did not settle" in result.message, result.message


# --- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0.1, "steps": -1}, ValueError, "steps=-1"),
        ({"lr": 0.1, "steps": 2.5}, TypeError, "steps"),
        ({"lr": 0.1, "optimizer": "adamw"}, ValueError, "'adamw'.*'sgd'.*'adam'"),
        ({"lr": 0.1, "gtol": -1.0}, ValueError, "gtol=-1.0"),
        ({"lr": 0}, ValueError, "lr=0"),
        ({"lr": 0.2, "optimizer": Momentum(lr=0.1)}, ValueError, "lr=0.2"),
        ({"lr": 0.1, "callback": 3}, TypeError, "callback"),
        ({"lr": 0.1, "grad": lambda x: 2 * x, "h": 1e-3}, TypeError, "'h'"),
    ],
)
def test_bad_arguments_get_clear_errors(kwargs: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        descend(function_2, start(), **kwargs)


def test_bound_refuses_bad_settings() -> None:
    with pytest.raises(ValueError, match="iterations=0"):
        learning_rate_bound(function_2, start(), iterations=0)
    with pytest.raises(ValueError, match="rtol=-1"):
        learning_rate_bound(function_2, start(), rtol=-1)
    with pytest.raises(TypeError, match="f must be a callable"):
        learning_rate_bound(3, start())  # type: ignore[arg-type]


def test_a_run_that_freezes_at_a_minimum_to_float_precision_is_converged() -> None:
    himmelblau = get("himmelblau")
    result = descend(himmelblau.value, [-1.0, -1.0], lr=himmelblau.lr, steps=1000)
    assert result.status == "converged", f"reached f = {result.values[-1]:.1e}: {result.message}"
    assert "floating-point precision" in result.message
    assert result.values[-1] < 1e-12


def test_a_run_that_used_richardsons_own_step_is_not_told_to_pass_h_auto() -> None:
    from gradwalk import IgnoredInputWarning

    with pytest.warns(IgnoredInputWarning):  # tanh is flat to rounding at 1e13
        result = descend(
            lambda x: float(np.sum(np.tanh(x))), [1e13, 1e13], lr=0.1, steps=5, method="richardson"
        )
    assert "h='auto'" not in result.message, (
        f"richardson already used its own step, yet the explanation says: {result.message}"
    )


# --- the book's closure pattern ------------------------------------------------------------

BOOK_W = [[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]]
BOOK_X = np.array([0.6, 0.9])
BOOK_T = np.array([0, 0, 1])


def book_loop(net: Any, lr: float, step_num: int) -> list[float]:
    """The book's own loop (section 4.4.2 with 4.4.1's gradient_descent), written out:
    numerical_gradient perturbs net.W in place, and W -= lr * grad updates it."""
    from gradwalk.functions import cross_entropy_error, softmax

    def loss(_: Any) -> float:
        return float(cross_entropy_error(softmax(np.dot(BOOK_X, net.W)), BOOK_T))

    values = [loss(None)]
    for _ in range(step_num):
        grad = np.zeros_like(net.W)
        flat, g = net.W.reshape(-1), grad.reshape(-1)
        for i in range(flat.size):
            kept = flat[i]
            flat[i] = kept + 1e-4
            plus = loss(None)
            flat[i] = kept - 1e-4
            minus = loss(None)
            flat[i] = kept
            g[i] = (plus - minus) / 2e-4
        net.W -= lr * grad
        values.append(loss(None))
    return values


def test_the_books_closure_descends_net_w_in_place_as_the_books_loop_does() -> None:
    from gradwalk.nets import simpleNet

    reference = simpleNet(W=BOOK_W)
    expected = book_loop(reference, 0.1, 20)
    assert round(expected[0], 3) == 0.928 and round(expected[-1], 3) == 0.304, expected

    net = simpleNet(W=BOOK_W)
    result = descend(lambda w: net.loss(BOOK_X, BOOK_T), net.W, lr=0.1, steps=20, in_place=True)
    np.testing.assert_array_equal(result.values, expected, "descend must follow the book's loop")
    np.testing.assert_array_equal(net.W, reference.W, "net.W itself must end where the book's does")

    again = simpleNet(W=BOOK_W)
    w = gradient_descent(lambda w: again.loss(BOOK_X, BOOK_T), again.W, 0.1, 20, in_place=True)
    assert w is again.W, "in_place=True returns the caller's own array"
    np.testing.assert_array_equal(again.W, reference.W)


@pytest.mark.parametrize("run", ["descend", "gradient_descent"])
def test_the_books_closure_on_a_copy_is_an_error_that_shows_both_fixes(run: str) -> None:
    from gradwalk.nets import simpleNet

    net = simpleNet(W=BOOK_W)
    before = net.W.copy()
    with pytest.raises(ValueError, match=r"in_place=True.*compute from its argument") as error:
        if run == "descend":
            descend(lambda w: net.loss(BOOK_X, BOOK_T), net.W, lr=0.1, steps=20)
        else:
            gradient_descent(lambda w: net.loss(BOOK_X, BOOK_T), net.W, lr=0.1, step_num=20)
    np.testing.assert_array_equal(net.W, before, "x0 is restored after the probe")
    argument = "x0" if run == "descend" else "init_x"
    message = str(error.value)
    assert message.startswith(f"{run} stopped"), f"the error names another function: {message}"
    assert f"so that {run} updates {argument} (net.W)" in message, (
        f"the error must name the function called and its argument {argument}: {message}"
    )


def test_a_zero_gradient_from_an_f_that_ignores_x_is_never_converged() -> None:
    from gradwalk import IgnoredInputWarning

    # f reads another array than the one descended, also with in_place=True.
    other = np.array([1.0, 2.0])
    with pytest.warns(IgnoredInputWarning):
        result = descend(
            lambda w: float(np.sum(other**2)), np.array([3.0, 4.0]), lr=0.1, in_place=True
        )
    assert result.status != "converged", result.message
    assert "proves nothing" in result.message, result.message


def test_in_place_needs_a_writable_float_array() -> None:
    with pytest.raises(TypeError, match="writable float ndarray"):
        descend(function_2, [1.0, 2.0], lr=0.1, in_place=True)


# --- options ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "hint"),
    [("step_num", "'steps'"), ("learning_rate", "'lr'"), ("methd", "'method'"), ("gtl", "'gtol'")],
)
def test_unknown_options_are_refused_before_any_work_with_a_hint(option: str, hint: str) -> None:
    calls = []

    def f(x: Any) -> float:
        calls.append(1)
        return float(np.sum(x**2))

    with pytest.raises(TypeError, match=f"unknown option {option}. Did you mean {hint}"):
        descend(f, start(), lr=0.01, **{option: 200})
    with pytest.raises(TypeError, match=f"unknown option {option}"):
        learning_rate_bound(f, start(), **{option: 200})
    assert not calls, "f must not be called before the options are checked"


@pytest.mark.parametrize(("name", "rate"), [("adam", 0.001), ("sgd", 0.01), ("momentum", 0.01)])
def test_an_optimizer_name_without_lr_uses_the_books_rate(name: str, rate: float) -> None:
    result = descend(function_2, start(), optimizer=name, steps=3)
    assert f"lr={rate}" in result.optimizer, result.optimizer


# --- a run is never lost ---------------------------------------------------------------------


def test_warnings_in_the_callback_or_the_update_do_not_crash_the_end_of_a_run() -> None:
    def chatty(step: int, *_: Any) -> None:
        warnings.warn("the callback speaks", UserWarning, stacklevel=1)

    with pytest.warns(UserWarning, match="at step 0: the callback speaks.*shown once"):
        result = descend(function_2, start(), lr=0.1, steps=5, callback=chatty)
    assert result.steps_taken == 5
    for optimizer in ["sgd", "momentum", "adam", "rmsprop"]:
        blown = descend(function_2, start(), lr=1e308, optimizer=optimizer)
        assert blown.status == "diverged", f"{optimizer}: {blown.status}, {blown.message}"


@pytest.mark.parametrize("error", [RuntimeError("boom"), KeyboardInterrupt()])
def test_an_exception_in_the_callback_carries_the_run_so_far(error: BaseException) -> None:
    def stop_at_3(step: int, *_: Any) -> None:
        if step == 3:
            raise error

    with pytest.raises(type(error)) as raised:
        descend(function_2, start(), lr=0.1, steps=10, callback=stop_at_3)
    partial = raised.value.result  # type: ignore[union-attr]
    assert isinstance(partial, DescentResult) and partial.status == "stopped"
    assert partial.steps_taken == 3 and partial.path.shape == (4, 2)
    np.testing.assert_allclose(partial.path[1], 0.8 * start(), rtol=1e-9)  # x - 0.1 * 2x
    assert "attached to this error as .result" in raised.value.__notes__[0]


def test_an_exception_in_f_carries_the_run_so_far() -> None:
    def f(x: Any) -> float:
        if np.sum(x**2) < 10:
            raise ArithmeticError("f failed")
        return float(np.sum(x**2))

    with pytest.raises(ArithmeticError) as raised:
        descend(f, start(), lr=0.1, steps=10)
    partial = raised.value.result  # type: ignore[attr-defined]
    # |x|² = 25, 16, 10.24, 6.55: f raises at the point of step 3, whose value is unknown.
    assert partial.steps_taken == 3 and np.isnan(partial.values[-1]), partial


def test_a_sign_flipped_grad_that_diverges_is_told_to_check_grad() -> None:
    result = descend(function_2, start(), lr=0.1, grad=lambda x: -2 * x)
    assert "grad disagrees with f" in result.message and "sign is wrong" in result.message, (
        result.message
    )
    right = descend(function_2, start(), lr=10, grad=lambda x: 2 * x)
    assert right.status == "diverged" and "Check grad" not in right.message, right.message


def test_gradient_descent_names_a_misspelled_required_keyword() -> None:
    with pytest.raises(TypeError, match=r"'initx'\. Did you mean 'init_x'\?") as caught:
        gradient_descent(function_2, initx=np.array([-3.0, 4.0]))
    assert "missing" not in str(caught.value), (
        f"the misspelled keyword initx is the mistake, not a missing init_x: {caught.value}"
    )
    with pytest.raises(TypeError, match="unknown option xo"):
        descend(function_2, xo=[-3.0, 4.0])
    with pytest.raises(TypeError, match=r"unknown option xx\. Did you mean 'x'\?"):
        learning_rate_bound(function_2, xx=[-3.0, 4.0])
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'init_x'"):
        gradient_descent(function_2, lr=0.1)  # keywords all right: Python's own message
