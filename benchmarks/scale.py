"""Scale: what evaluating many points at once, and in parallel, buys a numerical gradient.

Four measurements, each the median of several runs in one process:

1. the overhead of the serial in-place loop over 2N calls of a cheap f (N = 10^4);
2. a CPU-bound f of about 20 ms per call that holds the GIL (N = 32): serial, a process
   pool (``workers=2``) and a two-worker Dask ``LocalCluster``;
3. batched losses: ``vectorized=True`` against the serial loop, with the largest
   difference between the two gradients;
4. the peak memory of a vectorized gradient at N = 10^6 (in a fresh process).

Run by hand (needs the ``dask`` extra)::

    python benchmarks/scale.py

It prints the Markdown of the "Scale" section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk import numerical_gradient

Array = NDArray[Any]


def median_time(run: Callable[[], object], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``run``, in seconds."""
    return medians([run], repeats)[0]


def medians(runs: list[Callable[[], object]], rounds: int) -> list[float]:
    """Median wall time of each of ``runs``, timed in interleaved rounds, in seconds.

    Interleaving exposes every run to the same background load.
    """
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, record in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


# --- 1. serial in-place overhead -------------------------------------------------------


def cheap(x: Array) -> Any:
    """A cheap f: a few microseconds at N = 10^4."""
    return np.sum(x * x)


def serial_overhead(n: int = 10_000) -> list[str]:
    x = np.random.default_rng(1).standard_normal(n)

    def bare_calls() -> None:
        for _ in range(2 * n):
            cheap(x)

    calls, total = medians([bare_calls, lambda: numerical_gradient(cheap, x)], 15)
    return [
        "| f | N | 2N calls of f in a bare loop | numerical_gradient (2N calls) | ratio |",
        "|---|---|---|---|---|",
        f"| `np.sum(x * x)`, {calls / (2 * n) * 1e6:.2f} µs a call | {n} "
        f"| {calls * 1e3:.1f} ms | {total * 1e3:.1f} ms | **{total / calls:.3f}** |",
    ]


# --- 2. a CPU-bound f in parallel ------------------------------------------------------


@dataclass(frozen=True)
class CpuBound:
    """A pure-Python f (it holds the GIL); ``repeats`` sets its cost."""

    repeats: int

    def __call__(self, x: Array) -> float:
        values = x.tolist()
        total = 0.0
        for _ in range(self.repeats):
            for v in values:
                total += math.sin(v) * v
        return total / self.repeats


def calibrated(x: Array, seconds: float = 0.020) -> CpuBound:
    """A CpuBound f that takes about ``seconds`` per call on this machine."""
    probe = CpuBound(200)
    per_repeat = min(median_time(lambda: probe(x), 1) for _ in range(7)) / probe.repeats
    return CpuBound(max(1, round(seconds / per_repeat)))


def parallel(n: int = 32, repeats: int = 5) -> list[str]:
    from distributed import Client, LocalCluster

    x = np.linspace(-1.0, 1.0, n)
    f = calibrated(x)
    one_call = median_time(lambda: f(x), 9)
    reference = numerical_gradient(f, x)
    assert np.array_equal(numerical_gradient(f, x, workers=2), reference)

    # The process pool is timed before the cluster starts, so that the cluster's idle
    # processes do not share the two cores with it; each is interleaved with serial runs.
    serial, processes = medians(
        [lambda: numerical_gradient(f, x), lambda: numerical_gradient(f, x, workers=2)], repeats
    )
    start = time.perf_counter()
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)
    startup = time.perf_counter() - start
    try:
        executor = client.get_executor()
        assert np.array_equal(numerical_gradient(f, x, workers=executor), reference)
        serial_beside_dask, dask = medians(
            [lambda: numerical_gradient(f, x), lambda: numerical_gradient(f, x, workers=executor)],
            repeats,
        )
    finally:
        client.close()
        cluster.close()
    return [
        f"f: pure Python, {one_call * 1e3:.1f} ms per call, N = {n} (central: {2 * n} "
        f"calls); a Dask LocalCluster of 2 worker processes took {startup:.1f} s to start "
        "(not included). Gradients bit-identical to the serial one.",
        "",
        "| evaluation | gradient | speed-up over serial |",
        "|---|---|---|",
        f"| serial, in place | {serial:.3f} s | 1.00 |",
        f"| `workers=2` (process pool, started and shut down per call) | {processes:.3f} s "
        f"| **{serial / processes:.2f}x** |",
        f"| serial, in place, beside the idle cluster | {serial_beside_dask:.3f} s | 1.00 |",
        f"| `workers=client.get_executor()` (Dask, 2 workers) | {dask:.3f} s "
        f"| **{serial_beside_dask / dask:.2f}x** |",
    ]


