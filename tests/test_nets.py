"""SimpleNet: construction, reproducibility and errors."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk.nets import SimpleNet, simpleNet


def test_seed_gives_the_same_weights_and_a_generator_is_accepted() -> None:
    np.testing.assert_array_equal(SimpleNet(seed=3).W, SimpleNet(seed=3).W)
    expected = np.random.default_rng(5).standard_normal((2, 3))
    np.testing.assert_array_equal(SimpleNet(seed=np.random.default_rng(5)).W, expected)
    assert SimpleNet(seed=1).W.shape == (2, 3)


def test_explicit_weights_are_copied_as_float64() -> None:
    W = [[1, 2, 3], [4, 5, 6]]
    net = simpleNet(W)
    assert net.W.dtype == np.float64
    net.W[0, 0] = 10.0
    assert W[0][0] == 1, "the caller's weights were modified"


def test_weights_and_seed_together_are_refused() -> None:
    with pytest.raises(ValueError, match="either W or seed"):
        SimpleNet(W=np.zeros((2, 3)), seed=1)


def test_weights_must_be_a_matrix() -> None:
    with pytest.raises(ValueError, match=r"2-D matrix, got shape \(3,\)"):
        SimpleNet(W=[1.0, 2.0, 3.0])


def test_loss_accepts_label_index_and_batches() -> None:
    net = SimpleNet(seed=0)
    x = np.array([[0.6, 0.9], [-1.0, 0.2]])
    one_hot = np.array([[0, 0, 1], [1, 0, 0]])
    assert net.loss(x, one_hot) == pytest.approx(net.loss(x, np.array([2, 0])), rel=1e-15)
    assert "SimpleNet(W=" in repr(net)


def test_a_legacy_random_state_draws_the_books_np_random_randn_weights() -> None:
    np.random.seed(0)  # noqa: NPY002 - the book's legacy global generator
    book = np.random.randn(2, 3)  # noqa: NPY002 - what the book's simpleNet() draws after np.random.seed(0)
    net = SimpleNet(seed=np.random.RandomState(0))
    np.testing.assert_array_equal(net.W, book, err_msg="RandomState(0) must give the book's W")
