"""Gradient descent: the book's ``gradient_descent``.

>>> import numpy as np
>>> gradient_descent(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, step_num=100)
array([-6.11110793e-10,  8.14814391e-10])
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._gradient import _working_array, numerical_gradient
from ._warnings import GradwalkWarning, _warn

__all__ = ["gradient_descent"]


def _check_learning_rate(lr: object) -> float:
    """lr must be a finite positive number."""
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real):
        raise TypeError(f"lr must be a positive number, got {lr!r} ({type(lr).__name__}).")
    if not math.isfinite(lr) or lr <= 0:
        raise ValueError(
            f"lr must be a finite number > 0, got lr={lr!r}. The book's examples use 0.01 and 0.1."
        )
    return float(lr)


def _check_step_count(steps: object, name: str) -> int:
    """A count of steps must be an integer >= 0."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= 0, got {steps!r}.")
    if steps < 0:
        raise ValueError(f"{name} must be >= 0, got {name}={steps!r}.")
    return int(steps)


def _reemit_once(caught: list[warnings.WarningMessage], steps: list[int]) -> None:
    """Re-emit the first warning of each category seen during a run, with how often."""
    first: dict[type[Warning], tuple[warnings.WarningMessage, int, int]] = {}
    for record, step in zip(caught, steps, strict=True):
        seen = first.get(record.category)
        first[record.category] = (record, step, 1) if seen is None else (*seen[:2], seen[2] + 1)
    for category, (record, step, count) in first.items():
        message = f"at step {step}: {record.message}"
        if count > 1:
            message += f" (warned at {count} steps in all; shown once)"
        if issubclass(category, GradwalkWarning):
            _warn(message, category)
        else:
            warnings.warn(message, category, stacklevel=3)


def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
) -> NDArray[np.floating]:
    """Minimise f by ``step_num`` steps of ``x -= lr * numerical_gradient(f, x)``.

    The book's function, with its results bit for bit, except that ``init_x`` is never
    modified (the book's version changes it in place). Warnings from the gradient (for
    example x ± h rounding back to x once x is huge) are shown once per run, not once
    per step.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    init_x : array_like
        Starting point (copied).
    lr : float
        Learning rate, finite and > 0.
    step_num : int
        Number of steps, >= 0.

    Returns
    -------
    ndarray
        The last point.
    """
    rate = _check_learning_rate(lr)
    count = _check_step_count(step_num, "step_num")
    x, is_callers = _working_array(init_x)
    if is_callers:
        x = x.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps: list[int] = []
        for step in range(count):
            before = len(caught)
            grad = numerical_gradient(f, x)
            steps.extend([step] * (len(caught) - before))
            x -= rate * grad
    _reemit_once(caught, steps)
    return x
