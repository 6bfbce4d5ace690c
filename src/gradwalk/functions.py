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
    "BOOK_DELTA",
    "cross_entropy_error",
    "identity_function",
    "relu",
    "relu_grad",
    "sigmoid",
    "sigmoid_grad",
    "softmax",
    "softmax_loss",
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


@np.errstate(over="ignore")
def _exp_of_negative(z: NDArray[np.floating]) -> Any:
    """exp(-z); where it overflows to inf the sigmoid is 0, so the overflow is not warned."""
    return np.exp(-z)


def sigmoid(x: ArrayLike) -> Any:
    """The logistic function 1 / (1 + exp(-x)), without overflow warnings.

    Real input is computed with the book's formula, operation for operation, so the
    results are the book's bit for bit; where exp(-x) overflows (x below about -709.8)
    the book's formula gives 0 and warns, this gives 0 without a warning. Complex input (as
    the complex step passes it) takes two branches chosen by the real part, 1 / (1 + e^-z)
    and e^z / (1 + e^z): each is analytic, so the complex step differentiates it, and
    neither overflows.

    Parameters
    ----------
    x : array_like
        Any shape; integers are computed as float64, float32 stays float32.

    Returns
    -------
    ndarray or scalar
        x's shape, values in [0, 1].

    >>> sigmoid(np.array([-1000.0, 0.0, 2.0]))
    array([0.        , 0.5       , 0.88079708])
    >>> float(sigmoid(np.array(-710.0 + 1e-20j)).imag / 1e-20) == 0.0  # e^-710·1e-20 underflows
    True
    """
    z = x if type(x) is np.ndarray else np.asarray(x)
    kind = z.dtype.kind
    if kind == "c":
        positive = z.real >= 0
        # exp of a number whose real part is <= 0: never overflows.
        e = np.exp(np.where(positive, -z, z))
        return np.where(positive, 1 / (1 + e), e / (1 + e))[()]
    if kind != "f":
        z = z.astype(np.float64)
    e = _exp_of_negative(z)
    if type(e) is not np.ndarray:  # a scalar in, a NumPy scalar out
        return 1 / (1 + e)
    e += 1
    return np.divide(1, e, out=e)


def sigmoid_grad(x: ArrayLike) -> Any:
    """The derivative of the sigmoid, (1 - sigmoid(x)) · sigmoid(x) (the book's backprop).

    The sigmoid is computed once (the book computes it twice, with the same result).

    >>> sigmoid_grad(np.array([0.0, 2.0]))
    array([0.25      , 0.10499359])
    """
    s = sigmoid(x)
    return (1.0 - s) * s


def relu(x: ArrayLike) -> Any:
    """max(0, x), elementwise (for complex input: x where its real part is > 0, else 0).

    >>> relu(np.array([-1.0, 0.5]))
    array([0. , 0.5])
    """
    z = np.asarray(x)
    if z.dtype.kind == "c":  # the branch chosen by the real part keeps the complex step exact
        return np.where(z.real > 0, z, 0)[()]
    return np.maximum(0, x)


def relu_grad(x: ArrayLike) -> Any:
    """The derivative of relu as the book takes it: 1 where x >= 0 (0 included), else 0.

    Returns an array of x's dtype (float64 for a list or a number).

    >>> relu_grad(np.array([-1.0, 0.0, 2.0]))
    array([0., 1., 1.])
    """
    z = np.asarray(x)
    if z.dtype.kind not in "biufc":
        raise TypeError(f"x must be numeric, got dtype {z.dtype}.")
    if type(x) is not np.ndarray:
        z = z.astype(np.float64)
    return (z.real >= 0).astype(z.dtype)


def softmax(x: ArrayLike) -> Any:
    """Softmax over the last axis, with the maximum subtracted first against overflow.

    A 1-D input is one vector; a 2-D input is a batch of rows. Complex input (the complex
    step) has the maximum of its real parts subtracted, which changes nothing but keeps
    exp from overflowing. Real input gives the book's values bit for bit (exp is taken
    once instead of twice).

    >>> softmax(np.array([1000.0, 1000.0]))
    array([0.5, 0.5])
    """
    a = x if type(x) is np.ndarray else np.asarray(x)
    shifted = a - (a.real if a.dtype.kind == "c" else a).max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=-1, keepdims=True)


def sum_squared_error(y: ArrayLike, t: ArrayLike) -> Any:
    """Half the sum of squared differences, 0.5 * sum((y - t)**2).

    >>> float(sum_squared_error([0.1, 0.6, 0.3], [0, 1, 0]))
    0.13
    """
    return 0.5 * np.sum((np.asarray(y) - np.asarray(t)) ** 2)


#: The book's delta inside the log of cross_entropy_error (common/functions.py).
BOOK_DELTA = 1e-7


#: ``np.arange(n)`` and ``np.arange(n) * classes`` for the shapes seen, read-only: the rows
#: of y's picked entries, and where each row starts in y flattened.
_ROWS: dict[tuple[int, int], tuple[NDArray[np.intp], NDArray[np.intp]]] = {}


def _rows(n: int, classes: int) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    found = _ROWS.get((n, classes))
    if found is None:
        rows = np.arange(n)
        starts = rows * classes
        rows.flags.writeable = starts.flags.writeable = False
        found = rows, starts
        if len(_ROWS) < 64:
            _ROWS[n, classes] = found
    return found


