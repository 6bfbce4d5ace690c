"""The three outcomes of a check and their headlines: passed, failed, not checkable.

Every analytic gradient here is written out by hand (or is the book's backpropagation);
f's hostile features (a jump, float32 inside f, a tiny constant in the loss) are built in.
"""

from __future__ import annotations

import subprocess
import sys
import unittest
from pathlib import Path

import numpy as np
import pytest

from gradwalk import PrecisionWarning
from gradwalk.check import (
    GradientNotCheckable,
    assert_gradient_close,
    check_gradient,
    check_gradients,
)
from gradwalk.nets import TwoLayerNet


def step_plus_square(x: np.ndarray) -> float:
    """1 where x >= 0, plus x²: a jump at 0 in every element."""
    return float(np.sum(np.where(x >= 0, 1.0, 0.0) + x**2))


def test_a_jump_is_not_checkable_and_named() -> None:
    # At x[0] = 0 f jumps by 1: the numerical value is 4.9e6 with a bar as wide or wider,
    # which would let any analytic value through. It must not be reported as checked, let
    # alone passed. Nor may it set x[1]'s scale: x[1]'s numerical value, 1.01 ± 1.0, is
    # itself too uncertain to check the true 1 (4 bars reach half of it).
    with pytest.warns(PrecisionWarning, match="kink or a jump"):  # the gradient says it too
        check = check_gradient(step_plus_square, np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    assert check.outcome == "not checkable" and not check.passed, str(check)
    assert check.unchecked == 2 and check.failed == 0, str(check)
    diagnoses = {row.label: row.diagnosis for row in check.unverified}
    assert diagnoses == {"x[0]": "discontinuous", "x[1]": "uncertain"}, diagnoses
    assert check.verdict.startswith("Gradient check could not check x[0] and 1 more (2 of 2")
    assert "jumps" in check.verdict and "agrees" not in check.verdict, check.verdict
    states = {r.label: r.state for r in check.worst}
    assert states == {"x[0]": "unchecked", "x[1]": "unchecked"}, states


def test_a_value_within_an_uncertain_bar_is_still_convicted_when_it_is_wrong() -> None:
    # f = 1e8 x0² + x1²: fine. But an element passing only by a wide bar is diagnosed,
    # and a wrong analytic value there is found (here the numerical value is exact).
    check = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 4.0])
    assert check.outcome == "passed" and check.unchecked == 0


def test_the_books_two_layer_net_shows_a_small_systematic_difference_not_a_bug() -> None:
    # The book's chapter-5 check (ch05/gradient_check.py): TwoLayerNet(784, 50, 10) on 3
    # samples, backprop against the numerical gradient of the loss with the 1e-7 inside
    # the log. Random inputs in [0, 1) stand in for MNIST's normalised images.
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=0)
    rng = np.random.default_rng(0)
    x = rng.random((3, 784))
    t = np.eye(10)[[7, 2, 1]]
    check = check_gradients(lambda p: net.loss(x, t), net.params, net.gradient(x, t))
    assert check.outcome == "failed" and check.checked == 39760, str(check)
    assert 1e-7 < check.max_rel_error < 1e-4, "backprop leaves out only the 1e-7"
    assert "wrong" not in check.verdict, check.verdict
    assert check.verdict.startswith(
        f"Gradient check found a small systematic difference: the analytic gradient agrees "
        f"to {check.max_rel_error:.1e} relative everywhere"
    ), check.verdict
    assert "1e-7 inside the log" in check.verdict and "pass rtol=1e-05" in check.verdict
    assert {row.diagnosis for row in check.failures} == {"systematic"}


# --- float32 inside f ---------------------------------------------------------------

RNG = np.random.default_rng(1)
A = RNG.standard_normal((30, 5))
B = RNG.standard_normal(30)
FEATURES = RNG.standard_normal((50, 4))
LABELS = (RNG.random(50) > 0.5).astype(float)


def least_squares_32(p: np.ndarray) -> float:
    r = A.astype(np.float32) @ p.astype(np.float32) - B.astype(np.float32)
    return float(np.sum(r * r))


def logistic_32(w: np.ndarray) -> float:
    z = FEATURES.astype(np.float32) @ w.astype(np.float32)
    return float(np.sum(np.logaddexp(np.float32(0), z) - LABELS.astype(np.float32) * z))


def least_squares_grad(p: np.ndarray) -> np.ndarray:
    return np.asarray(2 * A.T @ (A @ p - B))


