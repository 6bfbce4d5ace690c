"""Tests of gradwalk.check: verdicts, diagnoses, directional mode, reports, bad input.

Every analytic gradient here is written out by hand from calculus, independently of the
code under test; the numerical side is what gets checked against it.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradwalk import IgnoredInputWarning, NonFiniteWarning, PrecisionWarning
from gradwalk.check import (
    SCALE_FLOOR,
    ElementCheck,
    GradientCheck,
    assert_gradient_close,
    check_gradient,
    check_gradients,
)
from gradwalk.functions import cross_entropy_error, relu, sigmoid, softmax

Pair = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _symmetric(n: int) -> np.ndarray:
    """A fixed symmetric positive definite n x n matrix."""
    m = np.random.default_rng(n).standard_normal((n, n))
    return np.asarray(m @ m.T / n + np.eye(n))


def smooth_functions(s: float) -> dict[str, Pair]:
    """Smooth functions of x at scale s, each with its gradient worked out by hand."""
    return {
        "sum of squares": (lambda x: np.sum(x**2), lambda x: 2 * x),
        "quartic": (lambda x: np.sum(x**4), lambda x: 4 * x**3),
        "exp(x/s)": (lambda x: np.sum(np.exp(x / s)), lambda x: np.exp(x / s) / s),
        "sin(x/s)": (lambda x: np.sum(np.sin(x / s)), lambda x: np.cos(x / s) / s),
        "quadratic form": (
            lambda x: 0.5 * x @ _symmetric(x.size) @ x,
            lambda x: _symmetric(x.size) @ x,
        ),
        "log-sum-exp(x/s)": (
            lambda x: np.log(np.sum(np.exp(x / s))),
            lambda x: np.exp(x / s) / np.sum(np.exp(x / s)) / s,
        ),
        "log(x² + s²)": (
            lambda x: np.sum(np.log(x**2 + s**2)),
            lambda x: 2 * x / (x**2 + s**2),
        ),
        "x tanh(x/s)": (
            lambda x: np.sum(x * np.tanh(x / s)),
            lambda x: np.tanh(x / s) + x * (1 - np.tanh(x / s) ** 2) / s,
        ),
    }


# --- no false alarms ---------------------------------------------------------------


@pytest.mark.parametrize("scale", [1e-3, 1e-2, 1.0, 1e3])
def test_correct_gradients_pass_at_every_scale(scale: float) -> None:
    # 25 seeds x 12 elements per function: at scale 1e-3, log(x² + s²) and x tanh(x/s)
    # vary as fast as x is small, and a false alarm in a few hundred elements shows.
    for name, (f, grad) in smooth_functions(scale).items():
        for seed in range(25):
            x = np.random.default_rng(seed).standard_normal(12) * scale
            check = check_gradient(f, x, grad(x))
            assert check.passed, (
                f"false alarm on a correct gradient of {name} at scale {scale}, "
                f"seed {seed}:\n{check}"
            )
            assert check.failed == 0 and check.failures == ()


def test_an_element_that_is_exactly_zero_is_not_divided_by_itself() -> None:
    # At x = 0 the gradient of sum(x³ + x) has a 1 there; at x1 with 3x² + 1 ... make one
    # element's true derivative exactly 0: d/dx (x - sin x) at 0 is 0, numerically ~1e-12.
    x = np.array([0.0, 1.0, 2.0])
    check = check_gradient(lambda x: np.sum(x - np.sin(x)) + np.sum(x**2), x, 1 - np.cos(x) + 2 * x)
    assert check.passed, f"a zero gradient element caused a false alarm:\n{check}"
    zero = next(row for row in check.worst if row.index == (0,))
    assert zero.rel_error < 1e-6, (
        f"the relative error of a zero element was {zero.rel_error}: it must be divided by "
        f"at least {SCALE_FLOOR} × the largest element, not by the element itself"
    )


# --- detection ---------------------------------------------------------------------


def test_one_element_of_a_thousand_off_by_a_relative_1e_6_is_found() -> None:
    rng = np.random.default_rng(3)
    x = rng.standard_normal(1000)
    c = rng.uniform(0.5, 2.0, 1000)
    grad = 2 * c * x / (1 + x**2) + np.cos(x)
    j = int(np.argsort(np.abs(grad))[500])  # an element of typical size
    wrong = grad.copy()
    wrong[j] *= 1 + 1e-6
    check = check_gradient(lambda x: np.sum(c * np.log1p(x**2)) + np.sum(np.sin(x)), x, wrong)
    assert not check.passed, "a 1e-6 relative error in one element went unnoticed"
    assert check.failed == 1, f"expected exactly one failing element, got {check.failed}:\n{check}"
    assert check.failures[0].index == (j,), f"wrong element reported:\n{check}"
    assert check.failures[0].diagnosis == "wrong", check.failures[0].explanation
    assert check.worst[0].index == (j,), "the wrong element must head the worst-values table"
    assert f"wrong at x[{j}]" in check.verdict, check.verdict


def test_a_failing_check_names_the_element_and_the_numbers() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = 2 * x
    grad[1, 0] += 0.5
    check = check_gradient(lambda x: np.sum(x**2), x, grad)
    row = check.failures[0]
    assert isinstance(row, ElementCheck)
    assert (row.name, row.index, row.label) == ("x", (1, 0), "x[1, 0]")
    assert row.analytic == 6.5 and abs(row.numerical - 6.0) < 1e-8, row
    assert np.isfinite(row.error) and row.error < 1e-6, "richardson must give an error bar"
    assert row.failed and row.diagnosis == "wrong"


# --- diagnoses ---------------------------------------------------------------------


def test_diagnosis_wrong_gradient_discrepancy_stays_put() -> None:
    x = np.array([0.3, -1.2, 2.0])
    grad = np.exp(x) * [1.0, 1.0, 1.001]
    check = check_gradient(lambda x: np.sum(np.exp(x)), x, grad, method="central")
    assert [f.diagnosis for f in check.failures] == ["wrong"], str(check)
    assert "stays put" in check.failures[0].explanation
    assert "analytic gradient is wrong" in check.verdict


def test_diagnosis_truncation_shrinks_like_h_squared() -> None:
    x = np.array([0.3, -1.2, 2.0])
    check = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x), method="central", h=0.1)
    assert not check.passed, "h = 0.1 should be too coarse for the default tolerance"
    kinds = {f.diagnosis for f in check.failures}
    assert kinds == {"truncation"}, str(check)
    assert "h^2.0" in check.failures[0].explanation, check.failures[0].explanation
    assert check.outcome == "not checkable", "truncation is the step's fault, not a bug"
    assert "the step is too large for f" in check.verdict, check.verdict
    assert "h='auto' or method='richardson'" in check.failures[0].explanation


def test_diagnosis_rounding_grows_as_h_shrinks() -> None:
    x = np.array([0.3, -1.2, 2.0])
    with pytest.warns(PrecisionWarning, match="rounding in f limits x\\[0\\]"):
        check = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x), method="central", h=1e-12)
    assert not check.passed, "h = 1e-12 should drown the difference in rounding"
    kinds = {f.diagnosis for f in check.failures}
    assert kinds == {"rounding"}, str(check)
    assert "grows as the step shrinks" in check.failures[0].explanation
    assert check.outcome == "not checkable", "rounding is the step's fault, not a bug"
    assert "f's rounding hides" in check.verdict, check.verdict


def test_diagnosis_rounding_in_float32() -> None:
    x = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    with pytest.warns(PrecisionWarning) as record:
        check = check_gradient(
            lambda x: np.sum(np.exp(x)), x, np.exp(x), method="central", h=1e-5, rtol=1e-4
        )
    assert any("float32" in str(r.message) for r in record), "no float32 precision warning"
    assert {f.diagnosis for f in check.failures} == {"rounding"}, str(check)


def test_float32_wrong_element_is_convicted_by_the_error_bar() -> None:
    # float32 central differences scatter by ~1e-3, more than a quarter of the error;
    # Richardson's value and error bar, backed by the repeated differences, decide it
    x = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    grad = np.exp(x) * np.array([1.0, 1.0, 1.001], dtype=np.float32)
    check = check_gradient(lambda x: np.sum(np.exp(x)), x, grad, h="auto")
    assert [(c.index, c.diagnosis) for c in check.failures] == [((2,), "wrong")], str(check)
    assert "side with it" in check.failures[0].explanation
    # (Richardson's bars, twice its own estimate, leave a note that they are coarse here)
    assert all("allows relative errors" in note for note in check.notes), check.notes


def test_a_coarse_check_says_so() -> None:
    # float32 central differences without error bars get rtol = eps**(1/4) = 1.8e-2:
    # a wrong element 1e-3 off passes, and the report must say the check was coarse
    x = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    with pytest.warns(PrecisionWarning):
        check = check_gradient(
            lambda x: np.sum(np.exp(x)), x, np.exp(x) * [1, 1, 1.001], method="central"
        )
    assert check.passed and check.notes, "a tolerance of 1.8e-2 must not pass silently"
    assert "Only a coarse check" in check.verdict
    assert "allows relative errors up to" in str(check)


@pytest.mark.parametrize(
    ("f", "grad"),
    [
        (lambda x: np.sum(relu(x)), lambda x: (x >= 0).astype(float)),
        (lambda x: np.sum(np.abs(x)), lambda x: np.where(x >= 0, 1.0, -1.0)),
    ],
    ids=["relu at 0", "abs at 0"],
)
def test_diagnosis_kink_one_sided_differences_disagree(f: Any, grad: Any) -> None:
    x = np.array([0.0, 1.5, -0.7])
    with pytest.warns(PrecisionWarning, match="kink or a jump"):  # the gradient says it too
        check = check_gradient(f, x, grad(x))
    assert check.outcome == "not checkable", "a kink is not the analytic gradient's fault"
    rows = check.failures + check.unverified
    assert [(c.index, c.diagnosis) for c in rows] == [((0,), "nonsmooth")], str(check)
    assert "forward and backward differences disagree" in rows[0].explanation
    assert "kink" in check.verdict


def test_diagnosis_kink_within_the_step() -> None:
    x = np.array([0.3, 1e-5])  # relu's kink lies inside x[1] ± 1e-4
    f = lambda x: np.sum(np.exp(x)) + np.sum(relu(x))  # noqa: E731
    check = check_gradient(f, x, np.exp(x) + (x >= 0), method="central")
    assert [(c.index, c.diagnosis) for c in check.failures] == [((1,), "nonsmooth")], str(check)
    assert "within the step" in check.failures[0].explanation


def test_nonfinite_analytic_values_are_failures_not_crashes() -> None:
    x = np.array([0.3, -1.2, 2.0])
    check = check_gradient(lambda x: np.sum(x**2), x, [0.6, np.nan, np.inf])
    assert check.failed == 2 and not check.passed
    assert {c.index: c.diagnosis for c in check.failures} == {(1,): "nonfinite", (2,): "nonfinite"}
    assert "inf or nan" in check.verdict
    assert check.max_rel_error == np.inf


def test_nonfinite_numerical_values_are_failures_not_crashes() -> None:
    x = np.array([1.0, 1e-5])
    with pytest.warns(NonFiniteWarning), np.errstate(invalid="ignore"):
        check = check_gradient(lambda x: np.sum(np.log(x)), x, 1 / x, method="central")
    assert [(c.index, c.diagnosis) for c in check.failures] == [((1,), "nonfinite")], str(check)
    assert "numerical value is nan" in check.failures[0].explanation


def test_diagnose_limits_the_work_and_says_so() -> None:
    x = np.linspace(1.0, 2.0, 12)
    none = check_gradient(lambda x: np.sum(x**2), x, 3 * x, diagnose=0)
    assert none.failed == 12 and none.failures == ()
    assert "12 failing values were not diagnosed" in str(none)
    assert "not diagnosed" in none.verdict
    some = check_gradient(lambda x: np.sum(x**2), x, 3 * x, diagnose=2)
    assert len(some.failures) == 2 and some.nfev > none.nfev
    assert "10 more failing values were not diagnosed" in str(some)
    every = check_gradient(lambda x: np.sum(x**2), x, 3 * x, diagnose=None)
    assert len(every.failures) == 12 and "not diagnosed" not in str(every)


# --- directional mode --------------------------------------------------------------


def _model(n: int, seed: int) -> tuple[Callable[[Any], Any], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n)
    c = rng.uniform(0.5, 2.0, n)
    return (
        (lambda x: np.sum(c * np.log1p(x**2)) + np.sum(np.sin(x))),
        x,
        (2 * c * x / (1 + x**2) + np.cos(x)),
    )


def test_directional_mode_flags_one_wrong_element_in_99_percent_of_seeds() -> None:
    f, x, grad = _model(1000, seed=11)
    picker = np.random.default_rng(12)
    floor = SCALE_FLOOR * np.abs(grad).max()
    flagged = 0
    slopes = set()  # the numerical derivatives of f along each seed's directions
    for seed in range(100):
        j = int(picker.integers(x.size))
        wrong = grad.copy()
        # a relative error of 1e-3 in the scale-aware sense of the report
        wrong[j] += 1e-3 * max(abs(grad[j]), floor) * picker.choice([-1.0, 1.0])
        check = check_gradient(f, x, wrong, mode="directional", k=3, seed=seed, diagnose=0)
        flagged += not check.passed
        slopes.add(tuple(sorted(row.numerical for row in check.worst)))
    assert flagged >= 99, f"directional mode flagged only {flagged} of 100 seeds"
    # The seeds really chose the directions: 100 seeds, 100 different sets of slopes of
    # f along them; and the same seed gives the same directions again.
    assert len(slopes) == 100, f"100 seeds gave only {len(slopes)} sets of directions"
    first, again = (
        check_gradient(f, x, grad, mode="directional", k=3, seed=42, diagnose=0) for _ in range(2)
    )
    assert [row.analytic for row in first.worst] == [row.analytic for row in again.worst], (
        "seed=42 twice gave different directions"
    )
    assert first.seed == 42 and "(seed=42)" in str(first), "the report must print the seed"


@pytest.mark.parametrize("scale", [1e-3, 1e-2, 1.0, 1e3])
def test_directional_mode_no_false_alarms(scale: float) -> None:
    for name, (f, grad) in smooth_functions(scale).items():
        for seed in range(10):
            x = np.random.default_rng(seed).standard_normal(12) * scale
            check = check_gradient(f, x, grad(x), mode="directional", seed=seed)
            assert check.passed, (
                f"directional false alarm: {name}, scale {scale}, seed {seed}\n{check}"
            )


def test_directional_cost_does_not_grow_with_the_number_of_parameters() -> None:
    for n in (10, 10_000):
        f, x, grad = _model(n, seed=1)
        central = check_gradient(f, x, grad, mode="directional", k=3, seed=0, method="central")
        assert central.passed and central.nfev == 6, f"n={n}: {central.nfev} evaluations"
        adaptive = check_gradient(f, x, grad, mode="directional", k=3, seed=0)
        assert adaptive.passed and adaptive.checked == 3, str(adaptive)
        assert adaptive.nfev <= 60, f"n={n}: {adaptive.nfev} evaluations for 3 directions"


def test_directional_report_says_mode_and_seed_and_repeats() -> None:
    f, x, grad = _model(50, seed=2)
    grad[7] *= 1.01
    first = check_gradient(f, x, grad, mode="directional")
    assert first.mode == "directional" and isinstance(first.seed, int)
    again = check_gradient(f, x, grad, mode="directional", seed=first.seed)
    assert [r.analytic for r in again.worst] == [r.analytic for r in first.worst], (
        "the same seed must give the same directions"
    )
    text = str(again)
    assert f"mode='directional': 3 random directions compared (seed={first.seed})" in text
    assert "run mode='full' to find the elements" in again.verdict
    assert again.worst[0].name.startswith("direction ") and again.worst[0].index is None


def test_directional_nonfinite_analytic_names_the_element() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = 2 * x
    grad[0, 1] = np.nan
    check = check_gradient(lambda x: np.sum(x**2), x, grad, mode="directional", seed=0)
    assert check.failed == 3 and check.failures[0].diagnosis == "nonfinite"
    assert "x[0, 1]" in check.failures[0].explanation, check.failures[0].explanation


# --- models with several parameter arrays (the book's chapter 5 pattern) -----------


class TwoLayerNet:
    """affine → sigmoid → affine → softmax, with backpropagation (the book's 5.7)."""

    def __init__(self, inputs: int, hidden: int, outputs: int, seed: int) -> None:
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": 0.5 * rng.standard_normal((inputs, hidden)),
            "b1": 0.1 * rng.standard_normal(hidden),
            "W2": 0.5 * rng.standard_normal((hidden, outputs)),
            "b2": 0.1 * rng.standard_normal(outputs),
        }

    def scores(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        p = self.params
        z = sigmoid(x @ p["W1"] + p["b1"])
        return z, softmax(z @ p["W2"] + p["b2"])

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Exact cross-entropy (no 1e-7 inside the log), the loss backprop differentiates."""
        _, y = self.scores(x)
        return float(-np.sum(t * np.log(y)) / x.shape[0])

    def book_loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """The book's cross_entropy_error, with its 1e-7 inside the log."""
        return float(cross_entropy_error(self.scores(x)[1], t))

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        z, y = self.scores(x)
        dy = (y - t) / x.shape[0]
        da = (dy @ self.params["W2"].T) * z * (1 - z)
        return {"W1": x.T @ da, "b1": da.sum(0), "W2": z.T @ dy, "b2": dy.sum(0)}


def _net() -> tuple[TwoLayerNet, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(4)
    net = TwoLayerNet(6, 5, 4, seed=4)
    x = rng.random((3, 6))
    t = np.eye(4)[[0, 3, 1]]
    return net, x, t


def test_check_gradients_passes_backprop_and_leaves_the_params_alone() -> None:
    net, x, t = _net()
    before = {name: array.copy() for name, array in net.params.items()}
    arrays = dict(net.params)
    check = check_gradients(lambda p: net.loss(x, t), net.params, net.gradient(x, t))
    assert check.passed, str(check)
    assert check.checked == sum(a.size for a in net.params.values())
    for name, array in net.params.items():
        assert array is arrays[name], f"params[{name!r}] was replaced"
        assert array.tobytes() == before[name].tobytes(), f"params[{name!r}] was modified"


def test_check_gradients_finds_the_bug_and_names_the_parameter() -> None:
    net, x, t = _net()
    grads = net.gradient(x, t)
    grads["b1"] = grads["b1"].copy()
    grads["b1"][3] *= 1.01
    check = check_gradients(lambda p: net.loss(x, t), net.params, grads)
    assert [(f.label, f.diagnosis) for f in check.failures] == [("b1[3]", "wrong")], str(check)
    assert "wrong at b1[3]" in check.verdict
    table = str(check).split("Worst values:")[1]
    assert table.splitlines()[2].split()[:2] == ["b1", "3"], table


def test_check_gradients_directional_moves_every_parameter() -> None:
    net, x, t = _net()
    grads = net.gradient(x, t)
    assert check_gradients(lambda p: net.loss(x, t), net.params, grads, mode="directional").passed
    grads["W2"] = grads["W2"] + np.eye(5, 4) * 1e-3
    bad = check_gradients(lambda p: net.loss(x, t), net.params, grads, mode="directional")
    assert bad.failed == 3 and bad.failures[0].diagnosis == "wrong", str(bad)


def test_the_books_1e_7_in_cross_entropy_shows_as_a_small_systematic_error() -> None:
    # Backprop's y - t is the gradient of the exact cross-entropy; the book's loss adds
    # 1e-7 inside the log, so the two differ by about 1e-7 / y: a real, tiny difference.
    net, x, t = _net()
    grads = net.gradient(x, t)
    check = check_gradients(lambda p: net.book_loss(x, t), net.params, grads)
    assert check.outcome == "failed" and 1e-8 < check.max_rel_error < 1e-4, str(check)
    assert {f.diagnosis for f in check.failures} == {"systematic"}, str(check)
    assert "wrong" not in check.verdict, "a tiny constant term is not a wrong formula"
    assert f"agrees to {check.max_rel_error:.1e} relative everywhere" in check.verdict
    suggested = float(check.verdict.split("pass rtol=")[1].rstrip("."))
    assert check.max_rel_error < suggested <= 100 * check.max_rel_error, check.verdict
    assert check_gradients(lambda p: net.book_loss(x, t), net.params, grads, rtol=suggested).passed


def test_loss_receives_the_params_mapping() -> None:
    params = {"w": np.array([1.0, 2.0]), "b": np.array([0.5])}
    check = check_gradients(
        lambda p: np.sum(p["w"] ** 2) + 3 * p["b"][0],
        params,
        {"w": 2 * params["w"], "b": np.array([3.0])},
    )
    assert check.passed, str(check)


# --- assert_gradient_close ---------------------------------------------------------


def test_assert_gradient_close_passes_silently_and_fails_with_the_report() -> None:
    x = np.array([1.0, 2.0])
    assert assert_gradient_close(lambda x: np.sum(x**3), x, 3 * x**2) is None
    with pytest.raises(AssertionError) as raised:
        assert_gradient_close(lambda x: np.sum(x**3), x, 3 * x**2 + [0.0, 1e-3])
    message = str(raised.value)
    assert message.startswith("Gradient check FAILED: the analytic gradient is wrong at x[1]")
    assert "Worst values:" in message and "Diagnosis:" in message


def test_assert_gradient_close_takes_a_mapping_of_parameters() -> None:
    net, x, t = _net()
    assert_gradient_close(lambda p: net.loss(x, t), net.params, net.gradient(x, t))
    grads = net.gradient(x, t)
    grads["W1"] = -grads["W1"]
    with pytest.raises(AssertionError, match=r"wrong at W1\["):
        assert_gradient_close(lambda p: net.loss(x, t), net.params, grads, diagnose=1)


# --- the report --------------------------------------------------------------------


def test_report_layout() -> None:
    x = np.linspace(-1.0, 1.0, 8)
    grad = np.cos(x)
    grad[2] += 1e-3
    check = check_gradient(lambda x: np.sum(np.sin(x)), x, grad)
    assert isinstance(check, GradientCheck)
    lines = str(check).splitlines()
    assert lines[0] == check.verdict
    assert "8 elements compared one by one" in lines[1] and "method='richardson'" in lines[1]
    assert "Failed: 1 of 8" in str(check)
    table = str(check).split("Worst values:\n")[1].split("\n\n")[0].splitlines()
    assert table[0].split() == [
        "parameter",
        "index",
        "analytic",
        "numerical",
        "±",
        "error",
        "rel.",
        "error",
    ]
    assert len(table) == 1 + 5, "the table shows a handful of rows"
    assert table[1].split()[:2] == ["x", "2"] and table[1].endswith("FAIL")
    assert repr(check).startswith("GradientCheck(outcome='failed', mode='full'")


def test_method_without_error_bars_says_so() -> None:
    x = np.array([1.0, 2.0])
    check = check_gradient(lambda x: np.sum(x**2), x, 2 * x, method="central")
    assert check.passed and not check.error_bars
    assert "gives no error bars" in str(check)
    assert np.isnan(check.worst[0].error) and "n/a" in str(check)
    assert check.rtol == pytest.approx(np.finfo(float).eps ** 0.25)


def test_explicit_tolerances_are_used() -> None:
    x = np.array([1.0, 2.0])
    grad = 2 * x * (1 + 1e-6)
    assert not check_gradient(lambda x: np.sum(x**2), x, grad).passed
    assert check_gradient(lambda x: np.sum(x**2), x, grad, rtol=1e-5).passed
    assert check_gradient(lambda x: np.sum(x**2), x, grad, atol=1e-5).passed


# --- input handling ----------------------------------------------------------------


def test_x_is_left_exactly_as_it_was_in_every_mode() -> None:
    x = np.array([-0.0, 1.0, -2.5, 3.0])
    before = x.tobytes()
    for mode in ("full", "directional"):
        check = check_gradient(lambda w: np.sum(w**3), x, 3 * x**2 + [0, 0, 0, 1.0], mode=mode)
        assert not check.passed and check.failures, "the diagnosis must have run"
        assert x.tobytes() == before, f"x was modified in {mode} mode"


def test_closure_that_reads_x_in_place_works() -> None:
    # the book's pattern: f ignores its argument and reads the array itself
    net_w = np.array([[0.47355232, 0.9977393, 0.84668094], [0.85557411, 0.03563661, 0.69422093]])
    x, t = np.array([0.6, 0.9]), np.array([0.0, 0.0, 1.0])

    def loss(_w: Any) -> float:
        y = softmax(x @ net_w)
        return float(-np.sum(t * np.log(y)))

    grad = np.outer(x, softmax(x @ net_w) - t)
    assert check_gradient(loss, net_w, grad).passed
    assert check_gradient(loss, net_w, grad, mode="directional").passed


def test_integer_x_is_checked_on_a_float_copy() -> None:
    x = np.array([3, 4])
    check = check_gradient(lambda w: np.sum(w**2), x, [6, 8])
    assert check.passed and check.worst[0].analytic in (6.0, 8.0), str(check)
    assert x.dtype.kind == "i" and x.tolist() == [3, 4]
    assert check_gradient(lambda w: np.sum(w**2), [3, 4], lambda w: 2 * w).passed


def test_grad_may_be_a_callable() -> None:
    x = np.array([0.5, -1.0])
    assert check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp).passed


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2, 3\)"):
        check_gradient(lambda x: np.sum(x), np.ones((2, 3)), np.ones(3))
    with pytest.raises(ValueError, match=r"grads\['b'\] has shape \(2,\) but params\['b'\]"):
        check_gradients(lambda p: 0.0, {"b": np.ones(3)}, {"b": np.ones(2)})


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "fast"}, ValueError, "mode='fast' is not a mode"),
        ({"k": 0}, ValueError, "k must be >= 1"),
        ({"rtol": -1.0}, ValueError, "rtol must be a finite number >= 0"),
        ({"atol": "tiny"}, TypeError, "atol must be a number"),
        ({"diagnose": 1.5}, TypeError, "diagnose must be a whole number"),
        ({"method": "richarson"}, ValueError, "'richarson'"),
    ],
)
def test_bad_options_are_named(kwargs: dict[str, Any], error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        check_gradient(lambda x: np.sum(x**2), np.ones(2), 2 * np.ones(2), **kwargs)


def test_empty_x_is_refused() -> None:
    with pytest.raises(ValueError, match="nothing to check"):
        check_gradient(lambda x: 0.0, np.array([]), [])


def test_complex_grad_is_refused() -> None:
    with pytest.raises(TypeError, match="real numeric array"):
        check_gradient(lambda x: np.sum(x**2), np.ones(2), np.ones(2) * 1j)


def test_check_gradients_refuses_what_it_cannot_perturb_in_place() -> None:
    with pytest.raises(TypeError, match=r"params\['W'\] is ndarray of dtype int64"):
        check_gradients(lambda p: 0.0, {"W": np.array([1, 2])}, {"W": np.zeros(2)})
    frozen = np.ones(2)
    frozen.flags.writeable = False
    with pytest.raises(TypeError, match="read-only"):
        check_gradients(lambda p: 0.0, {"W": frozen}, {"W": np.zeros(2)})
    shared = np.lib.stride_tricks.as_strided(np.ones(2), (2, 2), (0, 8), writeable=True)
    with pytest.raises(TypeError, match=r"params\['W'\] is a view whose elements share memory"):
        check_gradients(lambda p: 0.0, {"W": shared}, {"W": np.zeros((2, 2))})
    with pytest.raises(ValueError, match="no gradient for 'b'"):
        check_gradients(lambda p: 0.0, {"W": np.ones(2), "b": np.ones(1)}, {"W": np.zeros(2)})
    with pytest.raises(ValueError, match="workers"):
        check_gradients(lambda p: 0.0, {"W": np.ones(2)}, {"W": np.zeros(2)}, workers=2)


def test_complex_step_checks_in_full_mode_only() -> None:
    x = np.array([0.5, 2.0])
    f = lambda x: np.sum(np.sin(x))  # noqa: E731
    assert check_gradient(f, x, np.cos(x), method="complex", h="auto").passed
    bad = check_gradient(f, x, np.cos(x) * [1.0, 1.000001], method="complex", h="auto")
    assert [(c.index, c.diagnosis) for c in bad.failures] == [((1,), "wrong")], str(bad)
    with pytest.raises(ValueError, match="complex copy of x"):
        check_gradient(f, x, np.cos(x), method="complex", mode="directional")
    with pytest.raises(ValueError, match="method='complex'"):
        check_gradients(lambda p: f(p["x"]), {"x": x}, {"x": np.cos(x)}, method="complex")


def test_complex_step_far_from_zero_passes_a_right_gradient_and_fails_a_wrong_one() -> None:
    # at |x| ~ 1e6 the real differences the complex step is cross-checked with take
    # steps ≫ sin's period: their disagreement must not call cos(x) wrong
    x = np.array([1e6, 2e6 + 0.5, 0.3])
    f = lambda x: np.sum(np.sin(x))  # noqa: E731
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        right = check_gradient(f, x, np.cos(x), method="complex")
    assert right.passed, f"d/dx sum(sin x) = cos x called wrong:\n{right}"
    assert not [w for w in record if "not analytic" in str(w.message)], "sin blamed as non-analytic"
    planted = np.cos(x) * [1.001, 1.0, 1.0]
    bad = check_gradient(f, x, planted, method="complex")
    assert [(c.index, c.diagnosis) for c in bad.failures] == [((0,), "wrong")], str(bad)


def test_vectorized_f_is_passed_on() -> None:
    x = np.array([1.0, 2.0, 3.0])
    f = lambda xs: np.sum(xs**3, axis=1)  # noqa: E731
    assert check_gradient(f, x, 3 * x**2, vectorized=True).passed
    bad = check_gradient(f, x, 3 * x**2 + [0, 0, 1e-3], vectorized=True)
    assert [(c.index, c.diagnosis) for c in bad.failures] == [((2,), "wrong")], str(bad)


def test_the_headline_largest_relative_error_is_a_row_of_the_worst_values_table() -> None:
    # x[0] is off by a relative 0.14 but within atol; the others fail by 1% of large values,
    # so they rank first by how far outside their tolerance they are.
    x = np.arange(1.0, 13.0)
    grad = 3 * x**2 * (1 + 1e-2)
    grad[0] = 3.5
    report = check_gradient(lambda w: np.sum(w**3), x, grad, atol=1.0)
    assert report.max_rel_error == pytest.approx(0.5 / 3.5, rel=1e-6)
    rows = [row.rel_error for row in report.worst]
    assert report.max_rel_error in rows, f"headline {report.max_rel_error} not among {rows}"
    assert f"{report.max_rel_error:.1e}" in str(report).split("Worst values:")[1]


def test_check_gradients_warnings_name_the_parameter_not_x() -> None:
    W = np.array([[1.0, 2.0], [3.0, 0.0]])
    with np.errstate(all="ignore"), pytest.warns(NonFiniteWarning, match=r"W\[1, 1\]") as seen:
        check_gradients(
            lambda p: np.sum(np.sqrt(p["W"])), {"W": W}, {"W": 0.5 / np.sqrt(W + 1e-300)}
        )
    assert not any("x[" in str(w.message) for w in seen), [str(w.message) for w in seen]


def _jumpy(x: np.ndarray) -> float:
    """docs/checking.md's jumpy: a jump at x = 0 in each element, plus x**2."""
    return float(np.sum(np.where(x >= 0, 1.0, 0.0) + x**2))


@pytest.mark.parametrize("wrong", [1.9, -2.0, 5.0])
def test_a_value_too_uncertain_is_never_ok_beside_a_jump(wrong: float) -> None:
    # d/dx1 of x1**2 at 0.5 is exactly 1; x[0] sits on the jump, whose "derivative" of
    # about 5e6 must not raise x[1]'s scale (it was 4.9e3, so 1.01 ± 1.0 passed any value).
    x = np.array([0.0, 0.5])
    with pytest.warns(PrecisionWarning):
        check = check_gradient(_jumpy, x, np.array([0.0, wrong]))
    row = next(r for r in check.worst if r.index == (1,))
    assert row.state != "ok", f"x[1] = {wrong} against a true 1 was called ok:\n{check}"
    assert "agrees" not in check.verdict, f"a wrong value was said to agree:\n{check}"
    expected = abs(wrong - row.numerical) / max(abs(wrong), abs(row.numerical))
    assert row.rel_error == pytest.approx(expected), (
        f"the relative error of x[1] should be |a - n| / max(|a|, |n|) = {expected:.2g}, "
        f"not {row.rel_error:.2g}: a jump's estimate is no scale for its neighbours"
    )


def test_the_true_value_beside_a_jump_is_not_checked_when_too_uncertain() -> None:
    x = np.array([0.0, 0.5])
    with pytest.warns(PrecisionWarning):
        check = check_gradient(_jumpy, x, np.array([0.0, 1.0]))  # the true x[1]: 2·0.5
    row = next(r for r in check.worst if r.index == (1,))
    assert 4 * row.error >= 0.5 * abs(row.numerical), "the premise: x[1]'s bar is this wide"
    assert check.outcome == "not checkable" and row.state == "unchecked", (
        f"a value whose 4 error bars reach half its scale is too uncertain to check:\n{check}"
    )
    assert "agrees" not in check.verdict, check.verdict
    assert check.verdict.startswith("Gradient check could not check x[0]"), check.verdict


def test_check_gradients_takes_no_scale_from_a_jump() -> None:
    params = {"x": np.array([0.0, 0.5])}
    with pytest.warns(PrecisionWarning):
        check = check_gradients(lambda p: _jumpy(p["x"]), params, {"x": np.array([0.0, 1.9])})
    row = next(r for r in check.worst if r.index == (1,))
    assert row.state != "ok", f"x[1] = 1.9 against a true 1 was called ok:\n{check}"
    assert row.rel_error > 0.1, f"1.9 against about 1 is no {row.rel_error:.1e} relative"


@pytest.mark.parametrize("x", [1e6, 1e4])
def test_f_varying_below_richardsons_steps_neither_fails_the_right_gradient_nor_passes_a_wrong_one(
    x: float,
) -> None:
    # sin(x) + x**2 at x = 1e6: Richardson's steps are all far above sin's scale; its
    # value (2x, sin missed) failed the right gradient and passed the wrong one
    def f(w: Any) -> Any:
        return np.sum(np.sin(w) + w**2)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        right = check_gradient(f, np.array([x]), lambda w: np.cos(w) + 2 * w)
        wrong = check_gradient(f, np.array([x]), lambda w: 2 * w)
    assert right.outcome != "failed", f"the right gradient was called wrong: {right}"
    assert not wrong.passed, f"the wrong gradient 2x (cos(x) missing) passed: {wrong}"


def test_an_f_that_ignores_x_is_not_checkable_and_a_constant_f_is_not_passed() -> None:
    x, other = np.array([1.0, 2.0]), np.array([1.0, 2.0])
    with pytest.warns(IgnoredInputWarning):
        check = check_gradient(lambda z: float(np.sum(other**2)), x, 2 * x)
    assert check.outcome == "not checkable", (
        f"f that reads another array than x checked nothing, so it must not fail or pass:\n{check}"
    )
    assert "does not depend" in check.verdict, check.verdict
