"""The comparison's tolerances: when a check is coarse, and how its values are marked."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import IgnoredInputWarning
from gradwalk.check import check_gradient, check_gradients
from gradwalk.check._compare import COARSE, COARSE_RTOLS, coarse_threshold


def large_constant(x: np.ndarray) -> float:
    """1e8 + sum(x²): f rounds at about 1e-8, so its gradient is known to about 1e-4."""
    return float(1e8 + np.sum(x**2))


def point() -> np.ndarray:
    return np.random.default_rng(1).normal(size=4)


def test_the_coarse_threshold_is_the_smaller_of_the_fixed_one_and_a_multiple_of_rtol() -> None:
    eps = float(np.finfo(np.float64).eps)
    assert coarse_threshold(1.5e-8, eps) == COARSE_RTOLS * 1.5e-8, (
        "with the default float64 rtol, 1000 rtols should be the coarse threshold"
    )
    assert coarse_threshold(1e-2, eps) == COARSE, "a loose rtol should leave the fixed 1e-3"
    eps32 = float(np.finfo(np.float32).eps)
    assert coarse_threshold(3.5e-4, eps32) == eps32 ** (1 / 3), "float32 keeps eps**(1/3)"


def test_a_wrong_element_within_coarse_error_bars_is_not_passed_as_a_close_check() -> None:
    # A 1e-4 relative bug in x[0]: f's rounding makes each error bar about 1e-4 relative,
    # so the bug cannot be told from agreement. Passing is honest only as a coarse pass.
    x = point()
    grad = 2 * x
    grad[0] *= 1 + 1e-4
    check = check_gradient(large_constant, x, grad)
    assert check.notes, f"a tolerance of 1.4e-4 against rtol 1.5e-8 must earn a note:\n{check}"
    if check.passed:
        assert "Only a coarse check" in check.verdict, f"a coarse pass said plainly:\n{check}"
    states = {row.label: row.state for row in check.worst}
    assert states["x[0]"] != "ok", f"x[0], 1e-4 off, was called ok:\n{check}"


def test_the_correct_gradient_gets_the_same_coarse_note_as_a_wrong_one() -> None:
    x = point()
    right = check_gradient(large_constant, x, 2 * x)
    wrong = check_gradient(large_constant, x, 2 * x * np.array([1 + 1e-4, 1, 1, 1]))
    assert right.passed and "Only a coarse check" in right.verdict, str(right)
    assert right.notes == wrong.notes, (
        f"the note depends on the error bars, not on the analytic values:\n{right}\n{wrong}"
    )
    assert {row.state for row in right.worst} == {"coarse"}, str(right)


def test_equally_wrong_elements_are_not_split_into_fail_and_ok() -> None:
    # The same 1e-4 relative bug in every element: noise puts some outside their 4 bars
    # and some inside; none of them may be called plainly "ok".
    x = point()
    check = check_gradient(large_constant, x, 2 * x * (1 + 1e-4))
    assert not check.passed, f"a bug found at some elements must fail the check:\n{check}"
    assert check.notes, f"a failed coarse check must carry the note too:\n{check}"
    states = {row.label: row.state for row in check.worst}
    assert "ok" not in states.values(), f"an element as wrong as the failures was ok:\n{check}"


def test_a_close_check_has_no_coarse_note_or_coarse_values() -> None:
    x = point()
    check = check_gradient(lambda x: float(np.sum(x**2)), x, 2 * x)
    assert check.passed and not check.notes, f"an exact check called coarse:\n{check}"
    assert {row.state for row in check.worst} == {"ok"}, str(check)


def test_an_array_whose_gradient_is_exactly_zero_is_checked_against_the_whole_check() -> None:
    w, unused = np.array([1.0, 2.0]), np.array([3.0])
    params = {"w": w, "unused": unused}

    def loss(p: dict[str, np.ndarray]) -> float:
        return float(np.sum(p["w"] ** 2))

    with pytest.warns(IgnoredInputWarning):  # the loss ignores "unused", and says so
        right = check_gradients(loss, params, {"w": 2 * w, "unused": np.zeros(1)})
    assert right.passed and right.checked == 3, (
        f"a parameter the loss never uses has gradient 0 and should pass against the "
        f"other parameters' scale:\n{right}"
    )
    with pytest.warns(IgnoredInputWarning):
        wrong = check_gradients(loss, params, {"w": 2 * w, "unused": np.ones(1)})
    assert [c.label for c in wrong.failures] == ["unused[0]"], (
        f"a nonzero gradient for the unused parameter should fail there:\n{wrong}"
    )


def test_a_check_whose_every_value_is_zero_stays_not_checkable() -> None:
    with pytest.warns(IgnoredInputWarning):
        check = check_gradients(lambda p: 1.0, {"w": np.array([1.0, 2.0])}, {"w": np.zeros(2)})
    assert not check.passed and not check.failures, (
        f"with no nonzero value anywhere there is no scale: not checkable, not failed\n{check}"
    )