# --- 3. batched losses -----------------------------------------------------------------


class SoftmaxLoss:
    """Softmax cross-entropy of a linear model W (d x c) over a fixed batch of samples."""

    def __init__(self, samples: int, features: int, classes: int) -> None:
        rng = np.random.default_rng(7)
        self.x = rng.standard_normal((samples, features))
        self.t = rng.integers(0, classes, samples)
        self.rows = np.arange(samples)
        self.w = 0.01 * rng.standard_normal((features, classes))

    def _cross_entropy(self, z: Array) -> Any:
        """Mean cross-entropy of the scores z (..., samples, classes), over samples."""
        z = z - z.max(axis=-1, keepdims=True)
        log_p = z[..., self.rows, self.t] - np.log(np.sum(np.exp(z), axis=-1))
        return -np.mean(log_p, axis=-1)

    def loss(self, w: Array) -> Any:
        return self._cross_entropy(self.x @ w)

    def losses(self, ws: Array) -> Any:
        """The loss of each of a stack of weights ws (k, d, c)."""
        return self._cross_entropy(np.matmul(self.x, ws))


class LogisticLoss:
    """Logistic loss of a linear model w (d,) over a fixed batch of samples."""

    def __init__(self, samples: int, features: int) -> None:
        rng = np.random.default_rng(8)
        self.x = rng.standard_normal((samples, features))
        self.y = rng.integers(0, 2, samples) * 2.0 - 1.0
        self.w = 0.1 * rng.standard_normal(features)

    def loss(self, w: Array) -> Any:
        return self.losses(w[None])[0]

    def losses(self, ws: Array) -> Any:
        """The loss of each of a stack of weights ws (k, d): one product per point."""
        margins = np.matmul(ws[:, None, :], self.x.T)[:, 0, :]
        return np.mean(np.logaddexp(0.0, -self.y * margins), axis=-1)


class TwoLayerNet:
    """Softmax cross-entropy of a small two-layer sigmoid net, all parameters in one vector.

    A loss made of many small NumPy calls: its cost per call is mostly Python overhead.
    """

    def __init__(self, samples: int, sizes: tuple[int, int, int]) -> None:
        rng = np.random.default_rng(9)
        self.sizes = sizes
        self.x = rng.standard_normal((samples, sizes[0]))
        self.t = rng.integers(0, sizes[2], samples)
        self.rows = np.arange(samples)
        d, h, c = sizes
        self.w = 0.3 * rng.standard_normal(d * h + h + h * c + c)

    def loss(self, w: Array) -> Any:
        return self.losses(w[None])[0]

    def losses(self, ws: Array) -> Any:
        """The loss of each of a stack of parameter vectors ws (k, size)."""
        d, h, c = self.sizes
        k = len(ws)
        w1 = ws[:, : d * h].reshape(k, d, h)
        b1 = ws[:, d * h : d * h + h]
        w2 = ws[:, d * h + h : d * h + h + h * c].reshape(k, h, c)
        b2 = ws[:, d * h + h + h * c :]
        hidden = 1.0 / (1.0 + np.exp(-(np.matmul(self.x, w1) + b1[:, None, :])))
        z = np.matmul(hidden, w2) + b2[:, None, :]
        z = z - z.max(axis=-1, keepdims=True)
        log_p = z[:, self.rows, self.t] - np.log(np.sum(np.exp(z), axis=-1))
        return -np.mean(log_p, axis=-1)


