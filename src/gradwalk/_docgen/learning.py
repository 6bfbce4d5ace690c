"""The pictures of docs/learning.md that no command draws: SPSA against backprop on digits.

``python -m gradwalk._docgen.learning [FOLDER]`` writes them (``docs/images`` by
default). :data:`PICTURES` maps each file name to a function that draws its Figure, for
a script that regenerates every picture of the documentation.

Both runs train ``TwoLayerNet(64, 50, 10, weight_init_std=0.1, seed=0)`` on the digits
(``load_digits``, the ``digits`` extra) with mini-batches of 100 and the same batch
seed. Backpropagation: the book's SGD, lr 0.5, 3000 iterations (one evaluation of the
loss each, plus its backward pass). SPSA: one random direction per iteration (two
evaluations of the loss), Adam with lr 0.003, 10000 iterations; Adam because the
noisy estimate needs a per-parameter step size to make progress at all.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

from gradwalk._learning.datasets import load_digits
from gradwalk._learning.nets import TwoLayerNet
from gradwalk._learning.training import TrainingHistory, train

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PICTURES", "DigitsRuns", "digits_runs", "main", "spsa_against_backprop"]


@dataclass(frozen=True)
class DigitsRuns:
    """The two training runs on digits and the test accuracy each network ended with."""

    backprop: TrainingHistory
    spsa: TrainingHistory
    backprop_test_accuracy: float
    spsa_test_accuracy: float


@lru_cache(maxsize=4)
def digits_runs(backprop_iters: int = 3000, spsa_iters: int = 10000) -> DigitsRuns:
    """Train backprop and SPSA on the digits, once per process for given iterations."""
    (x, t), (x_test, t_test) = load_digits()
    run = partial(train, x_train=x, t_train=t, x_test=x_test, t_test=t_test, seed=0)
    backprop_net = TwoLayerNet(64, 50, 10, weight_init_std=0.1, seed=0)
    backprop = run(backprop_net, iters_num=backprop_iters, learning_rate=0.5, progress=False)
    spsa_net = TwoLayerNet(64, 50, 10, weight_init_std=0.1, seed=0)
    spsa = run(
        spsa_net,
        iters_num=spsa_iters,
        learning_rate=0.003,
        optimizer="Adam",
        gradient="spsa",
        gradient_options={"directions": 1},
        progress=False,
    )
    return DigitsRuns(
        backprop,
        spsa,
        backprop_net.accuracy(x_test, t_test),
        spsa_net.accuracy(x_test, t_test),
    )


def spsa_against_backprop(
    against: str, *, backprop_iters: int = 3000, spsa_iters: int = 10000
) -> Figure:
    """SPSA's loss and accuracy beside backprop's on digits, per evaluation or per second.

    ``against`` is "evaluations" (of the loss, spent on gradients) or "seconds" (wall
    clock, including the accuracy recorded once per epoch).
    """
    from gradwalk.plot._learning import plot_training

    runs = digits_runs(backprop_iters, spsa_iters)
    unit = {"evaluations": "per evaluation of the loss", "seconds": "per second"}[against]
    return plot_training(
        [runs.backprop, runs.spsa],
        labels=[
            f"backprop (test acc {runs.backprop_test_accuracy:.3f})",
            f"SPSA, 1 direction (test acc {runs.spsa_test_accuracy:.3f})",
        ],
        against=against,
        title=f"TwoLayerNet(64, 50, 10) on digits: SPSA against backprop, {unit}",
    )


#: File name and how to draw it, for every picture of this module.
PICTURES: dict[str, Callable[[], Figure]] = {
    "learning-digits-spsa-evaluations.png": partial(spsa_against_backprop, "evaluations"),
    "learning-digits-spsa-seconds.png": partial(spsa_against_backprop, "seconds"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Write every picture of :data:`PICTURES` into a folder (default ``docs/images``)."""
    args = sys.argv[1:] if argv is None else list(argv)
    folder = Path(args[0] if args else "docs/images")
    folder.mkdir(parents=True, exist_ok=True)
    for name, draw in PICTURES.items():
        draw().savefig(folder / name, dpi=100)
        print(f"wrote {folder / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
