"""The Figure and Axes every plotting function draws on: the caller's ``ax`` or new ones.

A new figure is an :class:`InlineFigure`: a Matplotlib ``Figure`` (``savefig``, ``axes``
and everything else as usual) that a Jupyter notebook shows as a picture when it is a
cell's last value, with no ``%matplotlib inline`` and no ``pyplot``.
"""

from __future__ import annotations

import io

from matplotlib.axes import Axes
from matplotlib.figure import Figure

__all__ = ["InlineFigure", "figure_and_axes", "new_figure"]


class InlineFigure(Figure):
    """A Matplotlib Figure that shows itself in a notebook.

    IPython asks an object for ``_repr_png_`` when it displays it: this one renders the
    figure to PNG (as ``savefig`` does, cropped to its drawn area). Nothing else differs
    from :class:`matplotlib.figure.Figure`; no pyplot state is made, so the figure is
    freed like any object. Under ``%matplotlib inline`` IPython's own printer of
    Figures gives the same picture (it is asked first), shown once.

    Examples
    --------
    >>> figure = new_figure((2.0, 2.0))
    >>> figure._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()


def new_figure(figsize: tuple[float, float]) -> InlineFigure:
    """A new figure of ``figsize`` inches, with constrained layout."""
    return InlineFigure(figsize=figsize, layout="constrained")


def figure_and_axes(ax: object, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The Figure to return and the Axes to draw on: ax's own, or a new one.

    Raises
    ------
    TypeError
        ax is neither None nor a Matplotlib Axes (a position such as "left", a Figure,
        an array of Axes), or belongs to no Figure.
    """
    if ax is None:
        figure = new_figure(figsize)
        return figure, figure.add_subplot()
    if not isinstance(ax, Axes):
        hint = ""
        if isinstance(ax, Figure):
            hint = " (this is a Figure: pass one of its axes, such as fig.axes[0])"
        elif isinstance(ax, str):
            hint = " (a position name is not an Axes)"
        raise TypeError(
            f"ax must be a Matplotlib Axes to draw into, or None for a new figure; got "
            f"{ax!r}{hint}. Make one with fig, ax = plt.subplots(), or "
            "ax = fig.add_subplot(1, 2, 1) for the left of two."
        )
    root = ax.get_figure(root=True)
    if not isinstance(root, Figure):
        raise TypeError(f"ax must belong to a Matplotlib Figure, got {ax!r}.")
    return root, ax
