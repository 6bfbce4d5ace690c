"""Evaluation: how the points of a plan are evaluated.

Every way of evaluating is an :class:`Evaluator`: called with :class:`Points`, it
returns f's values there; :meth:`Evaluator.at` evaluates f at one whole point and
:meth:`Evaluator.close` releases what it started. The driver in
:mod:`gradwalk._gradient` does not know which one runs.

- :class:`InPlace`, the book's way and the default: element ``i`` of the array is set to
  its perturbed value, f is called with that same array object, and the element is put
  back (:func:`evaluate_in_place`).
- :class:`Batches`: a vectorized f gets perturbed copies of x stacked into batches
  (:func:`evaluate_batches`).
- :class:`Mapped`: chunks of points are mapped over an executor; each chunk is
  evaluated in place on its own copy of x (:class:`_Task`, which reuses
  :func:`evaluate_in_place`), so the rules about what f may return and about f
  modifying its input live in one place.

>>> import numpy as np
>>> points = Points(np.array([0, 1]), np.array([5.0, 7.0]))
>>> evaluate_batches(lambda X: X.sum(axis=1), np.zeros(2), points, batch_size=1)
array([5., 7.])
"""

from __future__ import annotations

import array
import math
import multiprocessing.pool
import os
import pickle
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import InputModifiedError, changed_elements, describe, value_of
from ._points import Points

__all__ = [
    "Batches",
    "Evaluator",
    "InPlace",
    "InputModifiedError",
    "Mapped",
    "Options",
    "limit_blas_threads",
]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it (its ``.flat`` when no view exists)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


def _fast_view(array: NDArray[Any]) -> Any:
    """A writable flat view of ``array`` whose items are set and read as Python floats.

    A ``memoryview`` of a contiguous float64 array gets and sets one element several times
    faster than the array itself; any other array is reached through :func:`_flat_view`.
    """
    usable = array.size > 0 and array.flags.c_contiguous and array.flags.writeable
    if usable and array.dtype == np.float64:
        return memoryview(array).cast("B").cast("d")  # type: ignore[arg-type]
    return _flat_view(array)


def evaluate_in_place(
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    original: list[Any],
    points: Points,
    *,
    complex_ok: bool = False,
    value_shape: tuple[int, ...] = (),
) -> NDArray[Any]:
    """Evaluate f at each point by perturbing ``work`` through ``flat`` and restoring it.

    ``flat`` is a flat view of ``work`` (:func:`_fast_view`) and ``original`` holds the
    unperturbed elements of ``work`` (flat order). Per point the loop does what the book's
    loop does, a write and a call of f, plus one read of the perturbed element: it raises
    :class:`InputModifiedError` as soon as f changes that element. An element is restored
    once the points move on to another one (and in every case at the end), so the two
    points of a central difference cost three writes, as in the book.
    f returns a scalar, or (for a Jacobian) an array of ``value_shape``: the values then
    have shape ``(len(points.index), *value_shape)``.
    """
    indices = points.index.tolist()
    values = points.value.tolist() if points.value.dtype == np.float64 else list(points.value)
    dtype = _values_dtype(work.dtype, complex_ok)
    # float64 values go straight into a C array of doubles (no object per value kept).
    results: Any = array.array("d") if dtype is np.float64 and not value_shape else []
    append, python_float, numpy_float = results.append, float, np.float64
    last = -1  # the element perturbed now; restored once the points move on from it
    try:
        for i, new in zip(indices, values):  # noqa: B905 - equal lengths: one Points
            if i != last:
                if last >= 0:
                    flat[last] = original[last]
                last = i
            if i >= 0:
                flat[i] = new
                value = f(work)
                if flat[i] != new and new == new:
                    raise InputModifiedError(
                        f"f changed the element it was evaluated at from {new!r} to {flat[i]!r}",
                        flat_index=i,
                    )
            else:
                value = f(work)
            kind = type(value)
            if value_shape or (kind is not numpy_float and kind is not python_float):
                value = value_of(value, value_shape, complex_ok=complex_ok)
            append(value)
    finally:
        if last >= 0:
            flat[last] = original[last]
    if value_shape:
        return np.array(results, dtype=dtype).reshape(len(results), *value_shape)
    if dtype is np.float64:
        return np.frombuffer(results, dtype=np.float64) if results else np.empty(0)
    return np.array(results, dtype=dtype)


#: Bytes of perturbed copies of x that one vectorized call may receive, by default.
_BATCH_BYTES = 16 * 2**20

#: Tasks per worker when points are mapped over an executor (balances uneven tasks).
_TASKS_PER_WORKER = 4

#: Points that ``workers=n`` evaluates in this process first, timing them, before it
#: decides whether starting its pool pays.
_PROBE_POINTS = 2

