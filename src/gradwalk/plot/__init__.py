"""The book's figures with matplotlib: the gradient field (Figure 4-9), descent paths
(Figure 4-10), learning rates side by side, and the training figures of section 4.5
(Figures 4-11 and 4-12) with decision boundaries. Every function returns a Matplotlib
Figure and never calls ``show()``: a new figure is an :class:`InlineFigure`, which a
Jupyter notebook shows as a picture without ``%matplotlib inline``.

>>> from gradwalk.book import function_2
>>> from gradwalk.plot import plot_gradient_field
>>> len(plot_gradient_field(function_2).axes)
1
"""

from __future__ import annotations

from ._axes import InlineFigure
from ._gradients import plot_descent, plot_gradient_field, plot_learning_rates
from ._learning import plot_decision_boundary, plot_training

__all__ = [
    "InlineFigure",
    "plot_decision_boundary",
    "plot_descent",
    "plot_gradient_field",
    "plot_learning_rates",
    "plot_training",
]
