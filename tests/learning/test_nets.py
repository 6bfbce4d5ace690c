"""SimpleNet: construction, reproducibility and errors."""

from __future__ import annotations

import warnings

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


# --- TwoLayerNet ------------------------------------------------------------------

from gradwalk import IgnoredInputWarning, check_gradients  # noqa: E402
from gradwalk.functions import sigmoid, softmax  # noqa: E402
from gradwalk.nets import TwoLayerNet  # noqa: E402


def _two_layer(seed: int = 0) -> tuple[TwoLayerNet, np.ndarray, np.ndarray]:
    net = TwoLayerNet(4, 5, 3, weight_init_std=0.5, seed=seed)
    rng = np.random.default_rng(seed + 100)
    return net, rng.random((6, 4)), rng.integers(0, 3, 6)


def _analytic_gradient(params: dict[str, np.ndarray], x: np.ndarray, t: np.ndarray) -> dict:
    """The exact cross-entropy's gradient, written from the chain rule independently."""
    a1 = x @ params["W1"] + params["b1"]
    z1 = 1.0 / (1.0 + np.exp(-a1))
    scores = z1 @ params["W2"] + params["b2"]
    y = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    onehot = np.eye(params["b2"].size)[t]
    g_scores = (y - onehot) / x.shape[0]
    g_a1 = (g_scores @ params["W2"].T) * z1 * (1.0 - z1)
    return {"W1": x.T @ g_a1, "b1": g_a1.sum(0), "W2": z1.T @ g_scores, "b2": g_scores.sum(0)}


def test_two_layer_net_has_the_books_parameters_and_shapes() -> None:
    net = TwoLayerNet(784, 50, 10, seed=0)
    assert {k: v.shape for k, v in net.params.items()} == {
        "W1": (784, 50),
        "b1": (50,),
        "W2": (50, 10),
        "b2": (10,),
    }
    assert not net.params["b1"].any() and not net.params["b2"].any(), "biases must start at 0"
    assert 0.009 < net.params["W1"].std() < 0.011, "W1 must be 0.01 × standard normal"
    again = TwoLayerNet(784, 50, 10, seed=0)
    assert all(np.array_equal(net.params[k], again.params[k]) for k in net.params)