#: Serial seconds of remaining work below which ``workers=n`` does not start its pool: a
#: pool of processes costs about 0.15 s to start and stop, and halving the work only pays
#: once the work is twice that.
_POOL_PAYS_SECONDS = 0.3

#: Chunks per plan step when only a progress bar is asked for (in place, serially).
_PROGRESS_CHUNKS = 100

MapLike = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]
Workers = int | Executor | MapLike


@dataclass(frozen=True)
class Options:
    """How the points are evaluated; the default is in place, serially, silently."""

    vectorized: bool = False
    batch_size: int | None = None
    workers: Workers | None = None
    progress: bool = False
    #: How many tasks the workers run at once, when the user's object says so publicly.
    worker_count: int | None = None
    #: f is elementwise (f(x)[i] depends on x[i] only): every element is its own problem.
    elementwise: bool = False
    #: BLAS/OpenMP threads per process of ``workers=n`` (None: cores / n).
    worker_threads: int | None = None
    #: f's values already computed at some points, ``(index, value, values)``: served
    #: again by :class:`Replayed` instead of calling f (see gradwalk._small_gradient).
    known: tuple[NDArray[np.intp], NDArray[Any], NDArray[Any]] | None = field(
        default=None, compare=False
    )


#: The default: the book's in-place loop, serially, silently.
_IN_PLACE = Options()


def is_default(options: Options) -> bool:
    """Whether ``options`` are the default: in place, serially, silently, nothing known."""
    return options is _IN_PLACE


def check_options(
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
    worker_threads: int | None = None,
) -> Options:
    """Validate the evaluation options of numerical_gradient; an error names the bad value."""
    if (
        vectorized is False
        and batch_size is None
        and workers is None
        and progress is False
        and worker_threads is None
    ):
        return _IN_PLACE
    if worker_threads is not None:
        if isinstance(worker_threads, bool) or not isinstance(worker_threads, int | np.integer):
            raise TypeError(
                f"worker_threads must be a whole number of BLAS threads >= 1 per worker "
                f"process (or None for the cores divided by workers), got {worker_threads!r}."
            )
        if worker_threads < 1:
            raise ValueError(
                f"worker_threads must be >= 1, got worker_threads={worker_threads}. Pass "
                "None for the default (the cores divided by workers)."
            )
        if isinstance(workers, bool) or not isinstance(workers, int | np.integer):
            raise ValueError(
                f"worker_threads={worker_threads} applies to the process pool of workers=n, "
                f"not to workers={workers!r}. For your own executor or cluster, call "
                "gradwalk.limit_blas_threads in its workers (e.g. ProcessPoolExecutor(n, "
                "initializer=limit_blas_threads, initargs=(threads,)) or "
                "client.run(limit_blas_threads, threads))."
            )
        worker_threads = int(worker_threads)
    for name, flag in (("vectorized", vectorized), ("progress", progress)):
        if not isinstance(flag, bool | np.bool_):
            raise TypeError(f"{name} must be True or False, got {flag!r}.")
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int | np.integer):
            raise TypeError(
                f"batch_size must be a whole number of points >= 1 (or None for the "
                f"default), got {batch_size!r} ({type(batch_size).__name__})."
            )
        if batch_size < 1:
            raise ValueError(
                f"batch_size must be >= 1 (points per call of a vectorized f, or per task "
                f"of workers), got batch_size={batch_size}. Pass None for the default."
            )
        batch_size = int(batch_size)
    count = None
    if _is_dask_client(workers):
        # A dask.distributed Client: its public nthreads() counts the cluster's threads.
        count = sum(workers.nthreads().values()) or None  # type: ignore[union-attr]
        workers = workers.get_executor()  # type: ignore[union-attr]
    if workers is not None and not isinstance(workers, Executor):
        if isinstance(workers, bool) or not (
            isinstance(workers, int | np.integer) or callable(workers)
        ):
            raise TypeError(
                f"workers must be a number of processes, a concurrent.futures.Executor or a "
                f"map-like callable workers(func, iterable), got {workers!r}. For a Dask "
                "cluster pass its Client."
            )
        if isinstance(workers, int | np.integer):
            if workers < 1:
                raise ValueError(
                    f"workers={workers} is not a number of processes: pass workers >= 1 "
                    "(os.cpu_count() for one per core), an Executor, or None to evaluate "
                    "serially."
                )
            workers = int(workers)
    return Options(
        bool(vectorized), batch_size, workers, bool(progress), count, worker_threads=worker_threads
    )


def _is_dask_client(workers: object) -> bool:
    """Whether ``workers`` is a dask.distributed Client (told by its public methods)."""
    return callable(getattr(workers, "get_executor", None)) and callable(
        getattr(workers, "nthreads", None)
    )


