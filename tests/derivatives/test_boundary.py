"""Arrays of any array-API library in, the same library out (the public functions'
boundary): f gets the caller's arrays, results come back in x's library, dtype and
device, equal bit for bit to NumPy's where the arithmetic is the same; x is left as it
was; statuses and warnings are NumPy's."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import (
    GradientStatus,
    InputModifiedError,
    NonFiniteWarning,
    hessian_vector_product,
    jacobian_vector_product,
    numerical_diff,
    numerical_gradient,
    numerical_hessian,
    numerical_jacobian,
)
from tests.support.libraries import ALL, OTHERS, Library, library

X = [0.3, -1.7, 2.2]


def cubic(xp: Any) -> Any:
    """sum(x³ - 2x): only arithmetic that every library does alike, bit for bit."""
    return lambda v: xp.sum(v * v * v - 2.0 * v)


def cubic_rows(xp: Any) -> Any:
    return lambda v: xp.sum(v * v * v - 2.0 * v, axis=1)


def same_kind(lib: Library, result: Any, reference: Any) -> None:
    """``result`` is an array of ``lib`` on its device, equal bit for bit to NumPy's."""
    if lib.name == "numpy":
        assert isinstance(result, np.ndarray)
    else:
        assert type(result) is type(lib.make(np.zeros(1))), f"{lib}: got {type(result)}"
        if lib.device is not None:
            assert result.device == lib.device, f"{lib}: result on {result.device}"
    assert lib.to_numpy(result).dtype == np.float64
    np.testing.assert_array_equal(lib.to_numpy(result), reference, strict=True)


@pytest.fixture(params=OTHERS)
def lib(request: pytest.FixtureRequest) -> Library:
    return library(request.param)


@pytest.mark.parametrize("method", ["central", "richardson", "forward"])
@pytest.mark.parametrize("vectorized", [False, True])
def test_gradient_comes_back_in_x_library_equal_to_numpy(
    lib: Library, method: str, vectorized: bool
) -> None:
    x = lib.make(X)
    before = lib.to_numpy(x)
    received: list[Any] = []

    def f(v: Any) -> Any:
        received.append(v)
        return (cubic_rows if vectorized else cubic)(lib.xp)(v)

    result = numerical_gradient(f, x, method=method, vectorized=vectorized)
    reference = numerical_gradient(
        (cubic_rows if vectorized else cubic)(np), np.array(X), method=method, vectorized=vectorized
    )
    same_kind(lib, result, reference)
    assert all(type(v) is type(x) for v in received), "f got an array of another library"
    assert all(lib.to_numpy(v).dtype == np.float64 for v in received)
    if lib.device is not None:
        assert all(v.device == lib.device for v in received), "f got an array on another device"
    np.testing.assert_array_equal(lib.to_numpy(x), before, strict=True)


def test_every_numerical_function_keeps_the_library(lib: Library) -> None:
    xp, x = lib.xp, lib.make(X)
    for name, got, reference in [
        (
            "jacobian",
            numerical_jacobian(lambda v: v * v * v, x, method="richardson"),
            numerical_jacobian(lambda v: v * v * v, np.array(X), method="richardson"),
        ),
        (
            "hessian",
            numerical_hessian(cubic(xp), x),
            numerical_hessian(cubic(np), np.array(X)),
        ),
        (
            "hvp",
            hessian_vector_product(cubic(xp), x, lib.make([1.0, 0.0, 2.0])),
            hessian_vector_product(cubic(np), np.array(X), np.array([1.0, 0.0, 2.0])),
        ),
        (
            "jvp",
            jacobian_vector_product(lambda v: v * v * v, x, lib.make([1.0, 0.0, 2.0])),
            jacobian_vector_product(lambda v: v * v * v, np.array(X), np.array([1.0, 0.0, 2.0])),
        ),
        (
            "diff",
            numerical_diff(lambda t: t * t * t, lib.make(np.float64(0.7)), method="richardson"),
            np.asarray(numerical_diff(lambda t: t * t * t, 0.7, method="richardson")),
        ),
        (
            "diff at many points",
            numerical_diff(lambda t: t * t * t, x, vectorized=True),
            numerical_diff(lambda t: t * t * t, np.array(X), vectorized=True),
        ),
    ]:
        assert type(got) is type(x), f"{name} came back as {type(got)}"
        np.testing.assert_array_equal(lib.to_numpy(got), reference, strict=True, err_msg=name)


def test_full_output_holds_the_library_and_numpy_statuses(lib: Library) -> None:
    xp = lib.xp
    x = lib.make([0.0, 1.0, 2.0])
    with np.errstate(invalid="ignore"), pytest.warns(NonFiniteWarning, match=r"x\[0\]"):
        result = numerical_gradient(lambda v: xp.sum(xp.sqrt(v)), x, full_output=True)
    with np.errstate(invalid="ignore"), pytest.warns(NonFiniteWarning, match=r"x\[0\]"):
        reference = numerical_gradient(
            lambda v: np.sum(np.sqrt(v)), np.array([0.0, 1.0, 2.0]), full_output=True
        )
    assert type(result.grad) is type(x) and type(result.step) is type(x)
    assert isinstance(result.status, np.ndarray) and result.status.dtype == np.int8
    np.testing.assert_array_equal(result.status, reference.status)
    assert result.status[0] == GradientStatus.NONFINITE
    np.testing.assert_array_equal(lib.to_numpy(result.grad), reference.grad, strict=True)
    np.testing.assert_array_equal(lib.to_numpy(result.step), reference.step, strict=True)


