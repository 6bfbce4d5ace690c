"""The book's activation and loss functions against gradwalk.functions, per call.

Run: python benchmarks/book_functions.py --book PATH [--functions FILE]

PATH is a checkout of the book's public repository (oreilly-japan/deep-learning-from-scratch):
its ``common/functions.py`` and ``ch04/two_layer_net.py`` are imported from there, never
copied. Each function is called on the inputs the book gives it in sections 4.4 and 4.5:
the hidden layer of TwoLayerNet(784, 50, 10) on a mini-batch of 100 (100 × 50), its scores
(100 × 10) with the one-hot labels of ``load_mnist(one_hot_label=True)`` and with label
indices, and simpleNet's three scores with the one-hot ``t = [0, 0, 1]``. The last rows
time the book's whole TwoLayerNet loss (two matrix products and the three functions) with
each set of functions in its module.

``--functions FILE`` times another version of gradwalk's functions module (a file such
as ``git show REV:src/gradwalk/functions.py > old.py``) in place of the installed one;
a name it lacks is reported as missing. The two implementations are timed in turns,
round by round (``--rounds``, each the best of a few thousand calls), so that both see
the same load on a shared machine; the table shows the median over rounds of each and
the median of the per-round ratios. Every call's result is first compared with the
book's: "same" means bit for bit.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import statistics
import sys
import timeit
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

import gradwalk.functions as ours


def _cases(rng: np.random.Generator) -> list[tuple[str, str, tuple[Any, ...]]]:
    hidden = rng.standard_normal((100, 50))
    scores = rng.standard_normal((100, 10))
    exp = np.exp(scores - scores.max(axis=1, keepdims=True))
    y = exp / exp.sum(axis=1, keepdims=True)
    labels = rng.integers(0, 10, 100)
    one_hot = np.zeros((100, 10))
    one_hot[np.arange(100), labels] = 1.0
    simple = np.array([1.05414809, 0.63071653, 1.1328074])
    y1 = np.exp(simple) / np.exp(simple).sum()
    t1 = np.array([0, 0, 1])
    return [
        ("sigmoid (100, 50)", "sigmoid", (hidden,)),
        ("sigmoid_grad (100, 50)", "sigmoid_grad", (hidden,)),
        ("relu (100, 50)", "relu", (hidden,)),
        ("relu_grad (100, 50)", "relu_grad", (hidden,)),
        ("step_function (100, 50)", "step_function", (hidden,)),
        ("identity_function (100, 50)", "identity_function", (hidden,)),
        ("softmax (100, 10)", "softmax", (scores,)),
        ("softmax (3,)", "softmax", (simple,)),
        ("sum_squared_error (100, 10)", "sum_squared_error", (y, one_hot)),
        ("cross_entropy_error (100, 10), one-hot", "cross_entropy_error", (y, one_hot)),
        ("cross_entropy_error (100, 10), labels", "cross_entropy_error", (y, labels)),
        ("cross_entropy_error (3,), one-hot", "cross_entropy_error", (y1, t1)),
        ("softmax_loss (100, 10), one-hot", "softmax_loss", (scores, one_hot)),
        ("sigmoid (3,)", "sigmoid", (simple,)),
    ]


def _best(call: Callable[[], object], number: int) -> float:
    return min(timeit.repeat(call, number=number, repeat=3)) / number


def _same(a: Any, b: Any) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))


def _book_net(book_dir: str, functions: ModuleType) -> Callable[[], object]:
    """The book's TwoLayerNet loss on a batch of 100, its own module using ``functions``."""
    path = os.path.join(book_dir, "ch04", "two_layer_net.py")
    spec = importlib.util.spec_from_file_location(f"two_layer_net_{functions.__name__}", path)
    assert spec is not None and spec.loader is not None
    net_module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(net_module)
    for name in ("sigmoid", "softmax", "cross_entropy_error"):
        setattr(net_module, name, getattr(functions, name))
    np.random.seed(0)  # noqa: NPY002 - the book's net draws from the global generator
    net = net_module.TwoLayerNet(784, 50, 10)
    rng = np.random.default_rng(1)
    x = rng.random((100, 784))
    t = np.eye(10)[rng.integers(0, 10, 100)]
    return lambda: net.loss(x, t)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", required=True, help="a checkout of the book's repository")
    parser.add_argument("--rounds", type=int, default=7, help="rounds of interleaved timing")
    parser.add_argument("--number", type=int, default=2000, help="calls per timing")
    parser.add_argument("--functions", help="a file of gradwalk's functions module to time")
    args = parser.parse_args()
    sys.path[:0] = [args.book, os.path.join(args.book, "ch04")]
    book = importlib.import_module("common.functions")
    mine_module: ModuleType = ours
    if args.functions:
        spec = importlib.util.spec_from_file_location("functions_under_test", args.functions)
        assert spec is not None and spec.loader is not None
        mine_module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(mine_module)
        print(f"gradwalk's functions from {args.functions}")
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"NumPy {np.__version__}; medians of {args.rounds} interleaved rounds, microseconds")
    rows: list[tuple[str, Callable[[], object], Callable[[], object], str]] = []
    for label, name, inputs in _cases(np.random.default_rng(0)):
        theirs, mine = getattr(book, name), getattr(mine_module, name, None)
        if mine is None:
            print(f"{label:42s} missing in gradwalk")
            continue
        same = "same" if _same(theirs(*inputs), mine(*inputs)) else "DIFFERENT"
        rows.append((label, lambda f=theirs, a=inputs: f(*a), lambda f=mine, a=inputs: f(*a), same))
    book_net, our_net = _book_net(args.book, book), _book_net(args.book, mine_module)
    same = "same" if _same(book_net(), our_net()) else "DIFFERENT"
    rows.append(("TwoLayerNet(784, 50, 10).loss, batch 100", book_net, our_net, same))
    header = f"{'call':42s} {'book':>8s} {'gradwalk':>9s} {'ratio':>6s}  result"
    print(header)
    print("-" * len(header))
    for label, theirs_call, our_call, same in rows:
        number = max(1, args.number // (50 if label.startswith("TwoLayerNet") else 1))
        times: dict[str, list[float]] = {"book": [], "ours": []}
        ratios = []
        for _ in range(args.rounds):
            b = _best(theirs_call, number)
            o = _best(our_call, number)
            times["book"].append(b)
            times["ours"].append(o)
            ratios.append(o / b)
        b_med = statistics.median(times["book"]) * 1e6
        o_med = statistics.median(times["ours"]) * 1e6
        print(f"{label:42s} {b_med:8.2f} {o_med:9.2f} {statistics.median(ratios):6.2f}  {same}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
