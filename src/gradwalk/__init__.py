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
from ._expr import Expression, ExpressionError, parse_expression
from ._gradient import GradientResult, GradientStatus, numerical_diff, numerical_gradient
from ._warnings import GradwalkWarning, IgnoredInputWarning, NonFiniteWarning, PrecisionWarning
from .check import (
    ElementCheck,
    GradientCheck,
    assert_gradient_close,
    check_gradient,
    check_gradients,
)
from .descent import DescentResult, descend, gradient_descent, learning_rate_bound
from .nets import SimpleNet, TwoLayerNet, simpleNet
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop
from .training import SPSA, TrainingHistory, train

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "SPSA",
    "AdaGrad",
    "Adam",
    "DescentResult",
    "ElementCheck",
    "Expression",
    "ExpressionError",
    "GradientCheck",
    "GradientResult",
    "GradientStatus",
    "GradwalkWarning",
    "IgnoredInputWarning",
    "InputModifiedError",
    "Momentum",
    "Nesterov",
    "NonFiniteWarning",
    "Optimizer",
    "PrecisionWarning",
    "RMSprop",
    "SimpleNet",
    "TrainingHistory",
    "TwoLayerNet",
    "__version__",
    "assert_gradient_close",
    "check_gradient",
    "check_gradients",
    "descend",
    "gradient_descent",
    "learning_rate_bound",
    "numerical_diff",
    "numerical_gradient",
    "parse_expression",
    "simpleNet",
    "train",
]
