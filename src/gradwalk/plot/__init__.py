"""The book's figures with matplotlib: the gradient field (Figure 4-9), descent paths
(Figure 4-10), learning rates side by side, and the training figures of section 4.5
(Figures 4-11 and 4-12) with decision boundaries. Every function returns a Figure and
never calls ``show()``.

>>> from gradwalk.book import function_2
>>> from gradwalk.plot import plot_gradient_field
>>> len(plot_gradient_field(function_2).axes)
1
"""

from __future__ import annotations

from ._gradients import plot_descent, plot_gradient_field, plot_learning_rates
from ._learning import plot_decision_boundary, plot_training

__all__ = [
    "plot_decision_boundary",
    "plot_descent",
    "plot_gradient_field",
    "plot_learning_rates",
    "plot_training",
]
