"""numerical_gradient on a real two-worker dask.distributed LocalCluster (gradwalk[dask])."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from gradwalk import numerical_gradient
from gradwalk._engine.evaluators.options import check_options
from gradwalk._engine.methods import METHODS

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")


def smooth(x: Any) -> Any:
    """A smooth, analytic f (it also takes complex x, for the complex step)."""
    return np.sum(np.sin(x) * x**2 + np.exp(0.3 * x))


def smooth_rows(batch: Any) -> Any:
    return np.array([smooth(point) for point in batch])


def explode(x: Any) -> float:
    raise LookupError("f exploded on a dask worker")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A Client of a LocalCluster of two worker processes."""
    module = sys.modules[__name__]
    # The workers cannot import this test module: send its functions by value.
    cloudpickle.register_pickle_by_value(module)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        assert len(client.scheduler_info()["workers"]) == 2, "the cluster has not 2 workers"
        yield client
    finally:
        client.close()
        cluster.close()
        cloudpickle.unregister_pickle_by_value(module)


@pytest.fixture(scope="module")
def executor(client: Any) -> Any:
    """The cluster's concurrent.futures executor."""
    return client.get_executor()


@pytest.mark.parametrize("vectorized", [False, True])
@pytest.mark.parametrize("method", sorted(METHODS))
def test_dask_gives_the_serial_result_bit_for_bit(
    executor: Any, method: str, vectorized: bool
) -> None:
    x = np.array([[0.3, -1.2, 2.5], [0.0, 1.7, -0.4]])
    before = x.copy()
    serial = numerical_gradient(smooth, x, method=method, full_output=True)
    f = smooth_rows if vectorized else smooth
    result = numerical_gradient(
        f, x, method=method, full_output=True, workers=executor, vectorized=vectorized
    )
    assert np.array_equal(result.grad, serial.grad), (
        f"{method} on dask gave {result.grad}, the serial in-place loop {serial.grad}"
    )
    assert np.array_equal(result.error, serial.error, equal_nan=True), "error estimate differs"
    assert result.nfev == serial.nfev, f"nfev {result.nfev} != serial {serial.nfev}"
    assert np.array_equal(x, before), "x was modified"


def test_dask_runs_lambdas_with_progress(executor: Any) -> None:
    x = np.linspace(-1.0, 1.0, 9)
    grad = numerical_gradient(lambda w: np.sum(w**3), x, workers=executor, progress=True)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7, atol=1e-7)


def test_an_exception_on_a_worker_keeps_its_type_and_message(executor: Any) -> None:
    with pytest.raises(LookupError, match=r"^f exploded on a dask worker$"):
        numerical_gradient(explode, np.ones(4), workers=executor)


def test_a_client_is_accepted_and_tasks_are_sized_for_its_workers(client: Any) -> None:
    options = check_options(workers=client)
    assert options.worker_count == 2, "the cluster's two worker threads were not counted"
    x = np.array([0.3, -1.2, 2.5, 0.7])
    np.testing.assert_array_equal(
        numerical_gradient(smooth, x, workers=client),
        numerical_gradient(smooth, x),
        err_msg="a Client as workers did not give the serial result",
    )


def blas_threads_times_sum(x: Any) -> Any:
    """f = (BLAS threads of the process evaluating it) x sum(x): its gradient is that count."""
    from threadpoolctl import threadpool_info

    threads = max(pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas")
    return threads * np.sum(x)


def test_limit_blas_threads_on_every_worker_is_in_force_in_the_tasks(
    client: Any, executor: Any
) -> None:
    threadpoolctl = pytest.importorskip("threadpoolctl")
    if not any(pool["user_api"] == "blas" for pool in threadpoolctl.threadpool_info()):
        pytest.skip("NumPy's BLAS does not report its threads to threadpoolctl here")
    from gradwalk import limit_blas_threads

    # Dask's nanny may already start workers with one BLAS thread: set 2, then 1.
    for threads in (2, 1):
        set_to = client.run(limit_blas_threads, threads)
        assert sorted(set_to.values()) == [threads] * 2, f"the workers reported {set_to}"
        grad = numerical_gradient(
            blas_threads_times_sum, np.ones(6), method="complex", workers=executor
        )
        assert np.array_equal(grad, np.full(6, float(threads))), (
            f"limit_blas_threads({threads}) on every worker, but tasks ran {grad} BLAS threads"
        )
