"""Training a TwoLayerNet on the spiral: backprop against the numerical gradient's modes.

Run: python benchmarks/twolayer.py

Trains TwoLayerNet(2, 30, 3) on ``make_spiral`` (300 points, 3 classes) for 1000
iterations of Adam (lr 0.05, mini-batches of 100) with backprop, then with the numerical
gradient in place, vectorized and with ``workers=2``, and prints each run's training
accuracy, final loss and wall time. One numerical gradient of the book's
TwoLayerNet(784, 50, 10) in every mode, beside its FLOP floor, is measured by
``python benchmarks/scale.py --only TwoLayerNet --full``.
"""

from __future__ import annotations

import os
from typing import Any

from gradwalk.datasets import make_spiral
from gradwalk.nets import TwoLayerNet
from gradwalk.training import train


def main() -> None:
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    xs, ts = make_spiral(300, 3, seed=0)
    runs: list[tuple[str, dict[str, Any] | None]] = [
        ("backprop", None),
        ("numerical", {}),
        ("numerical", {"vectorized": True}),
        ("numerical", {"workers": 2}),
    ]
    for gradient, options in runs:
        net = TwoLayerNet(2, 30, 3, weight_init_std=1.0, seed=0)
        history = train(
            net, xs, ts, iters_num=1000, learning_rate=0.05, optimizer="adam",
            gradient=gradient, gradient_options=options, seed=0, progress=False,
        )  # fmt: skip
        print(
            f"spiral {gradient} {options or ''}: train acc {net.accuracy(xs, ts):.4f}, "
            f"final loss {history.train_loss_list[-1]:.6f}, {history.wall_time:.1f} s"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
