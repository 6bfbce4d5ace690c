"""Evaluation: how the points of a plan are evaluated.

Every way of evaluating is an :class:`Evaluator`: called with :class:`Points`, it
returns f's values there; :meth:`Evaluator.at` evaluates f at one whole point and
:meth:`Evaluator.close` releases what it started. The driver in
:mod:`gradwalk._gradient` does not know which one runs.

- :class:`InPlace`, the book's way and the default: element ``i`` of the array is set to
  its perturbed value, f is called with that same array object, and the element is put
  back (:func:`evaluate_in_place`).
- :class:`~gradwalk._evaluate_batches.Batches`: a vectorized f gets perturbed copies of
  x stacked into batches (in :mod:`gradwalk._evaluate_batches`).
- :class:`~gradwalk._evaluate_workers.Mapped`: chunks of points mapped over an executor
  or a process pool (in :mod:`gradwalk._evaluate_workers`).
- :class:`Replayed`: values already computed served again, then another evaluator.

>>> import numpy as np
>>> points = Points(np.array([0, 1]), np.array([5.0, 7.0]))
>>> work = np.zeros(2)
>>> evaluate_in_place(lambda x: x.sum(), work, fast_view(work), [0.0, 0.0], points)
array([5., 7.])
"""

from __future__ import annotations

import array
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import InputModifiedError, describe, value_of
from ._points import Points

__all__ = [
    "Evaluator",
    "InPlace",
    "InputModifiedError",
    "Options",
    "Replayed",
    "check_options",
    "evaluator",
    "is_plain",
]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it (its ``.flat`` when no view exists)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


def fast_view(array: NDArray[Any]) -> Any:
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

    ``flat`` is a flat view of ``work`` (:func:`fast_view`) and ``original`` holds the
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
    dtype = values_dtype(work.dtype, complex_ok)
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


def split(points: Points, size: int) -> list[tuple[NDArray[np.intp], NDArray[Any]]]:
    """Consecutive chunks of at most ``size`` points."""
    return [
        (points.index[start : start + size], points.value[start : start + size])
        for start in range(0, len(points.index), size)
    ]


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


def values_dtype(dtype: np.dtype[Any], complex_ok: bool) -> type[np.inexact[Any]]:
    """The dtype of the array of f values: float64, or the wide/complex one it needs."""
    wide = dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble))
    if complex_ok:
        return np.clongdouble if wide else np.complex128
    return np.longdouble if wide else np.float64


def unperturbed(flat_x: NDArray[Any]) -> list[Any]:
    """The elements of a flat array as the in-place loop restores them (Python floats)."""
    return flat_x.tolist() if flat_x.dtype == np.float64 else list(flat_x)


class Evaluator(ABC):
    """Evaluates the points of a plan; call :meth:`close` once the gradient is done.

    Subclasses implement :meth:`evaluate` (f at the points) and :meth:`at` (f at one
    whole point). The base class keeps the progress bar and the evaluation count. f's
    values are scalars, or arrays of ``value_shape`` (a Jacobian): the values of k points
    then have shape ``(k, *value_shape)``.

    Attributes
    ----------
    copies : str or None
        The option that makes f receive copies of x (None: f gets x itself).
    f_at_x : ndarray or None
        f(x) per element, where the evaluator answers a request for x with 0 (an
        elementwise f, whose f(x) is one value per element); None otherwise.
    """

    copies: str | None = None
    f_at_x: NDArray[Any] | None = None
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

    @abstractmethod
    def evaluate(self, points: Points) -> NDArray[Any]:
        """f's values at ``points``."""

    @abstractmethod
    def at(self, point: NDArray[Any]) -> Any:
        """f's value at the whole array ``point`` (x's shape and the working dtype)."""

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
        self.flat = fast_view(work)
        self.original = unperturbed(np.ravel(work))

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
            np.empty((0, *self.value_shape), dtype=values_dtype(self.work.dtype, self.complex_ok))
        ]
        for chunk in split(points, size):
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
        from ._evaluate_workers import Mapped

        return Mapped(f, work, options, complex_ok, value_shape)
    if options.vectorized:
        from ._evaluate_batches import Batches

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
        self.dtype = values_dtype(work.dtype, complex_ok)
        self.f_at_x = None

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