def batched(repeats: int = 5) -> list[str]:
    cases: list[tuple[str, Any]] = [
        ("softmax cross-entropy, 784x10 linear model, 100 samples", SoftmaxLoss(100, 784, 10)),
        ("logistic loss, 100-feature linear model, 100 samples", LogisticLoss(100, 100)),
        ("two-layer net 10-20-3, softmax cross-entropy, 10 samples", TwoLayerNet(10, (10, 20, 3))),
    ]
    lines = [
        "| batched loss | N | serial, in place | `vectorized=True` | speed-up "
        "| max abs difference |",
        "|---|---|---|---|---|---|",
    ]
    for name, case in cases:
        w = case.w
        serial = numerical_gradient(case.loss, w)
        batch = numerical_gradient(case.losses, w, vectorized=True)
        difference = float(np.max(np.abs(serial - batch)))
        t_serial, t_batch = medians(
            [
                lambda case=case, w=w: numerical_gradient(case.loss, w),
                lambda case=case, w=w: numerical_gradient(case.losses, w, vectorized=True),
            ],
            repeats,
        )
        lines.append(
            f"| {name} | {w.size} | {t_serial * 1e3:.1f} ms | {t_batch * 1e3:.1f} ms "
            f"| **{t_serial / t_batch:.1f}x** | {difference:.1e} |"
        )
    return lines


# --- 4. memory at N = 10^6 -------------------------------------------------------------


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def few_elements(batch: Array) -> Any:
    """A cheap vectorized f: a weighted sum of 16 elements of each point."""
    return batch[:, :16] @ np.linspace(1.0, 2.0, 16) + batch[:, -1]


def memory_child(n: int) -> None:
    """Run in a fresh process: one vectorized gradient at size n; print its figures."""
    x = np.random.default_rng(3).standard_normal(n)
    before = peak_rss_mib()
    start = time.perf_counter()
    grad = numerical_gradient(few_elements, x, vectorized=True)
    seconds = time.perf_counter() - start
    expected = np.zeros(n)
    expected[:16] = np.linspace(1.0, 2.0, 16)
    expected[-1] = 1.0
    assert np.allclose(grad, expected, atol=1e-6), "wrong gradient"
    print(f"{before:.1f} {peak_rss_mib():.1f} {seconds:.2f}")


def memory(n: int = 10**6) -> list[str]:
    command = [sys.executable, __file__, "--memory-child", str(n)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    before, peak, seconds = (float(v) for v in output.split())
    return [
        f"f reads 16 elements of each point (`batch[:, :16] @ w + batch[:, -1]`): any f "
        f"that reads all {n:.0e} elements of each of the {2 * n:.0e} points does 2·10^12 "
        "reads whatever evaluates it, so the cost measured here is gradwalk's own.",
        "",
        "| N | points | peak RSS of the process | of which before the gradient "
        "(Python, NumPy, x) | time |",
        "|---|---|---|---|---|",
        f"| {n} | {2 * n} | **{peak:.0f} MiB** | {before:.0f} MiB | {seconds:.1f} s |",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--memory-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    sections = [
        ("Serial in-place overhead", serial_overhead),
        ("A CPU-bound f in parallel", parallel),
        ("Batched losses", batched),
        ("Memory of a vectorized gradient", memory),
    ]
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}. Command: `python benchmarks/scale.py`."
    )
    for title, run in sections:
        print(f"\n### {title}\n")
        print("\n".join(run()))


if __name__ == "__main__":
    main()
