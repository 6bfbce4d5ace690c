"""The evaluator interface: what every way of evaluating a plan's points offers.

Every way of evaluating is an :class:`Evaluator`: called with :class:`Points`, it
returns f's values there; :meth:`Evaluator.at` evaluates f at one whole point and
:meth:`Evaluator.close` releases what it started. The driver
(:mod:`gradwalk._engine.driver`) does not know which one runs. The implementations:

- :class:`~.in_place.InPlace`, the book's way and the default: element ``i`` of the
  array is set to its perturbed value, f is called with that same array object, and the
  element is put back (:func:`~.loops.evaluate_in_place`).
- :class:`~.batches.Batches`: a vectorized f gets perturbed copies of x stacked into
  batches (the loop is in :mod:`.batching`).
- :class:`~.workers.Mapped`: chunks of points mapped over an executor or a process pool.
- :class:`~.elementwise.Elementwise`: an elementwise f at many points.
- :class:`~.replayed.Replayed`: values already computed served again, then another
  evaluator.

>>> import numpy as np
>>> fast_view(np.zeros(3)).__len__()
3
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.progress import progress_bar
from gradwalk._engine.points import Points

from .options import Progress


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


def split(points: Points, size: int) -> list[tuple[NDArray[np.intp], NDArray[Any]]]:
    """Consecutive chunks of at most ``size`` points."""
    return [
        (points.index[start : start + size], points.value[start : start + size])
        for start in range(0, len(points.index), size)
    ]


#: Chunks per plan step when only a progress bar is asked for (in place, serially).
PROGRESS_CHUNKS = 100


def values_dtype(dtype: np.dtype[Any], complex_ok: bool) -> type[np.inexact[Any]]:
    """The dtype of the array of f values: float64, or the wide/complex one it needs."""
    wide = dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble))
    if complex_ok:
        return np.clongdouble if wide else np.complex128
    return np.longdouble if wide else np.float64


def unperturbed(flat_x: NDArray[Any]) -> list[Any]:
    """The elements of a flat array as the in-place loop restores them (Python floats)."""
    return flat_x.tolist() if flat_x.dtype == np.float64 else list(flat_x)


class _Reporter:
    """The progress "bar" of ``progress=callable``: it hands each count to the callable."""

    def __init__(self, report: Callable[[int], object], total: int) -> None:
        self.report, self.total = report, total

    def update(self, count: int) -> None:
        self.report(count)

    def refresh(self) -> None:
        pass

    def close(self) -> None:
        pass


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

    def __init__(
        self, progress: Progress, complex_ok: bool, value_shape: tuple[int, ...] = ()
    ) -> None:
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
            if callable(self.progress):
                self.bar = _Reporter(self.progress, count)
            else:
                self.bar = progress_bar(total=count, desc="gradient", unit="f", dynamic_ncols=True)
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
