"""Mini-batch learning by the gradient method (section 4.5): :func:`train` and its record.

This is its public path; the code lives in :mod:`gradwalk._learning.training`.

>>> from gradwalk.training import GRADIENTS
>>> GRADIENTS
('backprop', 'numerical', 'spsa')
"""

from __future__ import annotations

from ._learning.training import GRADIENTS, SPSA, TrainingHistory, train

__all__ = ["GRADIENTS", "SPSA", "TrainingHistory", "train"]
