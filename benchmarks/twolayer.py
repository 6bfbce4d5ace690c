"""One numerical gradient of TwoLayerNet(784, 50, 10) on a batch of 100, every mode.

Run: python benchmarks/twolayer.py [--repeats N]

Prints the time of the book's loop (common/gradient.py, re-typed from its description),
of gradwalk serial (in place), with workers=2, with vectorized=True, and the floor: the
loss's floating-point operations × 2 × 39,760 parameters at the matrix-multiply rate
measured here. Also trains on make_spiral with backprop and the fastest numerical mode.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from gradwalk.datasets import make_spiral
from gradwalk.nets import TwoLayerNet
from gradwalk.training import train


def book_numerical_gradient(f: Callable[[Any], float], x: np.ndarray) -> np.ndarray:
    """The book's loop: one element at a time, in place, h = 1e-4."""
    h = 1e-4
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    while not it.finished:
        idx = it.multi_index
        tmp = x[idx]
        x[idx] = tmp + h
        fxh1 = f(x)
        x[idx] = tmp - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp
        it.iternext()
    return grad


def median_time(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    rng = np.random.default_rng(0)
    net = TwoLayerNet(784, 50, 10, seed=0)
    x, t = rng.random((100, 784)), rng.integers(0, 10, 100)
    params = sum(p.size for p in net.params.values())

    # The floor: FLOPs of one loss (2·N·(784·50 + 50·10) for the products, plus the
    # elementwise work, counted as 10 per hidden unit and per output) × 2 × params.
    flops = 2 * 100 * (784 * 50 + 50 * 10) + 10 * 100 * (50 + 10)
    a, b = rng.random((100, 784)), rng.random((784, 50 * 64))
    rate = 2 * 100 * 784 * 50 * 64 / median_time(lambda: a @ b, 20)
    floor = flops * 2 * params / rate
    print(
        f"parameters {params}; loss {flops / 1e6:.2f} MFLOP; matmul rate {rate / 1e9:.1f} GFLOP/s"
    )
    print(f"floor: {floor:.2f} s")

    def book() -> None:
        for name in ("W1", "b1", "W2", "b2"):
            book_numerical_gradient(lambda w: net.loss(x, t), net.params[name])

    modes: dict[str, Callable[[], object]] = {
        "book loop": book,
        "gradwalk serial": lambda: net.numerical_gradient(x, t),
        "gradwalk workers=2": lambda: net.numerical_gradient(x, t, workers=2),
        "gradwalk vectorized": lambda: net.numerical_gradient(x, t, vectorized=True),
    }
    for label, run in modes.items():
        seconds = median_time(run, args.repeats)
        print(f"{label:22s} {seconds:7.2f} s   {seconds / floor:5.2f}x floor")
    print(f"load average after: {os.getloadavg()[0]:.2f}")

    xs, ts = make_spiral(300, 3, seed=0)
    for gradient, options in [
        ("backprop", None),
        ("numerical", {}),
        ("numerical", {"vectorized": True}),
    ]:
        spiral_net = TwoLayerNet(2, 50, 3, weight_init_std=1.0, seed=0)
        history = train(
            spiral_net, xs, ts, iters_num=1000, learning_rate=0.05, optimizer="adam",
            gradient=gradient, gradient_options=options, seed=0, progress=False,
        )  # fmt: skip
        print(
            f"spiral {gradient} {options or ''}: train acc {spiral_net.accuracy(xs, ts):.4f}, "
            f"final loss {history.train_loss_list[-1]:.6f}, {history.wall_time:.1f} s"
        )


if __name__ == "__main__":
    main()
