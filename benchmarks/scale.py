"""Scale: what evaluating many points at once, and in parallel, buys a numerical gradient.

Six measurements, each a median over rounds (with its range) in one process, the runs
compared being interleaved round by round so that they share the machine's load:

1. the default in-place loop against the book's own loop, on the same f (N = 10^4);
2. a CPU-bound f of about 20 ms per call that holds the GIL (N = 32): serial, a process
   pool (``workers=2``) and a two-worker Dask ``LocalCluster``;
3. the book's TwoLayerNet(784, 50, 10) on a batch of 100: its numerical gradient in
   every mode, beside backpropagation and its FLOP floor at the measured GEMM rate;
4. ``vectorized=True`` against in place for a cheap f at N = 10 to 10^6;
5. batched losses: ``vectorized=True`` against the serial loop;
6. the peak memory of a vectorized gradient at N = 10^6 (in a fresh process).

Run by hand (needs the ``dask`` extra)::

    python benchmarks/scale.py            # about 10 minutes on 2 cores
    python benchmarks/scale.py --full     # adds one full TwoLayerNet gradient per mode

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


def rounds_of(runs: list[Callable[[], object]], rounds: int) -> list[list[float]]:
    """Wall times of each of ``runs`` in ``rounds`` interleaved rounds, in seconds.

    Interleaving exposes every run to the same background load.
    """
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(rounds):
        for run, record in zip(runs, times, strict=True):
            start = time.perf_counter()
            run()
            record.append(time.perf_counter() - start)
    return times


def medians(runs: list[Callable[[], object]], rounds: int) -> list[float]:
    """Median wall time of each of ``runs``, timed in interleaved rounds, in seconds."""
    return [statistics.median(record) for record in rounds_of(runs, rounds)]


def spread(values: list[float], unit: float = 1.0, digits: int = 2) -> str:
    """``median (min–max)`` of ``values`` divided by ``unit``."""
    low, mid, high = min(values) / unit, statistics.median(values) / unit, max(values) / unit
    return f"{mid:.{digits}f} ({low:.{digits}f}–{high:.{digits}f})"


def ratios(a: list[float], b: list[float]) -> list[float]:
    """Round-by-round ratios a / b of two interleaved runs."""
    return [x / y for x, y in zip(a, b, strict=True)]


def load() -> str:
    """The machine's load averages (1, 5, 15 min), as ``uptime`` reports them."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


# --- 1. the in-place loop against the book's loop ------------------------------------


def cheap(x: Array) -> Any:
    """A cheap f: a few microseconds at N = 10^4."""
    return np.dot(x, x)


def book_gradient(f: Callable[[Array], Any], x: Array) -> Array:
    """The book's ``numerical_gradient`` (section 4.4), as printed, for a 1-D x."""
    h = 1e-4
    grad = np.zeros_like(x)
    for idx in range(x.size):
        tmp_val = x[idx]
        x[idx] = float(tmp_val) + h
        fxh1 = f(x)
        x[idx] = tmp_val - h
        fxh2 = f(x)
        grad[idx] = (fxh1 - fxh2) / (2 * h)
        x[idx] = tmp_val
    return grad


def in_place_against_book(n: int = 10_000, rounds: int = 21) -> list[str]:
    x = np.random.default_rng(1).standard_normal(n)
    assert np.array_equal(book_gradient(cheap, x), numerical_gradient(cheap, x))
    lines = [
        "| f | N | the book's loop | `numerical_gradient` (in place) | ratio, round by round |",
        "|---|---|---|---|---|",
    ]
    for name, f in (("`np.dot(x, x)`", cheap), ("`x[0] * 1.0` (overhead only)", first)):
        book, ours = rounds_of(
            [lambda f=f: book_gradient(f, x), lambda f=f: numerical_gradient(f, x)], rounds
        )
        lines.append(
            f"| {name} | {n} | {spread(book, 2 * n * 1e-6)} µs a point "
            f"| {spread(ours, 2 * n * 1e-6)} µs a point | **{spread(ratios(ours, book), 1, 3)}** |"
        )
    return lines


def first(x: Array) -> Any:
    """An f that costs almost nothing: what is left is the loop's own overhead."""
    return x[0] * 1.0


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


# --- 3. the book's TwoLayerNet --------------------------------------------------------


def sigmoid(a: Array) -> Any:
    return 1.0 / (1.0 + np.exp(-a))


def softmax(a: Array) -> Any:
    """The book's softmax over the last axis (any leading axes: stacked points)."""
    a = a - a.max(axis=-1, keepdims=True)
    e = np.exp(a)
    return e / e.sum(axis=-1, keepdims=True)


