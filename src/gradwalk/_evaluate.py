"""Evaluation: how the points of a plan are evaluated.

The default evaluates in place, as the book does: element ``i`` of the array is set to
its perturbed value, f is called with that same array object, and the element is put
back. The other strategies (:class:`_Strategy`) give f perturbed *copies*: stacked into
batches for a vectorized f (:func:`_evaluate_batches`), or chunks of points mapped over
an executor, each chunk evaluated in place on its own copy of x (:class:`_Task`, which
reuses :func:`_evaluate_in_place`), so the rules about what f may return and about f
modifying its input live in one place.

>>> import numpy as np
>>> from gradwalk._plan import _Points
>>> points = _Points(np.array([0, 1]), np.array([5.0, 7.0]))
>>> _evaluate_batches(lambda X: X.sum(axis=1), np.zeros(2), points, batch_size=1)
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

from ._plan import _Points

Evaluator = Callable[[_Points], NDArray[Any]]


class InputModifiedError(RuntimeError):
    """f changed the array it was given; gradwalk restored it and stopped.

    ``flat_index`` is the (flat) index of the element f changed, when it is known.
    """

    def __init__(self, message: str, flat_index: int | None = None) -> None:
        super().__init__(message)
        self.flat_index = flat_index


def _describe(value: object) -> str:
    """A short description of what f returned, for error messages."""
    if value is None:
        return "None (did f forget to `return` its value?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _real_value(value: object, *, complex_ok: bool = False) -> Any:
    """Check that f returned one real number (or complex, for the complex step); return it.

    Accepts a Python number, a NumPy scalar or an array of size 1.
    """
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(
        value, bool | np.bool_
    ):
        return value
    array = np.asarray(value) if not isinstance(value, str | bytes) else None
    allowed = "fiubc" if complex_ok else "fiub"
    if array is None or array.size != 1 or array.dtype.kind not in allowed:
        if array is not None and array.size == 1 and array.dtype.kind == "c":
            raise TypeError(
                f"f must return a real scalar, but it returned {_describe(value)}. "
                "Return the real quantity to differentiate (e.g. np.abs(z)**2 or z.real)."
            )
        raise TypeError(
            f"f must return a real scalar (a Python number, a NumPy scalar or an array of "
            f"size 1), but it returned {_describe(value)}. If f gives one value per element, "
            "differentiate a scalar summary such as lambda x: np.sum(f(x)); for a vector "
            "of outputs compute one gradient per output."
        )
    return array.reshape(()).item() if array.dtype.kind in "iub" else array.reshape(())[()]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it (its ``.flat`` when no view exists)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


def _evaluate_in_place(
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    original: list[Any],
    points: _Points,
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
            value = _real_value(value, complex_ok=complex_ok)
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
class _Options:
    """How the points are evaluated; the default is in place, serially, silently."""

    vectorized: bool = False
    batch_size: int | None = None
    workers: Workers | None = None
    progress: bool = False


#: The default: the book's in-place loop, serially, silently.
_IN_PLACE = _Options()


def _check_options(
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
) -> _Options:
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
    if workers is not None and not isinstance(workers, Executor):
        if isinstance(workers, bool) or not (
            isinstance(workers, int | np.integer) or callable(workers)
        ):
            raise TypeError(
                f"workers must be a number of processes, a concurrent.futures.Executor or a "
                f"map-like callable workers(func, iterable), got {workers!r}. For a Dask "
                "cluster pass client.get_executor()."
            )
        if isinstance(workers, int | np.integer):
            if workers < 1:
                raise ValueError(
                    f"workers={workers} is not a number of processes: pass workers >= 1 "
                    "(os.cpu_count() for one per core), an Executor, or None to evaluate "
                    "serially."
                )
            workers = int(workers)
    return _Options(bool(vectorized), batch_size, workers, bool(progress))


def _values_dtype(dtype: np.dtype[Any], complex_ok: bool) -> type[np.inexact[Any]]:
    """The dtype of the array of f values: float64, or the wide/complex one it needs."""
    wide = dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble))
    if complex_ok:
        return np.clongdouble if wide else np.complex128
    return np.longdouble if wide else np.float64


def _unperturbed(flat_x: NDArray[Any]) -> list[Any]:
    """The elements of a flat array as the in-place loop restores them (Python floats)."""
    return flat_x.tolist() if flat_x.dtype == np.float64 else list(flat_x)


def _changed_elements(now: NDArray[Any], before: NDArray[Any]) -> NDArray[np.intp]:
    """Flat indices where ``now`` differs from ``before`` (nan equal to nan)."""
    same = now == before
    if same.all():
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(~(same | (np.isnan(now) & np.isnan(before))))


def _check_batch_result(result: object, batch_shape: tuple[int, ...], complex_ok: bool) -> Any:
    """Check that a vectorized f returned one real value per point; return them as an array."""
    k = batch_shape[0]
    array = None if isinstance(result, str | bytes) else np.asarray(result)
    if array is None or array.shape != (k,):
        actual = f"shape {array.shape}" if array is not None else _describe(result)
        raise ValueError(
            f"a vectorized f must return one value per point: it was given {k} points (an "
            f"array of shape {batch_shape}) and must return shape ({k},), but it returned "
            f"{actual}. Reduce over every axis but the first (np.sum(X**2, axis=1) for a "
            "1-D x), or pass vectorized=False if f takes one point at a time."
        )
    if array.dtype.kind not in ("fiubc" if complex_ok else "fiub"):
        for item in array:
            _real_value(item, complex_ok=complex_ok)
        raise TypeError(
            f"a vectorized f must return a real numeric array, but it returned {_describe(result)}."
        )
    return array


def _evaluate_batches(
    f: Callable[[Any], object],
    x: NDArray[Any],
    points: _Points,
    batch_size: int | None,
    *,
    complex_ok: bool = False,
    advance: Callable[[int], object] | None = None,
) -> NDArray[Any]:
    """Evaluate a vectorized f on stacked perturbed copies of x, ``batch_size`` at a time.

    One buffer of rows (copies of x) is filled once; for each batch only the perturbed
    elements are set and, after f, restored. As in place, f must leave its input as it
    was given (checked like :func:`_evaluate_in_place`: the perturbed elements after each
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
    changed = _changed_elements(buffer, base)
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
        points = _Points(*chunk)
        if self.vectorized:
            return _evaluate_batches(
                self.f, self.x, points, self.batch_size, complex_ok=self.complex_ok
            )
        work = np.array(self.x, copy=True)
        flat, original = _flat_view(work), _unperturbed(np.ravel(self.x))
        try:
            values = _evaluate_in_place(
                self.f, work, flat, original, points, complex_ok=self.complex_ok
            )
        except InputModifiedError as error:
            raise InputModifiedError(_copy_modified(error.flat_index or 0)) from None
        changed = _changed_elements(work, self.x)
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


def _worker_count(workers: object) -> int:
    """How many tasks ``workers`` runs at once, as far as it says (else the local cores)."""
    count = getattr(workers, "_max_workers", None)  # concurrent.futures pools
    client = getattr(workers, "_client", None)  # a Dask client.get_executor()
    if count is None and client is not None and hasattr(client, "nthreads"):
        try:
            count = sum(client.nthreads().values())
        except Exception:
            count = None
    return int(count) if isinstance(count, int) and count > 0 else os.cpu_count() or 1


def _split(points: _Points, size: int) -> list[tuple[NDArray[np.intp], NDArray[Any]]]:
    """Consecutive chunks of at most ``size`` points."""
    return [
        (points.index[start : start + size], points.value[start : start + size])
        for start in range(0, len(points.index), size)
    ]


class _Strategy:
    """Evaluates the points of a plan other than by the plain in-place loop.

    In place with a progress bar, batches of a vectorized f, or chunks of points mapped
    over workers (each chunk evaluated by :class:`_Task` on its own copy of x). Call it
    with a :class:`_Points`; call :meth:`close` once the gradient is done.
    """

    def __init__(
        self,
        options: _Options,
        f: Callable[[Any], object],
        work: NDArray[Any],
        flat: Any,
        x0: NDArray[Any],
        *,
        complex_ok: bool = False,
    ) -> None:
        self.options = options
        self.f = f
        self.work, self.flat, self.x0 = work, flat, x0
        self.complex_ok = complex_ok
        # Evaluations never write to work in these modes: the tasks copy it.
        self.task = _Task(f, work, options.vectorized, options.batch_size, complex_ok)
        self.pool: ProcessPoolExecutor | None = None
        self.original: list[Any] | None = None
        self.closed = False
        self.bar: Any = None
        if _uses_processes(options.workers):
            _check_picklable(f, options.workers)

    @property
    def copies(self) -> str | None:
        """The option that makes f receive copies of x (None: f gets x itself)."""
        if self.options.workers is not None:
            return f"workers={self.options.workers!r}"
        return "vectorized=True" if self.options.vectorized else None

    def __call__(self, points: _Points) -> NDArray[Any]:
        if self.options.progress and not self.closed:
            self._grow_bar(len(points.index))
        try:
            if self.options.workers is not None:
                return self._map(points)
            if self.options.vectorized:
                return _evaluate_batches(
                    self.f,
                    self.task.x,
                    points,
                    self.options.batch_size,
                    complex_ok=self.complex_ok,
                    advance=self._advance,
                )
            return self._in_place(points)
        except BaseException:
            self._abort()
            raise

    def _grow_bar(self, count: int) -> None:
        if self.bar is None:
            from tqdm.auto import tqdm  # type: ignore[import-untyped]

            self.bar = tqdm(total=count, desc="gradient", unit="f", dynamic_ncols=True)
        else:
            self.bar.total += count
            self.bar.refresh()

    def _advance(self, count: int) -> None:
        if self.bar is not None and not self.closed:
            self.bar.update(count)

    def _in_place(self, points: _Points) -> NDArray[Any]:
        if self.original is None:
            self.original = _unperturbed(self.x0)
        size = max(1, -(-len(points.index) // _PROGRESS_CHUNKS))
        parts = [np.empty(0, dtype=_values_dtype(self.work.dtype, self.complex_ok))]
        for chunk in _split(points, size):
            parts.append(
                _evaluate_in_place(
                    self.f,
                    self.work,
                    self.flat,
                    self.original,
                    _Points(*chunk),
                    complex_ok=self.complex_ok,
                )
            )
            self._advance(len(chunk[0]))
        return np.concatenate(parts)

    def _chunk_size(self, total: int) -> int:
        workers = self.options.workers
        if self.options.batch_size is not None and not self.options.vectorized:
            return self.options.batch_size
        count = workers if isinstance(workers, int) else _worker_count(workers)
        return max(1, -(-total // (count * _TASKS_PER_WORKER)))

    def _map(self, points: _Points) -> NDArray[Any]:
        chunks = _split(points, self._chunk_size(len(points.index)))
        parts = [np.empty(0, dtype=_values_dtype(self.work.dtype, self.complex_ok))]
        workers = self.options.workers
        if self.closed and isinstance(workers, int):
            parts += [self.task(chunk) for chunk in chunks]
        elif isinstance(workers, int | Executor):
            parts += self._submit(chunks)
        else:
            assert callable(workers)
            for chunk, values in zip(chunks, workers(self.task, chunks), strict=True):
                parts.append(values)
                self._advance(len(chunk[0]))
        return np.concatenate(parts)

    def _submit(self, chunks: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> list[Any]:
        executor = self.options.workers
        if isinstance(executor, int):
            if self.pool is None:
                self.pool = ProcessPoolExecutor(max_workers=executor)
            executor = self.pool
        assert isinstance(executor, Executor)
        futures = {executor.submit(self.task, chunk): len(chunk[0]) for chunk in chunks}
        try:
            for future in as_completed(futures):
                future.result()
                self._advance(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
        return [future.result() for future in futures]

    def _abort(self) -> None:
        """Stop our own pool at once (f raised, or the user pressed Ctrl-C).

        The pool is told to shut down and drop the queued tasks *before* its workers are
        killed: killed first, the pool would see them die, call the pool broken and try
        to fail tasks that were already cancelled, which prints a stray traceback.
        """
        pool, self.pool = self.pool, None
        if pool is not None:
            processes = list((getattr(pool, "_processes", None) or {}).values())
            manager = getattr(pool, "_executor_manager_thread", None)
            pool.shutdown(wait=False, cancel_futures=True)
            for process in processes:
                process.terminate()
            if manager is not None:
                manager.join()
            for process in processes:
                process.join()
        self.close()

    def close(self) -> None:
        """Shut down the pool this strategy started and close its progress bar."""
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        self.closed = True


def _strategy(
    options: _Options | None,
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    x0: NDArray[Any],
    *,
    complex_ok: bool = False,
) -> _Strategy | None:
    """The evaluation strategy for ``options``; None for the plain in-place loop.

    ``work`` is the array f is evaluated at (in place), ``flat`` its flat view and
    ``x0`` the unperturbed elements in flat order.
    """
    if options is None or options is _IN_PLACE or options == _IN_PLACE:
        return None
    return _Strategy(options, f, work, flat, x0, complex_ok=complex_ok)
