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

import multiprocessing.pool
import os
import pickle
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import InputModifiedError, changed_elements, describe, real_value
from ._points import Points

__all__ = ["Batches", "Evaluator", "InPlace", "InputModifiedError", "Mapped", "Options"]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it (its ``.flat`` when no view exists)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


def evaluate_in_place(
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    original: list[Any],
    points: Points,
    *,
    complex_ok: bool = False,
) -> NDArray[Any]:
    """Evaluate f at each point by perturbing ``work`` through ``flat`` and restoring it.

    ``original`` holds the unperturbed elements of ``work`` (flat order). Raises
    :class:`InputModifiedError` as soon as f changes the perturbed element.
    """
    indices = points.index.tolist()
    values = points.value.tolist() if points.value.dtype == np.float64 else list(points.value)
    results: list[Any] = []
    append = results.append
    for i, new in zip(indices, values, strict=True):
        if i < 0:
            value = f(work)
        else:
            flat[i] = new
            try:
                value = f(work)
                seen = flat[i]
                if seen != new and new == new:
                    raise InputModifiedError(
                        f"f changed the element it was evaluated at from {new!r} to {seen!r}",
                        flat_index=i,
                    )
            finally:
                flat[i] = original[i]
        if type(value) is not float and type(value) is not np.float64:
            value = real_value(value, complex_ok=complex_ok)
        append(value)
    return np.array(results, dtype=_values_dtype(work.dtype, complex_ok))


#: Bytes of perturbed copies of x that one vectorized call may receive, by default.
_BATCH_BYTES = 16 * 2**20

#: Tasks per worker when points are mapped over an executor (balances uneven tasks).
_TASKS_PER_WORKER = 4

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


#: The default: the book's in-place loop, serially, silently.
_IN_PLACE = Options()


def check_options(
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
) -> Options:
    """Validate the evaluation options of numerical_gradient; an error names the bad value."""
    if vectorized is False and batch_size is None and workers is None and progress is False:
        return _IN_PLACE
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
    return Options(bool(vectorized), batch_size, workers, bool(progress), count)


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


def _check_batch_result(result: object, batch_shape: tuple[int, ...], complex_ok: bool) -> Any:
    """Check that a vectorized f returned one real value per point; return them as an array."""
    k = batch_shape[0]
    array = None if isinstance(result, str | bytes) else np.asarray(result)
    if array is None or array.shape != (k,):
        actual = f"shape {array.shape}" if array is not None else describe(result)
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and must return shape ({k},), but it returned "
            f"{actual}. Reduce over every axis but the first (np.sum(X**2, axis=1) for a "
            "1-D x), or pass vectorized=False if f takes one point at a time."
        )
    if array.dtype.kind not in ("fiubc" if complex_ok else "fiub"):
        for item in array:
            real_value(item, complex_ok=complex_ok)
        raise TypeError(
            f"a vectorized f must return a real numeric array, but it returned {describe(result)}."
        )
    return array


