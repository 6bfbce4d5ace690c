"""Evaluation by workers: chunks of points mapped over an executor or a process pool.

:class:`Mapped` is the evaluator of ``workers=``; each chunk is evaluated in place on
its own copy of x (:class:`_Task`, which reuses :func:`evaluate_in_place`), so the rules
about what f may return and about f modifying its input live in one place.
:func:`limit_blas_threads` keeps the workers' BLAS threads within the cores.
"""

from __future__ import annotations

import multiprocessing.pool
import os
import pickle
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import InputModifiedError, changed_elements, value_of
from gradwalk._engine.points import Points
from gradwalk._engine.threads import limit_blas_threads, usable_cores

from .batching import copy_modified, evaluate_batches, first_of_batch
from .interface import Evaluator, fast_view, split, unperturbed, values_dtype
from .loops import evaluate_in_place
from .options import Options

__all__ = ["Mapped", "worker_count"]


#: Tasks per worker when points are mapped over an executor (balances uneven tasks).
_TASKS_PER_WORKER = 4

#: Points that ``workers=n`` evaluates in this process first, timing them, before it
#: decides whether starting its pool pays.
_PROBE_POINTS = 2

#: Serial seconds of remaining work below which ``workers=n`` does not start its pool: a
#: pool of processes costs 0.02 s to start and stop on a quiet 2-core Linux machine
#: (forked), many times that under load, and each task carries f and x to a worker; below
#: this the most a pool could save is not worth the risk of losing it.
_POOL_PAYS_SECONDS = 0.3

#: The pool is kept on after a round of chunks (the first: its start included) only if
#: the round took less than this share of the time this process would have taken alone.
_POOL_MUST_BEAT = 0.8


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
        with np.errstate(all="ignore"):  # gradwalk's probes: non-finite values are reported
            return self._evaluate(Points(*chunk))

    def _evaluate(self, points: Points) -> NDArray[Any]:
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
        flat, original = fast_view(work), unperturbed(np.ravel(self.x))
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
            raise InputModifiedError(copy_modified(error.flat_index or 0)) from None
        changed = changed_elements(work, self.x)
        if changed.size:
            raise InputModifiedError(copy_modified(int(changed[0])))
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


class Mapped(Evaluator):
    """Chunks of points mapped over workers, each evaluated by :class:`_Task` on its own
    copy of x. ``workers=n`` starts a process pool of n, shut down by :meth:`close`, once
    f's first points, timed here, show that the rest is worth it; if a round of chunks
    on the pool (the first with its start) is not clearly faster than this process alone
    (other load leaves the workers no spare core), the pool is stopped and the rest
    evaluated here."""

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
        #: The pool's first round was no faster than this process alone: it was closed.
        self.pool_lost = False
        self.copies = f"workers={options.workers!r}"
        if _uses_processes(options.workers):
            _check_picklable(f, options.workers)

    def _chunk_size(self, total: int) -> int:
        if self.batch_size is not None and not self.vectorized:
            return self.batch_size
        count = self.count or worker_count(self.workers)
        return max(1, -(-total // (count * _TASKS_PER_WORKER)))

    def evaluate(self, points: Points) -> NDArray[Any]:
        chunks = split(points, self._chunk_size(len(points.index)))
        dtype = values_dtype(self.task.x.dtype, self.complex_ok)
        parts = [np.empty((0, *self.value_shape), dtype=dtype)]
        workers = self.workers
        if (self.closed or self.pool_lost) and isinstance(workers, int):
            # a last point after the pool closed, or a pool slower than this process
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
            serial = self.task((rest.index, rest.value))
            self.advance(rest.index.size)
            return [first, serial]
        chunks = split(rest, self._chunk_size(rest.index.size))
        # The pool works in rounds of one chunk per worker, each timed against this
        # process's pace (the first with the pool's start): on a machine whose other load
        # leaves the workers no spare core the pool is slower than serial, and then it is
        # stopped and the rest evaluated here.
        pace = seconds / probe
        values: list[Any] = [first]
        for start in range(0, len(chunks), processes):
            round_ = chunks[start : start + processes]
            clock = time.perf_counter()
            values += self._pool_map(processes, round_)
            pooled = time.perf_counter() - clock
            done = sum(len(index) for index, _ in round_)
            rest_chunks = chunks[start + processes :]
            if rest_chunks and pooled >= _POOL_MUST_BEAT * pace * done:
                self.pool_lost = True
                self._stop_pool()
                for chunk in rest_chunks:
                    values.append(self.task(chunk))
                    self.advance(len(chunk[0]))
                break
        return values

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
            return first_of_batch(self.f(point[np.newaxis]), self.value_shape)
        return value_of(self.f(point), self.value_shape, complex_ok=self.complex_ok)

    def abort(self) -> None:
        """Stop our own pool at once (f raised, or the user pressed Ctrl-C)."""
        pool, self.pool = self.pool, None
        if pool is not None:
            pool.terminate()
            pool.join()
        self.close()

    def _stop_pool(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool.join()
            self.pool = None

    def close(self) -> None:
        self._stop_pool()
        super().close()
