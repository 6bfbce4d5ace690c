"""Activation and loss functions of the book, with its conventions.

Examples
--------
>>> import numpy as np
>>> from gradwalk.functions import softmax, cross_entropy_error
>>> y = softmax(np.array([0.3, 2.9, 4.0]))
>>> np.round(y, 8)
array([0.01821127, 0.24519181, 0.73659691])
>>> round(float(cross_entropy_error(y, np.array([0, 0, 1]))), 6)
0.305714
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "cross_entropy_error",
    "identity_function",
    "relu",
    "sigmoid",
    "softmax",
    "step_function",
    "sum_squared_error",
]


def identity_function(x: Any) -> Any:
    """Return x unchanged (the book's output activation for regression).

    >>> identity_function(3.0)
    3.0
    """
    return x


def step_function(x: ArrayLike) -> NDArray[np.int_]:
    """1 where x > 0, else 0, as integers (the perceptron's activation).

    >>> step_function([-1.0, 0.0, 2.0])
    array([0, 0, 1])
    """
    return np.asarray(np.asarray(x) > 0, dtype=np.int_)


def sigmoid(x: ArrayLike) -> Any:
    """The logistic function 1 / (1 + exp(-x)), without overflow warnings.

    For x >= 0 this is the book's formula; for x < 0 the algebraically equal
    exp(x) / (1 + exp(x)), so very negative x gives 0 or a tiny number, never a warning.
    Complex input (as the complex step passes it) takes the same two branches, chosen by
    the real part: each is analytic, so the complex step differentiates it, and neither
    overflows.

    >>> sigmoid(np.array([-1000.0, 0.0, 2.0]))
    array([0.        , 0.5       , 0.88079708])
    >>> float(sigmoid(np.array(-710.0 + 1e-20j)).imag / 1e-20) == 0.0  # e^-710·1e-20 underflows
    True
    """
    z = np.asarray(x)
    if z.dtype.kind not in "fc":
        z = z.astype(np.float64)
    positive = z.real >= 0
    # exp of a number whose real part is <= 0: never overflows, for real and complex z.
    e = np.exp(np.where(positive, -z, z))
    return np.where(positive, 1 / (1 + e), e / (1 + e))[()]


def relu(x: ArrayLike) -> Any:
    """max(0, x), elementwise (for complex input: x where its real part is > 0, else 0).

    >>> relu(np.array([-1.0, 0.5]))
    array([0. , 0.5])
    """
    z = np.asarray(x)
    if z.dtype.kind == "c":  # the branch chosen by the real part keeps the complex step exact
        return np.where(z.real > 0, z, 0)[()]
    return np.maximum(0, x)


def softmax(x: ArrayLike) -> Any:
    """Softmax over the last axis, with the maximum subtracted first against overflow.

    A 1-D input is one vector; a 2-D input is a batch of rows. Complex input (the complex
    step) has the maximum of its real parts subtracted, which changes nothing but keeps
    exp from overflowing.

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    a = np.asarray(x)
    shifted = a - np.max(a.real, axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / np.sum(exp, axis=-1, keepdims=True)


def sum_squared_error(y: ArrayLike, t: ArrayLike) -> Any:
    """Half the sum of squared differences, 0.5 * sum((y - t)**2).

    >>> float(sum_squared_error([0.1, 0.6, 0.3], [0, 1, 0]))
    0.13
    """
    return 0.5 * np.sum((np.asarray(y) - np.asarray(t)) ** 2)


def cross_entropy_error(y: ArrayLike, t: ArrayLike) -> Any:
    """Mean cross-entropy of predicted probabilities y against targets t.

    Parameters
    ----------
    y : array_like
        Probabilities, shape ``(batch, classes)``; a 1-D y is a batch of one.
    t : array_like
        One-hot targets of y's size, or label indices (one per row).

    Returns
    -------
    float
        ``-sum(log(y[range(N), t] + 1e-7)) / N``, the book's formula (the 1e-7 keeps
        log away from 0).

    >>> bool(cross_entropy_error([0.1, 0.6, 0.3], 1) == -np.log(0.6 + 1e-7))
    True
    """
    y_arr = np.asarray(y)
    t_arr = np.asarray(t)
    if y_arr.ndim == 1:
        y_arr = y_arr.reshape(1, y_arr.size)
        t_arr = t_arr.reshape(1, t_arr.size)
    if y_arr.ndim != 2:
        raise ValueError(f"y must be 1-D (one sample) or 2-D (a batch), got shape {y_arr.shape}.")
    if t_arr.size == y_arr.size:
        t_arr = t_arr.reshape(y_arr.shape).argmax(axis=1)
    t_arr = t_arr.reshape(-1)
    batch_size = y_arr.shape[0]
    if t_arr.size != batch_size:
        raise ValueError(
            f"t must be one-hot with y's shape {y_arr.shape} or hold one label per sample "
            f"({batch_size}), got {np.asarray(t).shape}."
        )
    if t_arr.dtype.kind not in "iu":
        if not np.all(t_arr == np.round(t_arr)):
            raise ValueError(f"label indices t must be integers, got {t_arr!r}.")
        t_arr = t_arr.astype(np.intp)
    return -np.sum(np.log(y_arr[np.arange(batch_size), t_arr] + 1e-7)) / batch_size
