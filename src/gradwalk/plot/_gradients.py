"""Figures of section 4.4: the gradient field (Figure 4-9) and the descent path (4-10);
with those of section 4.5, training curves (4-11, 4-12) and decision boundaries.

Every function draws on a Matplotlib :class:`~matplotlib.figure.Figure` object (no
``pyplot`` state, no ``show()``), takes an optional ``ax`` to draw into, and returns the
Figure, so it works the same in a script, a notebook and a web server. Save it with
``fig.savefig("name.png")``.

>>> import numpy as np
>>> from gradwalk.book import function_2
>>> fig = plot_gradient_field(function_2)  # Figure 4-9 of the book
>>> fig.axes[0].get_xlabel(), [float(v) for v in fig.axes[0].get_xlim()]
('x0', [-2.0, 2.0])
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.docstrings import shared_docs
from gradwalk._common.validate import check_limits
from gradwalk._common.warnings import reemit_first
from gradwalk._derivatives.gradient import numerical_gradient

from ._axes import figure_and_axes, new_figure
from ._learning import plot_decision_boundary, plot_training

__all__ = [
    "plot_decision_boundary",
    "plot_descent",
    "plot_gradient_field",
    "plot_learning_rates",
    "plot_training",
]

#: The book's grid of arrows for Figure 4-9, on both axes.
BOOK_FIELD_GRID = np.arange(-2, 2.5, 0.25)
#: The book's colour of the arrows of Figure 4-9.
BOOK_FIELD_COLOR = "#666666"
#: The book's window of Figure 4-10.
BOOK_DESCENT_XLIM = (-3.5, 3.5)
BOOK_DESCENT_YLIM = (-4.5, 4.5)
#: The book's too-large, good and too-small learning rates of section 4.4.1.
BOOK_LEARNING_RATES = (10.0, 0.1, 1e-10)

_Limits = tuple[float, float]
#: Paths up to this many points are drawn as the book draws them: dots only.
_DOTS_ONLY = 60


def _values_on(f: Callable[[Any], object], points: NDArray[np.float64]) -> NDArray[np.float64]:
    """f at every point of an array of shape (..., 2), one value per point.

    A vectorized f (a test function, a parsed formula, ``np.sum(x**2, axis=-1)``) is
    called once on the whole array, after checking that its answer has the right shape
    and matches f called on single points; any other f is called point by point.
    """
    shape = points.shape[:-1]
    flat = points.reshape(-1, points.shape[-1])
    samples = (0, flat.shape[0] - 1)
    with np.errstate(all="ignore"):
        try:
            values = np.asarray(f(points), dtype=np.float64)
            ok = values.shape == shape and all(
                np.allclose(
                    values.reshape(-1)[i],
                    float(np.asarray(f(flat[i].copy()), dtype=np.float64).reshape(())),
                    rtol=1e-12,
                    atol=0,
                    equal_nan=True,
                )
                for i in samples
            )
        except (TypeError, ValueError, IndexError):
            ok = False
        if ok:
            return values
        single = [np.asarray(f(point.copy()), dtype=np.float64).reshape(()) for point in flat]
    return np.array(single, dtype=np.float64).reshape(shape)


def check_plane(f: Callable[[Any], object], point: NDArray[np.float64], where: str) -> None:
    """f must take a point of two variables: an f that reads x[2] is told what to do."""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            f(point.copy())
    except IndexError as error:
        raise ValueError(
            f"{where} draws f over the plane of two variables (x0, x1), but f reads more: "
            f"at the point {point.tolist()} it raised IndexError ({error}). Fix the other "
            "variables to draw a slice, e.g. lambda x: f(np.array([x[0], x[1], 1.0])) for "
            "x2 = 1."
        ) from error


def _field(
    f: Callable[[Any], object],
    gradient: Callable[[Any], Any] | None,
    points: NDArray[np.float64],
) -> NDArray[np.float64]:
    """The gradient at each point (shape (n, 2)): analytic if given, else numerical."""
    if gradient is not None:
        return np.asarray(gradient(points), dtype=np.float64).reshape(points.shape)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grads = [numerical_gradient(f, point.copy()) for point in points]
    reemit_first(
        caught, lambda _, count, message: f"at {count} of {len(points)} grid points: {message}"
    )
    return np.array(grads, dtype=np.float64)


@shared_docs
def plot_gradient_field(
    f: Callable[[Any], object],
    *,
    xlim: ArrayLike = (-2.0, 2.0),
    ylim: ArrayLike = (-2.0, 2.0),
    grid: tuple[ArrayLike, ArrayLike] | None = None,
    gradient: Callable[[Any], Any] | None = None,
    negative: bool = True,
    normalize: bool = False,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """Arrows of the (negative) gradient of f on a grid: the book's Figure 4-9.

    By default it is drawn exactly as the book's ``gradient_2d.py`` draws it: arrows of
    ``-numerical_gradient(f, x)`` at every point of ``arange(-2, 2.5, 0.25)`` in both
    axes, ``quiver(..., angles="xy", color="#666666")``, limits [-2, 2], axis labels x0
    and x1, grid on. ``plot_gradient_field(function_2)`` is the book's figure.

    Parameters
    ----------
    f : callable
        Scalar function of a point of shape (2,).
    xlim, ylim : (float, float)
        The window.
    grid : (array_like, array_like), optional
        The x0 and x1 coordinates of the arrows. By default the book's grid for the
        book's window, otherwise 17 evenly spaced values across each axis.
    gradient : callable, optional
        The analytic gradient, called once on all points (shape (n, 2)); by default the
        numerical gradient at each point.
    negative : bool
        Draw the negative gradient (the direction of steepest descent), as the book does.
    normalize : bool
        Draw every arrow with the same length, showing directions only (useful when the
        gradient's size varies by orders of magnitude, as for Rosenbrock).
    {axes}

    Raises
    ------
    TypeError
        xlim or ylim is not two numbers; ax is not a Matplotlib Axes.
    ValueError
        xlim or ylim is not finite with low < high; f reads more than two variables
        (the message shows how to draw a slice).

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        The numerical gradient's warnings, each kind shown once for the whole grid.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_gradient_field(lambda x: x[0] ** 2 + x[1] ** 2)
    >>> arrows = fig.axes[0].collections[0]
    >>> arrows.N  # 18 x 18 arrows
    324
    """
    xlim, ylim = check_limits(xlim, "xlim"), check_limits(ylim, "ylim")
    if grid is None:
        if xlim == (-2.0, 2.0) and ylim == (-2.0, 2.0):
            xs, ys = BOOK_FIELD_GRID, BOOK_FIELD_GRID
        else:
            xs, ys = np.linspace(*xlim, 17), np.linspace(*ylim, 17)
    else:
        xs, ys = (np.asarray(g, dtype=np.float64).reshape(-1) for g in grid)
    x_grid, y_grid = np.meshgrid(xs, ys)
    points = np.stack([x_grid.ravel(), y_grid.ravel()], axis=-1)
    check_plane(f, points[0], "plot_gradient_field")
    grads = _field(f, gradient, points)
    if negative:
        grads = -grads
    if normalize:
        with np.errstate(all="ignore"):
            length = np.hypot(grads[:, 0], grads[:, 1])[:, None]
            grads = np.where(length > 0, grads / length, 0.0)
    figure, axes = figure_and_axes(ax, (6.0, 6.0))
    axes.quiver(
        points[:, 0], points[:, 1], grads[:, 0], grads[:, 1], angles="xy", color=BOOK_FIELD_COLOR
    )
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    axes.set_xlabel("x0")
    axes.set_ylabel("x1")
    axes.grid(True)
    if title:
        axes.set_title(title)
    return figure


def _path_of(item: object) -> NDArray[np.float64]:
    """The points of one path: a DescentResult's ``path`` or an array of shape (n, 2)."""
    path = np.asarray(getattr(item, "path", item), dtype=np.float64)
    if path.ndim != 2 or path.shape[1] != 2 or path.shape[0] == 0:
        raise ValueError(
            "a path to plot must be a DescentResult or an array of points of shape (n, 2) "
            f"with n >= 1; got an array of shape {path.shape}. A plot shows two variables: "
            "descend on a function of x0 and x1."
        )
    return path


def _paths(results: object) -> list[NDArray[np.float64]]:
    """One path or several: a DescentResult, an (n, 2) array, or a sequence of those."""
    if hasattr(results, "path"):
        return [_path_of(results)]
    if isinstance(results, np.ndarray) or (
        isinstance(results, Sequence)
        and results
        and not hasattr(results[0], "path")
        and np.ndim(results[0]) == 1
    ):
        return [_path_of(results)]
    if isinstance(results, Sequence) and results:
        return [_path_of(item) for item in results]
    raise TypeError(
        f"results must be a DescentResult, an array of points of shape (n, 2), or a list of "
        f"those; got {type(results).__name__}."
    )


def _legend_entries(results: object, count: int) -> list[str]:
    """Default legend entries: each DescentResult's optimizer, else "path 1", "path 2", ..."""
    items = results if isinstance(results, Sequence) and count > 1 else [results]
    names = [str(getattr(item, "optimizer", "") or "") for item in items]
    if len(names) != count or not all(names) or len(set(names)) < count:
        return [f"path {number}" for number in range(1, count + 1)]
    return names


def _outside(path: NDArray[np.float64], xlim: _Limits, ylim: _Limits) -> int:
    """How many finite points of a path lie outside the window."""
    finite = path[np.all(np.isfinite(path), axis=1)]
    inside = (
        (finite[:, 0] >= xlim[0])
        & (finite[:, 0] <= xlim[1])
        & (finite[:, 1] >= ylim[0])
        & (finite[:, 1] <= ylim[1])
    )
    return int(np.count_nonzero(~inside))


def _contour_levels(values: NDArray[np.float64], count: int) -> NDArray[np.float64]:
    """Contour levels spread over the range of f in the window (by quantiles)."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.empty(0)
    levels = np.unique(np.quantile(finite, np.linspace(0.03, 0.9, count)))
    return levels if levels.size > 1 else np.empty(0)


@shared_docs
def plot_descent(
    results: object,
    f: Callable[[Any], object] | None = None,
    *,
    labels: Sequence[str] | None = None,
    xlim: ArrayLike = BOOK_DESCENT_XLIM,
    ylim: ArrayLike = BOOK_DESCENT_YLIM,
    levels: int | ArrayLike = 8,
    title: str | None = None,
    ax: Axes | None = None,
) -> Figure:
    """The path of gradient descent over the contour lines of f: the book's Figure 4-10.

    By default it is drawn as the book's ``gradient_method.py`` draws it (each iterate a
    dot, dashed lines along both axes, limits ±3.5 and ±4.5, labels X0 and X1), plus the
    dashed contour lines of f that the printed figure shows and the script leaves out.
    Several paths are drawn one over the other, joined by lines, with a legend; so is
    one long path (more than 60 points). A note says how many points lie outside the
    window (a diverging run leaves it after a step or two).

    Parameters
    ----------
    results : DescentResult, array_like or sequence
        A DescentResult (its ``path`` is drawn), an array of points of shape (n, 2)
        (for example the x_history of the book's script), or a list of either.
    f : callable, optional
        The function, for the contour lines; none are drawn without it. Called once on
        a grid of shape (..., 2) when it is vectorized, else point by point.
    labels : sequence of str, optional
        One legend entry per path. By default, for several paths, each DescentResult's
        optimizer (``"SGD(lr=0.1)"``, ``"Adam(lr=0.1)"``) when they all differ, else
        "path 1", "path 2", ...; no legend for one path.
    xlim, ylim : (float, float)
        The window; the book's by default.
    levels : int or array_like
        Number of contour lines, spread over the values of f in the window, or the
        levels themselves.
    {axes}

    Raises
    ------
    TypeError
        results is not a DescentResult, an array of points or a list of those; xlim or
        ylim is not two numbers; ax is not a Matplotlib Axes.
    ValueError
        A path is not of shape (n, 2) with n >= 1; labels and paths differ in number;
        xlim or ylim is not finite with low < high; f reads more than two variables.

    Examples
    --------
    >>> import numpy as np
    >>> from gradwalk.book import function_2
    >>> path = 0.8 ** np.arange(20)[:, None] * np.array([-3.0, 4.0])  # lr = 0.1
    >>> fig = plot_descent(path, function_2)
    >>> [float(v) for v in fig.axes[0].get_ylim()]
    [-4.5, 4.5]
    """
    paths = _paths(results)
    names = _legend_entries(results, len(paths))
    xlim, ylim = check_limits(xlim, "xlim"), check_limits(ylim, "ylim")
    if labels is not None and len(labels) != len(paths):
        raise ValueError(f"got {len(labels)} labels for {len(paths)} paths; give one per path.")
    figure, axes = figure_and_axes(ax, (6.0, 6.0))
    if f is not None:
        check_plane(f, paths[0][0], "plot_descent")
        xs, ys = np.linspace(*xlim, 121), np.linspace(*ylim, 121)
        x_grid, y_grid = np.meshgrid(xs, ys)
        values = _values_on(f, np.stack([x_grid, y_grid], axis=-1))
        chosen = (
            _contour_levels(values, levels)
            if isinstance(levels, int)
            else np.asarray(levels, dtype=np.float64)
        )
        if chosen.size:
            axes.contour(
                x_grid,
                y_grid,
                np.ma.masked_invalid(values),
                levels=chosen,
                colors="0.55",
                linestyles="dashed",
                linewidths=0.8,
            )
    axes.axhline(0.0, linestyle="--", color="b", linewidth=1.0)
    axes.axvline(0.0, linestyle="--", color="b", linewidth=1.0)
    several = len(paths) > 1
    for number, path in enumerate(paths):
        label = names[number] if several else None
        if labels is not None:
            label = labels[number]
        if several:
            size = 4 if len(path) <= _DOTS_ONLY else 1.5
            axes.plot(path[:, 0], path[:, 1], "o-", markersize=size, linewidth=1.0, label=label)
        elif len(path) <= _DOTS_ONLY:
            axes.plot(path[:, 0], path[:, 1], "o", label=label)  # the book's dots
        else:
            axes.plot(path[:, 0], path[:, 1], "o-", markersize=2, linewidth=1.0, label=label)
    outside = sum(_outside(path, xlim, ylim) for path in paths)
    if outside:
        total = sum(len(path) for path in paths)
        axes.text(
            0.02,
            0.02,
            f"{outside} of {total} points lie outside this window",
            transform=axes.transAxes,
            fontsize="small",
            color="0.25",
        )
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    axes.set_xlabel("X0")
    axes.set_ylabel("X1")
    if several or labels is not None:
        axes.legend(loc="best", fontsize="small")
    if title:
        axes.set_title(title)
    return figure


def plot_learning_rates(
    f: Callable[[Any], object],
    x0: ArrayLike,
    lrs: Sequence[float] = BOOK_LEARNING_RATES,
    steps: int = 100,
    *,
    xlim: ArrayLike = BOOK_DESCENT_XLIM,
    ylim: ArrayLike = BOOK_DESCENT_YLIM,
    ax: Sequence[Axes] | None = None,
) -> Figure:
    """The book's too-large / good / too-small learning rates side by side.

    Left: the paths of gradient descent from ``x0``, one per learning rate, over the
    contour lines of f. Right: f along each path, step by step, on a log scale: the
    good rate falls steadily, the too-small one stays flat, the too-large one climbs.

    Parameters
    ----------
    f : callable
        Scalar function of a point of shape (2,).
    x0 : array_like
        Starting point, shape (2,).
    lrs : sequence of float
        Learning rates; the book's 10, 0.1 and 1e-10 by default.
    steps : int
        Steps of each descent; the book's 100 by default.
    xlim, ylim : (float, float)
        The window of the left panel; the book's Figure 4-10 window by default.
    ax : (Axes, Axes), optional
        Two axes to draw into (paths, values); by default a new Figure.

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    TypeError, ValueError
        Bad arguments, as for :func:`~gradwalk.descend` and :func:`plot_descent`; ax is
        not two Axes.

    Warns
    -----
    PrecisionWarning, NonFiniteWarning
        As for :func:`~gradwalk.descend`, once per learning rate.

    Examples
    --------
    >>> import numpy as np
    >>> from gradwalk.book import function_2
    >>> fig = plot_learning_rates(function_2, [-3.0, 4.0], steps=20)
    >>> [text.get_text() for text in fig.axes[0].get_legend().get_texts()][1]
    'lr = 0.1: max_steps, f = 0.0033 after 20 steps'
    """
    from gradwalk.descent._loop import descend

    figure: Figure
    if ax is None:
        figure = new_figure((11.0, 5.0))
        path_axes, value_axes = figure.subplots(1, 2)
    else:
        given: object = ax
        if isinstance(given, str) or not hasattr(given, "__len__"):
            raise TypeError(
                f"ax must be two Matplotlib Axes, (paths, values), or None for a new figure; "
                f"got {ax!r}. Make them with fig, ax = plt.subplots(1, 2)."
            )
        if len(ax) != 2:
            raise ValueError(f"ax must be two Axes (paths, values), got {len(ax)}.")
        path_axes, value_axes = ax
        figure, _ = figure_and_axes(path_axes, (11.0, 5.0))
    results = [descend(f, x0, lr=lr, steps=steps) for lr in lrs]
    labels = [
        f"lr = {lr:g}: {r.status}, f = {r.values[-1]:.2g} after {r.steps_taken} steps"
        for lr, r in zip(lrs, results, strict=True)
    ]
    plot_descent(results, f, labels=labels, xlim=xlim, ylim=ylim, ax=path_axes)
    # A diverging path crosses the window in long straight strokes: draw it thin, dashed
    # and beneath the others, so that the path of a good rate stays visible.
    for line, result in zip(path_axes.lines[-len(results) :], results, strict=True):
        if result.status == "diverged":
            line.set_linestyle(":")
            line.set_zorder(1.5)
        else:
            line.set_zorder(3.0)
            line.set_markersize(3.0)
    path_axes.legend(loc="best", fontsize="small")
    path_axes.set_title("the path of each learning rate")
    for label, result in zip(labels, results, strict=True):
        values = np.asarray(result.values, dtype=np.float64)
        value_axes.plot(np.arange(values.size), values, "o-", markersize=3, label=label)
    value_axes.set_yscale("log")
    value_axes.set_xlabel("step")
    value_axes.set_ylabel("f(x)")
    value_axes.set_title("f along the path (log scale)")
    value_axes.grid(True, which="major")
    value_axes.legend(loc="best", fontsize="small")
    return figure
