"""Gradient checking: an analytic gradient or Jacobian against numerical ones.

:func:`check_gradient` compares one array, :func:`check_gradients` a dict of named
parameters (the book's ``net.params`` and ``net.gradient(x, t)``),
:func:`check_jacobian` a Jacobian, and :func:`assert_gradient_close` raises in a test
suite. Each gives a :class:`GradientCheck`: a verdict, one :class:`ElementCheck` per
element, and a diagnosis when an element fails.

>>> import numpy as np
>>> from gradwalk.check import check_gradient
>>> check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), np.array([2.0, 4.0])).passed
True
"""

from __future__ import annotations

from ._compare import COARSE as COARSE
from ._gradient import (
    GradientNotCheckable,
    assert_gradient_close,
    check_gradient,
    check_gradients,
)
from ._jacobian import check_jacobian
from ._report import ERROR_BAR_FACTOR as ERROR_BAR_FACTOR
from ._report import SCALE_FLOOR as SCALE_FLOOR
from ._report import ElementCheck, GradientCheck

__all__ = [
    "ElementCheck",
    "GradientCheck",
    "GradientNotCheckable",
    "assert_gradient_close",
    "check_gradient",
    "check_gradients",
    "check_jacobian",
]
