"""Evaluation strategies: vectorized batches, executors, map-likes and the progress bar.

Every strategy must give, for every method in PLANS, exactly the gradient of the serial
in-place loop when f returns the same values either way.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import numpy as np
import pytest

import gradwalk._engine.driver
import gradwalk._engine.evaluators.batching
import gradwalk._engine.evaluators.workers
from gradwalk import IgnoredInputWarning, InputModifiedError, numerical_diff, numerical_gradient
from gradwalk._engine.evaluators.batching import _BATCH_BYTES, evaluate_batches
from gradwalk._engine.methods import METHODS as PLANS
from gradwalk._engine.points import Points
from tests.support.interrupts import keyboard_interrupt_on_ctrl_c

METHODS = sorted(PLANS)


@pytest.fixture(autouse=True)
def pools_always_start(monkeypatch: pytest.MonkeyPatch) -> None:
    """workers=n starts its pool for any work here and keeps it (it skips it, or stops it
    after one round, where f is cheap, as in these tests, which are about what happens in
    the pool)."""
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_PAYS_SECONDS", 0.0)
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_MUST_BEAT", math.inf)


# --- module-level functions, so that process pools can pickle them --------------------


def smooth(x: Any) -> Any:
    """A smooth, analytic f (it also takes complex x, for the complex step)."""
    return np.sum(np.sin(x) * x**2 + np.exp(0.3 * x))


def smooth_rows(batch: Any) -> Any:
    """The vectorized form of ``smooth``: the very same values, row by row."""
    return np.array([smooth(point) for point in batch])


def smooth_gradient(x: Any) -> Any:
    """The analytic gradient of ``smooth``."""
    return np.cos(x) * x**2 + 2 * x * np.sin(x) + 0.3 * np.exp(0.3 * x)


def explode(x: Any) -> float:
    raise LookupError("f exploded at a perturbed point")


def explode_rows(batch: Any) -> Any:
    raise LookupError("f exploded at a perturbed point")


def slow(x: Any) -> float:
    time.sleep(0.25)
    return float(np.sum(x))


def modify_first(x: Any) -> float:
    value = float(np.sum(x**2))
    x.flat[0] += 1.0
    return value


def modify_first_rows(batch: Any) -> Any:
    values = np.sum(batch**2, axis=1)
    batch[:, 0] += 1.0
    return values


def recording_map(record: list[Any]) -> Callable[[Callable[[Any], Any], Iterable[Any]], Any]:
    """A map-like workers(func, iterable) that records every item it is given."""

    def mapper(func: Callable[[Any], Any], items: Iterable[Any]) -> Iterator[Any]:
        items = list(items)
        record.extend(items)
        return map(func, items)

    return mapper


# --- the strategies under test ---------------------------------------------------------

STRATEGIES = [
    "vectorized",
    "vectorized, batch_size=3",
    "progress",
    "threads",
    "threads, batch_size=1",
    "threads and vectorized",
    "map-like",
    "workers=2",
    "process pool and vectorized",
]


def strategy_options(name: str, stack: ExitStack) -> dict[str, Any]:
    """The keyword options of ``name``; executors it starts are closed with ``stack``."""
    threads = ThreadPoolExecutor
    options: dict[str, dict[str, Any]] = {
        "vectorized": {"vectorized": True},
        "vectorized, batch_size=3": {"vectorized": True, "batch_size": 3},
        "progress": {"progress": True},
        "threads": {"workers": threads(2)},
        "threads, batch_size=1": {"workers": threads(2), "batch_size": 1},
        "threads and vectorized": {"workers": threads(2), "vectorized": True, "batch_size": 2},
        "map-like": {"workers": map},
        "workers=2": {"workers": 2},
        "process pool and vectorized": {"workers": ProcessPoolExecutor(2), "vectorized": True},
    }
    chosen = options[name]
    for value in chosen.values():
        if hasattr(value, "shutdown"):
            stack.callback(value.shutdown)
    return chosen


@pytest.mark.parametrize("name", STRATEGIES)
@pytest.mark.parametrize("method", METHODS)
def test_every_method_gives_the_serial_result_bit_for_bit(method: str, name: str) -> None:
    x = np.array([[0.3, -1.2, 2.5], [0.0, 1.7, -0.4]])
    before = x.copy()
    serial = numerical_gradient(smooth, x, method=method, full_output=True)
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = smooth_rows if options.get("vectorized") else smooth
        result = numerical_gradient(f, x, method=method, full_output=True, **options)
    assert np.array_equal(result.grad, serial.grad), (
        f"{method} with {name} gave {result.grad}, the serial in-place loop {serial.grad}"
    )
    assert np.array_equal(result.error, serial.error, equal_nan=True), "error estimate differs"
    assert np.array_equal(result.step, serial.step), "step differs from the serial one"
    assert result.nfev == serial.nfev, f"nfev {result.nfev} != serial {serial.nfev}"
    assert np.array_equal(x, before), f"x was modified by the {name} evaluation"
    np.testing.assert_allclose(serial.grad, smooth_gradient(x), rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("name", ["vectorized", "threads", "map-like", "workers=2"])
def test_numerical_diff_takes_the_same_options(name: str) -> None:
    serial = numerical_diff(smooth, 0.7)
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = smooth_rows if options.get("vectorized") else smooth
        assert numerical_diff(f, 0.7, **options) == serial, f"numerical_diff with {name}"


# --- f receives copies, x is never touched ---------------------------------------------


@pytest.mark.parametrize("name", ["vectorized", "threads", "map-like", "threads and vectorized"])
def test_f_receives_copies_never_the_callers_array(name: str) -> None:
    x = np.array([1.0, -2.0, 0.5])
    before = x.copy()
    shares = []

    def f(w: Any) -> Any:
        shares.append(np.shares_memory(w, x))
        return np.sum(w**2, axis=-1)

    with ExitStack() as stack:
        numerical_gradient(f, x, **strategy_options(name, stack))
    assert shares, "f was never called"
    assert not any(shares), "f was given memory of the caller's array"
    assert np.array_equal(x, before), "x was modified"


def test_vectorized_f_gets_batches_of_x_shape_never_more_than_batch_size() -> None:
    x = np.arange(12.0).reshape(3, 4)
    shapes = []

    def f(batch: Any) -> Any:
        shapes.append(batch.shape)
        return np.sum(batch**2, axis=(1, 2))

    grad = numerical_gradient(f, x, vectorized=True, batch_size=5)
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-7)
    assert all(shape[1:] == x.shape for shape in shapes), f"batch shapes {shapes}"
    assert max(shape[0] for shape in shapes) == 5, f"batch sizes {shapes} exceed 5"
    # Plus f(x) once: x[0, 0] = 0, where f's two sides are equal (a minimum or a pole).
    assert sum(shape[0] for shape in shapes) == 2 * x.size + 1, "not every point was evaluated"


def test_default_batch_keeps_a_call_within_the_memory_bound() -> None:
    x = np.zeros(2**20)  # 8 MiB per perturbed copy
    rows = []

    def f(batch: Any) -> Any:
        rows.append(batch.shape[0])
        return batch[:, :3].sum(axis=1)

    index = np.arange(20, dtype=np.intp)
    values = evaluate_batches(f, x, Points(index, np.ones(20)), None)
    assert np.array_equal(values, (index < 3).astype(float)), "wrong values for the points"
    assert max(rows) * x.nbytes <= _BATCH_BYTES, f"a call got {max(rows)} copies of 8 MiB"
    assert sum(rows) == 20, "not every point was evaluated"


def test_tasks_carry_many_points_each() -> None:
    record: list[Any] = []
    x = np.linspace(-1, 1, 50)
    grad = numerical_gradient(smooth, x, workers=recording_map(record))
    np.testing.assert_allclose(grad, smooth_gradient(x), rtol=1e-6)
    sizes = [len(index) for index, _ in record]
    assert sum(sizes) == 100, "every point must be in exactly one task"
    size = math.ceil(100 / (4 * (os.cpu_count() or 1)))  # 4 tasks per core
    assert sizes[:-1] == [size] * (len(sizes) - 1), f"tasks of {sizes} points, not {size}"
    record.clear()
    numerical_gradient(smooth, x, workers=recording_map(record), batch_size=7)
    assert [len(index) for index, _ in record] == [7] * 14 + [2], "batch_size sets task size"


def test_process_pool_is_shut_down_afterwards() -> None:
    numerical_gradient(smooth, np.ones(4), workers=2)
    assert multiprocessing.active_children() == [], "the pool's processes are still alive"


# --- the "f ignores x" warning ---------------------------------------------------------


@pytest.mark.parametrize("name", ["vectorized", "threads", "workers=2"])
def test_closure_over_x_warns_that_copies_need_the_in_place_mode(name: str) -> None:
    x = np.array([1.0, 2.0])
    before = x.copy()
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = constant_rows if options.get("vectorized") else constant
        with pytest.warns(IgnoredInputWarning, match="in-place mode"):
            grad = numerical_gradient(f, x, **options)
    assert np.array_equal(grad, np.zeros(2)), "an ignored input gives a zero gradient"
    assert np.array_equal(x, before)


def constant(x: Any) -> float:
    return 3.0


def constant_rows(batch: Any) -> Any:
    assert batch.ndim == 2, f"a vectorized f was called with shape {batch.shape}"
    return np.full(len(batch), 3.0)


def test_the_book_closure_works_in_place_with_a_progress_bar() -> None:
    w = np.array([1.0, 2.0])

    def loss(_: Any) -> float:
        return float(np.sum(w**2))

    grad = numerical_gradient(loss, w, progress=True)
    np.testing.assert_allclose(grad, 2 * w, rtol=1e-7)


def test_progress_bar_shows_every_evaluation(capsys: pytest.CaptureFixture[str]) -> None:
    numerical_gradient(smooth, np.ones(10), progress=True)
    assert "20/20" in capsys.readouterr().err, "the bar did not count the 20 evaluations"
    numerical_gradient(smooth, np.ones(10))
    assert capsys.readouterr().err == "", "a bar was shown without progress=True"


@pytest.mark.parametrize("options", [{}, {"vectorized": True}, {"workers": ThreadPoolExecutor(2)}])
def test_a_progress_function_is_told_every_evaluation_as_it_is_done(
    options: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    counts: list[int] = []
    f = smooth_rows if options.get("vectorized") else smooth
    numerical_gradient(f, np.ones(300), progress=counts.append, **options)
    assert sum(counts) == 600, "the function was not told of every one of the 600 points"
    if not options.get("vectorized"):  # a cheap vectorized f takes all points in one batch
        assert len(counts) > 1, "the evaluations were reported all at once, not as done"
    assert capsys.readouterr().err == "", "a bar was drawn besides the function"


# --- bad input -------------------------------------------------------------------------


@pytest.mark.parametrize("workers", [0, -1])
def test_non_positive_workers_is_refused(workers: int) -> None:
    with pytest.raises(ValueError, match=f"workers={workers}.*>= 1"):
        numerical_gradient(smooth, np.ones(2), workers=workers)


@pytest.mark.parametrize("workers", [1.5, "two", True])
def test_workers_of_the_wrong_type_is_refused(workers: Any) -> None:
    with pytest.raises(TypeError, match="workers must be"):
        numerical_gradient(smooth, np.ones(2), workers=workers)


@pytest.mark.parametrize("batch_size", [0, -3])
def test_batch_size_below_one_is_refused(batch_size: int) -> None:
    with pytest.raises(ValueError, match=f"batch_size={batch_size}"):
        numerical_gradient(smooth_rows, np.ones(2), vectorized=True, batch_size=batch_size)


@pytest.mark.parametrize("batch_size", [2.5, "8"])
def test_batch_size_of_the_wrong_type_is_refused(batch_size: Any) -> None:
    with pytest.raises(TypeError, match="batch_size must be a whole number"):
        numerical_gradient(smooth_rows, np.ones(2), vectorized=True, batch_size=batch_size)


def test_vectorized_must_be_a_bool() -> None:
    with pytest.raises(TypeError, match="vectorized must be True or False"):
        numerical_gradient(smooth_rows, np.ones(2), vectorized="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("f", "actual"),
    [
        (lambda batch: np.sum(batch**2, axis=1, keepdims=True), r"shape \(4, 1\)"),
        (lambda batch: np.sum(batch**2), r"shape \(\)"),
        (lambda batch: batch**2, r"shape \(4, 2\)"),
    ],
)
def test_vectorized_f_of_the_wrong_shape_names_both_shapes(f: Any, actual: str) -> None:
    x = np.ones(2)
    with pytest.raises(ValueError, match=r"must return shape \(4,\).*" + actual):
        numerical_gradient(f, x, vectorized=True)
    assert np.array_equal(x, np.ones(2))


def test_vectorized_f_returning_complex_values_is_refused() -> None:
    with pytest.raises(TypeError, match="real scalar"):
        numerical_gradient(lambda batch: batch[:, 0] + 1j, np.ones(2), vectorized=True)


@pytest.mark.parametrize("pool", ["workers=2", "ProcessPoolExecutor"])
def test_unpicklable_f_with_processes_says_so_and_suggests_threads(pool: str) -> None:
    x = np.ones(3)
    with ExitStack() as stack:
        workers: Any = 2
        if pool == "ProcessPoolExecutor":
            workers = ProcessPoolExecutor(2)
            stack.callback(workers.shutdown)
        with pytest.raises(TypeError, match=r"cannot be pickled.*module-level.*ThreadPoolExecutor"):
            numerical_gradient(lambda w: np.sum(w), x, workers=workers)
    assert multiprocessing.active_children() == [], "a process was left running"


@pytest.mark.parametrize("name", ["threads", "map-like", "workers=2", "vectorized"])
def test_an_exception_in_f_keeps_its_type_and_message(name: str) -> None:
    x = np.ones(6)
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = explode_rows if options.get("vectorized") else explode
        with pytest.raises(LookupError, match=r"^f exploded at a perturbed point$"):
            numerical_gradient(f, x, **options)
    assert np.array_equal(x, np.ones(6))
    assert multiprocessing.active_children() == [], "the pool was not shut down"


@pytest.mark.parametrize("name", ["threads", "vectorized", "workers=2"])
def test_f_that_modifies_its_copy_is_detected(name: str) -> None:
    x = np.array([1.0, 2.0, 3.0])
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = modify_first_rows if options.get("vectorized") else modify_first
        with pytest.raises(InputModifiedError, match="modified"):
            numerical_gradient(f, x, **options)
    assert np.array_equal(x, [1.0, 2.0, 3.0]), "x itself must never change"


class SlowAndAnnounced:
    """``slow``, and a file created when a worker first calls it: proof the pool runs."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __call__(self, x: Any) -> float:
        if multiprocessing.parent_process() is not None:  # not the probe in the main process
            with open(self.marker, "a"):
                pass
        return slow(x)


