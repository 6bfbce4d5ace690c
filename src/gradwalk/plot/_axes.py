"""The Figure and Axes every plotting function draws on: the caller's ``ax`` or new ones."""

from __future__ import annotations

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["figure_and_axes"]


def figure_and_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The Figure to return and the Axes to draw on: ax's own, or a new one."""
    if ax is None:
        figure = Figure(figsize=figsize, layout="constrained")
        return figure, figure.add_subplot()
    root = ax.get_figure(root=True)
    if not isinstance(root, Figure):
        raise TypeError(f"ax must belong to a Matplotlib Figure, got {ax!r}.")
    return root, ax
