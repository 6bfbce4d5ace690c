"""The book's gradient_descent (section 4.4.1): its arguments, its keyword hints, and its
warnings when lr swings; the book's own calls stay silent. (Its results against the book
are in tests/test_book.py.)"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import TrainingWarning, gradient_descent
from gradwalk.book import function_2


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"lr": 0}, ValueError, "lr=0"),
        ({"lr": 0.1, "step_num": -1}, ValueError, "step_num=-1"),
        ({"lr": 0.1, "step_num": 2.5}, TypeError, "step_num"),
    ],
)
def test_gradient_descent_refuses_bad_arguments(
    kwargs: dict[str, Any], error: type, match: str
) -> None:
    with pytest.raises(error, match=match):
        gradient_descent(function_2, np.array([-3.0, 4.0]), **kwargs)


def test_gradient_descent_suggests_the_keyword_meant() -> None:
    with pytest.raises(TypeError, match=r"'step_nums'\. Did you mean 'step_num'\?"):
        gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_nums=100)


def test_gradient_descent_warns_when_x_swings_without_getting_closer() -> None:
    with pytest.warns(TrainingWarning, match="swings across the minimum") as caught:
        x = gradient_descent(function_2, np.array([-3.0, 4.0]), lr=1.0, step_num=100)
    np.testing.assert_array_equal(x, [-3.0, 4.0], err_msg="the book's return value changed")
    message = str(caught[0].message)
    assert "lr = 1 " in message and "stable bound of about 1 " in message, (
        f"the warning must name lr and the stable bound: {message}"
    )
    with pytest.warns(TrainingWarning, match="overshot further"):  # rose, not diverged
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=1.01, step_num=100)


@pytest.mark.parametrize("lr", [0.1, 1e-10])
def test_gradient_descent_is_silent_for_the_books_calls(lr: float) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the book's own example
        gradient_descent(function_2, np.array([-3.0, 4.0]), lr=lr, step_num=100)