@dataclass(frozen=True)
class BookNet:
    """The loss of the book's TwoLayerNet (affine, sigmoid, affine, softmax, cross-entropy
    with 1e-7 inside the log) as a function of a vector of its parameters.

    ``theta`` holds W1, b1, W2, b2 flattened; the gradient is taken with respect to its
    first ``size`` elements (``size`` = all of them for a full gradient), the others
    held fixed. ``loss`` takes one such vector, ``losses`` a stack of k of them, computing
    each point with the same arithmetic (a stacked ``np.matmul`` is one GEMM per point), so
    that every mode gives the same values. A module-level class: it pickles for workers.
    """

    x: Array
    t: Array
    theta: Array
    sizes: tuple[int, int, int]
    size: int

    def _split(self, stack: Array) -> tuple[Array, Array, Array, Array]:
        d, h, c = self.sizes
        k = len(stack)
        full = np.broadcast_to(self.theta, (k, self.theta.size))
        if self.size < self.theta.size:
            full = np.concatenate([stack, full[:, self.size :]], axis=1)
        else:
            full = stack
        w1 = full[:, : d * h].reshape(k, d, h)
        b1 = full[:, d * h : d * h + h]
        w2 = full[:, d * h + h : d * h + h + h * c].reshape(k, h, c)
        b2 = full[:, d * h + h + h * c :]
        return w1, b1, w2, b2

    def losses(self, stack: Array) -> Any:
        w1, b1, w2, b2 = self._split(stack)
        z1 = sigmoid(np.matmul(self.x, w1) + b1[:, None, :])
        y = softmax(np.matmul(z1, w2) + b2[:, None, :])
        batch = self.x.shape[0]
        return -np.sum(self.t * np.log(y + 1e-7), axis=(1, 2)) / batch

    def loss(self, point: Array) -> Any:
        return self.losses(point[None])[0]

    def backprop(self) -> Array:
        """The exact gradient by backpropagation (the book's chapter 5), all parameters."""
        w1, b1, w2, b2 = (p[0] for p in self._split(self.theta[None, : self.size]))
        batch = self.x.shape[0]
        z1 = sigmoid(self.x @ w1 + b1)
        y = softmax(z1 @ w2 + b2)
        dy = (y - self.t) / batch
        dz1 = (dy @ w2.T) * z1 * (1 - z1)
        parts = [self.x.T @ dz1, dz1.sum(axis=0), z1.T @ dy, dy.sum(axis=0)]
        return np.concatenate([p.ravel() for p in parts])


def book_net(size: int | None = None) -> BookNet:
    """TwoLayerNet(784, 50, 10) with the book's initialization, on a batch of 100."""
    rng = np.random.default_rng(11)
    d, h, c = 784, 50, 10
    x = rng.random((100, d))
    t = np.eye(c)[rng.integers(0, c, 100)]
    theta = np.concatenate(
        [
            0.01 * rng.standard_normal(d * h),
            np.zeros(h),
            0.01 * rng.standard_normal(h * c),
            np.zeros(c),
        ]
    )
    return BookNet(x, t, theta, (d, h, c), size or theta.size)


