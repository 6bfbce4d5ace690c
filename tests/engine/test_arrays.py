"""The caller's arrays at the engine's boundary: which values are arrays of another
library, the errors for those gradwalk cannot take, and the host mirror of a mutable
array written into the caller's array with its library's own assignment."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import (
    InputModifiedError,
    PrecisionWarning,
    check_gradient,
    numerical_gradient,
    numerical_hessian,
)
from gradwalk._engine.arrays import CallerArray, CallerFunction, host_value, is_caller_array
from tests.support.libraries import library

torch = pytest.importorskip("torch", reason="PyTorch 2.13 CPU: pip install torch==2.13.0")


class StandInTensorFlowTensor:
    """Stands in for a TensorFlow tensor (TensorFlow is not installed for the tests): a
    tensor of a library without the array API, told by its type's module, as a real one
    is."""

    __module__ = "tensorflow.python.framework.ops"
    shape = (2,)
    dtype = "float32"


def test_numpy_python_and_modules_are_not_caller_arrays() -> None:
    assert not any(map(is_caller_array, [np.ones(2), 1.0, [1.0], np.float64(1)]))
    assert not is_caller_array(torch.nn.Linear(1, 1))
    assert is_caller_array(torch.ones(1)) and is_caller_array(library("jax").make([1.0]))


def test_a_library_without_the_array_api_is_named_with_what_to_do() -> None:
    with pytest.raises(TypeError, match="tensorflow does not implement the Python array API"):
        numerical_gradient(lambda v: 0.0, StandInTensorFlowTensor())


@pytest.mark.parametrize(
    ("tensor", "error", "message"),
    [
        (torch.tensor([1, 2]), TypeError, "dtype torch.int64.*x.double()"),
        (torch.ones(2, dtype=torch.bfloat16), TypeError, "bfloat16"),
        (torch.ones(2, dtype=torch.complex128), TypeError, "real and imaginary parts"),
        (torch.ones(2, device="meta"), ValueError, "meta device"),
        (torch.ones(2).to_sparse(), TypeError, "to_dense"),
    ],
)
def test_tensors_gradwalk_cannot_perturb_are_refused(
    tensor: Any, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        numerical_gradient(lambda v: v.sum(), tensor)


def test_the_mutable_path_writes_through_data_and_restores_bit_for_bit() -> None:
    # A CPU tensor forced off the shared path takes the path of a GPU tensor: the same
    # calls (item assignment on x.data), here on the CPU.
    x = torch.tensor([0.25, -1.5, 3.0], dtype=torch.float64, requires_grad=True)
    arrays = CallerArray(x, share=False)
    assert not arrays.shared and arrays.mutable
    seen: list[list[float]] = []
    f = CallerFunction(lambda v: (seen.append(v.tolist()), (v**2).sum())[1], arrays)
    arrays.host[1] = 7.0
    assert f(arrays.host) == pytest.approx(0.25**2 + 49 + 9)
    assert seen[-1] == [0.25, 7.0, 3.0] and x[1].item() == 7.0
    arrays.host[1] = -1.5
    f(arrays.host)
    assert arrays.restore().size == 0
    assert x.tolist() == [0.25, -1.5, 3.0] and x._version == 0 and x.requires_grad


def test_the_mutable_path_catches_an_f_that_changes_x() -> None:
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    arrays = CallerArray(x, share=False)

    def meddling(v: Any) -> Any:
        v.data[0] = 9.0
        return v.sum()

    arrays.host[0] = 1.5
    with pytest.raises(InputModifiedError, match=r"x\[0\]"):
        CallerFunction(meddling, arrays)(arrays.host)
    arrays.host[0] = 1.0
    assert arrays.restore().tolist() == [0]
    assert x.tolist() == [1.0, 2.0]


@pytest.mark.parametrize(
    "make", [lambda t: t.expand(2, 3), lambda t: torch.broadcast_to(t, (2, 3))]
)
def test_a_tensor_whose_elements_share_memory_is_never_perturbed_in_place(make: Any) -> None:
    base = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
    x = make(base)
    assert x.stride() == (0, 1)
    arrays = CallerArray(x)
    assert not arrays.shared and not arrays.mutable, (
        "an expanded tensor must be mirrored by a private copy, not shared or written"
    )
    result = numerical_gradient(lambda v: (v**2).sum(), x, method="richardson", full_output=True)
    expected = torch.tensor([[2.0, 4.0, 6.0], [2.0, 4.0, 6.0]], dtype=torch.float64)
    assert isinstance(result.grad, torch.Tensor) and result.grad.shape == (2, 3)
    assert result.grad.dtype == torch.float64 and result.grad.device == x.device
    assert torch.allclose(result.grad, expected, rtol=1e-10), (
        f"d/dv sum(v**2) = 2v at an expanded tensor, got {result.grad}: one memory cell "
        "was moved for several elements"
    )
    assert torch.all((result.grad - expected).abs() <= result.error + 1e-12)
    assert base.tolist() == [1.0, 2.0, 3.0] and base._version == 0, "x must be left as it was"
    assert arrays.host.flags.c_contiguous, "the private copy must be C-contiguous"
    hessian = numerical_hessian(lambda v: (v**3).sum(), x).reshape(6, 6)
    assert torch.allclose(hessian, torch.diag(6 * expected.reshape(-1) / 2), rtol=1e-6), (
        f"the Hessian of sum(v**3) is diag(6v) at an expanded tensor, got {hessian}"
    )
    report = check_gradient(lambda v: (v**2).sum(), x, 2 * x)
    assert report.passed, f"the analytic 2x must pass at an expanded tensor:\n{report}"


def test_the_precision_warning_names_the_conversion_of_torch_too() -> None:
    x = torch.ones(3, dtype=torch.float32)
    with pytest.warns(PrecisionWarning, match=r"x\.double\(\)"):
        numerical_gradient(lambda v: (v**2).sum(), x, h=1e-4)


def test_host_values_of_f() -> None:
    assert host_value(torch.tensor(2.5, dtype=torch.float64, requires_grad=True)) == 2.5
    value = host_value(torch.tensor(2.5, dtype=torch.float32))
    assert value.dtype == np.float32 and value == 2.5
    assert host_value(torch.ones(2, dtype=torch.bfloat16)).dtype == np.float32
