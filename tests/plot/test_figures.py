"""The figures, checked by their structure: arrows, limits, labels, points, contour lines."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.quiver import Quiver

from gradwalk import DescentResult, NonFiniteWarning, descend, parse_expression
from gradwalk.book import function_2
from gradwalk.plot import plot_descent, plot_gradient_field, plot_learning_rates
from gradwalk.plot._gradients import _values_on
from gradwalk.testfunctions import rosenbrock, saddle

#: The book's Figure 4-10 path: lr = 0.1 multiplies x by 0.8 each step, 20 points.
BOOK_PATH = 0.8 ** np.arange(20)[:, None] * np.array([-3.0, 4.0])


def _quiver(figure: Figure) -> Quiver:
    arrows = [c for c in figure.axes[0].collections if isinstance(c, Quiver)]
    assert len(arrows) == 1, "the field must be drawn as exactly one quiver"
    return arrows[0]


def _contours(figure: Figure, index: int = 0) -> list[ContourSet]:
    return [c for c in figure.axes[index].collections if isinstance(c, ContourSet)]


def _grid_on(axes: Any) -> bool:
    return all(line.get_visible() for line in [*axes.get_xgridlines(), *axes.get_ygridlines()])


def test_gradient_field_is_the_books_figure_4_9() -> None:
    figure = plot_gradient_field(function_2)
    axes = figure.axes[0]
    arrows = _quiver(figure)
    grid = np.arange(-2, 2.5, 0.25)
    x, y = np.meshgrid(grid, grid)
    assert arrows.N == 18 * 18, "the book's grid arange(-2, 2.5, 0.25) has 18 x 18 points"
    np.testing.assert_array_equal(arrows.get_offsets(), np.c_[x.ravel(), y.ravel()])
    # The negative of the analytic gradient (2 x0, 2 x1).
    np.testing.assert_allclose(arrows.U, -2 * x.ravel(), atol=1e-6)
    np.testing.assert_allclose(arrows.V, -2 * y.ravel(), atol=1e-6)
    assert arrows.angles == "xy"
    assert tuple(arrows.get_facecolor()[0]) == to_rgba("#666666"), "the book's grey arrows"
    assert tuple(axes.get_xlim()) == (-2.0, 2.0) and tuple(axes.get_ylim()) == (-2.0, 2.0)
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("x0", "x1")
    assert _grid_on(axes), "the book's figure has the grid on"


def test_every_arrow_points_at_the_minimum_and_grows_with_distance() -> None:
    arrows = _quiver(plot_gradient_field(function_2))
    points = np.asarray(arrows.get_offsets())
    directions = np.c_[arrows.U, arrows.V]
    distance = np.hypot(points[:, 0], points[:, 1])
    away = distance > 0
    cosine = np.sum(directions[away] * -points[away], axis=1) / (
        np.hypot(*directions[away].T) * distance[away]
    )
    np.testing.assert_allclose(cosine, 1.0, atol=1e-9, err_msg="an arrow misses the minimum")
    np.testing.assert_allclose(np.hypot(*directions.T), 2 * distance, atol=1e-6)
    assert np.all(np.hypot(*directions[~away].T) < 1e-9), "no arrow at the minimum itself"


def test_gradient_field_of_another_function_and_window() -> None:
    figure = plot_gradient_field(saddle, xlim=(-1, 3), ylim=(-2, 1), gradient=saddle.gradient)
    arrows = _quiver(figure)
    points = np.asarray(arrows.get_offsets())
    assert arrows.N == 17 * 17, "17 evenly spaced values across each axis of a custom window"
    assert points[:, 0].min() == -1 and points[:, 0].max() == 3
    assert points[:, 1].min() == -2 and points[:, 1].max() == 1
    # x0² - x1²: the negative gradient is (-2 x0, +2 x1), towards x0 = 0 and away from x1 = 0.
    np.testing.assert_allclose(arrows.U, -2 * points[:, 0], atol=1e-12)
    np.testing.assert_allclose(arrows.V, 2 * points[:, 1], atol=1e-12)
    assert tuple(figure.axes[0].get_xlim()) == (-1.0, 3.0)


def test_gradient_field_of_a_formula_matches_its_analytic_gradient() -> None:
    f = parse_expression("sin(x) * exp(-y**2)")
    arrows = _quiver(plot_gradient_field(f, negative=False))
    x, y = np.asarray(arrows.get_offsets()).T
    np.testing.assert_allclose(arrows.U, np.cos(x) * np.exp(-(y**2)), atol=1e-7)
    np.testing.assert_allclose(arrows.V, -2 * y * np.sin(x) * np.exp(-(y**2)), atol=1e-7)


def test_normalized_arrows_all_have_length_one() -> None:
    arrows = _quiver(plot_gradient_field(rosenbrock, xlim=(-2, 2), ylim=(-1, 3), normalize=True))
    lengths = np.hypot(arrows.U, arrows.V)
    np.testing.assert_allclose(lengths, 1.0, rtol=1e-12)


def test_gradient_field_warns_once_where_f_is_not_finite() -> None:
    with pytest.warns(NonFiniteWarning, match=r"at 144 of 324 grid points"):
        figure = plot_gradient_field(parse_expression("log(x0 + 0.125)"))
    arrows = _quiver(figure)
    x = np.asarray(arrows.get_offsets())[:, 0]
    hidden = np.broadcast_to(arrows.Umask, arrows.U.shape)  # quiver keeps nan as a mask
    assert np.all(hidden[x + 0.125 <= 0]), "no arrow where log is undefined"
    assert not np.any(hidden[x + 0.125 > 0]), "an arrow wherever log is defined"


def test_gradient_field_warnings_are_shown_once_per_kind_at_the_callers_line() -> None:
    def f(x: np.ndarray) -> float:
        return float(np.log(x[0] + 0.125))  # numpy warns too where x0 + 0.125 < 0

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        plot_gradient_field(f, grid=(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5)))
    kinds = [record.category for record in caught]
    assert sorted(kind.__name__ for kind in kinds) == ["NonFiniteWarning", "RuntimeWarning"], (
        f"expected one NonFiniteWarning and one RuntimeWarning, got {kinds}"
    )
    for record in caught:
        assert "grid points" in str(record.message), f"no count in: {record.message}"
        assert record.filename == __file__, (
            f"{record.category.__name__} points at {record.filename}, not the caller's line"
        )


def test_drawing_into_given_axes_returns_their_figure() -> None:
    figure = Figure()
    left, right = figure.subplots(1, 2)
    assert plot_gradient_field(function_2, ax=right) is figure
    assert plot_descent(BOOK_PATH, function_2, ax=left) is figure
    assert len(_contours(figure, 0)) == 1 and not right.lines


def test_descent_is_the_books_figure_4_10_with_contour_lines() -> None:
    figure = plot_descent(BOOK_PATH, function_2)
    axes = figure.axes[0]
    dots = [line for line in axes.lines if line.get_marker() == "o"]
    assert len(dots) == 1, "one path"
    assert dots[0].get_linestyle() == "None", "the book draws each iterate as a dot, unjoined"
    np.testing.assert_array_equal(np.c_[dots[0].get_xdata(), dots[0].get_ydata()], BOOK_PATH)
    dashed = [line for line in axes.lines if line.get_linestyle() == "--"]
    assert len(dashed) == 2, "dashed lines along both axes"
    assert {tuple(np.asarray(line.get_ydata(), float)) for line in dashed} >= {(0.0, 0.0)}
    assert {tuple(np.asarray(line.get_xdata(), float)) for line in dashed} >= {(0.0, 0.0)}
    assert tuple(axes.get_xlim()) == (-3.5, 3.5) and tuple(axes.get_ylim()) == (-4.5, 4.5)
    assert (axes.get_xlabel(), axes.get_ylabel()) == ("X0", "X1")
    assert axes.get_legend() is None, "one path needs no legend"
    assert not axes.texts, "every point lies inside the window"


def test_contour_lines_are_dashed_circles_of_the_sphere() -> None:
    (contours,) = _contours(plot_descent(BOOK_PATH, function_2))
    assert len(contours.levels) == 8
    for dash in contours.get_linestyles():
        assert dash[1] is not None and len(dash[1]) >= 2, "contour lines must be dashed"
    for level, segments in zip(contours.levels, contours.allsegs, strict=True):
        assert segments, f"no line drawn for level {level}"
        for segment in segments:
            radius2 = np.sum(segment**2, axis=1)
            # On a 121 x 121 grid, linear interpolation is good to about 1%.
            np.testing.assert_allclose(radius2, level, rtol=0.02, err_msg="not a circle x0²+x1²=c")


def test_descent_result_and_several_paths_with_a_legend() -> None:
    start = np.array([-3.0, 4.0])
    runs = [
        descend(function_2, start, lr=0.1, steps=30, optimizer=name) for name in ("sgd", "adam")
    ]
    figure = plot_descent(runs, function_2)
    axes = figure.axes[0]
    paths = [line for line in axes.lines if line.get_marker() == "o"]
    assert len(paths) == 2
    for line, run in zip(paths, runs, strict=True):
        assert isinstance(run, DescentResult)
        np.testing.assert_array_equal(np.c_[line.get_xdata(), line.get_ydata()], run.path)
    legend = [text.get_text() for text in axes.get_legend().get_texts()]
    assert legend == [run.optimizer for run in runs], "each path is named by its optimizer"
    assert legend[0].startswith("SGD") and legend[1].startswith("Adam")
    labelled = plot_descent(runs, labels=["plain", "adam"])
    assert [t.get_text() for t in labelled.axes[0].get_legend().get_texts()] == ["plain", "adam"]
    assert not _contours(labelled), "no function, no contour lines"


def test_points_outside_the_window_are_counted() -> None:
    path = np.array([[-3.0, 4.0], [57.0, -76.0], [np.nan, np.nan], [0.0, 0.0]])
    axes = plot_descent(path, function_2).axes[0]
    assert [text.get_text() for text in axes.texts] == ["1 of 4 points lie outside this window"]


def test_bad_paths_and_labels_are_refused() -> None:
    with pytest.raises(ValueError, match=r"shape \(n, 2\).*got an array of shape \(3, 3\)"):
        plot_descent(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="got 1 labels for 2 paths"):
        plot_descent([BOOK_PATH, BOOK_PATH], labels=["one"])
    with pytest.raises(ValueError, match="low < high"):
        plot_descent(BOOK_PATH, xlim=(1, -1))
    with pytest.raises(TypeError, match="results must be"):
        plot_descent(42)


def test_values_on_a_grid_of_vectorized_and_pointwise_functions() -> None:
    points = np.stack(np.meshgrid(np.linspace(-1, 2, 7), np.linspace(0, 3, 5)), axis=-1)
    expected = points[..., 0] ** 2 + points[..., 1] ** 2
    np.testing.assert_allclose(_values_on(function_2, points), expected, rtol=1e-15)
    pointwise = lambda x: x[0] ** 2 + x[1] ** 2  # noqa: E731  (not vectorized over a grid)
    np.testing.assert_allclose(_values_on(pointwise, points), expected, rtol=1e-15)
    calls: list[int] = []

    def counting(x: Any) -> Any:
        calls.append(1)
        return rosenbrock(x)

    _values_on(counting, points)
    assert len(calls) == 3, "a vectorized f is called once on the grid and twice to verify"


def test_learning_rates_figure() -> None:
    figure = plot_learning_rates(function_2, [-3.0, 4.0])
    paths_axes, values_axes = figure.axes
    legend = [text.get_text() for text in paths_axes.get_legend().get_texts()]
    assert [entry.split(":")[0] for entry in legend] == ["lr = 10", "lr = 0.1", "lr = 1e-10"]
    assert "diverged" in legend[0]
    assert len(_contours(figure, 0)) == 1
    assert values_axes.get_yscale() == "log"
    assert (values_axes.get_xlabel(), values_axes.get_ylabel()) == ("step", "f(x)")
    big, good, small = (line.get_ydata() for line in values_axes.lines)
    assert np.all(np.diff(big) > 0) and big[-1] > 1e26, "lr = 10: f climbs to about 6.7e26"
    # lr = 0.1: x shrinks by 0.8 per step, so f = 25 * 0.64**k.
    np.testing.assert_allclose(good, 25 * 0.64 ** np.arange(101), rtol=1e-6)
    np.testing.assert_allclose(small, 25.0, rtol=1e-7, err_msg="lr = 1e-10 hardly moves")
    with pytest.raises(ValueError, match="two Axes"):
        plot_learning_rates(function_2, [-3.0, 4.0], ax=[paths_axes])


def test_figures_save_and_never_touch_pyplot(tmp_path: Path) -> None:
    script = (
        "import sys, numpy as np\n"
        "from gradwalk.plot import plot_gradient_field, plot_descent, plot_learning_rates\n"
        "from gradwalk.book import function_2\n"
        "plot_gradient_field(function_2).savefig(sys.argv[1] + '/a.png')\n"
        "plot_descent(np.zeros((3, 2)), function_2).savefig(sys.argv[1] + '/b.png')\n"
        "plot_learning_rates(function_2, [-3.0, 4.0], steps=5).savefig(sys.argv[1] + '/c.png')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == "False", "pyplot was imported"
    for name in "abc":
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- section 4.5: training curves and decision boundaries ---------------------------


def test_plot_training_overlays_runs_against_iterations_seconds_and_evaluations() -> None:
    from gradwalk.datasets import make_spiral
    from gradwalk.nets import TwoLayerNet
    from gradwalk.plot import plot_training
    from gradwalk.training import train

    x, t = make_spiral(90, 3, seed=0)
    runs = [
        train(TwoLayerNet(2, 4, 3, seed=0), x, t, iters_num=6, batch_size=30, gradient=g,
              x_test=x, t_test=t, seed=0, progress=False)
        for g in ("backprop", "spsa")
    ]  # fmt: skip
    fig = plot_training(runs)
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["backprop", "spsa"]
    np.testing.assert_array_equal(loss_ax.get_lines()[1].get_ydata(), runs[1].train_loss_list)
    assert len(acc_ax.get_lines()) == 4, "train and test accuracy of each run"
    np.testing.assert_array_equal(acc_ax.get_lines()[0].get_xdata(), [0, 1])
    cost = plot_training(runs, against="evaluations").axes[0]
    np.testing.assert_array_equal(cost.get_lines()[1].get_xdata(), runs[1].evaluations)
    assert cost.get_xlabel() == "evaluations of the loss"
    with pytest.raises(ValueError, match="against='time' is not known"):
        plot_training(runs, against="time")
    with pytest.raises(ValueError, match="1 labels for 2 histories"):
        plot_training(runs, labels=["a"])


def test_plot_decision_boundary_colours_the_predicted_class() -> None:
    from gradwalk.datasets import make_circles
    from gradwalk.nets import TwoLayerNet
    from gradwalk.plot import plot_decision_boundary

    x, t = make_circles(40, seed=0)
    net = TwoLayerNet(2, 3, 2, seed=0)
    fig = plot_decision_boundary(net, x, t, resolution=20)
    assert len(fig.axes[0].collections) >= 2, "the filled regions and the points"
    with pytest.raises(ValueError, match=r"x must have shape \(N, 2\)"):
        plot_decision_boundary(net, np.zeros((3, 3)), [0, 1, 0])


# --- mistakes a learner makes, and what the message says --------------------------------


def test_plot_training_of_a_list_of_losses_says_how_to_wrap_the_books_lists() -> None:
    from gradwalk import TrainingHistory
    from gradwalk.plot import plot_training

    with pytest.raises(TypeError, match=r"got a list of 2 numbers\. .*TrainingHistory\('backprop'"):
        plot_training([2.3, 2.0])
    wrapped = TrainingHistory(
        "backprop", 2, train_loss_list=[2.3, 2.0, 1.7], train_acc_list=[0.2, 0.6]
    )
    assert [len(ax.lines) for ax in plot_training(wrapped).axes] == [1, 1]


def test_a_field_of_a_function_of_three_variables_says_how_to_draw_a_slice() -> None:
    with pytest.raises(
        ValueError, match=r"two variables \(x0, x1\), but f reads more.*x\[0\], x\[1\], 1\.0"
    ):
        plot_gradient_field(lambda x: x[0] ** 2 + x[1] ** 2 + x[2] ** 2)
    with pytest.raises(ValueError, match="plot_descent draws f over the plane"):
        plot_descent(BOOK_PATH, lambda x: x[0] + x[1] + x[2])


@pytest.mark.parametrize("ax", ["left", 1, "figure"])
def test_an_ax_that_is_not_an_axes_says_what_to_pass(ax: object) -> None:
    from matplotlib.figure import Figure

    given = Figure() if ax == "figure" else ax
    with pytest.raises(TypeError, match=r"ax must be a Matplotlib Axes.*plt\.subplots\(\)"):
        plot_gradient_field(function_2, ax=given)  # type: ignore[arg-type]
