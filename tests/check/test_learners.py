"""Defects found by a new user: a planted bug in a ReLU network vetoed as "f computed
inexactly" (the noise probe crossed ReLU kinks), and a random loss (dropout, a random
mask per call) called a wrong gradient."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import check_gradient, check_gradients
from gradwalk._engine.rounding import Precision
from gradwalk.check._noise import noise_along, plateau_noise, without_kinks
from tests.support.libraries import library

torch = pytest.importorskip("torch", reason="PyTorch 2.13 CPU: pip install torch==2.13.0")


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


def test_a_kink_is_taken_out_but_a_jump_or_scatter_is_not() -> None:
    t = np.linspace(-0.04, 0.04, 33)
    kinked = np.exp(t) + 0.3 * np.maximum(t - 0.013, 0) - 0.2 * np.maximum(t + 0.021, 0)
    cleaned = without_kinks(kinked)
    assert cleaned is not None and plateau_noise(cleaned) < 1e-14, "two kinks are not noise"
    jump = np.exp(t) + 1e-7 * (t > 0.013)
    assert without_kinks(jump) is None, "a jump is not a kink"
    scatter = np.exp(t) + 1e-7 * np.random.default_rng(0).standard_normal(t.size)
    assert without_kinks(scatter) is None, "scatter is not a kink"


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