def _values_dtype(dtype: np.dtype[Any], complex_ok: bool) -> type[np.inexact[Any]]:
    """The dtype of the array of f values: float64, or the wide/complex one it needs."""
    wide = dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble))
    if complex_ok:
        return np.clongdouble if wide else np.complex128
    return np.longdouble if wide else np.float64


def _unperturbed(flat_x: NDArray[Any]) -> list[Any]:
    """The elements of a flat array as the in-place loop restores them (Python floats)."""
    return flat_x.tolist() if flat_x.dtype == np.float64 else list(flat_x)


def _check_batch_result(
    result: object,
    batch_shape: tuple[int, ...],
    complex_ok: bool,
    value_shape: tuple[int, ...] = (),
) -> Any:
    """Check that a vectorized f returned one real value per point; return them as an array."""
    k = batch_shape[0]
    array = None if isinstance(result, str | bytes) else np.asarray(result)
    if value_shape and array is not None and array.shape != (k, *value_shape):
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and f(x) has shape {value_shape}, so it must "
            f"return shape {(k, *value_shape)}, but it returned shape {array.shape}."
        )
    if array is None or array.shape != (k, *value_shape):
        actual = f"shape {array.shape}" if array is not None else describe(result)
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and must return shape ({k},), but it returned "
            f"{actual}. Reduce over every axis but the first (np.sum(X**2, axis=1) for a "
            "1-D x), or pass vectorized=False if f takes one point at a time."
        )
    if array.dtype.kind not in ("fiubc" if complex_ok else "fiub"):
        for item in array:
            value_of(item, value_shape, complex_ok=complex_ok)
        raise TypeError(
            f"a vectorized f must return a real numeric array, but it returned {describe(result)}."
        )
    return array


#: Bytes of the first batch when the batch size is chosen by measuring (about an L2 cache).
_FIRST_BATCH_BYTES = 2**20

#: Below this many copies of x in the memory cap, a vectorized f gets one point per call
#: through the lean in-place loop: batches of a few huge copies save no calls worth their
#: bookkeeping.
_FEW_ROWS = 8

#: A larger batch is kept only if its time per point is below this share of the last one.
_WORTH_GROWING = 0.9


