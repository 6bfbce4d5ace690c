"""Vectorized batches built by the caller's library on its device: the same values as
NumPy's batches, f's changes to a batch caught, the host's batch size rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import InputModifiedError, numerical_gradient, numerical_jacobian
from gradwalk._engine.arrays import CallerArray, CallerFunction
from gradwalk._engine.evaluators.choose import evaluator
from gradwalk._engine.evaluators.device_batches import DeviceBatches
from gradwalk._engine.evaluators.options import check_options
from gradwalk._engine.points import Points
from tests.support.libraries import library


@pytest.mark.parametrize("name", ["strict-device1", "jax"])
def test_device_batches_equal_numpy_batches(name: str) -> None:
    lib = library(name)
    x = np.linspace(-1.0, 2.0, 7)
    arrays = CallerArray(lib.make(x))
    f = CallerFunction(lambda rows: lib.xp.sum(rows * rows * rows, axis=1), arrays)
    chosen = evaluator(check_options(True, 3), f, arrays.host, complex_ok=False)
    assert isinstance(chosen, DeviceBatches)
    points = Points(np.array([0, 3, -1, 6, 6]), np.array([5.0, 7.0, 0.0, 1.0, -2.0]))
    rows = np.repeat(x[np.newaxis], 5, axis=0)
    for r, (i, v) in enumerate(zip(points.index, points.value, strict=True)):
        if i >= 0:
            rows[r, i] = v
    np.testing.assert_array_equal(chosen(points), np.sum(rows**3, axis=1), strict=True)


def test_vectorized_jacobian_on_the_device() -> None:
    lib = library("strict-device1")
    got = numerical_jacobian(lambda rows: rows * rows, lib.make([1.0, 2.0]), vectorized=True)
    reference = numerical_jacobian(lambda rows: rows * rows, np.array([1.0, 2.0]), vectorized=True)
    np.testing.assert_array_equal(lib.to_numpy(got), reference, strict=True)


def test_an_f_that_changes_its_batch_is_stopped() -> None:
    lib = library("strict-device1")

    def meddling(rows: Any) -> Any:
        rows[0, 1] = 42.0
        return lib.xp.sum(rows, axis=1)

    with pytest.raises(InputModifiedError, match=r"element 1 .* of the copy of x"):
        numerical_gradient(meddling, lib.make([1.0, 2.0, 3.0]), vectorized=True)


def test_host_memory_keeps_the_host_batch_rule() -> None:
    arrays = CallerArray(library("strict-device1").make(np.zeros(1000)))
    assert arrays.free_memory() is None
    batches = DeviceBatches(
        CallerFunction(lambda rows: rows, arrays), arrays.host, check_options(True), False
    )
    assert batches.sizer.limit == 16 * 2**20 // 8000
