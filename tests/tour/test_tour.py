"""The tour replays section 4.4, agrees with every value the book printed, and goes on into 4.5."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.contour import ContourSet

from gradwalk import TwoLayerNet
from gradwalk._tour.run import DEFAULT_OUT, FIGURES, run_tour
from gradwalk._tour.section_4_4 import tour_stops
from gradwalk._tour.section_4_5 import LearningStop, learning_stops, spiral_run
from gradwalk.cli import main
from gradwalk.datasets import make_spiral
from gradwalk.functions import sigmoid, softmax

#: Every file the tour writes, sorted by name.
WRITTEN = [
    "fig-4-10.png",
    "fig-4-11-4-12-spiral.png",
    "fig-4-9.png",
    "index.html",
    "learning-rates.png",
    "spiral-boundary.png",
]
SUMMARY = "15 computations, every value agrees with the book and every check holds."


def test_every_tour_stop_agrees_with_the_book() -> None:
    for stop in tour_stops():
        value, agrees, _ = stop.run()
        assert agrees, f"tour stop {stop.code!r} gave {value}, the book printed {stop.book}"


def test_a_stop_that_disagrees_is_reported() -> None:
    stop = tour_stops()[0]
    wrong = type(stop)(
        stop.section, stop.code, lambda: np.array([6.1, 8.0]), stop.book, stop.book_value, ""
    )
    assert not wrong.run()[1], "a gradient of [6.1, 8.0] must not agree with the book's [6, 8]"


def test_tour_text_follows_the_books_order_and_explains_the_freeze() -> None:
    lines: list[str] = []
    assert run_tour(lines.append) is True
    text = "\n".join(lines)
    order = ["np.array([3.0, 4.0])", "lr=0.1,", "lr=10.0", "lr=1e-10", "net.predict"]
    positions = [text.index(snippet) for snippet in order]
    assert positions == sorted(positions), "the tour is not in the book's order"
    assert "rounds back to x" in text, "the lr = 10 stop should show why the gradient froze"
    assert "DIFFERS" not in text and "DOES NOT HOLD" not in text


def test_tour_draws_the_figures_and_a_page_with_text_and_pictures(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_tour(lines.append, out=tmp_path / "tour") is True
    folder = tmp_path / "tour"
    names = [
        "fig-4-9.png",
        "fig-4-10.png",
        "learning-rates.png",
        "fig-4-11-4-12-spiral.png",
        "spiral-boundary.png",
    ]
    for name in names:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{name} is no PNG"
    page = (folder / "index.html").read_text(encoding="utf-8")
    positions = [page.index(f'<img src="{name}"') for name in names]
    assert positions == sorted(positions), "the figures follow the text in the book's order"
    assert page.index("np.array([3.0, 0.0])") < positions[0] < page.index("lr=10.0")
    assert page.index("train(net, x_train") < positions[3], "the 4.5 figures follow the run"
    assert SUMMARY in page
    assert "&gt;&gt;&gt; numerical_gradient(function_2" in page, "the text is escaped HTML"
    text = "\n".join(lines)
    assert str(folder / "index.html") in text and str(folder / "fig-4-9.png") in text


def test_figure_4_10_of_the_tour_has_the_books_points_and_contours() -> None:
    axes = FIGURES["fig-4-10.png"][1]().axes[0]
    (dots,) = [line for line in axes.lines if line.get_marker() == "o"]
    book = 0.8 ** np.arange(20)[:, None] * np.array([-3.0, 4.0])  # the book's x_history
    np.testing.assert_allclose(np.c_[dots.get_xdata(), dots.get_ydata()], book, rtol=1e-9)
    assert [c for c in axes.collections if isinstance(c, ContourSet)], "no contour lines"


def test_tour_command_writes_into_the_current_folder_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["tour", "--no-figures"]) == 0
    assert list(tmp_path.iterdir()) == [], "--no-figures must write nothing"
    assert main(["tour"]) == 0
    assert sorted(p.name for p in (tmp_path / DEFAULT_OUT).iterdir()) == WRITTEN
    assert capsys.readouterr().err == "", "the tour shows its warnings in the text, not on stderr"


def test_tour_help_names_every_section_and_figure_it_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tour", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for named in ("4.4", "4.5", "4-9", "4-10", "learning-rate", "4-11", "4-12", "boundary"):
        assert named in text, f"gradwalk tour --help does not mention {named!r}: {text}"


def test_tour_as_a_new_user_runs_it_from_an_empty_folder(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "gradwalk"
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "gradwalk.cli"]
    done = subprocess.run(
        [*argv, "tour", "--out", "pictures"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert SUMMARY in done.stdout
    written = sorted(p.name for p in (tmp_path / "pictures").iterdir())
    assert written == WRITTEN


# --- section 4.5 -------------------------------------------------------------------


def _stop(code: str) -> LearningStop:
    (stop,) = [stop for stop in learning_stops() if code in stop.code]
    return stop


def _exact_gradient_with_delta(
    net: TwoLayerNet, x: np.ndarray, t: np.ndarray
) -> dict[str, np.ndarray]:
    """The analytic gradient of the book's loss -mean(log(y_t + 1e-7)), the 1e-7 included.

    d/ds_j of -log(y_t + d) is -(y_t / (y_t + d)) (onehot_j - y_j): backpropagation's
    (y - onehot), weighted per sample by y_t / (y_t + d).
    """
    p, n = net.params, x.shape[0]
    z1 = sigmoid(x @ p["W1"] + p["b1"])
    y = softmax(z1 @ p["W2"] + p["b2"])
    y_t = y[np.arange(n), t]
    onehot = np.eye(y.shape[1])[t]
    ds = (y - onehot) * (y_t / (y_t + 1e-7))[:, None] / n
    da = (ds @ p["W2"].T) * z1 * (1 - z1)
    return {"W1": x.T @ da, "b1": da.sum(axis=0), "W2": z1.T @ ds, "b2": ds.sum(axis=0)}


def test_every_section_4_5_stop_holds() -> None:
    for stop in learning_stops():
        lines, holds, warned = stop.run()
        text = "\n".join(lines)
        assert holds, f"tour stop {stop.code!r} does not hold:\n{text}"
        assert warned == [], f"tour stop {stop.code!r} warned: {warned}"


def test_the_4_5_network_has_the_shapes_the_book_prints() -> None:
    lines, _, _ = _stop("hidden_size=100").run()
    assert "{'W1': (784, 100), 'b1': (100,), 'W2': (100, 10), 'b2': (10,)}" in lines[0]


def test_the_gradient_stop_explains_the_difference_by_the_books_1e_7() -> None:
    lines, _, _ = _stop("check_gradients").run()
    text = " ".join(line.split(maxsplit=1)[-1] for line in lines)
    assert "small systematic difference" in text and "1e-7" in text and "passed" in text, text
    assert "wrong" not in text, "the book's 1e-7 is a constant, not a wrong backprop"
    # Independently: the tour's network and a random spiral mini-batch; the gradient of the
    # loss with its 1e-7 is what the numerical gradient finds, and backprop is off by the
    # relative 1e-7 / y_t the lesson names.
    x_all, t_all = make_spiral(300, 3, seed=0)
    mask = np.random.default_rng(5).choice(300, 10)
    x, t = x_all[mask], t_all[mask]
    net = TwoLayerNet(2, 30, 3, seed=0)
    exact = _exact_gradient_with_delta(net, x, t)
    numerical = net.numerical_gradient(x, t, method="richardson")
    backprop = net.gradient(x, t)
    for name in exact:
        np.testing.assert_allclose(
            numerical[name],
            exact[name],
            rtol=1e-7,
            atol=1e-12,
            err_msg=f"{name}: the numerical gradient is not the loss's gradient with its 1e-7",
        )
        gap = np.max(np.abs(backprop[name] - exact[name]) / np.abs(exact[name]).max())
        assert 1e-8 < gap < 1e-5, f"{name}: backprop is off by {gap:.1e}, not about 1e-7 / y"


def test_the_cost_stop_counts_two_evaluations_per_parameter() -> None:
    lines, _, _ = _stop("numerical_gradient").run()
    text = "\n".join(lines)
    parameters = 2 * 30 + 30 + 30 * 3 + 3  # W1, b1, W2, b2 of TwoLayerNet(2, 30, 3)
    assert f"numerical: {2 * parameters} evaluations of the loss" in text, text
    book = 784 * 50 + 50 + 50 * 10 + 10  # TwoLayerNet(784, 50, 10)
    assert f"{2 * book:,} evaluations per gradient" in text, text
    assert "backprop:  1 forward and 1 backward pass" in text


def test_the_training_stop_runs_the_books_loop_to_97_percent_on_the_spiral() -> None:
    run = spiral_run()
    predicted = np.argmax(run.net.predict(run.x_train), axis=1)
    accuracy = float(np.mean(predicted == run.t_train))
    assert accuracy >= 0.97, f"the tour's run reaches only {accuracy:.3f} on its training data"
    history = run.history
    assert (history.iterations, history.iter_per_epoch) == (1000, 300 // 100)
    assert history.epochs == len(history.test_acc_list) == -(-1000 // 3), "one record per epoch"
    lines, _, _ = _stop("train(net").run()
    assert f"train acc {accuracy:.4f}" in lines[-1], lines[-1]


def test_the_training_figures_show_the_tours_run() -> None:
    history = spiral_run().history
    loss_ax, acc_ax = FIGURES["fig-4-11-4-12-spiral.png"][1]().axes
    (loss,) = loss_ax.lines
    np.testing.assert_array_equal(loss.get_ydata(), history.train_loss_list)
    train_line, test_line = acc_ax.lines
    np.testing.assert_array_equal(train_line.get_ydata(), history.train_acc_list)
    np.testing.assert_array_equal(test_line.get_ydata(), history.test_acc_list)
    boundary = FIGURES["spiral-boundary.png"][1]().axes[0]
    assert len(boundary.collections[-1].get_offsets()) == 300, "the 300 training points"


def test_a_4_5_claim_that_fails_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    failing = LearningStop("4.5", "f()", lambda: (["  gradwalk 0"], False), "never true")
    monkeypatch.setattr("gradwalk._tour.run.learning_stops", lambda: [failing])
    lines: list[str] = []
    assert run_tour(lines.append) is False, "a claim that does not hold fails the tour"
    text = "\n".join(lines)
    assert "DOES NOT HOLD: never true" in text and "checks fail" in text


def test_the_tour_and_its_page_in_chinese(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_tour(lines.append, out=tmp_path, lang="zh") is True
    text = "\n".join(lines)
    assert lines[0] == "gradwalk 导览：《深度学习入门》4.4 节“梯度”"
    assert "[4/15] 4.4.1 节" in text and "  书中     [ -6.11110793e-10   8.14814391e-10]" in text
    assert f"  图：{tmp_path / 'fig-4-9.png'}" in text
    assert "共 15 个计算，每个值都与书中一致，每项检验都成立。" in text
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in page
    assert "<figcaption>图 4-9：x0² + x1² 在书中网格各点处的负梯度。" in page
    assert "agrees with the book" not in page


def test_the_tour_in_japanese_from_python() -> None:
    lines: list[str] = []
    assert run_tour(lines.append, lang="ja") is True
    assert lines[0] == "gradwalk ツアー：『ゼロから作るDeep Learning』4.4 節「勾配」"
    assert lines[-1] == "15 個の計算。すべての値が本書と一致し、すべての確認が成立しました。"