def test_predict_is_softmax_of_the_two_affine_layers() -> None:
    net, x, _ = _two_layer()
    p = net.params
    expected = softmax(sigmoid(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"])
    np.testing.assert_allclose(net.predict(x), expected, rtol=1e-15)
    np.testing.assert_allclose(net.predict(x).sum(axis=1), 1.0, rtol=1e-15)


def test_loss_and_accuracy_follow_the_book_with_labels_or_one_hot() -> None:
    net, x, t = _two_layer()
    y = net.predict(x)
    expected = -np.mean(np.log(y[np.arange(6), t] + 1e-7))
    assert net.loss(x, t) == pytest.approx(expected, rel=1e-14)
    assert net.loss(x, np.eye(3)[t]) == net.loss(x, t), "one-hot and labels must agree"
    assert net.accuracy(x, t) == np.mean(y.argmax(axis=1) == t)
    assert net.accuracy(x, np.eye(3)[t]) == net.accuracy(x, t)


def test_backprop_matches_the_chain_rule_and_the_check_explains_the_books_1e_7() -> None:
    net, x, t = _two_layer()
    grads = net.gradient(x, t)
    expected = _analytic_gradient(net.params, x, t)
    for name in grads:
        np.testing.assert_allclose(grads[name], expected[name], rtol=1e-12, atol=1e-15)
    loose = check_gradients(lambda p: net.loss(x, t), net.params, grads, rtol=1e-5)
    assert loose.passed, str(loose)
    strict = check_gradients(lambda p: net.loss(x, t), net.params, grads)
    assert not strict.passed, "the book's + 1e-7 must show at the default tolerance"
    assert "1e-7 inside the log of the book's cross_entropy_error" in strict.verdict, str(strict)


@pytest.mark.parametrize(
    "options",
    [{}, {"vectorized": True}, {"vectorized": True, "batch_size": 7}, {"workers": 2}],
    ids=["in-place", "vectorized", "vectorized-small-batches", "workers"],
)
def test_numerical_gradient_is_the_same_in_every_mode(options: dict) -> None:
    net, x, t = _two_layer()
    serial = net.numerical_gradient(x, t)
    grads = net.numerical_gradient(x, t, **options)
    backprop = net.gradient(x, t)
    for name in serial:
        np.testing.assert_allclose(grads[name], serial[name], rtol=1e-12, atol=1e-16)
        # the book's + 1e-7 inside the log moves the loss's gradient by about 1e-7 / y
        np.testing.assert_allclose(grads[name], backprop[name], rtol=1e-5, atol=1e-6)


def test_numerical_gradient_perturbs_in_place_and_restores_the_params() -> None:
    net, x, t = _two_layer()
    arrays = dict(net.params)
    before = {k: v.copy() for k, v in net.params.items()}
    results = net.numerical_gradient(x, t, method="richardson", full_output=True)
    for name, array in net.params.items():
        assert array is arrays[name], f"params[{name!r}] was replaced"
        assert array.tobytes() == before[name].tobytes(), f"params[{name!r}] was modified"
    assert results["W1"].nfev > 2 * net.params["W1"].size
    backprop = net.gradient(x, t)
    for name, result in results.items():  # richardson is far more accurate than 1e-7 / y
        np.testing.assert_allclose(result.grad, backprop[name], rtol=1e-4, atol=1e-8)


def test_complex_step_differentiates_the_loss_through_a_copy() -> None:
    net, x, t = _two_layer()
    grads = net.numerical_gradient(x, t, method="complex", h="auto")
    exact = _analytic_gradient(net.params, x, t)
    for name in grads:
        np.testing.assert_allclose(grads[name], exact[name], rtol=1e-5, atol=1e-9)


@pytest.mark.parametrize("options", [{}, {"vectorized": True}], ids=["in place", "vectorized"])
def test_a_zero_input_names_w1_and_accuses_no_closure(options: dict[str, bool]) -> None:
    net = TwoLayerNet(2, 10, 3, seed=0)
    x, t = np.zeros((1, 2)), np.array([1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        grads = net.numerical_gradient(x, t, **options)
    assert not grads["W1"].any(), "W1's gradient must be exactly 0 when every input is 0"
    messages = [str(w.message) for w in caught if issubclass(w.category, IgnoredInputWarning)]
    assert len(messages) == 1, f"only W1 should be flagged, got {messages}"
    assert "closure" not in messages[0], (
        "the net's own numerical_gradient built f itself: the warning must not blame a "
        f"closure the user never wrote, got {messages[0]!r}"
    )
    assert messages[0].startswith("W1's gradient is exactly 0"), (
        f"the warning must name W1 and say its gradient is exactly 0, got {messages[0]!r}"
    )
    assert "every input in x is 0" in messages[0], (
        f"the warning must say why W1 has no effect (the inputs are 0), got {messages[0]!r}"
    )


def test_batched_loss_equals_the_loss_of_each_copy() -> None:
    net, x, t = _two_layer()
    rng = np.random.default_rng(3)
    for name in ("W1", "b1", "W2", "b2"):
        stack = net.params[name] + 0.1 * rng.standard_normal((4, *net.params[name].shape))
        losses = net.batched_loss(x, t, **{name: stack})
        for k in range(4):
            original = net.params[name]
            net.params[name] = stack[k]
            try:
                single = net.loss(x, t)
            finally:
                net.params[name] = original
            assert losses[k] == pytest.approx(single, rel=1e-13), f"{name} copy {k}"
    with pytest.raises(ValueError, match=r"W2 must be a stack of shape \(k, 5, 3\)"):
        net.batched_loss(x, t, W2=net.params["W2"])
    with pytest.raises(ValueError, match="unknown parameter 'W3'"):
        net.batched_loss(x, t, W3=np.zeros((1, 2)))


def test_inputs_that_do_not_fit_the_network_are_named() -> None:
    net, x, t = _two_layer()
    with pytest.raises(ValueError, match=r"x has shape \(6, 3\).*input_size=4"):
        net.loss(x[:, :3], t)
    with pytest.raises(ValueError, match=r"one-hot rows of 4 classes.*output_size=3"):
        net.loss(x, np.eye(4)[[0, 1, 2, 3, 0, 1]])
    with pytest.raises(ValueError, match=r"holds the label 3.*labels must be in 0 \.\. 2"):
        net.gradient(x, np.array([0, 1, 2, 3, 0, 1]))
    with pytest.raises(ValueError, match="holds the label -1"):
        net.accuracy(x, np.array([0, 1, 2, -1, 0, 1]))
    with pytest.raises(ValueError, match="t has 5 samples but x has 6"):
        net.numerical_gradient(x, t[:5])
    with pytest.raises(ValueError, match="nan or inf"):
        net.predict(np.full((1, 4), np.nan))
    with pytest.raises(ValueError, match="hidden_size must be >= 1"):
        TwoLayerNet(2, 0, 3)
    with pytest.raises(ValueError, match="weight_init_std must be a finite number > 0"):
        TwoLayerNet(2, 3, 3, weight_init_std=-1.0)


def test_two_layer_net_with_a_random_state_has_the_books_weights() -> None:
    np.random.seed(0)  # noqa: NPY002 - the book's legacy global generator
    w1 = 0.01 * np.random.randn(784, 50)  # noqa: NPY002 - the book's TwoLayerNet draws W1,
    w2 = 0.01 * np.random.randn(50, 10)  # noqa: NPY002 - then W2, from np.random.randn
    net = TwoLayerNet(input_size=784, hidden_size=50, output_size=10, seed=np.random.RandomState(0))
    np.testing.assert_array_equal(net.params["W1"], w1, err_msg="W1 is not the book's")
    np.testing.assert_array_equal(net.params["W2"], w2, err_msg="W2 is not the book's")
    assert not net.params["b1"].any() and not net.params["b2"].any()


def test_simplenet_names_the_shape_x_must_have() -> None:
    net = SimpleNet(seed=0)
    with pytest.raises(
        ValueError,
        match=r"x has shape \(3,\), .* takes 2 values per sample: pass x of shape \(2,\)",
    ):
        net.loss(np.array([0.6, 0.9, 1.0]), np.array([0, 0, 1]))
