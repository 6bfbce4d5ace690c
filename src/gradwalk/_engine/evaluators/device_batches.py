"""The evaluator of ``vectorized=True`` for an array of another library that the engine
cannot share memory with (a GPU tensor, a CuPy, JAX or array-api-strict array): the
perturbed copies are built by the caller's library on the caller's device, and only
f's values travel to the host.

Each batch of k points is one array of shape ``(k, *x.shape)`` built in one expression
of the array API standard, ``where(column == index, value, x)``: row r is x with element
``index[r]`` set to ``value[r]``, exactly (no arithmetic touches a value). The batch size
follows the host's rule (:class:`~.batching.Batcher`: grown while a point gets cheaper),
its memory cap a quarter of the device's free memory where the library tells it.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.arrays import CallerFunction, host_value
from gradwalk._engine.inputs import InputModifiedError
from gradwalk._engine.points import Points

from .batching import Batcher, check_batch_result, copy_modified, first_of_batch
from .interface import Evaluator, values_dtype
from .options import Options

__all__ = ["DeviceBatches"]


class DeviceBatches(Evaluator):
    """A vectorized f on perturbed copies of x built on the caller's device."""

    copies = "vectorized=True"

    def __init__(
        self,
        f: CallerFunction,
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f, self.shape, self.dtype = f, work.shape, work.dtype
        arrays = f.arrays
        self.xp = xp = arrays.xp
        self.base = xp.reshape(arrays.convert(work.copy()), (1, -1))
        self.columns = xp.reshape(xp.arange(work.size, device=arrays.device), (1, -1))
        self.sizer = Batcher(
            work, options.batch_size, complex_ok, value_shape, device_free=arrays.free_memory()
        )

    def _batch(self, index: NDArray[np.intp], value: NDArray[Any]) -> Any:
        """The points as one array of the caller's library, ``(k, x.size)``."""
        convert = self.f.arrays.convert
        rows = convert(index.astype(np.int32 if self.base.shape[1] < 2**31 else np.int64))
        values = convert(value.astype(self.dtype))
        return self.xp.where(
            self.columns == rows[:, None], values[:, None], self.base
        )  # exact: each element is x's or the point's own value

    def _modified(self, batch: Any, index: NDArray[np.intp], value: NDArray[Any]) -> int | None:
        """The flat index of an element f changed in ``batch`` (of x), or None."""
        if not self.f.arrays.mutable:
            return None
        xp = self.xp
        expected = self._batch(index, value)
        changed = (batch != expected) & ~(xp.isnan(batch) & xp.isnan(expected))
        if not bool(xp.any(changed)):
            return None
        flat = np.flatnonzero(np.asarray(host_value(changed)).reshape(-1))
        return int(flat[0]) % max(1, int(self.base.shape[1]))

    def evaluate(self, points: Points) -> NDArray[Any]:
        total = len(points.index)
        out = np.empty((total, *self.value_shape), dtype=values_dtype(self.dtype, self.complex_ok))
        sizer, start = self.sizer, 0
        while start < total:
            k = min(sizer.rows, total - start)
            if not sizer.settled and total - start <= 2 * sizer.rows:
                k = min(sizer.limit, total - start)  # no small batch left over
            index = points.index[start : start + k]
            value = points.value[start : start + k]
            clock = time.perf_counter()
            batch = self._batch(index, value)
            shape = (k, *self.shape)
            result = self.f.f(self.xp.reshape(batch, shape))
            values = check_batch_result(
                host_value(result), shape, self.complex_ok, self.value_shape
            )
            changed = self._modified(batch, index, value)
            if changed is not None:
                raise InputModifiedError(copy_modified(changed))
            out[start : start + k] = values
            sizer.measured(k, time.perf_counter() - clock)
            start += k
            self.advance(k)
        return out

    def at(self, point: NDArray[Any]) -> Any:
        return first_of_batch(self.f(point[np.newaxis]), self.value_shape)
