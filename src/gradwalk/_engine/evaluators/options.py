"""The evaluation options of every numerical function (vectorized, batch_size,
workers, progress, worker_threads), validated into one :class:`Options` record."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .compression import Compression

MapLike = Callable[[Callable[[Any], Any], Iterable[Any]], Iterable[Any]]
Workers = int | Executor | MapLike
#: ``progress=``: a tqdm bar (True), none (False), or a function called with the number
#: of evaluations each time some are done (to drive a display of the caller's own).
Progress = bool | Callable[[int], object]


@dataclass(frozen=True)
class Options:
    """How the points are evaluated; the default is in place, serially, silently."""

    vectorized: bool = False
    batch_size: int | None = None
    workers: Workers | None = None
    progress: Progress = False
    #: How many tasks the workers run at once, when the user's object says so publicly.
    worker_count: int | None = None
    #: f is elementwise (f(x)[i] depends on x[i] only): every element is its own problem.
    elementwise: bool = False
    #: BLAS/OpenMP threads per process of ``workers=n`` (None: cores / n).
    worker_threads: int | None = None
    #: f's values already computed at some points, ``(index, value, values)``: served
    #: again by :class:`Replayed` instead of calling f (see gradwalk._engine.book_fast_path).
    known: tuple[NDArray[np.intp], NDArray[Any], NDArray[Any]] | None = field(
        default=None, compare=False
    )
    #: A sparse Jacobian: x holds one element per entry, evaluated in column groups by
    #: :class:`~gradwalk._engine.evaluators.compressed.Compressed`.
    compressed: Compression | None = field(default=None, compare=False)


#: The default: the book's in-place loop, serially, silently.
_IN_PLACE = Options()

#: A vectorized f, serially, silently, the batch size chosen by measuring.
_VECTORIZED = Options(vectorized=True)


def is_plain(options: Options) -> bool:
    """Whether ``options`` are in place or ``vectorized=True`` alone: serially, silently,
    the batch size not given, nothing known (the options ``check_options`` makes for
    those calls, not an equal object built elsewhere)."""
    return options is _IN_PLACE or options is _VECTORIZED


def check_options(
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: Progress = False,
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
    if (
        vectorized is True
        and batch_size is None
        and workers is None
        and progress is False
        and worker_threads is None
    ):
        return _VECTORIZED
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
    if not isinstance(vectorized, bool | np.bool_):
        raise TypeError(f"vectorized must be True or False, got {vectorized!r}.")
    if not isinstance(progress, bool | np.bool_) and not callable(progress):
        raise TypeError(
            f"progress must be True or False (or a function called with each number of "
            f"evaluations done), got {progress!r}."
        )
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
        bool(vectorized),
        batch_size,
        workers,
        progress if callable(progress) else bool(progress),
        count,
        worker_threads=worker_threads,
    )


def _is_dask_client(workers: object) -> bool:
    """Whether ``workers`` is a dask.distributed Client (told by its public methods)."""
    return callable(getattr(workers, "get_executor", None)) and callable(
        getattr(workers, "nthreads", None)
    )