class Batcher:
    """Stacked perturbed copies of x for a vectorized f, reused from batch to batch.

    The buffer of rows (copies of x) grows as larger batches are needed and is filled
    only once: for each batch only the perturbed elements are set and, after f, restored.
    Without a ``batch_size`` the size is chosen by measuring: the first batch holds about
    1 MiB of copies (all the points, when they fit in twice that), and each next one twice
    as many points for as long as that makes a
    point at least 10% cheaper (fewer calls of f, less bookkeeping per point), never past
    ``_BATCH_BYTES`` of copies; then the cheapest size is kept. Each batch's bookkeeping
    costs a few array operations on its points, whatever the size of x. Where fewer than
    ``_FEW_ROWS`` copies fit in the cap (x of more than 2 MiB), f gets one point per call,
    perturbed in place in a single row (:func:`evaluate_in_place`), as fast as the default
    mode. At the end of each call the copies used are compared with x (f must not modify
    them): for an f that reads only a few elements of a huge x, that comparison and the
    filling of the copies, k x N values each, are most of the cost.
    """

    def __init__(
        self,
        x: NDArray[Any],
        batch_size: int | None,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        self.x, self.complex_ok, self.value_shape = x, complex_ok, value_shape
        self.base = np.ravel(x)
        self.size = max(1, self.base.size)
        row_bytes = self.size * self.base.itemsize
        self.limit = batch_size or max(1, _BATCH_BYTES // row_bytes)
        self.rows = batch_size or min(self.limit, max(1, _FIRST_BATCH_BYTES // row_bytes))
        self.settled = batch_size is not None or self.rows >= self.limit
        if batch_size is None and self.limit < _FEW_ROWS:
            self.rows, self.settled = 1, True
        self.original: list[Any] | None = None
        self.per_point = math.inf
        self.buffer = np.empty((0, self.base.size), dtype=x.dtype)

    def _one_row(
        self,
        f: Callable[[Any], object],
        points: Points,
        advance: Callable[[int], object] | None,
    ) -> NDArray[Any]:
        """One point per call: the in-place loop on the first row of the buffer."""
        self._grow(1)
        row = self.buffer[:1]
        if self.original is None:
            self.original = _unperturbed(self.base)
        single = _SinglePoint(f, (1, *self.x.shape), self.complex_ok, self.value_shape)
        try:
            values = evaluate_in_place(
                single,
                row.reshape((1, *self.x.shape)),
                _fast_view(row),
                self.original,
                points,
                complex_ok=self.complex_ok,
                value_shape=self.value_shape,
            )
        except InputModifiedError as error:
            raise InputModifiedError(_copy_modified(error.flat_index or 0)) from None
        changed = changed_elements(row, self.base)
        if changed.size:
            raise InputModifiedError(_copy_modified(int(changed[0])))
        if advance is not None:
            advance(len(points.index))
        return values

    def _grow(self, rows: int) -> None:
        """Make the buffer hold at least ``rows`` copies of x (copying x only into new rows)."""
        have = self.buffer.shape[0]
        if rows > have:
            buffer = np.empty((rows, self.base.size), dtype=self.x.dtype)
            buffer[:have] = self.buffer
            buffer[have:] = self.base
            self.buffer = buffer

    def _measured(self, k: int, seconds: float) -> None:
        """Choose the next batch size from the time of a full batch of ``k`` points."""
        if self.settled or k < self.rows:
            return  # a last, partial batch
        per_point = seconds / k
        if per_point < _WORTH_GROWING * self.per_point and self.rows < self.limit:
            self.per_point = per_point
            self.rows = min(self.limit, 2 * self.rows)
        else:
            if per_point >= self.per_point:  # the last size was cheaper: go back to it
                self.rows = max(1, self.rows // 2)
            self.settled = True

    def evaluate(
        self,
        f: Callable[[Any], object],
        points: Points,
        advance: Callable[[int], object] | None = None,
    ) -> NDArray[Any]:
        """f's values at ``points``; f must leave the copies it is given unchanged."""
        total = len(points.index)
        out = np.empty(
            (total, *self.value_shape), dtype=_values_dtype(self.x.dtype, self.complex_ok)
        )
        if total == 0:
            return out
        if self.limit < _FEW_ROWS and self.settled and self.rows == 1:
            return self._one_row(f, points, advance)
        index, value = points.index, points.value
        perturbed = bool(index.min() >= 0)
        self._grow(min(self.rows, total))
        used = 0
        start = 0
        while start < total:
            k = min(self.rows, total - start)
            if not self.settled and total - start <= 2 * self.rows:
                k = min(self.limit, total - start)  # no small batch left over
            self._grow(k)
            used = max(used, k)
            flat = self.buffer[:k].reshape(-1)
            columns = index[start : start + k]
            new = value[start : start + k]
            if perturbed:
                where = columns + np.arange(0, k * self.size, self.size)
            else:
                rows = np.flatnonzero(columns >= 0)
                columns, new = columns[rows], new[rows]
                where = columns + rows * self.size
            clock = time.perf_counter()
            flat[where] = new
            try:
                batch = flat.reshape((k, *self.x.shape))
                result = _check_batch_result(
                    f(batch), batch.shape, self.complex_ok, self.value_shape
                )
                seen = flat[where]
                if not np.array_equal(seen, new):
                    wrong = np.flatnonzero((seen != new) & (new == new))
                    if wrong.size:
                        raise InputModifiedError(_copy_modified(int(columns[wrong[0]])))
            finally:
                flat[where] = self.base[columns]
            out[start : start + k] = result
            self._measured(k, time.perf_counter() - clock)
            start += k
            if advance is not None:
                advance(k)
        changed = changed_elements(self.buffer[:used], self.base)
        if changed.size:
            raise InputModifiedError(_copy_modified(int(changed[0]) % self.size))
        return out


@dataclass(frozen=True)
class _SinglePoint:
    """A vectorized f called with a batch of one point: returns its one value."""

    f: Callable[[Any], object]
    shape: tuple[int, ...]
    complex_ok: bool
    value_shape: tuple[int, ...] = ()

    def __call__(self, batch: NDArray[Any]) -> Any:
        return _check_batch_result(self.f(batch), self.shape, self.complex_ok, self.value_shape)[0]


def evaluate_batches(
    f: Callable[[Any], object],
    x: NDArray[Any],
    points: Points,
    batch_size: int | None,
    *,
    complex_ok: bool = False,
    advance: Callable[[int], object] | None = None,
    value_shape: tuple[int, ...] = (),
) -> NDArray[Any]:
    """Evaluate a vectorized f on stacked perturbed copies of x (see :class:`Batcher`).

    As in place, f must leave its input as it was given (checked like
    :func:`evaluate_in_place`: the perturbed elements after each call, every copy used
    at the end).
    """
    return Batcher(x, batch_size, complex_ok, value_shape).evaluate(f, points, advance)


def _copy_modified(flat_index: int) -> str:
    """The error for an f that changed the copy of x it was given."""
    return (
        f"f modified element {flat_index} (flat index) of the copy of x it was given, "
        "which makes its other values wrong (x itself is untouched). f must leave its "
        "argument unchanged: if it must modify its input, give it a copy, e.g. "
        "lambda w: f(w.copy())."
    )


@dataclass(frozen=True)
class _Task:
    """Evaluate one chunk of points on a private copy of x: what runs in a worker.

    A module-level class, so that it pickles whenever f does: x travels once per task.
    """

    f: Callable[[Any], object]
    x: NDArray[Any]
    vectorized: bool
    batch_size: int | None
    complex_ok: bool
    value_shape: tuple[int, ...] = ()

    def __call__(self, chunk: tuple[NDArray[np.intp], NDArray[Any]]) -> NDArray[Any]:
        points = Points(*chunk)
        if self.vectorized:
            return evaluate_batches(
                self.f,
                self.x,
                points,
                self.batch_size,
                complex_ok=self.complex_ok,
                value_shape=self.value_shape,
            )
        work = np.array(self.x, copy=True)
        flat, original = _fast_view(work), _unperturbed(np.ravel(self.x))
        try:
            values = evaluate_in_place(
                self.f,
                work,
                flat,
                original,
                points,
                complex_ok=self.complex_ok,
                value_shape=self.value_shape,
            )
        except InputModifiedError as error:
            raise InputModifiedError(_copy_modified(error.flat_index or 0)) from None
        changed = changed_elements(work, self.x)
        if changed.size:
            raise InputModifiedError(_copy_modified(int(changed[0])))
        return values


def _check_picklable(f: Callable[[Any], object], workers: object) -> None:
    """A process pool needs f pickled: fail early, saying what to do instead."""
    try:
        pickle.dumps(f)
    except Exception as error:
        raise TypeError(
            f"f cannot be pickled ({type(error).__name__}: {error}), but workers={workers!r} "
            "evaluates it in other processes, which receive it pickled. Define f as a "
            "module-level function (def at the top level of a module, not a lambda or a "
            "nested function), or use threads: workers=ThreadPoolExecutor(n)."
        ) from error


def _uses_processes(workers: object) -> bool:
    """Whether ``workers`` runs its tasks in other processes with the standard pickle."""
    if isinstance(workers, int | ProcessPoolExecutor):
        return True
    owner = getattr(workers, "__self__", None)
    return isinstance(owner, multiprocessing.pool.Pool) and not isinstance(
        owner, multiprocessing.pool.ThreadPool
    )


def _split(points: Points, size: int) -> list[tuple[NDArray[np.intp], NDArray[Any]]]:
    """Consecutive chunks of at most ``size`` points."""
    return [
        (points.index[start : start + size], points.value[start : start + size])
        for start in range(0, len(points.index), size)
    ]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity where the OS reports one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - platforms without affinity
        return os.cpu_count() or 1


def limit_blas_threads(threads: int | None = None, *, workers: int = 1) -> int:
    """Limit the BLAS and OpenMP threads of this process, so that workers share the cores.

    NumPy's BLAS (OpenBLAS, MKL) starts one thread per core in every process. When
    ``workers`` processes each run an f that multiplies matrices, ``workers`` x cores
    threads fight over the cores and the pool can be many times slower than one process.
    ``numerical_gradient(..., workers=n)`` calls this in each of its worker processes;
    call it yourself in the workers of your own executor or cluster (the limit stays in
    force in the process that calls it). It uses threadpoolctl.

    Parameters
    ----------
    threads : int, optional
        Threads per process. Default: the usable cores divided by ``workers``, at least 1.
    workers : int
        Processes that share this machine's cores (used when ``threads`` is None).

    Returns
    -------
    int
        The limit now in force in this process.

    Raises
    ------
    ValueError
        ``threads`` or ``workers`` is below 1.

    Examples
    --------
    In the initializer of a process pool, or on every worker of a Dask cluster:

    >>> from concurrent.futures import ProcessPoolExecutor
    >>> pool = ProcessPoolExecutor(2, initializer=limit_blas_threads, initargs=(1,))
    >>> pool.shutdown()

    ``client.run(limit_blas_threads, 1)`` does the same on a Dask cluster.
    """
    for name, count in (("threads", threads), ("workers", workers)):
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)):
            raise TypeError(f"{name} must be a whole number >= 1, got {count!r}.")
        if count is not None and count < 1:
            raise ValueError(f"{name} must be >= 1, got {name}={count}.")
    if threads is None:
        threads = max(1, usable_cores() // workers)
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(limits=threads)
    return threads


def worker_count(workers: object) -> int:
    """How many tasks ``workers`` runs at once: the number given, else a public
    ``max_workers`` attribute, else the local cores.

    >>> worker_count(3)
    3
    """
    if isinstance(workers, int) and not isinstance(workers, bool):
        return workers
    count = getattr(workers, "max_workers", None)
    if isinstance(count, int) and not isinstance(count, bool) and count > 0:
        return count
    return os.cpu_count() or 1


class Evaluator:
    """Evaluates the points of a plan; call :meth:`close` once the gradient is done.

    Subclasses implement :meth:`evaluate` (f at the points) and :meth:`at` (f at one
    whole point). The base class keeps the progress bar and the evaluation count. f's
    values are scalars, or arrays of ``value_shape`` (a Jacobian): the values of k points
    then have shape ``(k, *value_shape)``.

    Attributes
    ----------
    copies : str or None
        The option that makes f receive copies of x (None: f gets x itself).
    """

    copies: str | None = None
    #: Evaluations of f beyond one per point asked for (f(x) per element, elementwise).
    extra_evaluations: int = 0

    def __init__(self, progress: bool, complex_ok: bool, value_shape: tuple[int, ...] = ()) -> None:
        self.progress = progress
        self.complex_ok = complex_ok
        self.value_shape = value_shape
        self.bar: Any = None
        self.closed = False

    def __call__(self, points: Points) -> NDArray[Any]:
        if self.progress and not self.closed:
            self._grow_bar(len(points.index))
        try:
            return self.evaluate(points)
        except BaseException:
            self.abort()
            raise

    def evaluate(self, points: Points) -> NDArray[Any]:
        """f's values at ``points``."""
        raise NotImplementedError

    def at(self, point: NDArray[Any]) -> Any:
        """f's value at the whole array ``point`` (x's shape and the working dtype)."""
        raise NotImplementedError

    def _grow_bar(self, count: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(total=count, desc="gradient", unit="f", dynamic_ncols=True)
        else:
            self.bar.total += count
            self.bar.refresh()

    def advance(self, count: int) -> None:
        """Move the progress bar on by ``count`` evaluations."""
        if self.bar is not None and not self.closed:
            self.bar.update(count)

    def abort(self) -> None:
        """Stop at once: f raised, or the user pressed Ctrl-C."""
        self.close()

    def close(self) -> None:
        """Release what this evaluator started (a progress bar, a pool)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.closed = True


class InPlace(Evaluator):
    """The book's loop: perturb ``work`` itself, element by element, and restore it."""

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f, self.work = f, work
        self.flat = _fast_view(work)
        self.original = _unperturbed(np.ravel(work))

    def evaluate(self, points: Points) -> NDArray[Any]:
        if self.bar is None:
            return evaluate_in_place(
                self.f,
                self.work,
                self.flat,
                self.original,
                points,
                complex_ok=self.complex_ok,
                value_shape=self.value_shape,
            )
        size = max(1, -(-len(points.index) // _PROGRESS_CHUNKS))
        parts = [
            np.empty((0, *self.value_shape), dtype=_values_dtype(self.work.dtype, self.complex_ok))
        ]
        for chunk in _split(points, size):
            parts.append(
                evaluate_in_place(
                    self.f,
                    self.work,
                    self.flat,
                    self.original,
                    Points(*chunk),
                    complex_ok=self.complex_ok,
                    value_shape=self.value_shape,
                )
            )
            self.advance(len(chunk[0]))
        return np.concatenate(parts)

    def close(self) -> None:
        if isinstance(self.flat, memoryview):
            self.flat.release()  # the caller's array is free to be resized again
        super().close()

    def at(self, point: NDArray[Any]) -> Any:
        snapshot = self.work.copy()
        try:
            np.copyto(self.work, point, casting="unsafe")
            return value_of(self.f(self.work), self.value_shape, complex_ok=self.complex_ok)
        finally:
            np.copyto(self.work, snapshot, casting="unsafe")


class Batches(Evaluator):
    """A vectorized f on stacked perturbed copies of x (see :func:`evaluate_batches`)."""

    copies = "vectorized=True"

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f = f
        self.batcher = Batcher(work.copy(), options.batch_size, complex_ok, value_shape)

    def evaluate(self, points: Points) -> NDArray[Any]:
        return self.batcher.evaluate(self.f, points, self.advance)

    def at(self, point: NDArray[Any]) -> Any:
        return _first_of_batch(self.f(point[np.newaxis]), self.value_shape)


class Mapped(Evaluator):
    """Chunks of points mapped over workers, each evaluated by :class:`_Task` on its own
    copy of x. ``workers=n`` starts a process pool of n, shut down by :meth:`close`."""

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f, self.workers, self.count = f, options.workers, options.worker_count
        self.worker_threads = options.worker_threads
        self.vectorized, self.batch_size = options.vectorized, options.batch_size
        self.task = _Task(
            f, work.copy(), options.vectorized, options.batch_size, complex_ok, value_shape
        )
        self.pool: multiprocessing.pool.Pool | None = None
        self.copies = f"workers={options.workers!r}"
        if _uses_processes(options.workers):
            _check_picklable(f, options.workers)

    def _chunk_size(self, total: int) -> int:
        if self.batch_size is not None and not self.vectorized:
            return self.batch_size
        count = self.count or worker_count(self.workers)
        return max(1, -(-total // (count * _TASKS_PER_WORKER)))

    def evaluate(self, points: Points) -> NDArray[Any]:
        chunks = _split(points, self._chunk_size(len(points.index)))
        dtype = _values_dtype(self.task.x.dtype, self.complex_ok)
        parts = [np.empty((0, *self.value_shape), dtype=dtype)]
        workers = self.workers
        if self.closed and isinstance(workers, int):  # a last point after the pool closed
            parts += [self.task(chunk) for chunk in chunks]
        elif isinstance(workers, int) and self.pool is None:
            parts += self._probe_then_map(workers, points)
        elif isinstance(workers, int):
            parts += self._pool_map(workers, chunks)
        elif isinstance(workers, Executor):
            parts += self._submit(workers, chunks)
        else:
            assert callable(workers)
            for chunk, values in zip(chunks, workers(self.task, chunks), strict=True):
                parts.append(values)
                self.advance(len(chunk[0]))
        return np.concatenate(parts)

    def _probe_then_map(self, processes: int, points: Points) -> list[Any]:
        """Time f on the first points here; start the pool only if the rest is worth it."""
        total = len(points.index)
        probe = min(total, _PROBE_POINTS)
        start = time.perf_counter()
        first = self.task((points.index[:probe], points.value[:probe]))
        seconds = time.perf_counter() - start
        self.advance(probe)
        rest = Points(points.index[probe:], points.value[probe:])
        if rest.index.size == 0:
            return [first]
        if seconds / probe * rest.index.size < _POOL_PAYS_SECONDS:
            values = self.task((rest.index, rest.value))
            self.advance(rest.index.size)
            return [first, values]
        chunks = _split(rest, self._chunk_size(rest.index.size))
        return [first, *self._pool_map(processes, chunks)]

    def _pool_map(
        self, processes: int, chunks: list[tuple[NDArray[np.intp], NDArray[Any]]]
    ) -> list[Any]:
        if self.pool is None:
            # Each worker gets its share of the cores for BLAS/OpenMP, else
            # processes x cores threads fight over the cores.
            threads = self.worker_threads or max(1, usable_cores() // processes)
            self.pool = multiprocessing.Pool(
                processes, initializer=limit_blas_threads, initargs=(threads,)
            )
        pending = [(self.pool.apply_async(self.task, (chunk,)), len(chunk[0])) for chunk in chunks]
        values = []
        for result, count in pending:
            values.append(result.get())
            self.advance(count)
        return values

    def _submit(
        self, executor: Executor, chunks: list[tuple[NDArray[np.intp], NDArray[Any]]]
    ) -> list[Any]:
        futures = {executor.submit(self.task, chunk): len(chunk[0]) for chunk in chunks}
        try:
            for future in as_completed(futures):
                future.result()
                self.advance(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [future.result() for future in futures]

    def at(self, point: NDArray[Any]) -> Any:
        if self.vectorized:
            return _first_of_batch(self.f(point[np.newaxis]), self.value_shape)
        return value_of(self.f(point), self.value_shape, complex_ok=self.complex_ok)

    def abort(self) -> None:
        """Stop our own pool at once (f raised, or the user pressed Ctrl-C)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.terminate()
            pool.join()
        self.close()

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None
        super().close()


def _first_of_batch(result: object, value_shape: tuple[int, ...]) -> Any:
    """The value of a vectorized f at the one point of a batch of one."""
    if value_shape:
        return np.asarray(result)[0]
    return np.asarray(result).reshape(-1)[0]


def evaluator(
    options: Options,
    f: Callable[[Any], object],
    work: NDArray[Any],
    *,
    complex_ok: bool,
    value_shape: tuple[int, ...] = (),
) -> Evaluator:
    """The evaluator for ``options``; ``work`` is the array f is evaluated at, and f's
    values are scalars (``value_shape`` ()) or arrays of ``value_shape``."""
    if options.known is not None:
        inner = evaluator(
            replace(options, known=None), f, work, complex_ok=complex_ok, value_shape=value_shape
        )
        return Replayed(inner, *options.known)
    if options.elementwise:
        return Elementwise(f, work, options, complex_ok)
    if options.workers is not None:
        return Mapped(f, work, options, complex_ok, value_shape)
    if options.vectorized:
        return Batches(f, work, options, complex_ok, value_shape)
    return InPlace(f, work, options, complex_ok, value_shape)


class Elementwise(Evaluator):
    """An elementwise f (``f(x)[i]`` depends on ``x[i]`` only): the derivative at many points.

    Every element of x is its own one-variable problem, so points of different elements
    can be evaluated together: a vectorized f (``options.vectorized``) gets one array per
    round, holding the r-th point of every element the plan asks for (two calls per
    level of central differences, whatever the size of x); otherwise f is called with
    each point's number. x itself is never handed to f.

    f(x) is not one number here but one per element. A plan that asks for it (index
    :data:`~gradwalk._points.UNPERTURBED`) with other points gets 0 for it and, for every
    other point of that request, f's value minus f(x) at that element: the differences
    the plan takes are those of each element's own f(x).
    """

    copies = "elementwise evaluation"

    def __init__(
        self, f: Callable[[Any], object], work: NDArray[Any], options: Options, complex_ok: bool
    ) -> None:
        super().__init__(options.progress, complex_ok)
        self.f, self.x, self.vectorized = f, work.copy(), options.vectorized
        self.flat_x = self.x.reshape(-1)
        self.dtype = _values_dtype(work.dtype, complex_ok)
        self.f_at_x: NDArray[Any] | None = None

    def _values(self, index: NDArray[np.intp], value: NDArray[Any]) -> NDArray[Any]:
        """f at ``value[k]`` for element ``index[k]`` (every index >= 0)."""
        out = np.empty(len(index), dtype=self.dtype)
        if not self.vectorized:
            for k, number in enumerate(value):
                out[k] = value_of(self.f(number), (), complex_ok=self.complex_ok)
            return out
        order = np.argsort(index, kind="stable")
        sorted_index = index[order]
        starts = np.flatnonzero(np.r_[True, sorted_index[1:] != sorted_index[:-1]])
        rank = np.empty(len(index), dtype=np.intp)
        rank[order] = np.arange(len(index)) - np.repeat(starts, np.diff(np.r_[starts, len(index)]))
        for r in range(int(rank.max(initial=-1)) + 1):
            chosen = np.flatnonzero(rank == r)
            point = self.flat_x.astype(value.dtype)
            point[index[chosen]] = value[chosen]
            result = self.f(point.reshape(self.x.shape))
            array = np.asarray(result)
            if array.shape != self.x.shape:
                raise ValueError(
                    f"numerical_diff at an array of points of shape {self.x.shape} with "
                    "vectorized=True needs an elementwise f, returning one value per point "
                    f"(shape {self.x.shape}), but f returned {describe(result)}. For a "
                    "function of several variables use numerical_gradient or "
                    "numerical_jacobian."
                )
            if array.dtype.kind not in ("fiubc" if self.complex_ok else "fiub"):
                raise TypeError(
                    f"an elementwise f must return a real array of x's shape {self.x.shape}, "
                    f"but it returned {describe(result)}."
                )
            out[chosen] = array.reshape(-1)[index[chosen]]
            self.advance(len(chosen))
        return out

    def evaluate(self, points: Points) -> NDArray[Any]:
        at_x = points.index < 0
        moved = ~at_x
        values = np.zeros(len(points.index), dtype=self.dtype)
        values[moved] = self._values(points.index[moved], points.value[moved])
        if at_x.any():
            elements = points.index[moved]
            if self.f_at_x is None:
                self.f_at_x = self._values(np.arange(self.flat_x.size), self.flat_x)
                self.extra_evaluations += self.flat_x.size - 1  # the plan counted one
            values[moved] -= self.f_at_x[elements]
        return values

    def at(self, point: NDArray[Any]) -> Any:
        if self.vectorized:
            return np.asarray(self.f(point))
        return np.array([self.f(number) for number in point.reshape(-1)])


class Replayed(Evaluator):
    """Serves f's values already computed at some points, then evaluates by ``inner``.

    A request for exactly those points (the same elements and values, in order) gets
    the values kept, once; every other request goes to ``inner``.
    """

    def __init__(
        self,
        inner: Evaluator,
        index: NDArray[np.intp],
        value: NDArray[Any],
        values: NDArray[Any],
    ) -> None:
        super().__init__(False, inner.complex_ok, inner.value_shape)
        self.inner, self.copies = inner, inner.copies
        self.kept: tuple[NDArray[np.intp], NDArray[Any], NDArray[Any]] | None = (
            index,
            value,
            values,
        )

    @property
    def extra_evaluations(self) -> int:  # type: ignore[override]
        return self.inner.extra_evaluations

    def evaluate(self, points: Points) -> NDArray[Any]:
        kept, self.kept = self.kept, None
        if (
            kept is not None
            and np.array_equal(points.index, kept[0])
            and np.array_equal(points.value, kept[1], equal_nan=True)
        ):
            return kept[2]
        return self.inner(points)

    def at(self, point: NDArray[Any]) -> Any:
        return self.inner.at(point)

    def abort(self) -> None:
        self.inner.abort()
        super().abort()

    def close(self) -> None:
        self.inner.close()
        super().close()
