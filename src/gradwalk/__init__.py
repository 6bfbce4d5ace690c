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

from ._common.language import get_language, set_language
from ._common.version import __version__
from ._common.warnings import (
    GradwalkWarning,
    IgnoredInputWarning,
    NonFiniteWarning,
    PrecisionWarning,
    SparsityWarning,
    TrainingWarning,
)
from ._derivatives.diff import numerical_diff
from ._derivatives.directional import jacobian_vector_product
from ._derivatives.gradient import numerical_gradient
from ._derivatives.hessian import HessianResult, numerical_hessian
from ._derivatives.hessian_vector import hessian_vector_product
from ._derivatives.jacobian import JacobianResult, numerical_jacobian
from ._derivatives.sparsity import SparsityResult, jacobian_sparsity
from ._engine.driver import GradientResult
from ._engine.inputs import InputModifiedError
from ._engine.status_codes import GradientStatus
from ._engine.threads import limit_blas_threads
from ._formulas import Expression, ExpressionError, parse_expression
from ._learning.nets import SimpleNet, TwoLayerNet, simpleNet
from ._learning.training import SPSA, TrainingHistory, train
from ._tour.notebook import tour
from .check._gradient import (
    GradientNotCheckable,
    assert_gradient_close,
    check_gradient,
    check_gradients,
)
from .check._jacobian import check_jacobian
from .check._report import ElementCheck, GradientCheck
from .descent._gradient_descent import gradient_descent
from .descent._loop import DescentResult, descend, learning_rate_bound
from .optimizers import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop

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
    "GradientNotCheckable",
    "GradientResult",
    "GradientStatus",
    "GradwalkWarning",
    "HessianResult",
    "IgnoredInputWarning",
    "InputModifiedError",
    "JacobianResult",
    "Momentum",
    "Nesterov",
    "NonFiniteWarning",
    "Optimizer",
    "PrecisionWarning",
    "RMSprop",
    "SimpleNet",
    "SparsityResult",
    "SparsityWarning",
    "TrainingHistory",
    "TrainingWarning",
    "TwoLayerNet",
    "__version__",
    "assert_gradient_close",
    "check_gradient",
    "check_gradients",
    "check_jacobian",
    "descend",
    "get_language",
    "gradient_descent",
    "hessian_vector_product",
    "jacobian_sparsity",
    "jacobian_vector_product",
    "learning_rate_bound",
    "limit_blas_threads",
    "numerical_diff",
    "numerical_gradient",
    "numerical_hessian",
    "numerical_jacobian",
    "parse_expression",
    "set_language",
    "simpleNet",
    "tour",
    "train",
]
