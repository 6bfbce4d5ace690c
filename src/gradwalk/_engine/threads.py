"""The cores this process may use, and the BLAS threads of each process that shares them."""

from __future__ import annotations

import os

__all__ = ["limit_blas_threads", "usable_cores"]


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
