"""The optimizers of chapter 6: update rules checked step by step against their formulas."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from gradwalk import SGD, AdaGrad, Adam, Momentum, Nesterov, Optimizer, RMSprop, descend
from gradwalk.optimizers import OPTIMIZERS

G0 = np.array([-6.0, 8.0])  # the gradient of x0² + x1² at the book's start (-3, 4)


def one_step(optimizer: Optimizer, x: np.ndarray, grad: np.ndarray) -> np.ndarray:
    params = {"x": x.copy()}
    optimizer.update(params, {"x": grad})
    return params["x"]


def test_names_and_book_defaults() -> None:
    assert list(OPTIMIZERS) == ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    assert repr(SGD()) == "SGD(lr=0.01)"
    assert repr(Momentum()) == "Momentum(lr=0.01, momentum=0.9)"
    assert repr(Nesterov()) == "Nesterov(lr=0.01, momentum=0.9)"
    assert repr(AdaGrad()) == "AdaGrad(lr=0.01)"
    assert repr(RMSprop()) == "RMSprop(lr=0.01, decay_rate=0.99)"
    assert repr(Adam()) == "Adam(lr=0.001, beta1=0.9, beta2=0.999)"


def test_sgd_is_the_books_update_bit_for_bit() -> None:
    x = np.array([-3.0, 4.0])
    np.testing.assert_array_equal(one_step(SGD(lr=0.1), x, G0), x - 0.1 * G0)


def test_momentum_accumulates_velocity() -> None:
    lr, m = 0.1, 0.9
    optimizer = Momentum(lr=lr, momentum=m)
    params = {"x": np.array([-3.0, 4.0])}
    g1 = np.array([1.0, -2.0])
    optimizer.update(params, {"x": G0})
    v1 = -lr * G0
    np.testing.assert_allclose(params["x"], np.array([-3.0, 4.0]) + v1, rtol=1e-15)
    optimizer.update(params, {"x": g1})
    v2 = m * v1 - lr * g1
    np.testing.assert_allclose(params["x"], np.array([-3.0, 4.0]) + v1 + v2, rtol=1e-15)


def test_nesterov_follows_the_books_reformulation() -> None:
    lr, m = 0.1, 0.9
    optimizer = Nesterov(lr=lr, momentum=m)
    params = {"x": np.array([-3.0, 4.0])}
    g1 = np.array([1.0, -2.0])
    optimizer.update(params, {"x": G0})
    v1 = -lr * G0
    x1 = np.array([-3.0, 4.0]) + m * m * v1 - (1 + m) * lr * G0
    np.testing.assert_allclose(params["x"], x1, rtol=1e-15)
    optimizer.update(params, {"x": g1})
    v2 = m * v1 - lr * g1
    np.testing.assert_allclose(params["x"], x1 + m * m * v2 - (1 + m) * lr * g1, rtol=1e-15)


@pytest.mark.parametrize(
    ("optimizer", "first_step"),
    [
        # AdaGrad and Adam divide the first gradient by (about) its own size: a step of lr.
        (AdaGrad(lr=0.5), 0.5),
        (Adam(lr=0.5), 0.5),
        # RMSprop's average starts at 0.01 g², so its first step is lr / √0.01 = 10 lr.
        (RMSprop(lr=0.5), 5.0),
    ],
)
def test_adaptive_first_step_has_the_size_its_formula_gives(
    optimizer: Optimizer, first_step: float
) -> None:
    x = np.array([-3.0, 4.0])
    moved = one_step(optimizer, x, G0) - x
    np.testing.assert_allclose(moved, -first_step * np.sign(G0), rtol=1e-6)


def test_adam_bias_correction_over_two_steps() -> None:
    lr, b1, b2 = 0.1, 0.9, 0.999
    optimizer = Adam(lr=lr, beta1=b1, beta2=b2)
    params = {"x": np.array([1.0])}
    g = [np.array([2.0]), np.array([-1.0])]
    m = v = np.zeros(1)
    expected = np.array([1.0])
    for t, grad in enumerate(g, start=1):
        optimizer.update(params, {"x": grad})
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
        expected = expected - lr * m_hat / (np.sqrt(v_hat) + 1e-7 / math.sqrt(1 - b2**t))
        np.testing.assert_allclose(params["x"], expected, rtol=1e-12, err_msg=f"step {t}")


def test_state_is_kept_per_key_and_dtypes_are_kept() -> None:
    optimizer = Momentum(lr=0.1)
    params = {"W": np.ones((2, 3), dtype=np.float32), "b": np.zeros(3, dtype=np.float32)}
    grads = {"W": np.full((2, 3), 2.0, dtype=np.float32), "b": np.ones(3, dtype=np.float32)}
    optimizer.update(params, grads)
    optimizer.update(params, grads)
    assert params["W"].dtype == np.float32 and params["b"].dtype == np.float32, "dtype changed"
    # two steps with a constant gradient g: x moves by -lr g (1 + (1 + m)).
    np.testing.assert_allclose(params["W"], 1 - 0.1 * 2.0 * 2.9, rtol=1e-6)
    np.testing.assert_allclose(params["b"], -0.1 * 2.9, rtol=1e-6)


def test_fresh_copies_settings_without_state() -> None:
    used = Adam(lr=0.2, beta1=0.8)
    one_step(used, np.array([1.0]), np.array([1.0]))
    fresh = used.fresh()
    assert repr(fresh) == repr(used) == "Adam(lr=0.2, beta1=0.8, beta2=0.999)"
    assert fresh.iter == 0 and not fresh.m, "fresh() kept the old state"
    assert used.iter == 1, "fresh() reset the original"


def test_update_refuses_mismatched_gradients() -> None:
    with pytest.raises(KeyError, match="'b'"):
        SGD().update({"W": np.ones(2), "b": np.ones(2)}, {"W": np.ones(2)})
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(2,\)"):
        SGD().update({"W": np.ones(2)}, {"W": np.ones(3)})


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: SGD(lr=0), "lr=0"),
        (lambda: Momentum(momentum=1.0), "momentum=1.0"),
        (lambda: RMSprop(decay_rate=-0.5), "decay_rate=-0.5"),
        (lambda: Adam(beta2=1.5), "beta2=1.5"),
    ],
)
def test_bad_settings_are_refused_with_the_value(build: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()


@pytest.mark.parametrize(
    ("name", "lr"),
    [
        ("sgd", 0.1),
        ("momentum", 0.1),
        ("nesterov", 0.1),
        ("adagrad", 1.5),
        ("rmsprop", 0.1),
        ("adam", 0.3),
    ],
)
def test_every_optimizer_minimises_the_books_function(name: str, lr: float) -> None:
    result = descend(
        lambda x: np.sum(x**2),
        np.array([-3.0, 4.0]),
        lr=lr,
        optimizer=name,
        steps=300,
        grad=lambda x: 2 * x,
    )
    assert result.value < 1e-10, f"{name} with lr={lr} only reached f = {result.value}"
