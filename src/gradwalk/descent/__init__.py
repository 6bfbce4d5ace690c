"""Gradient descent: the book's :func:`gradient_descent` (section 4.4.1), and
:func:`descend`, which records the path and says why it stopped, with
:func:`learning_rate_bound` for the stable learning rate.

>>> import numpy as np
>>> from gradwalk.descent import gradient_descent
>>> gradient_descent(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, step_num=100)
array([-6.11110793e-10,  8.14814391e-10])
"""

from __future__ import annotations

from ._gradient_descent import gradient_descent
from ._loop import DescentResult, descend, learning_rate_bound

__all__ = ["DescentResult", "descend", "gradient_descent", "learning_rate_bound"]