def evaluate_batches(
    f: Callable[[Any], object],
    x: NDArray[Any],
    points: Points,
    batch_size: int | None,
    *,
    complex_ok: bool = False,
    advance: Callable[[int], object] | None = None,
) -> NDArray[Any]:
    """Evaluate a vectorized f on stacked perturbed copies of x, ``batch_size`` at a time.

    One buffer of rows (copies of x) is filled once; for each batch only the perturbed
    elements are set and, after f, restored. As in place, f must leave its input as it
    was given (checked like :func:`evaluate_in_place`: the perturbed elements after each
    call, the whole buffer at the end).
    """
    total = len(points.index)
    out = np.empty(total, dtype=_values_dtype(x.dtype, complex_ok))
    if total == 0:
        return out
    base = np.ravel(x)
    rows = batch_size or max(1, _BATCH_BYTES // max(1, base.size * base.itemsize))
    buffer = np.empty((min(rows, total), base.size), dtype=x.dtype)
    buffer[...] = base
    for start in range(0, total, buffer.shape[0]):
        index = points.index[start : start + buffer.shape[0]]
        k = len(index)
        block = buffer[:k]
        row = np.flatnonzero(index >= 0)
        column = index[row]
        new = points.value[start : start + k][row]
        block[row, column] = new
        try:
            batch = block.reshape((k, *x.shape))
            values = _check_batch_result(f(batch), batch.shape, complex_ok)
            seen = block[row, column]
            wrong = np.flatnonzero((seen != new) & (new == new))
            if wrong.size:
                raise InputModifiedError(_copy_modified(int(column[wrong[0]])))
        finally:
            block[row, column] = base[column]
        out[start : start + k] = values
        if advance is not None:
            advance(k)
    changed = changed_elements(buffer, base)
    if changed.size:
        raise InputModifiedError(_copy_modified(int(changed[0]) % base.size))
    return out


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

    def __call__(self, chunk: tuple[NDArray[np.intp], NDArray[Any]]) -> NDArray[Any]:
        points = Points(*chunk)
        if self.vectorized:
            return evaluate_batches(
                self.f, self.x, points, self.batch_size, complex_ok=self.complex_ok
            )
        work = np.array(self.x, copy=True)
        flat, original = _flat_view(work), _unperturbed(np.ravel(self.x))
        try:
            values = evaluate_in_place(
                self.f, work, flat, original, points, complex_ok=self.complex_ok
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
    whole point). The base class keeps the progress bar and the evaluation count.

    Attributes
    ----------
    copies : str or None
        The option that makes f receive copies of x (None: f gets x itself).
    """

    copies: str | None = None

    def __init__(self, progress: bool, complex_ok: bool) -> None:
        self.progress = progress
        self.complex_ok = complex_ok
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
        self, f: Callable[[Any], object], work: NDArray[Any], options: Options, complex_ok: bool
    ) -> None:
        super().__init__(options.progress, complex_ok)
        self.f, self.work = f, work
        self.flat = _flat_view(work)
        self.original = _unperturbed(np.ravel(work))

    def evaluate(self, points: Points) -> NDArray[Any]:
        if self.bar is None:
            return evaluate_in_place(
                self.f, self.work, self.flat, self.original, points, complex_ok=self.complex_ok
            )
        size = max(1, -(-len(points.index) // _PROGRESS_CHUNKS))
        parts = [np.empty(0, dtype=_values_dtype(self.work.dtype, self.complex_ok))]
        for chunk in _split(points, size):
            parts.append(
                evaluate_in_place(
                    self.f,
                    self.work,
                    self.flat,
                    self.original,
                    Points(*chunk),
                    complex_ok=self.complex_ok,
                )
            )
            self.advance(len(chunk[0]))
        return np.concatenate(parts)

    def at(self, point: NDArray[Any]) -> Any:
        snapshot = self.work.copy()
        try:
            np.copyto(self.work, point, casting="unsafe")
            return real_value(self.f(self.work), complex_ok=self.complex_ok)
        finally:
            np.copyto(self.work, snapshot, casting="unsafe")


class Batches(Evaluator):
    """A vectorized f on stacked perturbed copies of x (see :func:`evaluate_batches`)."""

    copies = "vectorized=True"

    def __init__(
        self, f: Callable[[Any], object], work: NDArray[Any], options: Options, complex_ok: bool
    ) -> None:
        super().__init__(options.progress, complex_ok)
        self.f, self.x, self.batch_size = f, work.copy(), options.batch_size

    def evaluate(self, points: Points) -> NDArray[Any]:
        return evaluate_batches(
            self.f,
            self.x,
            points,
            self.batch_size,
            complex_ok=self.complex_ok,
            advance=self.advance,
        )

    def at(self, point: NDArray[Any]) -> Any:
        return np.asarray(self.f(point[np.newaxis])).reshape(-1)[0]


class Mapped(Evaluator):
    """Chunks of points mapped over workers, each evaluated by :class:`_Task` on its own
    copy of x. ``workers=n`` starts a process pool of n, shut down by :meth:`close`."""

    def __init__(
        self, f: Callable[[Any], object], work: NDArray[Any], options: Options, complex_ok: bool
    ) -> None:
        super().__init__(options.progress, complex_ok)
        self.f, self.workers, self.count = f, options.workers, options.worker_count
        self.vectorized, self.batch_size = options.vectorized, options.batch_size
        self.task = _Task(f, work.copy(), options.vectorized, options.batch_size, complex_ok)
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
        parts = [np.empty(0, dtype=_values_dtype(self.task.x.dtype, self.complex_ok))]
        workers = self.workers
        if self.closed and isinstance(workers, int):  # a last point after the pool closed
            parts += [self.task(chunk) for chunk in chunks]
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

    def _pool_map(
        self, processes: int, chunks: list[tuple[NDArray[np.intp], NDArray[Any]]]
    ) -> list[Any]:
        if self.pool is None:
            self.pool = multiprocessing.Pool(processes)
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
            return np.asarray(self.f(point[np.newaxis])).reshape(-1)[0]
        return real_value(self.f(point), complex_ok=self.complex_ok)

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


def evaluator(
    options: Options, f: Callable[[Any], object], work: NDArray[Any], *, complex_ok: bool
) -> Evaluator:
    """The evaluator for ``options``; ``work`` is the array f is evaluated at."""
    if options.workers is not None:
        return Mapped(f, work, options, complex_ok)
    if options.vectorized:
        return Batches(f, work, options, complex_ok)
    return InPlace(f, work, options, complex_ok)
