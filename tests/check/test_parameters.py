"""check_gradients on trees of arrays of any library and on PyTorch modules; planted
bugs in a custom torch.autograd.Function and a jax.custom_vjp named by element."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
import pytest

from gradwalk import IgnoredInputWarning, assert_gradient_close, check_gradient, check_gradients
from gradwalk._engine.rounding import Precision
from gradwalk.check._noise import noise_along
from tests.support.libraries import library

torch = pytest.importorskip("torch", reason="PyTorch 2.13 CPU: pip install torch==2.13.0")
jax = pytest.importorskip("jax", reason="JAX CPU: pip install jax jaxlib")
jnp = pytest.importorskip("jax.numpy")
library("jax")  # float64 on


def small_net() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2)
    ).double()


INPUTS = np.linspace(-1.0, 1.0, 15).reshape(5, 3)


def test_a_module_is_checked_against_its_own_grad_and_left_as_it_was() -> None:
    net = small_net()
    inputs = torch.tensor(INPUTS)

    def loss(module: Any) -> Any:
        return (module(inputs) ** 2).mean()

    loss(net).backward()
    before = {name: p.detach().clone() for name, p in net.named_parameters()}
    versions = {name: p._version for name, p in net.named_parameters()}
    net[2].bias.grad[1] *= 1.01  # a wrong gradient, planted in .grad
    check = check_gradients(loss, net)
    assert not check.passed
    assert [c.label for c in check.failures] == ["2.bias[1]"], str(check)
    for name, p in net.named_parameters():
        assert torch.equal(p.detach(), before[name]), f"{name} was left changed"
        assert p._version == versions[name], f"{name}'s autograd version moved"
        assert p.requires_grad


def test_a_module_without_grad_is_checked_by_autograd_without_setting_grad() -> None:
    net = small_net()
    inputs = torch.tensor(INPUTS)
    check = check_gradients(lambda m: (m(inputs) ** 2).mean(), net)
    assert check.passed and check.checked == 26, str(check)
    assert all(p.grad is None for p in net.parameters())


def test_named_parameters_with_given_gradients() -> None:
    net = small_net()
    inputs = torch.tensor(INPUTS)
    params = dict(net.named_parameters())
    value = (net(inputs) ** 2).mean()
    grads = dict(zip(params, torch.autograd.grad(value, list(params.values())), strict=True))
    assert check_gradients(lambda p: (net(inputs) ** 2).mean(), params, grads).passed
    grads["0.weight"] = grads["0.weight"].clone()
    grads["0.weight"][3, 1] += 1e-3
    bad = check_gradients(lambda p: (net(inputs) ** 2).mean(), params, grads)
    assert [c.label for c in bad.failures] == ["0.weight[3, 1]"], str(bad)


class _Cube(torch.autograd.Function):
    """x³ with a backward wrong by 1% at element 1."""

    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x**3

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        result = 3 * x**2 * grad
        result[1] = result[1] * 1.01
        return result


def test_a_planted_bug_in_a_custom_autograd_function_is_named() -> None:
    x = torch.tensor([0.5, -1.2, 2.0], dtype=torch.float64, requires_grad=True)

    def f(v: Any) -> Any:
        return _Cube.apply(v).sum()

    (grad,) = torch.autograd.grad(f(x), x)
    check = check_gradient(f, x, grad)
    assert [(c.label, c.diagnosis) for c in check.failures] == [("x[1]", "wrong")], str(check)


def _planted_vjp() -> Any:
    @jax.custom_vjp
    def f(x: Any) -> Any:
        return jnp.sin(x) * x

    def forward(x: Any) -> Any:
        return f(x), x

    def backward(x: Any, g: Any) -> Any:
        return (((jnp.cos(x) * x + jnp.sin(x)) * g).at[2].multiply(1.01),)

    f.defvjp(forward, backward)
    return f


def test_a_planted_bug_in_a_custom_vjp_is_named() -> None:
    f = _planted_vjp()
    x = jnp.array([0.3, 1.0, 2.0, -0.7])
    loss = lambda v: jnp.sum(f(v))  # noqa: E731
    check = check_gradient(loss, x, jax.grad(loss)(x))
    assert [(c.label, c.diagnosis) for c in check.failures] == [("x[2]", "wrong")], str(check)


def test_a_nested_tree_is_checked_with_path_names() -> None:
    params = {
        "dense_1": {"kernel": jnp.full((3, 4), 0.1), "bias": jnp.zeros(4)},
        "head": [jnp.ones(4), (jnp.array(0.5),)],
    }
    inputs = jnp.arange(3.0)

    def loss(p: Any) -> Any:
        hidden = jnp.tanh(inputs @ p["dense_1"]["kernel"] + p["dense_1"]["bias"])
        return jnp.sum(hidden * p["head"][0]) * p["head"][1][0]

    grads = jax.grad(loss)(params)
    assert check_gradients(loss, params, grads).passed
    grads["dense_1"]["kernel"] = grads["dense_1"]["kernel"].at[2, 3].multiply(1.01)
    check = check_gradients(loss, params, grads)
    assert check.verdict == (
        "Gradient check FAILED: the analytic gradient is wrong at "
        "params['dense_1']['kernel'][2, 3] (1 of 21 elements failed)."
    )
    with pytest.raises(AssertionError, match=r"params\['dense_1'\]\['kernel'\]\[2, 3\]"):
        assert_gradient_close(loss, params, grads)


def test_a_torch_state_dict_keeps_its_keys_as_names() -> None:
    state = OrderedDict(w=torch.tensor([1.0, 2.0], dtype=torch.float64))
    check = check_gradients(
        lambda p: (p["w"] ** 2).sum(), state, {"w": torch.tensor([2.0, 4.1], dtype=torch.float64)}
    )
    assert [c.label for c in check.failures] == ["w[1]"]


def test_mixing_libraries_or_devices_is_refused() -> None:
    w = torch.ones(2, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"grads\['w'\] is a numpy.ndarray but params\['w'\]"):
        check_gradients(lambda p: p["w"].sum(), {"w": w}, {"w": np.ones(2)})
    with pytest.raises(TypeError, match=r"grads\['w'\] is a torch.Tensor but params\['w'\]"):
        check_gradients(lambda p: p["w"].sum(), {"w": np.ones(2)}, {"w": w})
    with pytest.raises(ValueError, match="grad is on device meta but x is on cpu"):
        check_gradient(lambda v: v.sum(), w, torch.ones(2, device="meta"))
    with pytest.raises(TypeError, match=r"only a torch\.nn\.Module"):
        check_gradients(lambda p: 0.0, {"w": w})


def test_a_jax_loss_gets_a_tree_with_the_moved_leaf() -> None:
    params = {"a": jnp.array([1.0, 2.0]), "b": np.array([3.0])}
    seen: list[Any] = []

    def loss(p: Any) -> Any:
        seen.append(p)
        return jnp.sum(p["a"] ** 2) + float(p["b"][0]) ** 2

    check = check_gradients(loss, params, {"a": 2 * params["a"], "b": 2 * params["b"]})
    assert check.passed, str(check)
    assert any(p is params for p in seen)  # b moves in place: the caller's own dict
    assert any(p is not params and p["b"] is params["b"] for p in seen)  # a moved: new tree
    np.testing.assert_array_equal(np.asarray(params["a"]), [1.0, 2.0])


# --- ReLU kinks crossed by the noise probe; a random f (dropout, a fresh mask) ---


def _relu_net(seed: int) -> tuple[Any, Any]:
    torch.manual_seed(seed)
    X = torch.randn(32, 4, dtype=torch.float64)
    Y = torch.randn(32, 1, dtype=torch.float64)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    ).double()
    return net, lambda m: torch.nn.functional.mse_loss(m(X), Y)


def _grads(net: Any, loss: Any) -> dict[str, Any]:
    names = [n for n, _ in net.named_parameters()]
    return dict(zip(names, torch.autograd.grad(loss(net), list(net.parameters())), strict=True))


def test_a_planted_bug_in_a_relu_network_fails_though_the_probe_crosses_kinks() -> None:
    net, loss = _relu_net(1)
    grads = _grads(net, loss)
    grads["0.weight"][0, 1] *= 1.05
    check = check_gradients(loss, net, grads)
    assert check.outcome == "failed", f"a 5% bug must fail, not be excused:\n{check}"
    assert [(row.label, row.diagnosis) for row in check.failures] == [
        ("0.weight[0, 1]", "wrong")
    ], f"the planted element must be diagnosed wrong:\n{check}"


def test_the_relu_network_with_its_own_gradient_passes() -> None:
    net, loss = _relu_net(1)
    check = check_gradients(loss, net, _grads(net, loss))
    assert check.outcome == "passed", f"correct code must not be called wrong:\n{check}"


def test_kinks_crossed_by_the_noise_probe_are_not_noise() -> None:
    # f along one weight of the ReLU network: piecewise quadratic, with a kink 0.008 away
    net, loss = _relu_net(1)
    weight = net[0].weight

    def along(t: float) -> np.ndarray:
        with torch.no_grad():
            start = float(weight[0, 1])
            weight[0, 1] = start + t
            try:
                return np.array([float(loss(net))])
            finally:
                weight[0, 1] = start

    noise, spacing, _ = noise_along(along, 1.0, Precision(float(np.finfo(np.float64).eps)))
    # at most the change of curvature at a kink is left, far below the 6e-6 read before
    assert not noise > 1e-8, f"kinks read as noise {noise:.1e} at spacing {spacing}"


@pytest.mark.filterwarnings("ignore::gradwalk.GradwalkWarning")  # the noise, warned of
def test_a_network_with_dropout_in_train_mode_is_not_checkable_as_random() -> None:
    torch.manual_seed(0)
    X = torch.randn(16, 4, dtype=torch.float64)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Dropout(0.5), torch.nn.Linear(8, 1)
    ).double()
    net.train()

    def loss(m: Any) -> Any:
        return m(X).pow(2).mean()

    check = check_gradients(loss, net, _grads(net, loss))
    assert check.outcome == "not checkable", f"a random f is no wrong gradient:\n{check}"
    assert "f returns different values at the same x" in check.verdict, check.verdict
    assert "eval()" in check.verdict, "the remedy is named"
    net.eval()
    check = check_gradients(loss, net, _grads(net, loss))
    assert check.outcome == "passed", f"in eval() the same network checks:\n{check}"


@pytest.mark.filterwarnings("ignore::gradwalk.GradwalkWarning")  # the noise, warned of
def test_a_jax_loss_with_a_fresh_random_mask_per_call_is_not_checkable_as_random() -> None:
    jax = pytest.importorskip("jax", reason="JAX CPU: pip install jax jaxlib")
    jnp = pytest.importorskip("jax.numpy")
    library("jax")  # float64 on
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.standard_normal(6))

    def loss(w: Any) -> Any:
        mask = jnp.asarray(rng.random(6) < 0.7)
        return jnp.sum(jnp.where(mask, jnp.sin(w), 0.0) ** 2)

    grad = jax.grad(loss)(x)
    check = check_gradient(loss, x, grad)
    assert check.outcome == "not checkable", f"a random f is no wrong gradient:\n{check}"
    assert "f returns different values at the same x" in check.verdict, check.verdict


def batch_norm_net() -> Any:
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Linear(3, 4), torch.nn.BatchNorm1d(4), torch.nn.Linear(4, 1)
    ).double()


def test_linear_then_batch_norm_passes_with_its_exactly_zero_bias_gradient() -> None:
    net = batch_norm_net()
    inputs = torch.tensor(INPUTS)

    def loss(module: Any) -> Any:
        return (module(inputs) ** 2).sum()

    loss(net).backward()
    assert torch.all(net[0].bias.grad.abs() < 1e-12), "BatchNorm cancels the bias exactly"
    check = check_gradients(loss, net)
    assert check.passed and check.checked == 29, (
        f"Linear -> BatchNorm1d in train mode (Linear's bias gradient exactly 0) should "
        f"pass:\n{check}"
    )


def test_a_batch_norm_in_train_mode_is_left_with_its_running_statistics() -> None:
    net = batch_norm_net()
    inputs = torch.tensor(INPUTS)
    net[1].running_mean += 0.5  # as after some training
    buffers = {name: b.clone() for name, b in net.named_buffers()}
    objects = {name: b for name, b in net.named_buffers()}
    net[2].eval()  # a mixed training flag must come back as it was, too
    check = check_gradients(lambda m: (m(inputs) ** 2).sum(), net)  # autograd's gradient
    assert check.passed, str(check)
    for name, b in net.named_buffers():
        assert b is objects[name], f"{name} was replaced by another tensor"
        assert torch.equal(b, buffers[name]), (
            f"{name} was left changed by the check's calls of the loss: {b} instead of "
            f"{buffers[name]}"
        )
    assert [m.training for m in net] == [True, True, False], "training flags changed"
    assert all(p.grad is None for p in net.parameters()), "the check set .grad"


def test_a_jax_loss_that_ignores_its_argument_is_not_checkable_not_wrong() -> None:
    p = {"w": jnp.array([0.5, -1.0, 2.0])}

    def closure(q: Any) -> Any:
        return jnp.sum(jnp.sin(p["w"]))  # reads p, not q: no move reaches it

    with pytest.warns(IgnoredInputWarning):
        check = check_gradients(closure, p, {"w": jnp.cos(p["w"])})
    assert check.outcome == "not checkable" and not check.failures, (
        f"a loss that ignores its argument must not convict a correct gradient:\n{check}"
    )
    assert "does not depend on the parameters passed" in check.verdict, check.verdict
    assert {row.diagnosis for row in check.unverified} == {"ignored"}, str(check)


def test_a_loss_that_reads_its_argument_still_convicts_a_wrong_gradient() -> None:
    p = {"w": jnp.array([0.5, -1.0, 2.0])}
    check = check_gradients(lambda q: jnp.sum(jnp.sin(q["w"])), p, {"w": jnp.sin(p["w"])})
    assert check.outcome == "failed" and "wrong" in check.verdict, (
        f"a wrong gradient of a loss that reads its argument should fail:\n{check}"
    )


def test_a_parameter_whose_grad_is_none_is_named_not_called_wrong() -> None:
    net = small_net()
    inputs = torch.tensor(INPUTS)

    def loss(module: Any) -> Any:
        return (module(inputs) ** 2).mean()

    loss(net).backward()
    net[2].bias.grad = None  # cleared: the loss still depends on it
    with pytest.raises(ValueError, match=r"2\.bias: \.grad is None") as caught:
        check_gradients(loss, net)
    assert "wrong" not in str(caught.value), "a missing .grad is no wrong gradient"


def test_an_unused_parameter_without_grad_is_checked_as_zero() -> None:
    net = small_net()
    net.extra = torch.nn.Parameter(torch.ones(2, dtype=torch.float64))  # never used
    inputs = torch.tensor(INPUTS)

    def loss(module: Any) -> Any:
        return (module(inputs) ** 2).mean()

    loss(net).backward()
    assert net.extra.grad is None
    with pytest.warns(IgnoredInputWarning):  # the loss ignores extra, and says so
        check = check_gradients(loss, net)
    assert check.passed and check.checked == 28, (
        f"a parameter the loss never uses has gradient 0 and should pass:\n{check}"
    )
