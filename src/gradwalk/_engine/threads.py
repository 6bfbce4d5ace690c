"""The cores this process may use, and the BLAS threads of each process that shares them."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

__all__ = ["faster_blas_threads", "limit_blas_threads", "usable_cores"]


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


#: Seconds each timing of :func:`faster_blas_threads` runs its call for (repeating it).
_TIMING_SECONDS = 0.02

#: One thread is chosen only when it is faster than the current setting by this factor.
_CLEARLY_FASTER = 0.9


def _blas_threads_now() -> int:
    from threadpoolctl import threadpool_info

    return max((int(lib.get("num_threads", 1)) for lib in threadpool_info()), default=1)


def faster_blas_threads(call: Callable[[], object], rounds: int = 3) -> tuple[int | None, float]:
    """Whether ``call`` runs faster with one BLAS thread than as set now, by timing it.

    A matrix product of moderate size runs on every core's BLAS thread; on a machine
    whose cores are busy with other work (or a process pool), those threads wait on each
    other and one thread can be several times faster. Which is faster is measured, not
    guessed: ``call`` is timed under the current setting and under one thread, in
    alternating rounds (so that both see the same load), each round repeating it for
    about 0.02 s. ``workers=n`` shares the cores among its processes by
    :func:`limit_blas_threads`; this is the same choice for one process, made by
    measuring.

    Parameters
    ----------
    call : callable
        The work to time (say, one evaluation of a network's loss); called several times.
    rounds : int
        Rounds of timing under each setting.

    Returns
    -------
    threads : int or None
        1 when one thread was faster by more than 10%; None to leave the setting as it
        is (also when BLAS already runs one thread).
    seconds : float
        The seconds one call took under the setting returned.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.ones((50, 50))
    >>> threads, seconds = faster_blas_threads(lambda: a @ a, rounds=1)
    >>> threads in (None, 1) and seconds > 0
    True
    """
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    call()
    once = max(time.perf_counter() - start, 1e-7)
    repeat = max(1, min(1000, int(_TIMING_SECONDS / once)))

    def timed() -> float:
        clock = time.perf_counter()
        for _ in range(repeat):
            call()
        return (time.perf_counter() - clock) / repeat

    if _blas_threads_now() <= 1:
        return None, min(timed() for _ in range(rounds))
    current, single = [], []
    for _ in range(rounds):
        current.append(timed())
        with threadpool_limits(limits=1):
            single.append(timed())
    if min(single) < _CLEARLY_FASTER * min(current):
        return 1, min(single)
    return None, min(current)