def cross_entropy_error(y: ArrayLike, t: ArrayLike, delta: float = BOOK_DELTA) -> Any:
    """Mean cross-entropy of predicted probabilities y against targets t.

    Parameters
    ----------
    y : array_like
        Probabilities, shape ``(batch, classes)``; a 1-D y is a batch of one.
    t : array_like
        One-hot targets with y's shape (one 1 per row, zeros elsewhere), or integer label
        indices in ``[0, classes)``, one per row (a single number for a 1-D y).
    delta : float
        Added to the probabilities inside the log, so that a probability of 0 gives a
        large finite loss instead of inf: the book's ``1e-7`` (its repository's
        ``common/functions.py``). The first printing of section 4.4.2 had no delta:
        ``delta=0`` reproduces its printed digits.

    Returns
    -------
    float
        ``-sum(log(y[range(N), t] + delta)) / N``, the book's formula, computed as the
        book does (the same value bit for bit).

    Raises
    ------
    ValueError
        y is not 1-D or 2-D; t has neither y's shape nor one label per row; a same-shape
        t is not one-hot (soft labels, several 1s, an all-zero row); a label is not a
        whole number or is outside ``[0, classes)``. Each message says what t should be.

    Notes
    -----
    The checks of t cost no more than the book's arithmetic: its shape is compared
    first, and a one-hot t is known to be one-hot when the entries at each row's largest
    value sum to N and the squares of all its entries sum to N (by the Cauchy-Schwarz
    inequality, only rows of a single 1 and zeros do both); only a t that fails them
    is examined row by row, for the message.

    Examples
    --------
    >>> bool(cross_entropy_error([0.1, 0.6, 0.3], 1) == -np.log(0.6 + 1e-7))
    True
    >>> float(cross_entropy_error([0.1, 0.6, 0.3], [0, 1, 0], delta=0))  # -log(0.6)
    0.5108256237659907
    >>> cross_entropy_error([0.1, 0.6, 0.3], [0, 0.5, 0.5])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: t is not one-hot: row 0 is [0.  0.5 0.5] (soft labels). ...
    """
    y_given = y if type(y) is np.ndarray else np.asarray(y)
    t_arr = t if type(t) is np.ndarray else np.asarray(t)
    ndim = y_given.ndim
    if ndim == 2:
        y_arr = y_given
    elif ndim == 1:
        y_arr = y_given.reshape(1, -1)
    else:
        raise ValueError(f"y must be 1-D (one sample) or 2-D (a batch), got shape {y_given.shape}.")
    batch_size, classes = y_arr.shape
    if t_arr.shape == y_given.shape or (
        ndim == 2 and batch_size == 1 and t_arr.shape == (classes,)
    ):
        one_hot = t_arr.reshape(batch_size, classes)
        flat = _one_hot_entries(one_hot, _rows(batch_size, classes)[1])
        if flat is None:
            labels = _one_hot_labels(one_hot, _expected(y_given, classes))
            flat = labels + _rows(batch_size, classes)[1]
        picked = y_arr.reshape(-1)[flat]
    else:
        if t_arr.size != batch_size or (t_arr.ndim > 1 and t_arr.size == y_arr.size):
            raise ValueError(f"{_expected(y_given, classes)}; got t of shape {t_arr.shape}.")
        labels = t_arr.reshape(-1)
        kind = labels.dtype.kind
        if kind not in "iu" or (kind == "i" and batch_size and labels.min() < 0):
            labels = _label_indices(labels, classes, _expected(y_given, classes))
        try:
            picked = y_arr[_rows(batch_size, classes)[0], labels]
        except IndexError:  # a label >= classes: the message names it
            _label_indices(labels, classes, _expected(y_given, classes))
            raise
    # np.add.reduce is np.sum without its Python layer: the same pairwise sum, bit for bit.
    return -np.add.reduce(np.log(picked + delta)) / batch_size


def softmax_loss(X: ArrayLike, t: ArrayLike) -> Any:
    """The cross-entropy of softmax(X) against t (the book's ``softmax_loss``).

    X holds scores (logits), t targets as for :func:`cross_entropy_error`.

    >>> round(float(softmax_loss(np.array([0.3, 2.9, 4.0]), 2)), 6)
    0.305714
    """
    return cross_entropy_error(softmax(X), t)


def _expected(y: NDArray[Any], classes: int) -> str:
    """What t should be, for the messages of cross_entropy_error."""
    if y.ndim == 1:
        labels_wanted = "one integer label"
    else:
        labels_wanted = f"one integer label per row, shape ({y.shape[0]},),"
    return (
        f"t must be one-hot with y's shape {y.shape} (a single 1 per row, zeros "
        f"elsewhere) or hold {labels_wanted} in [0, {classes})"
    )


def _one_hot_entries(t: NDArray[Any], starts: NDArray[np.intp]) -> NDArray[np.intp] | None:
    """Where each row's 1 is in t flattened, when t is one-hot; None when t must be examined.

    Two reductions decide it: the entries at each row's largest value sum to N, and the
    squares of all entries sum to N. By the Cauchy-Schwarz inequality only rows of a single
    1 among zeros do both.
    """
    kind = t.dtype.kind
    if kind != "f" and (kind not in "iu" or t.dtype.itemsize < 4):
        return None  # bool, small integers (their squares may wrap), not numbers
    flat = t.reshape(-1)
    if t.shape[0] == 1:  # one sample (simpleNet): the same test on Python numbers
        one = int(flat.argmax())
        return np.array([one]) if flat[one] == 1 and flat.dot(flat) == 1 else None
    where: NDArray[np.intp] = t.argmax(axis=1)
    where += starts
    n = t.shape[0]
    if np.add.reduce(flat[where]) == n and flat.dot(flat) == n:
        return where
    return None


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
