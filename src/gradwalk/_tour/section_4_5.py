"""The tour's section 4.5: the book's TwoLayerNet, its two gradients, a training run.

Each stop runs one computation of section 4.5 on generated data (nothing to download),
prints what it gives and says in one sentence what it shows; its verdict says whether
the claim it makes holds, checked on the spot. The training run is made once and shared
by its stop and its two figures (Figures 4-11 and 4-12 side by side, and the decision
boundary the network learned).
"""

from __future__ import annotations

import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.terminal import fill
from gradwalk._learning.datasets import make_spiral
from gradwalk._learning.nets import TwoLayerNet
from gradwalk._learning.training import TrainingHistory, train
from gradwalk.check._gradient import check_gradients

from .section_4_4 import book_label

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["LEARNING_FIGURES", "LearningStop", "SpiralRun", "learning_stops", "spiral_run"]

#: The shapes section 4.5.1 prints for TwoLayerNet(input_size=784, hidden_size=100,
#: output_size=10).
BOOK_SHAPES = {"W1": (784, 100), "b1": (100,), "W2": (100, 10), "b2": (10,)}

#: Parameters of the book's MNIST network, TwoLayerNet(784, 50, 10): 784·50 + 50 + 50·10 + 10.
BOOK_MNIST_PARAMETERS = 39_760

#: The tour's network for the spiral: 2 inputs, 30 hidden units, 3 classes.
SIZES = (2, 30, 3)

#: The accuracy on the training data the tour's run must reach (the target of section 4.5's
#: generated-data run).
TARGET_ACCURACY = 0.97


@dataclass(frozen=True)
class LearningStop:
    """One computation of section 4.5: its code, what it prints, and the claim it checks."""

    section: str
    code: str
    compute: Callable[[], tuple[list[str], bool]]
    lesson: str
    figures: tuple[str, ...] = ()

    def run(self) -> tuple[list[str], bool, list[str]]:
        """The lines to print, whether the claim holds, and the warnings of the run."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            lines, holds = self.compute()
        return lines, holds, [str(record.message) for record in caught]


@dataclass(frozen=True)
class SpiralRun:
    """The tour's training run: the data, the trained network and its history."""

    x_train: NDArray[np.float64]
    t_train: NDArray[np.int64]
    x_test: NDArray[np.float64]
    t_test: NDArray[np.int64]
    net: TwoLayerNet
    history: TrainingHistory


@lru_cache(maxsize=1)
def spiral_run() -> SpiralRun:
    """Train TwoLayerNet(2, 30, 3) on the 3-arm spiral: 1000 iterations of Adam, lr 0.05.

    Made once per process: the training stop and the two training figures share it.
    """
    x_train, t_train = make_spiral(300, 3, seed=0)
    x_test, t_test = make_spiral(300, 3, seed=1)
    net = TwoLayerNet(*SIZES, weight_init_std=1.0, seed=0)
    history = train(
        net,
        x_train,
        t_train,
        iters_num=1000,
        batch_size=100,
        learning_rate=0.05,
        optimizer="Adam",
        x_test=x_test,
        t_test=t_test,
        seed=0,
        progress=False,
    )
    return SpiralRun(x_train, t_train, x_test, t_test, net, history)


def _indented(text: str) -> list[str]:
    """Lines of output under the ``gradwalk`` label, long ones wrapped at 88 columns."""
    rows = [
        wrapped
        for row in text.splitlines()
        for wrapped in fill(row, width=77, subsequent_indent="  ").splitlines()
    ]
    return [f"  gradwalk {rows[0]}", *(f"           {row}" for row in rows[1:])]


def _shapes() -> tuple[list[str], bool]:
    net = TwoLayerNet(input_size=784, hidden_size=100, output_size=10, seed=0)
    shapes = {name: array.shape for name, array in net.params.items()}
    book = ", ".join(f"{name} {shape}" for name, shape in BOOK_SHAPES.items())
    return [*_indented(str(shapes)), f"  {book_label()}{book}"], shapes == BOOK_SHAPES