def logistic_grad(w: np.ndarray) -> np.ndarray:
    return np.asarray(FEATURES.T @ (1 / (1 + np.exp(-(FEATURES @ w))) - LABELS))


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")
@pytest.mark.parametrize(
    ("f", "grad", "n"),
    [(least_squares_32, least_squares_grad, 5), (logistic_32, logistic_grad, 4)],
    ids=["least squares", "logistic"],
)
def test_float32_inside_f_never_fails_correct_code_and_is_said(f, grad, n) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(2)
    said = 0
    for _ in range(20):
        p = rng.standard_normal(n)
        check = check_gradient(f, p, grad(p))
        assert check.outcome != "failed", f"correct code called wrong:\n{check}"
        if check.outcome == "not checkable":
            assert {row.diagnosis for row in check.unverified + check.failures} == {"float32"}
            assert "float32" in check.verdict, check.verdict
        said += any("f computes in float32" in note for note in check.notes)
        with pytest.raises(GradientNotCheckable) if not check.passed else _nothing():
            assert_gradient_close(f, p, grad(p))
    assert said >= 1, "float32 inside f went unmentioned in 20 checks"


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")
def test_a_real_bug_in_a_float32_f_is_still_found() -> None:
    p = np.random.default_rng(3).standard_normal(5)
    wrong = least_squares_grad(p) * np.array([1.0, 1.0, 1.1, 1.0, 1.0])
    check = check_gradient(least_squares_32, p, wrong)
    assert check.outcome == "failed" and [r.label for r in check.failures] == ["x[2]"], str(check)


# --- assert_gradient_close: pass, fail, skip -----------------------------------------


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *args: object) -> None:
        return None


def test_assert_gradient_close_skips_what_it_cannot_check() -> None:
    with pytest.raises(GradientNotCheckable) as raised, pytest.warns(PrecisionWarning):
        assert_gradient_close(step_plus_square, np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    assert isinstance(raised.value, unittest.SkipTest), "pytest and unittest must skip it"
    assert str(raised.value).startswith("Gradient check could not check x[0]")
    assert "Diagnosis:" in str(raised.value), "the reason carries the full report"


def test_a_skipped_assertion_shows_as_skipped_in_pytest(tmp_path: Path) -> None:
    test_file = tmp_path / "test_step.py"
    test_file.write_text(
        "import numpy as np\n"
        "from gradwalk import assert_gradient_close\n\n"
        "def test_step():\n"
        "    f = lambda x: float(np.sum(np.where(x >= 0, 1.0, 0.0) + x**2))\n"
        "    assert_gradient_close(f, np.array([0.0, 0.5]), np.array([0.0, 1.0]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(test_file)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert "1 skipped" in run.stdout, run.stdout + run.stderr
    assert "could not check x[0]" in run.stdout and "jumps" in run.stdout, run.stdout


# --- advice names only what is not already in use -----------------------------------


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")
def test_the_coarse_note_offers_only_remedies_not_in_use() -> None:
    x = np.array([0.3, -1.2], dtype=np.float32)
    central = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x), method="central")
    (note,) = central.notes
    assert "h='auto' or method='richardson' or float64" in note, note
    ours = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x), h="auto")
    for note in ours.notes:
        assert "method='richardson'" not in note and "h='auto'" not in note, note


X32 = np.linspace(0, 1, 100).astype(np.float32)
Y32 = np.random.default_rng(0).random(100).astype(np.float32)


def offset_least_squares_32(p: np.ndarray) -> float:
    """A float32 least-squares loss plus a float64 constant: f's values are not float32
    numbers, but their differences are."""
    q = p.astype(np.float32)
    r = q[0] + q[1] * X32 - Y32
    return 1e3 + float(np.sum(r * r))


@pytest.mark.filterwarnings("ignore::gradwalk.PrecisionWarning")
def test_float32_with_a_float64_constant_is_said_and_a_bug_in_it_found() -> None:
    p = np.array([-1.0, -1.0])
    truth = np.array([-409.6581963268109, -224.9392864510108])  # float64 arithmetic
    check = check_gradient(offset_least_squares_32, p, truth)
    assert check.outcome != "failed", str(check)
    assert any("f computes in float32" in note for note in check.notes), str(check)
    wrong = check_gradient(offset_least_squares_32, p, truth * [1.0, 1.1])
    assert wrong.outcome == "failed" and [r.label for r in wrong.failures] == ["x[1]"], str(wrong)


def test_a_steady_small_difference_hidden_partly_by_coarse_bars_is_called_systematic() -> None:
    # Every element 5e-5 off in f = 1e8 + sum(x²): some fail, the others are within
    # their (1e-4 relative) bars by as large a difference. Together they are widespread:
    # a small systematic difference, not a bug at the failing elements alone.
    x = np.random.default_rng(1).normal(size=4)
    check = check_gradient(lambda x: float(1e8 + np.sum(x**2)), x, 2 * x * (1 + 5e-5))
    assert check.outcome == "failed", f"a steady 5e-5 difference must not pass:\n{check}"
    assert check.verdict.startswith("Gradient check found a small systematic difference"), (
        f"a difference alike in every element was not called systematic:\n{check}"
    )