def test_ctrl_c_shuts_the_pool_down_and_leaves_x_untouched(
    tmp_path: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    x = np.linspace(0.0, 1.0, 8)
    before = x.copy()
    main = threading.main_thread().ident
    assert main is not None
    marker = tmp_path / "a worker started"
    stop_waiting = threading.Event()

    def interrupt_once_the_pool_runs() -> None:
        # Ctrl-C only once a worker is evaluating f, so that the interrupt always lands
        # while the pool runs (16 evaluations of 0.25 s on 2 workers leave ~2 s to do).
        deadline = time.monotonic() + 60.0
        while not marker.exists():
            if stop_waiting.wait(0.01) or time.monotonic() > deadline:
                return
        signal.pthread_kill(main, signal.SIGINT)

    waiter = threading.Thread(target=interrupt_once_the_pool_runs)
    waiter.start()
    try:
        with keyboard_interrupt_on_ctrl_c(), pytest.raises(KeyboardInterrupt):
            numerical_gradient(SlowAndAnnounced(str(marker)), x, workers=2)
    finally:
        stop_waiting.set()
        waiter.join()
    assert marker.exists(), "no worker ever evaluated f"
    assert multiprocessing.active_children() == [], "Ctrl-C left worker processes running"
    assert np.array_equal(x, before), "x was modified"
    printed = capfd.readouterr()
    assert printed.err == "", f"stopping the pool printed to stderr:\n{printed.err}"
    assert printed.out == "", f"stopping the pool printed to stdout:\n{printed.out}"


@pytest.mark.parametrize("name", ["vectorized", "threads", "map-like", "workers=2", "progress"])
def test_empty_x_gives_an_empty_gradient_in_every_mode(name: str) -> None:
    with ExitStack() as stack:
        options = strategy_options(name, stack)
        f = explode_rows if options.get("vectorized") else explode  # raises if called
        grad = numerical_gradient(f, np.zeros((0, 3)), **options)
    assert grad.shape == (0, 3), f"gradient of shape {grad.shape} for an empty x"


# --- BLAS threads in worker processes --------------------------------------------------


@pytest.fixture
def process_telling_f(monkeypatch: pytest.MonkeyPatch) -> None:
    """The f of these tests tells processes apart by its value (its gradient is where it
    ran), which the complex step's cross-check, evaluated in this process, rightly finds
    inconsistent: these tests are about where points are evaluated, so it is off."""
    monkeypatch.setattr(gradwalk._engine.cross_check, "disagrees", lambda *args: False)


def blas_threads_times_sum(x: Any) -> Any:
    """f = (BLAS threads of the worker process evaluating it) x sum(x), so that its gradient
    is that count; -sum(x) where it runs in the main process (workers=n times its first
    points there before it starts the pool)."""
    from threadpoolctl import threadpool_info

    if multiprocessing.parent_process() is None:
        return -np.sum(x)
    threads = max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
    return threads * np.sum(x)


def worker_reports(grad: Any) -> Any:
    """The thread counts that worker processes reported (-1: evaluated in the main process)."""
    reports = grad[grad != -1.0]
    assert reports.size >= grad.size - 2, f"too few points were evaluated in workers: {grad}"
    return reports


MATRIX = np.random.default_rng(5).standard_normal((300, 200))


def blas_loss(x: Any) -> Any:
    """A loss whose cost is matrix products (BLAS): a tiny two-layer net on 300 samples."""
    hidden = np.tanh(MATRIX @ x.reshape(200, 4))
    return np.sum(hidden @ np.arange(1.0, 5.0)) / 300


@pytest.mark.usefixtures("process_telling_f")
def test_worker_processes_share_the_cores_for_blas_and_give_the_serial_result() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not any(pool["user_api"] == "blas" for pool in threadpoolctl.threadpool_info()):
        pytest.skip("NumPy's BLAS does not report its threads to threadpoolctl here")
    from gradwalk._engine.threads import usable_cores

    x = np.linspace(-1.0, 1.0, 8)
    share = max(1, usable_cores() // 2)
    # The complex step is exact for a linear f: the gradient is the thread count itself.
    grad = numerical_gradient(blas_threads_times_sum, x, method="complex", workers=2)
    assert np.all(worker_reports(grad) == share), (
        f"workers=2 on {usable_cores()} cores should run {share} BLAS thread(s) per worker, "
        f"the workers reported {grad}"
    )
    other = 2 if share == 1 else 1
    grad = numerical_gradient(
        blas_threads_times_sum, x, method="complex", workers=2, worker_threads=other
    )
    assert np.all(worker_reports(grad) == other), (
        f"worker_threads={other} was not in force in the workers: they reported {grad}"
    )
    w = np.random.default_rng(6).standard_normal(800)
    serial = numerical_gradient(blas_loss, w)
    assert np.array_equal(numerical_gradient(blas_loss, w, workers=2), serial), (
        "a BLAS-bound f gave a different gradient in worker processes limited to "
        f"{share} thread(s) than serially"
    )


@pytest.mark.usefixtures("process_telling_f")
def test_limit_blas_threads_is_read_back_in_a_users_process_pool() -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not any(pool["user_api"] == "blas" for pool in threadpoolctl.threadpool_info()):
        pytest.skip("NumPy's BLAS does not report its threads to threadpoolctl here")
    from gradwalk import limit_blas_threads

    x = np.ones(3)
    with ProcessPoolExecutor(2, initializer=limit_blas_threads, initargs=(1,)) as pool:
        grad = numerical_gradient(blas_threads_times_sum, x, method="complex", workers=pool)
    assert np.array_equal(grad, np.ones(3)), f"the pool's workers reported {grad} threads"


def where_evaluated(x: Any) -> Any:
    """f = 1 x sum(x) in the main process, 2 x sum(x) in a worker process."""
    return (1.0 if multiprocessing.parent_process() is None else 2.0) * np.sum(x)


@pytest.mark.usefixtures("process_telling_f")
def test_workers_start_no_pool_for_work_shorter_than_starting_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = np.ones(50)
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_PAYS_SECONDS", 0.3)
    grad = numerical_gradient(where_evaluated, x, method="complex", workers=2)
    assert np.array_equal(grad, np.ones(50)), "a pool started for 50 points of a cheap f"
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_PAYS_SECONDS", 0.0)
    grad = numerical_gradient(where_evaluated, x, method="complex", workers=2)
    assert np.array_equal(grad[2:], np.full(48, 2.0)), f"no pool for work worth one: {grad}"


def slower_in_workers(x: Any) -> Any:
    """f = sum(x) taking 10 ms in the main process, 2 x sum(x) taking 30 ms in a worker."""
    in_worker = multiprocessing.parent_process() is not None
    time.sleep(0.03 if in_worker else 0.01)
    return (2.0 if in_worker else 1.0) * np.sum(x)


@pytest.mark.usefixtures("process_telling_f")
def test_a_pool_slower_than_serial_leaves_the_rest_to_this_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_PAYS_SECONDS", 0.3)
    monkeypatch.setattr(gradwalk._engine.evaluators.workers, "_POOL_MUST_BEAT", 0.8)
    x = np.ones(50)  # 48 points after the probe, in chunks of 6: a round is 2 chunks
    grad = numerical_gradient(slower_in_workers, x, method="complex", workers=2)
    assert np.array_equal(grad[:2], np.ones(2)), f"the probe ran elsewhere: {grad[:2]}"
    assert np.array_equal(grad[2:14], np.full(12, 2.0)), f"no first round on the pool: {grad}"
    assert np.array_equal(grad[14:], np.ones(36)), f"the slower pool kept working: {grad}"
    assert multiprocessing.active_children() == [], "the slower pool was left running"


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"workers": 2, "worker_threads": 0}, ValueError, "worker_threads must be >= 1"),
        ({"workers": 2, "worker_threads": 1.5}, TypeError, "worker_threads must be a whole"),
        ({"workers": map, "worker_threads": 1}, ValueError, "limit_blas_threads"),
        ({"worker_threads": 1}, ValueError, "applies to the process pool of workers=n"),
    ],
)
def test_bad_worker_threads_is_refused(options: dict[str, Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        numerical_gradient(smooth, np.ones(2), **options)


# --- batch sizes chosen by measuring ---------------------------------------------------


class FakeClock:
    """A clock that advances only when f says what its call cost."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        # a fixed cost per call: larger batches always pay, up to the memory cap of 64
        (lambda k: 1e-3 + 1e-6 * k, [4, 8, 16, 32, 64, 64, 64]),
        # a point costs 3 times as much in batches of more than 8 copies (out of cache)
        (lambda k: 1e-4 + (1e-5 if k <= 8 else 3e-5) * k, [4, 8, 16, 8, 8, 8, 8]),
    ],
    ids=["fixed cost per call", "cheaper in small batches"],
)
def test_measured_batches_grow_while_a_point_gets_cheaper_within_the_memory_cap(
    monkeypatch: pytest.MonkeyPatch, cost: Callable[[int], float], expected: list[int]
) -> None:
    clock = FakeClock()
    monkeypatch.setattr(gradwalk._engine.evaluators.batching, "time", clock)
    x = np.zeros(2**15)  # 256 KiB per copy: the first batch holds 4, the cap 64
    rows = []

    def f(batch: Any) -> Any:
        rows.append(batch.shape[0])
        clock.now += cost(batch.shape[0])
        return batch[:, 0] + 2.0 * batch[:, 1]

    count = 1000
    index = np.arange(count, dtype=np.intp) % 4
    values = evaluate_batches(f, x, Points(index, np.ones(count)), None)
    expected_values = np.select([index == 0, index == 1], [1.0, 2.0], 0.0)
    assert np.array_equal(values, expected_values), "wrong values for the points"
    assert rows[: len(expected)] == expected, f"batch sizes {rows[:10]}, expected {expected}"
    assert max(rows) * x.nbytes <= _BATCH_BYTES, f"a call got {max(rows)} copies of 256 KiB"
    assert sum(rows) == count, "not every point was evaluated"


def test_huge_x_gets_the_few_copies_that_fit_and_modified_copies_are_detected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    x = np.zeros(2**19)  # 4 MiB per copy: 4 fit in the memory cap, fewer than 8
    rows = []

    def f(batch: Any) -> Any:
        rows.append(batch.shape[0])
        return batch[:, 0] + 2.0 * batch[:, 1]

    index = np.array([0, 1, 2, 0, -1], dtype=np.intp)
    values = evaluate_batches(f, x, Points(index, np.full(5, 3.0)), None)
    assert np.array_equal(values, [3.0, 6.0, 0.0, 3.0, 0.0]), f"wrong values {values}"
    assert rows == [4, 1], f"a huge x was batched as {rows}, not as the 4 copies that fit"
    monkeypatch.setattr(
        gradwalk._engine.evaluators.batching, "_FEW_ROWS_BLOCK", 1
    )  # blocks of 4 points
    values = evaluate_batches(f, x, Points(index, np.full(5, 3.0)), None)
    assert np.array_equal(values, [3.0, 6.0, 0.0, 3.0, 0.0]), f"wrong values in blocks {values}"
    with pytest.raises(InputModifiedError, match="modified element 0"):
        evaluate_batches(modify_first_rows, x, Points(index[:2], np.ones(2)), None)
    assert not x.any(), "x itself must never change"