def gemm_rate(x: Array, w: Array, seconds: float = 1.0) -> float:
    """FLOP/s of one process on the loss's own matrix product, one BLAS thread."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            x @ w
            count += 1
        elapsed = time.perf_counter() - start
    return 2 * x.shape[0] * x.shape[1] * w.shape[1] * count / elapsed


def two_layer_net(size: int = 500, rounds: int = 3, full: bool = False) -> list[str]:
    net = book_net(size)
    d, h, c = net.sizes
    flops = 2 * 100 * d * h + 2 * 100 * h * c
    cores = os.cpu_count() or 1
    rate = gemm_rate(net.x, net.theta[: d * h].reshape(d, h))
    point = net.theta[:size].copy()

    def book() -> Any:
        return book_gradient(net.loss, point.copy())

    def one_thread() -> Any:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return numerical_gradient(net.loss, point)

    modes: list[tuple[str, Callable[[], Any]]] = [
        ("the book's loop", book),
        ("in place (default)", lambda: numerical_gradient(net.loss, point)),
        ("in place, BLAS limited to 1 thread", one_thread),
        ("`vectorized=True`", lambda: numerical_gradient(net.losses, point, vectorized=True)),
        ("`workers=2`", lambda: numerical_gradient(net.loss, point, workers=2)),
        (
            "`workers=2, vectorized=True`",
            lambda: numerical_gradient(net.losses, point, workers=2, vectorized=True),
        ),
    ]
    reference = numerical_gradient(net.loss, point)
    differences = [float(np.max(np.abs(run() - reference))) for _, run in modes]
    times = rounds_of([run for _, run in modes], rounds)
    serial, serial_one = times[1], times[2]
    backprop = median_time(net.backprop, 21)
    floor = flops * 2 * size / (rate * cores)
    lines = [
        f"Gradient with respect to the first {size} of the {net.theta.size} parameters "
        f"(elements of W1; {2 * size} loss calls), {rounds} interleaved rounds. One loss "
        f"costs {flops / 1e6:.2f} MFLOP in its two matrix products; one process with one "
        f"BLAS thread multiplies the loss's 100x784 by 784x50 at {rate / 1e9:.1f} GFLOP/s, "
        f"so the floor on {cores} cores is {floor:.2f} s.",
        "",
        "| evaluation | seconds, median (range) | in place / this | in place with 1 BLAS "
        "thread / this | max abs difference from in place |",
        "|---|---|---|---|---|",
    ]
    for (name, _), record, difference in zip(modes, times, differences, strict=True):
        lines.append(
            f"| {name} | {spread(record)} | {spread(ratios(serial, record))} "
            f"| **{spread(ratios(serial_one, record))}** | {difference:.1e} |"
        )
    lines.append(f"| FLOP floor ({cores} cores at the measured rate) | {floor:.2f} | | | |")
    lines.append(
        f"| backpropagation, all {net.theta.size} parameters | {backprop * 1e3:.2f} ms | | | |"
    )
    if full:
        whole = book_net()
        theta = whole.theta.copy()
        lines += [
            "",
            f"One full gradient, all {theta.size} parameters ({2 * theta.size} loss calls), "
            f"one run each; FLOP floor {flops * 2 * theta.size / (rate * cores):.1f} s:",
            "",
            "| evaluation | seconds |",
            "|---|---|",
        ]
        for name, run in [
            ("the book's loop", lambda: book_gradient(whole.loss, theta.copy())),
            ("in place (default)", lambda: numerical_gradient(whole.loss, theta)),
            ("`vectorized=True`", lambda: numerical_gradient(whole.losses, theta, vectorized=True)),
            ("`workers=2`", lambda: numerical_gradient(whole.loss, theta, workers=2)),
            (
                "`workers=2, vectorized=True`",
                lambda: numerical_gradient(whole.losses, theta, workers=2, vectorized=True),
            ),
        ]:
            lines.append(f"| {name} | {median_time(run, 1):.1f} |")
    return lines


# --- 4. vectorized against in place, N = 10 to 10^6 -----------------------------------

WEIGHTS = np.linspace(1.0, 2.0, 8)


def few(x: Array) -> Any:
    """A cheap f that reads 9 elements of x, whatever its size."""
    return x[:8] @ WEIGHTS + x[-1]


def few_rows(batch: Array) -> Any:
    """``few`` on every row of a batch."""
    return batch[:, :8] @ WEIGHTS + batch[:, -1]


def dot_rows(batch: Array) -> Any:
    """``np.dot(x, x)`` on every row of a batch, by the same BLAS dot per row."""
    return np.matmul(batch[:, None, :], batch[:, :, None])[:, 0, 0]


def vectorized_against_in_place(rounds: int = 5) -> list[str]:
    lines = [
        "| f | N | in place | `vectorized=True` | vectorized / in place, round by round |",
        "|---|---|---|---|---|",
    ]
    cases: list[tuple[str, Callable[[Array], Any], Callable[[Array], Any], int, int]] = [
        ("`x[:8] @ w + x[-1]`", few, few_rows, n, rounds if n < 10**5 else 3)
        for n in (10, 100, 1000, 10**4, 10**5, 10**6)
    ]
    cases += [("`np.dot(x, x)`", cheap, dot_rows, n, rounds) for n in (10, 1000, 10**4)]
    for name, f, rows, n, count in cases:
        x = np.random.default_rng(2).standard_normal(n)
        serial, batch = rounds_of(
            [
                lambda f=f, x=x: numerical_gradient(f, x),
                lambda rows=rows, x=x: numerical_gradient(rows, x, vectorized=True),
            ],
            count,
        )
        unit, label = (1e-3, "ms") if statistics.median(serial) < 1 else (1.0, "s")
        lines.append(
            f"| {name} | {n} | {spread(serial, unit)} {label} | {spread(batch, unit)} {label} "
            f"| **{spread(ratios(batch, serial))}** |"
        )
    return lines


# --- 5. batched losses -----------------------------------------------------------------


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


# --- 6. memory at N = 10^6 -------------------------------------------------------------


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB.

    Linux's VmHWM where there is one: ``ru_maxrss`` keeps the parent's peak across
    fork and exec, so in a child it can report the benchmark's own, larger peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


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
    parser.add_argument("--full", action="store_true", help="one full TwoLayerNet gradient")
    parser.add_argument("--only", help="run only the sections whose title contains this")
    args = parser.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return
    sections: list[tuple[str, Callable[[], list[str]]]] = [
        ("The in-place loop against the book's loop", in_place_against_book),
        ("A CPU-bound f in parallel", parallel),
        (
            "The book's TwoLayerNet(784, 50, 10), batch of 100",
            lambda: two_layer_net(full=args.full),
        ),
        ("vectorized=True against in place", vectorized_against_in_place),
        ("Batched losses", batched),
        ("Memory of a vectorized gradient", memory),
    ]
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"NumPy {np.__version__}. Command: `python benchmarks/scale.py"
        f"{' --full' if args.full else ''}`. Load averages (1, 5, 15 min) at the start: "
        f"{load()}."
    )
    for title, run in sections:
        if args.only and args.only not in title:
            continue
        print(f"\n### {title}\n")
        print("\n".join(run()))
        print(f"\n(load averages after this section: {load()})")


if __name__ == "__main__":
    main()
