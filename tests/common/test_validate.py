"""The argument checks every public function shares, and the "did you mean" hint.

Each check is tested here once, over its whole range of bad values; the tests of the
public functions only check that they use it (one bad value each).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from gradwalk._common.validate import (
    check_callable,
    check_count,
    check_fraction,
    check_learning_rate,
    check_limits,
    check_positive,
    check_tolerance,
    choice_hint,
)


@pytest.mark.parametrize("value", [0, -0.1, math.nan, math.inf, -math.inf])
def test_positive_refuses_zero_negative_and_non_finite_naming_the_value(value: float) -> None:
    with pytest.raises(ValueError, match=rf"lr must be a finite number > 0, got lr={value!r}\."):
        check_positive(value, "lr")


@pytest.mark.parametrize("value", ["0.1", None, True, [0.1]])
def test_positive_refuses_non_numbers_and_bools_as_type_errors(value: Any) -> None:
    with pytest.raises(TypeError, match=r"rtol must be a positive number, got"):
        check_positive(value, "rtol")


def test_positive_returns_a_plain_float_and_ends_the_error_with_the_hint() -> None:
    value = check_positive(np.float32(0.5), "lr")
    assert type(value) is float and value == 0.5, f"got {value!r}"
    with pytest.raises(ValueError, match=r"got rtol=-1\. For example 1e-6\.$"):
        check_positive(-1, "rtol", " For example 1e-6.")


def test_learning_rate_names_lr_and_the_books_values() -> None:
    assert check_learning_rate(0.1) == 0.1
    with pytest.raises(ValueError, match=r"got lr=0\. The book's examples use 0\.01 and 0\.1\."):
        check_learning_rate(0)
    with pytest.raises(TypeError, match=r"lr must be a positive number, got '0\.1'"):
        check_learning_rate("0.1")


@pytest.mark.parametrize(("value", "expected"), [(None, None), (0, 0.0), (1e-6, 1e-6)])
def test_tolerance_accepts_none_zero_and_positive(value: Any, expected: Any) -> None:
    assert check_tolerance(value, "gtol") == expected


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        (-1.0, ValueError, r"gtol must be a finite number >= 0, got gtol=-1\.0"),
        (math.inf, ValueError, "gtol=inf"),
        (math.nan, ValueError, "gtol=nan"),
        ("small", TypeError, "gtol must be a number >= 0 or None, got 'small'"),
        (False, TypeError, "got False"),
    ],
)
def test_tolerance_refuses_negative_non_finite_and_non_numbers(
    value: Any, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        check_tolerance(value, "gtol")


def test_fraction_is_in_zero_to_one_excluding_one() -> None:
    assert check_fraction(0, "momentum") == 0.0 and check_fraction(0.999, "beta2") == 0.999
    for bad in (1.0, -0.5, 1.5, math.nan):
        with pytest.raises(ValueError, match=rf"beta1 must be in \[0, 1\), got beta1={bad!r}"):
            check_fraction(bad, "beta1")
    with pytest.raises(TypeError, match="beta1 must be a number in"):
        check_fraction("0.9", "beta1")


def test_count_accepts_whole_numbers_from_least_and_none_when_allowed() -> None:
    assert check_count(0, "steps") == 0 and check_count(np.int64(3), "steps") == 3
    assert check_count(None, "seed", none_ok=True) is None
    with pytest.raises(ValueError, match=r"k must be >= 1, got k=0\."):
        check_count(0, "k", least=1)
    for bad in (2.5, True, "3", None):
        with pytest.raises(TypeError, match=r"steps must be a whole number >= 0, got"):
            check_count(bad, "steps")
    with pytest.raises(TypeError, match=r"seed must be a whole number >= 0 or None"):
        check_count(1.5, "seed", none_ok=True)


def test_callable_names_what_it_should_take() -> None:
    check_callable(len, "f", "taking an array")
    with pytest.raises(TypeError, match=r"^callback must be a callable \(step\) -> bool, got 3\.$"):
        check_callable(3, "callback", "(step) -> bool")


def test_limits_are_two_finite_increasing_numbers() -> None:
    assert check_limits((-2, 2), "xlim") == (-2.0, 2.0)
    for bad in ((2, -2), (0, math.inf), (1, 1)):
        with pytest.raises(ValueError, match=r"xlim must be two finite numbers with low < high"):
            check_limits(bad, "xlim")
    for bad in (3, (1, 2, 3), ("a", "b")):
        with pytest.raises(TypeError, match=r"ylim must be two numbers \(low, high\)"):
            check_limits(bad, "ylim")


def test_choice_hint_quotes_the_choices_and_suggests_the_closest() -> None:
    choices = ["sgd", "momentum", "adam"]
    assert choice_hint("adamw", choices) == ("'sgd', 'momentum', 'adam'", " Did you mean 'adam'?")
    assert choice_hint(" MOMENTUM ", choices)[1] == " Did you mean 'momentum'?"
    assert choice_hint("xyz", choices)[1] == "", "no suggestion when nothing is close"
    assert choice_hint(3, choices)[1] == "", "no suggestion for a non-string"