def test_complex_step_hands_f_complex_arrays_of_the_library(lib: Library) -> None:
    xp, x = lib.xp, lib.make(X)
    result = numerical_gradient(lambda v: xp.sum(xp.exp(v)), x, method="complex")
    np.testing.assert_allclose(lib.to_numpy(result), np.exp(X), rtol=1e-15)


def test_x_is_restored_when_f_raises_midway(lib: Library) -> None:
    x = lib.make(X)
    before = lib.to_numpy(x)
    calls = 0

    def failing(v: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise RuntimeError("f failed")
        return cubic(lib.xp)(v)

    with pytest.raises(RuntimeError, match="f failed"):
        numerical_gradient(failing, x)
    np.testing.assert_array_equal(lib.to_numpy(x), before, strict=True)


@pytest.mark.parametrize("name", ["strict", "strict-device1", "torch"])
def test_an_f_that_changes_its_input_is_stopped_and_x_put_back(name: str) -> None:
    lib = library(name)
    x = lib.make(X)
    before = lib.to_numpy(x)

    def meddling(v: Any) -> Any:
        value = cubic(lib.xp)(v)
        v[2] = 5.0
        return value

    with pytest.raises(InputModifiedError, match=r"x\[2\]"):
        numerical_gradient(meddling, x)
    np.testing.assert_array_equal(lib.to_numpy(x), before, strict=True)


def test_analytic_arguments_of_another_library_or_device_are_refused() -> None:
    torch = library("torch")
    x = torch.make(X)
    with pytest.raises(TypeError, match=r"v is a numpy.ndarray but x is a torch.Tensor"):
        hessian_vector_product(cubic(torch.xp), x, np.ones(3))
    strict, far = library("strict"), library("strict-device1")
    with pytest.raises(ValueError, match=r"v is on device .*device1.* but x is on .*CPU_DEVICE"):
        hessian_vector_product(cubic(strict.xp), strict.make(X), far.make([1.0, 0.0, 0.0]))
    # bounds may be numbers or NumPy
    got = numerical_gradient(cubic(torch.xp), x, bounds=(np.full(3, -5.0), 5.0))
    assert type(got) is type(x)


@pytest.mark.parametrize("name", ALL)
def test_float32_stays_float32(name: str) -> None:
    lib = library(name)
    x = lib.make(np.array(X, dtype=np.float32))
    got = numerical_gradient(cubic(lib.xp), x, "auto")
    assert lib.to_numpy(got).dtype == np.float32
    np.testing.assert_allclose(lib.to_numpy(got), 3 * np.array(X) ** 2 - 2, rtol=1e-4)


def test_a_tree_of_arrays_is_differentiated_leaf_by_leaf_with_path_names() -> None:
    jax, torch = library("jax"), library("torch")
    tree = {
        "dense_1": {"kernel": jax.make([[1.0, 2.0], [3.0, 0.0]]), "bias": jax.make([0.5])},
        "out": [torch.make([2.0]), np.array([1.0, 0.0])],
    }

    def loss(p: Any) -> float:
        kernel, bias = p["dense_1"]["kernel"], p["dense_1"]["bias"]
        return (
            float(jax.xp.sum(kernel * kernel) + bias[0])
            + float((p["out"][0] ** 3).sum())
            + float(np.sqrt(p["out"][1][1]))
        )

    with (
        np.errstate(invalid="ignore"),
        pytest.warns(NonFiniteWarning, match=r"x\['out'\]\[1\]\[1\]"),
    ):
        grads = numerical_gradient(loss, tree, method="richardson")
    assert type(grads) is dict and type(grads["out"]) is list
    assert type(grads["dense_1"]["kernel"]) is type(tree["dense_1"]["kernel"])
    assert type(grads["out"][0]) is type(tree["out"][0])
    np.testing.assert_allclose(jax.to_numpy(grads["dense_1"]["kernel"]), [[2, 4], [6, 0]])
    np.testing.assert_allclose(jax.to_numpy(grads["dense_1"]["bias"]), [1.0])
    np.testing.assert_allclose(torch.to_numpy(grads["out"][0]), [12.0])
    assert np.isnan(grads["out"][1][1])


def test_a_closure_over_a_torch_module_sees_each_perturbation() -> None:
    torch = pytest.importorskip("torch")
    layer = torch.nn.Linear(2, 1).double()
    inputs = torch.tensor([[1.0, 2.0], [3.0, -1.0]], dtype=torch.float64)
    weight = layer.weight
    versions = weight._version

    def loss(_: Any) -> Any:
        return (layer(inputs) ** 2).sum()  # reads the module, not its argument

    got = numerical_gradient(loss, weight, method="richardson")
    (expected,) = torch.autograd.grad(loss(None), weight)
    torch.testing.assert_close(got, expected, rtol=1e-10, atol=0)
    assert weight.requires_grad and weight._version == versions
    assert isinstance(got, torch.Tensor) and not got.requires_grad


def test_plain_numpy_input_never_reaches_the_boundary() -> None:
    from gradwalk._derivatives.gradient import numerical_gradient as decorated

    assert decorated.__wrapped__ is not decorated  # the boundary wraps it
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert numerical_gradient(cubic(np), [1.0, 2.0]).tolist() == pytest.approx([1.0, 10.0])
