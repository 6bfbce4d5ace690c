"""The rules for what x and its arguments may be: here, bounds and step directions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import numerical_gradient


def f(x: Any) -> Any:
    return np.sum(x**2)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ((1.0, 0.0), r"lower < upper, but at x\[0\] lower = 1 and upper = 0 \(2 elements"),
        (([0.0, 2.0], [1.0, 2.0]), r"at x\[1\] lower = 2 and upper = 2;"),
        ((0.0, np.nan), r"lower = 0 and upper = nan"),
        ((1.0,), r"bounds must be a pair \(lower, upper\)"),
        ((0.0, [1.0, 2.0, 3.0]), r"upper has shape \(3,\).*x's shape \(2,\)"),
    ],
)
def test_bounds_that_leave_no_room_or_do_not_fit_x_are_refused(bounds: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        numerical_gradient(f, np.array([0.5, 2.0]), bounds=bounds)


def test_an_x_outside_its_bounds_is_named_with_its_value_and_bounds() -> None:
    with pytest.raises(ValueError, match=r"outside .* at x\[1\] = 3 \(lower 0, upper 2\)"):
        numerical_gradient(f, np.array([0.5, 3.0]), bounds=(0.0, 2.0))


def test_bounds_that_are_not_numbers_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="bounds must hold numbers"):
        numerical_gradient(f, np.array([0.5]), bounds=("low", "high"))


def test_a_step_direction_other_than_minus_one_zero_or_one_is_named() -> None:
    with pytest.raises(ValueError, match=r"got 2 at x\[1\]"):
        numerical_gradient(f, np.array([0.5, 3.0]), step_direction=[0, 2])


def test_the_callers_x_is_left_unchanged_by_a_refused_bound() -> None:
    x = np.array([0.5, 3.0])
    with pytest.raises(ValueError):
        numerical_gradient(f, x, bounds=(0.0, 1.0))
    assert x.tolist() == [0.5, 3.0], f"x became {x}"
