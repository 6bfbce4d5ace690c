"""gradwalk: numerical gradients, gradient checking and gradient descent.

Grown from section 4.4 "Gradient" of *Deep Learning from Scratch*: the book's names and
digits work unchanged, and the same functions go further (other methods, error
estimates, safe handling of dtypes and of the caller's array).

>>> import numpy as np
>>> import gradwalk
>>> gradwalk.numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 0.0]))
array([6., 0.])
"""

from __future__ import annotations

from ._evaluate import InputModifiedError
from ._gradient import GradientResult, numerical_diff, numerical_gradient
from ._warnings import GradwalkWarning, IgnoredInputWarning, NonFiniteWarning, PrecisionWarning
from .descent import gradient_descent
from .nets import SimpleNet, simpleNet

__version__ = "0.1.0"

__all__ = [
    "GradientResult",
    "GradwalkWarning",
    "IgnoredInputWarning",
    "InputModifiedError",
    "NonFiniteWarning",
    "PrecisionWarning",
    "SimpleNet",
    "__version__",
    "gradient_descent",
    "numerical_diff",
    "numerical_gradient",
    "simpleNet",
]
