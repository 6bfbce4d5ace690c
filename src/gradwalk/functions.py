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
        One-hot targets with y's shape (one 1 per row, zeros elsewhere), or integer label
        indices in ``[0, classes)``, one per row (a single number for a 1-D y).

    Returns
    -------
    float
        ``-sum(log(y[range(N), t] + 1e-7)) / N``, the book's formula (the 1e-7 keeps
        log away from 0).

    Raises
    ------
    ValueError
        y is not 1-D or 2-D; t has neither y's shape nor one label per row; a same-shape
        t is not one-hot (soft labels, several 1s, an all-zero row); a label is not a
        whole number or is outside ``[0, classes)``. Each message says what t should be.

    >>> bool(cross_entropy_error([0.1, 0.6, 0.3], 1) == -np.log(0.6 + 1e-7))
    True
    >>> cross_entropy_error([0.1, 0.6, 0.3], [0, 0.5, 0.5])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: t is not one-hot: row 0 is [0.  0.5 0.5] (soft labels). ...
    """
    y_given = np.asarray(y)
    t_arr = np.asarray(t)
    if y_given.ndim not in (1, 2):
        raise ValueError(f"y must be 1-D (one sample) or 2-D (a batch), got shape {y_given.shape}.")
    y_arr = y_given.reshape(1, -1) if y_given.ndim == 1 else y_given
    batch_size, classes = y_arr.shape
    labels_wanted = (
        "one integer label"
        if y_given.ndim == 1
        else f"one integer label per row, shape ({batch_size},),"
    )
    expected = (
        f"t must be one-hot with y's shape {y_given.shape} (a single 1 per row, zeros "
        f"elsewhere) or hold {labels_wanted} in [0, {classes})"
    )
    one_hot = t_arr.shape == y_given.shape or (
        y_given.ndim == 2 and batch_size == 1 and t_arr.shape == (classes,)
    )
    if one_hot:
        labels = _one_hot_labels(t_arr.reshape(batch_size, classes), expected)
    else:
        if t_arr.size != batch_size or (t_arr.ndim > 1 and t_arr.size == y_arr.size):
            raise ValueError(f"{expected}; got t of shape {t_arr.shape}.")
        labels = _label_indices(t_arr.reshape(-1), classes, expected)
    return -np.sum(np.log(y_arr[np.arange(batch_size), labels] + 1e-7)) / batch_size


def _one_hot_labels(t: NDArray[Any], expected: str) -> NDArray[np.intp]:
    """The label of each one-hot row, or a ValueError naming the first bad row."""
    values = t.astype(np.float64) if t.dtype.kind in "biuf" else None
    if values is None:
        raise ValueError(f"{expected}; got t of dtype {t.dtype}.")
    ones = np.count_nonzero(values == 1, axis=1)
    zeros = np.count_nonzero(values == 0, axis=1)
    bad = np.flatnonzero((ones != 1) | (ones + zeros != t.shape[1]))
    if bad.size:
        row = int(bad[0])
        if ones[row] + zeros[row] != t.shape[1]:
            what = "soft labels"
        elif ones[row] == 0:
            what = "no 1 in it"
        else:
            what = f"{ones[row]} ones in it"
        raise ValueError(
            f"t is not one-hot: row {row} is {values[row]} ({what}). {expected}. For soft "
            "labels compute -np.sum(t * np.log(y + 1e-7)) / len(y) yourself."
        )
    labels: NDArray[np.intp] = np.argmax(values, axis=1)
    return labels


def _label_indices(t: NDArray[Any], classes: int, expected: str) -> NDArray[np.intp]:
    """Label indices as integers, or a ValueError naming the first bad label."""
    if t.dtype.kind not in "biuf":
        raise ValueError(f"{expected}; got t of dtype {t.dtype}.")
    whole = t == np.round(t) if t.dtype.kind == "f" else np.ones(t.shape, dtype=bool)
    inside = (t >= 0) & (t < classes)
    bad = np.flatnonzero(~(whole & inside))
    if bad.size:
        i = int(bad[0])
        problem = "not a whole number" if not whole[i] else "out of range"
        raise ValueError(f"label t[{i}] = {t[i].item()!r} is {problem}: {expected}.")
    return t.astype(np.intp)
