"""train(), TrainingHistory and SPSA on generated data (small nets, few iterations)."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest

from gradwalk import NonFiniteWarning, TrainingWarning
from gradwalk.datasets import make_spiral
from gradwalk.nets import TwoLayerNet
from gradwalk.optimizers import Adam
from gradwalk.training import SPSA, TrainingHistory, train

X, T = make_spiral(300, 3, seed=0)
X_TEST, T_TEST = make_spiral(150, 3, seed=1)


def _net(hidden: int = 30) -> TwoLayerNet:
    return TwoLayerNet(2, hidden, 3, weight_init_std=1.0, seed=0)


def test_backprop_learns_the_spiral_to_97_percent() -> None:
    net = _net()
    history = train(
        net, X, T, iters_num=1000, learning_rate=0.05, optimizer="Adam",
        x_test=X_TEST, t_test=T_TEST, seed=0, progress=False,
    )  # fmt: skip
    final = net.accuracy(X, T)
    assert final >= 0.97, f"training accuracy {final:.3f} < 0.97 on the spiral"
    assert net.accuracy(X_TEST, T_TEST) >= 0.95, history
    assert history.train_loss_list[-1] < 0.2 * history.train_loss_list[0], history
    assert history.stopped is None and history.iterations == 1000


def test_history_keeps_the_books_lists_and_the_cost() -> None:
    history = train(
        _net(), X, T, iters_num=10, batch_size=100, x_test=X_TEST, t_test=T_TEST,
        seed=0, progress=False,
    )  # fmt: skip
    assert isinstance(history, TrainingHistory)
    assert history.iter_per_epoch == 3, "one epoch is 300 / 100 iterations"
    assert history.epochs == 4, "accuracy is recorded at iterations 0, 3, 6 and 9"
    assert len(history.train_loss_list) == 10 and len(history.train_acc_list) == 4
    assert len(history.test_acc_list) == 4
    assert history.loss_evaluations == 10 and history.evaluations[-1] == 10
    assert len(history.elapsed) == 10 and history.elapsed == sorted(history.elapsed)
    assert 0 < history.elapsed[-1] <= history.wall_time
    assert "10 iterations" in repr(history)


def test_same_seed_same_run() -> None:
    first = train(_net(), X, T, iters_num=20, seed=3, progress=False)
    second = train(_net(), X, T, iters_num=20, seed=3, progress=False)
    assert first.train_loss_list == second.train_loss_list


def test_numerical_training_follows_backprop_in_every_mode() -> None:
    # The same network, batches and optimizer: the losses differ only by the gradients'
    # differences (the book's 1e-7 inside the log and the central difference's error).
    runs = {}
    for label, gradient, options in [
        ("backprop", "backprop", None),
        ("in place", "numerical", None),
        ("vectorized", "numerical", {"vectorized": True}),
    ]:
        net = _net(hidden=10)
        runs[label] = train(
            net, X, T, iters_num=60, learning_rate=1.0, gradient=gradient,
            gradient_options=options, seed=0, progress=False,
        )  # fmt: skip
    backprop = np.array(runs["backprop"].train_loss_list)
    for label in ("in place", "vectorized"):
        losses = np.array(runs[label].train_loss_list)
        np.testing.assert_allclose(losses, backprop, rtol=1e-6, err_msg=label)
        assert runs[label].loss_evaluations == 60 * 2 * 63, "central differences: 2 per parameter"


def test_numerical_training_with_a_process_pool() -> None:
    serial = train(_net(hidden=5), X, T, iters_num=3, gradient="numerical", seed=0, progress=False)
    pooled = train(
        _net(hidden=5), X, T, iters_num=3, gradient="numerical",
        gradient_options={"workers": 2}, seed=0, progress=False,
    )  # fmt: skip
    np.testing.assert_allclose(pooled.train_loss_list, serial.train_loss_list, rtol=1e-13)


def test_spsa_costs_two_evaluations_per_direction_and_lowers_the_loss() -> None:
    history = train(
        _net(hidden=10), X, T, iters_num=300, learning_rate=0.02, optimizer="Adam",
        gradient="spsa", gradient_options={"directions": 2}, seed=0, progress=False,
    )  # fmt: skip
    assert history.loss_evaluations == 300 * 2 * 2
    first, last = np.mean(history.train_loss_list[:20]), np.mean(history.train_loss_list[-20:])
    assert last < 0.9 * first, f"SPSA did not lower the loss: {first:.3f} -> {last:.3f}"


def test_spsa_estimate_is_the_gradient_on_average_and_restores_the_params() -> None:
    params = {"w": np.array([1.0, -2.0, 3.0, 0.5]), "b": np.array([0.25])}
    before = {k: v.copy() for k, v in params.items()}

    def loss() -> float:
        return float(np.sum(params["w"] ** 2) + 3 * params["b"][0])

    grads = SPSA(directions=4000, seed=1).gradient(loss, params)
    np.testing.assert_allclose(grads["w"], 2 * before["w"], atol=0.25)
    np.testing.assert_allclose(grads["b"], [3.0], atol=0.25)
    assert all(params[k].tobytes() == before[k].tobytes() for k in params), "params changed"

    def failing() -> float:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        SPSA(seed=0).gradient(failing, params)
    assert all(params[k].tobytes() == before[k].tobytes() for k in params), "not restored"
    with pytest.raises(ValueError, match="directions must be a whole number >= 1"):
        SPSA(directions=0)


def test_ctrl_c_returns_the_history_so_far() -> None:
    def stop_at_five(history: TrainingHistory) -> None:
        if history.iterations == 5:
            raise KeyboardInterrupt

    history = train(_net(), X, T, iters_num=100, seed=0, progress=False, callback=stop_at_five)
    assert history.iterations == 5 and len(history.train_loss_list) == 5
    assert history.stopped is not None and "interrupted" in history.stopped


def test_a_nan_loss_stops_training_with_a_message() -> None:
    net = _net()
    with pytest.warns(
        NonFiniteWarning, match=r"loss became nan .* lr = 1e\+308 is above the stable"
    ):
        history = train(net, X, T, iters_num=50, learning_rate=1e308, seed=0, progress=False)
    assert history.iterations < 50 and history.stopped is not None
    assert not np.isfinite(history.train_loss_list[-1])


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"x_train": X[:, :1]}, ValueError, r"x_train has shape \(300, 1\).*input_size=2"),
        ({"t_train": np.eye(4)[T]}, ValueError, r"one-hot rows of 4 classes.*output_size=3"),
        ({"t_train": T + 1}, ValueError, r"label 3.*labels must be in 0 \.\. 2"),
        ({"t_train": T[:10]}, ValueError, "t_train has 10 samples but x has 300"),
        ({"batch_size": 301}, ValueError, r"batch_size=301 is larger than .*300 samples"),
        ({"iters_num": 0}, ValueError, "iters_num must be a whole number >= 1"),
        ({"iters_num": 2.5}, TypeError, "iters_num must be a whole number"),
        ({"learning_rate": -0.1}, ValueError, "learning_rate must be a finite number > 0"),
        ({"learning_rate": float("nan")}, ValueError, "learning_rate must be a finite"),
        ({"optimizer": "adamw"}, ValueError, "optimizer='adamw' is not known"),
        ({"optimizer": Adam(lr=0.01)}, ValueError, "learning_rate=0.1 disagrees"),
        ({"gradient": "finite"}, ValueError, "gradient='finite' is not known"),
        ({"gradient_options": {"vectorized": True}}, ValueError, "backprop' takes no options"),
        ({"x_test": X_TEST}, ValueError, "both x_test and t_test"),
        ({"x_test": X_TEST[:, :1], "t_test": T_TEST}, ValueError, "x_test has shape"),
    ],
)
def test_bad_input_is_refused_before_any_training(kwargs: dict, error: type, message: str) -> None:
    net = _net()
    before = {k: v.copy() for k, v in net.params.items()}
    arguments = {"x_train": X, "t_train": T, **kwargs}
    x, t = arguments.pop("x_train"), arguments.pop("t_train")
    with pytest.raises(error, match=message):
        train(net, x, t, progress=False, **arguments)
    assert all(np.array_equal(net.params[k], before[k]) for k in before), "net was trained"


# --- what a run tells the learner -------------------------------------------------------


def test_verbose_prints_the_books_line_each_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    history = train(
        _net(), X, T, iters_num=9, batch_size=100, learning_rate=0.5,
        x_test=X_TEST, t_test=T_TEST, seed=0, progress=False, verbose=True,
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    expected = [
        f"train acc, test acc | {train_acc}, {test_acc}"  # str() of each, as the book's script
        for train_acc, test_acc in zip(history.train_acc_list, history.test_acc_list, strict=True)
    ]
    assert lines[:-1] == expected and len(expected) == 3, lines
    assert lines[-1] == history.message and history.status == "trained"


def test_the_progress_bar_shows_loss_and_accuracy(capsys: pytest.CaptureFixture[str]) -> None:
    train(_net(), X, T, iters_num=9, batch_size=100, x_test=X_TEST, t_test=T_TEST, seed=0)
    bar = capsys.readouterr().err
    assert re.search(r"9/9 .*loss [\d.]+, train acc [\d.]+, test acc [\d.]+", bar), bar


@pytest.mark.filterwarnings("ignore::gradwalk.TrainingWarning")  # 3 iterations barely move it
def test_a_slow_numerical_gradient_tells_its_cost_and_counts_evaluations(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from gradwalk._learning import feedback

    monkeypatch.setattr(feedback, "SLOW_ITERATION", 0.0)  # every iteration counts as slow
    net = TwoLayerNet(2, 3, 3, seed=0)  # 21 parameters: 42 evaluations per iteration
    history = train(net, X, T, iters_num=3, batch_size=10, gradient="numerical", seed=0)
    out, bar = capsys.readouterr()
    assert re.search(
        r"numerical gradient: 21 parameters, 42 evaluations of the loss per iteration at "
        r"about .* each.*: about .* per iteration, .* for iters_num=3\. gradient='backprop' "
        r"gives the same gradient in about",
        out,
    ), out
    assert "126/126" in bar and "iteration 3/3" in bar, "the bar must count the evaluations"
    assert history.loss_evaluations >= 126


def test_blas_threads_are_chosen_by_measuring() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    from gradwalk._engine.threads import faster_blas_threads

    def threads() -> int:
        return max(int(lib.get("num_threads", 1)) for lib in threadpool_info())

    if threads() <= 1:
        pytest.skip("BLAS runs one thread here already: there is nothing to choose")
    before = threadpool_info()
    # slower on several threads than on one, as a busy machine makes a matrix product
    # (sleeps 10 times apart, so that a loaded machine cannot reverse the order)
    chosen, seconds = faster_blas_threads(lambda: time.sleep(0.02 if threads() > 1 else 0.002))
    assert chosen == 1 and seconds < 0.02, (chosen, seconds)
    chosen, _ = faster_blas_threads(lambda: time.sleep(0.002 if threads() > 1 else 0.02))
    assert chosen is None, "one thread was chosen although it was slower"
    assert threadpool_info() == before, "the thread limits were not restored"
    with threadpool_limits(limits=1):
        assert faster_blas_threads(lambda: None)[0] is None


def _largest_rate(net: TwoLayerNet, x: np.ndarray, t: np.ndarray) -> float:
    """2 / λmax of the loss on (x, t), from the Hessian built by differencing backprop."""
    names = list(net.params)
    theta = np.concatenate([net.params[k].ravel() for k in names])
    sizes = np.cumsum([net.params[k].size for k in names])[:-1]

    def gradient(point: np.ndarray) -> np.ndarray:
        probe = TwoLayerNet(2, 30, 3, seed=0)
        for name, piece in zip(names, np.split(point, sizes), strict=True):
            probe.params[name] = piece.reshape(net.params[name].shape)
        return np.concatenate([g.ravel() for g in probe.gradient(x, t).values()])

    eps = 1e-5
    hessian = np.array(
        [
            (gradient(theta + eps * e) - gradient(theta - eps * e)) / (2 * eps)
            for e in np.eye(theta.size)
        ]
    )
    return 2 / float(np.max(np.linalg.eigvalsh((hessian + hessian.T) / 2)))


@pytest.mark.parametrize(
    ("lr", "status", "words"),
    [(1e9, "diverged", "is above the stable bound of about"), (1e-9, "stalled", "is far below")],
)
def test_a_learning_rate_that_diverges_or_stalls_is_explained_as_descend_does(
    lr: float, status: str, words: str
) -> None:
    net = _net()
    bound = _largest_rate(net, X, T)
    pattern = f"training {status}: .*" + re.escape(f"lr = {lr:g} {words}")
    with pytest.warns(TrainingWarning, match=pattern) as record:
        history = train(net, X, T, iters_num=300, learning_rate=lr, seed=0, progress=False)
    assert history.status == status and history.message in str(record[0].message)
    assert record[0].filename == __file__, (
        f"the warning points at {record[0].filename}, not at the caller's line"
    )
    quoted = float(re.search(r"stable bound of about ([\d.e+-]+)", history.message).group(1))  # type: ignore[union-attr]
    assert quoted == pytest.approx(bound, rel=0.05), f"quoted {quoted}, 2/λmax is {bound:.3g}"


def test_mistyped_options_and_transposed_data_are_named_with_the_fix() -> None:
    x, t = make_spiral(300, 3, seed=0)
    with pytest.raises(TypeError, match=r"'iter_num'\. Did you mean 'iters_num'"):
        train(TwoLayerNet(2, 5, 3, seed=0), x, t, iter_num=10)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        train(TwoLayerNet(2, 5, 3, seed=0), x, t, optimizer="adma", iters_num=1, progress=False)
    with pytest.raises(
        ValueError, match=r"samples look like columns.*Pass x_train\.T, of shape \(300, 2\)"
    ):
        train(TwoLayerNet(2, 5, 3, seed=0), x.T, t, iters_num=1, progress=False)


def test_the_closing_message_shows_the_digits_that_tell_the_losses_apart() -> None:
    from gradwalk._learning.feedback import _apart

    assert (_apart(1.1042, 1.0987), _apart(1.0987, 1.1042)) == ("1.104", "1.099")
    assert _apart(2.3, 0.05) == "2.3"