def _mini_batch(size: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """``size`` random points of the spiral, drawn as the book draws a mini-batch."""
    x, t = make_spiral(300, 3, seed=0)
    mask = np.random.default_rng(0).choice(300, size)
    return x[mask], t[mask]


def _gradients_agree() -> tuple[list[str], bool]:
    net = TwoLayerNet(*SIZES, seed=0)  # the book's weight_init_std = 0.01
    x, t = _mini_batch(10)
    backprop = net.gradient(x, t)
    strict = check_gradients(lambda p: net.loss(x, t), net.params, backprop)
    loose = check_gradients(lambda p: net.loss(x, t), net.params, backprop, rtol=1e-5)
    report = str(strict).splitlines()
    failed = next(row for row in report if row.startswith("Failed:"))
    lines = [
        *_indented(f"{report[0]}\n{failed}"),
        "  >>> check_gradients(lambda p: net.loss(x, t), net.params, grads, rtol=1e-5)",
        *_indented(str(loose).splitlines()[0]),
    ]
    small = "1e-7" in strict.verdict and "wrong" not in strict.verdict
    holds = strict.outcome == "failed" and small and loose.passed
    return lines, holds


def _median_seconds(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _repeat in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _cost() -> tuple[list[str], bool]:
    net = TwoLayerNet(*SIZES, seed=0)
    x, t = _mini_batch(100)
    results = net.numerical_gradient(x, t, full_output=True)
    evaluations = sum(result.nfev for result in results.values())
    parameters = sum(array.size for array in net.params.values())
    backprop = net.gradient(x, t)
    gap = max(float(np.max(np.abs(results[k].grad - backprop[k]))) for k in backprop)
    numerical_s = _median_seconds(lambda: net.numerical_gradient(x, t), 3)
    backprop_s = _median_seconds(lambda: net.gradient(x, t), 50)
    iterations = spiral_run().history.iterations
    rows = [
        _("numerical: {count} evaluations of the loss, {ms:.1f} ms"),
        _("backprop:  1 forward and 1 backward pass, {backprop_ms:.3f} ms ({ratio:.0f}× faster)"),
        _("largest difference between the two: {gap:.1e}"),
        _(
            "the {iterations} iterations below: about {numerical_s:.0f} s numerical, "
            "{backprop_s:.2f} s backprop"
        ),
        _("the book's TwoLayerNet(784, 50, 10): {book:,} evaluations per gradient"),
    ]
    numbers = {
        "count": evaluations,
        "ms": numerical_s * 1e3,
        "backprop_ms": backprop_s * 1e3,
        "ratio": numerical_s / backprop_s,
        "gap": gap,
        "iterations": iterations,
        "numerical_s": numerical_s * iterations,
        "backprop_s": backprop_s * iterations,
        "book": 2 * BOOK_MNIST_PARAMETERS,
    }
    lines = _indented("\n".join(row.format(**numbers) for row in rows))
    return lines, evaluations == 2 * parameters and gap < 1e-6


def _training() -> tuple[list[str], bool]:
    run = spiral_run()
    history = run.history
    shown = sorted({0, *range(0, history.epochs, 100), history.epochs - 1})
    rows = [
        f"epoch {epoch:3d}  loss {history.train_loss_list[epoch * history.iter_per_epoch]:.4f}"
        f"  train acc, test acc | {history.train_acc_list[epoch]:.4f}, "
        f"{history.test_acc_list[epoch]:.4f}"
        for epoch in shown
    ]
    final = run.net.accuracy(run.x_train, run.t_train)
    rows.append(
        _(
            "{iterations} iterations in {seconds:.2f} s; after the last: train acc "
            "{train:.4f}, test acc {test:.4f}"
        ).format(
            iterations=history.iterations,
            seconds=history.wall_time,
            train=final,
            test=run.net.accuracy(run.x_test, run.t_test),
        )
    )
    return _indented("\n".join(rows)), history.stopped is None and final >= TARGET_ACCURACY


def learning_stops() -> list[LearningStop]:
    """The computations of section 4.5, on generated data."""
    return [
        LearningStop(
            "4.5.1",
            "net = TwoLayerNet(input_size=784, hidden_size=100, output_size=10)\n"
            "{name: p.shape for name, p in net.params.items()}",
            _shapes,
            _(
                "The book's two-layer network for MNIST: 784 pixels in, 100 sigmoid units, 10 "
                "classes out; the biases start at zero, the weights at 0.01 × a standard normal."
            ),
        ),
        LearningStop(
            "4.5.1",
            "net = TwoLayerNet(input_size=2, hidden_size=30, output_size=3)   "
            + _("# the spiral")
            + "\ngrads = net.gradient(x, t)   "
            + _("# backpropagation, on 10 random points")
            + "\ncheck_gradients(lambda p: net.loss(x, t), net.params, grads)",
            _gradients_agree,
            _(
                "Backpropagation and the numerical gradient agree to a relative 1e-6, not to the "
                "1e-8 of a strict check: the book's cross_entropy_error takes log(y + 1e-7), and "
                "backpropagation differentiates log(y). The report finds that term itself."
            ),
        ),
        LearningStop(
            "4.5.2",
            "net.numerical_gradient(x_batch, t_batch)   "
            + _("# and net.gradient(...), batch of 100"),
            _cost,
            _(
                "The numerical gradient evaluates the loss twice per parameter; backpropagation "
                "gets all of them for about the cost of two. That is why section 4.5 trains "
                "with backpropagation and keeps the numerical gradient to check it."
            ),
        ),
        LearningStop(
            "4.5.2",
            "x_train, t_train = make_spiral(300, 3, seed=0)\n"
            "x_test, t_test = make_spiral(300, 3, seed=1)\n"
            "net = TwoLayerNet(2, 30, 3, weight_init_std=1.0, seed=0)   "
            + _("# TwoLayerNet(2, 30, 3), 300 spiral points")
            + "\n"
            'train(net, x_train, t_train, iters_num=1000, optimizer="Adam", learning_rate=0.05,\n'
            "      x_test=x_test, t_test=t_test, seed=0)",
            _training,
            _(
                "The book's loop: random mini-batches of 100, the loss after every iteration, "
                "the accuracy once per epoch (3 iterations here). The test points come from the "
                "same spiral with another seed; both accuracies climb together, so the network "
                "has not merely memorised its training points."
            ),
            figures=("fig-4-11-4-12-spiral.png", "spiral-boundary.png"),
        ),
    ]


def _training_figure() -> Figure:
    from gradwalk.plot._learning import plot_training

    return plot_training(
        spiral_run().history,
        labels=["backprop"],
        title="Figures 4-11 and 4-12 on the spiral: the loss and the accuracy",
    )


def _boundary_figure() -> Figure:
    from gradwalk.plot._learning import plot_decision_boundary

    run = spiral_run()
    return plot_decision_boundary(
        run.net, run.x_train, run.t_train, title="What TwoLayerNet(2, 30, 3) learned"
    )


#: The figures of section 4.5: file name, caption, and how to draw it.
LEARNING_FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    "fig-4-11-4-12-spiral.png": (
        N_(
            "Figures 4-11 and 4-12 for the spiral: the mini-batch loss after each of the 1000 "
            "iterations, falling with the noise of random mini-batches, and the train (solid) "
            "and test (dashed) accuracy once per epoch, rising together to about 0.98."
        ),
        _training_figure,
    ),
    "spiral-boundary.png": (
        N_(
            "The class the trained network predicts at every point of the plane, with the 300 "
            "training points on top: three arms, each in its own colour region."
        ),
        _boundary_figure,
    ),
}
