"""Everything section 4.4 of the book defines, under the book's own names.

>>> import numpy as np
>>> from gradwalk.book import function_2, numerical_gradient
>>> numerical_gradient(function_2, np.array([3.0, 4.0]))
array([6., 8.])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._derivatives.diff import numerical_diff
from ._derivatives.gradient import numerical_gradient
from ._learning.nets import SimpleNet, simpleNet
from .descent._gradient_descent import gradient_descent
from .functions import cross_entropy_error, softmax

__all__ = [
    "SimpleNet",
    "cross_entropy_error",
    "function_1",
    "function_2",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
    "numerical_gradient_2d",
    "simpleNet",
    "softmax",
    "tangent_line",
]


def function_1(x: Any) -> Any:
    """0.01 x² + 0.1 x, the book's example of a function of one variable.

    >>> function_1(10.0)
    2.0
    """
    return 0.01 * x**2 + 0.1 * x


def function_2(x: ArrayLike) -> Any:
    """x0² + x1² (the sum of squares over the last axis), the book's function of two variables.

    >>> function_2(np.array([3.0, 4.0]))
    np.float64(25.0)
    """
    return np.sum(np.asarray(x) ** 2, axis=-1)


def tangent_line(f: Callable[[Any], Any], x: float) -> Callable[[Any], Any]:
    """The tangent of f at x as a function of t, from the numerical derivative.

    >>> tangent = tangent_line(function_1, 5)
    >>> round(float(tangent(5)), 12) == round(function_1(5), 12)
    True
    """
    d = numerical_diff(f, x)
    y = f(x) - d * x
    return lambda t: d * t + y


def numerical_gradient_2d(f: Callable[[Any], Any], X: ArrayLike) -> NDArray[np.floating]:
    """The gradient of f at each row of a 2-D X, each row its own point.

    The repository's ``common/gradient.py`` has this name (and ``ch04/gradient_2d.py``
    defines it as its ``numerical_gradient``) to draw Figure 4-9: the rows of X are
    points, f takes one point. A 1-D X is one point. Each row is differentiated by
    :func:`numerical_gradient`, in place on X's row as in the book (so its rules hold:
    integers are never truncated, x is restored).

    Parameters
    ----------
    f : callable
        A scalar function of one point (a 1-D array).
    X : array_like, shape (n,) or (k, n)
        One point, or k points.

    Returns
    -------
    ndarray
        X's shape: the gradient at each point.

    Raises
    ------
    ValueError
        X has more than two dimensions.

    >>> numerical_gradient_2d(function_2, np.array([[3.0, 4.0], [0.0, 2.0]]))
    array([[6., 8.],
           [0., 4.]])
    """
    points = np.asarray(X)
    if points.ndim == 1:
        return numerical_gradient(f, X)
    if points.ndim != 2:
        raise ValueError(
            f"X must be one point (1-D) or a point per row (2-D), got shape {points.shape}; "
            "for the gradient of f at one array of any shape use numerical_gradient(f, x)."
        )
    grads = [numerical_gradient(f, row) for row in points]  # rows are views of X
    return np.array(grads).reshape(points.shape) if grads else np.zeros(points.shape)
