"""Figures of section 4.5: training curves (Figures 4-11 and 4-12) and decision boundaries.

Exported from :mod:`gradwalk.plot`, like the figures of section 4.4: each draws on a
Matplotlib Figure object, never on ``pyplot``, and returns it.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ._axes import figure_and_axes, new_figure

__all__ = ["TRAINING_AXES", "plot_decision_boundary", "plot_training"]

#: What :func:`plot_training` can put on the horizontal axis.
TRAINING_AXES = ("iterations", "seconds", "evaluations")


def plot_training(
    histories: Any,
    *,
    labels: Sequence[str] | None = None,
    against: str = "iterations",
    title: str | None = None,
) -> Figure:
    """The loss per iteration (Figure 4-11) and the accuracy per epoch (Figure 4-12).

    Parameters
    ----------
    histories : TrainingHistory or sequence of them
        One run, or several overlaid with a legend (e.g. backprop, numerical, SPSA).
    labels : sequence of str, optional
        Legend entries (default: each run's gradient).
    against : {"iterations", "seconds", "evaluations"}
        Horizontal axis: iterations and epochs (the book's), wall-clock seconds, or
        evaluations of the loss spent on gradients.
    title : str, optional
        Title of the figure.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: the mini-batch loss, and train (solid) and test (dashed) accuracy.

    Raises
    ------
    ValueError
        No histories, an unknown ``against``, or labels of another length.
    TypeError
        Something that is not a TrainingHistory, such as a list of losses (the message
        shows how to wrap the book's own lists).

    Examples
    --------
    >>> from gradwalk.datasets import make_spiral
    >>> from gradwalk.nets import TwoLayerNet
    >>> from gradwalk.training import train
    >>> x, t = make_spiral(90, 3, seed=0)
    >>> history = train(TwoLayerNet(2, 5, 3, seed=0), x, t, iters_num=9, batch_size=30,
    ...                 seed=0, progress=False)
    >>> fig = plot_training(history)
    >>> [ax.get_xlabel() for ax in fig.axes]
    ['iteration', 'epoch']
    """
    runs = list(histories) if isinstance(histories, list | tuple) else [histories]
    if not runs:
        raise ValueError("plot_training needs at least one TrainingHistory.")
    _check_histories(histories, runs)
    if against not in TRAINING_AXES:
        raise ValueError(f"against={against!r} is not known; choose one of {TRAINING_AXES}.")
    names = [str(run.gradient) for run in runs] if labels is None else list(labels)
    if len(names) != len(runs):
        raise ValueError(f"{len(names)} labels for {len(runs)} histories; pass one per history.")
    figure = new_figure((10.0, 4.0))
    loss_ax, acc_ax = figure.subplots(1, 2)
    units = {
        "iterations": "iteration",
        "seconds": "seconds",
        "evaluations": "evaluations of the loss",
    }
    for index, (run, name) in enumerate(zip(runs, names, strict=True)):
        color = f"C{index}"
        steps = np.arange(1, len(run.train_loss_list) + 1)
        xs = {
            "iterations": steps,
            "seconds": np.asarray(run.elapsed),
            "evaluations": np.asarray(run.evaluations),
        }[against]
        loss_ax.plot(xs, run.train_loss_list, color=color, lw=0.8, label=name)
        recorded = np.arange(len(run.train_acc_list)) * run.iter_per_epoch
        epochs = np.arange(len(run.train_acc_list))
        acc_x = epochs if against == "iterations" else xs[recorded]
        # train wide and pale underneath, test dashed on top: they often overlap
        acc_ax.plot(
            acc_x, run.train_acc_list, color=color, lw=2.5, alpha=0.4, label=f"{name} train"
        )
        if run.test_acc_list:
            acc_ax.plot(
                acc_x, run.test_acc_list, color=color, ls="--", lw=1.2, label=f"{name} test"
            )
    loss_ax.set_xlabel(units[against])
    loss_ax.set_ylabel("loss")
    acc_ax.set_xlabel("epoch" if against == "iterations" else units[against])
    acc_ax.set_ylabel("accuracy")
    acc_ax.set_ylim(0, 1.0)
    for ax in (loss_ax, acc_ax):
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize="small")
    if title:
        figure.suptitle(title)
    return figure


def _check_histories(given: object, runs: list[Any]) -> None:
    """Each run must be what train() returns; a list of numbers is the book's own lists."""
    wrong = next((run for run in runs if not hasattr(run, "train_loss_list")), None)
    if wrong is None:
        return
    if all(isinstance(run, numbers.Real) for run in runs):
        what = f"a list of {len(runs)} numbers"
    else:
        what = f"{type(wrong).__name__} {wrong!r:.60}"
    raise TypeError(
        f"plot_training takes what train() returns (a TrainingHistory) or a list of them; "
        f"got {what}. For the lists of your own loop, as the book's train_neuralnet.py "
        "keeps them, wrap them: plot_training(TrainingHistory('backprop', iter_per_epoch, "
        "train_loss_list=train_loss_list, train_acc_list=train_acc_list, "
        "test_acc_list=test_acc_list)) with TrainingHistory from gradwalk."
    )


def plot_decision_boundary(
    net: Any,
    x: ArrayLike,
    t: ArrayLike,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    title: str | None = None,
) -> Figure:
    """The class a 2-D network predicts everywhere, with the data points on top.

    Parameters
    ----------
    net : TwoLayerNet or a network with ``predict``
        A network with two inputs.
    x : array_like, shape (N, 2)
        The points.
    t : array_like
        Their labels (N,) or one-hot rows.
    ax : matplotlib Axes, optional
        Draw here instead of on a new Figure.
    resolution : int
        Grid points per axis.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    ValueError
        x is not of shape (N, 2).

    Examples
    --------
    >>> from gradwalk.datasets import make_moons
    >>> from gradwalk.nets import TwoLayerNet
    >>> x, t = make_moons(40, seed=0)
    >>> fig = plot_decision_boundary(TwoLayerNet(2, 4, 2, seed=0), x, t)
    >>> fig.axes[0].get_xlabel()
    'x0'
    """
    points = np.asarray(x, dtype=np.float64)
    if points.ndim != 2 or points.shape[1] != 2:
        raise ValueError(
            f"plot_decision_boundary draws 2-D data: x must have shape (N, 2), got {points.shape}."
        )
    labels = np.asarray(t)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    figure, axes = figure_and_axes(ax, (5.5, 5))
    pad = 0.1 * (points.max(axis=0) - points.min(axis=0)) + 1e-9
    low, high = points.min(axis=0) - pad, points.max(axis=0) + pad
    g0, g1 = np.meshgrid(
        np.linspace(low[0], high[0], resolution), np.linspace(low[1], high[1], resolution)
    )
    predicted = np.asarray(net.predict(np.column_stack([g0.ravel(), g1.ravel()]))).argmax(axis=1)
    classes = int(max(labels.max(), predicted.max())) + 1
    levels = np.arange(-0.5, classes, 1.0)
    axes.contourf(
        g0, g1, predicted.reshape(g0.shape), levels=levels, cmap="tab10", vmin=0, vmax=9, alpha=0.3
    )
    axes.scatter(
        points[:, 0],
        points[:, 1],
        c=labels,
        cmap="tab10",
        vmin=0,
        vmax=9,
        s=12,
        edgecolors="k",
        linewidths=0.3,
    )
    axes.set_xlabel("x0")
    axes.set_ylabel("x1")
    if title:
        axes.set_title(title)
    return figure
