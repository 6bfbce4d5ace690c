"""The tour replays section 4.4 and agrees with every value the book printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.contour import ContourSet

from gradwalk._tour import DEFAULT_OUT, FIGURES, run_tour, tour_stops
from gradwalk.cli import main


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
    assert "DIFFERS" not in text


def test_tour_draws_the_figures_and_a_page_with_text_and_pictures(tmp_path: Path) -> None:
    lines: list[str] = []
    assert run_tour(lines.append, out=tmp_path / "tour") is True
    folder = tmp_path / "tour"
    names = ["fig-4-9.png", "fig-4-10.png", "learning-rates.png"]
    for name in names:
        assert (folder / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{name} is no PNG"
    page = (folder / "index.html").read_text(encoding="utf-8")
    positions = [page.index(f'<img src="{name}"') for name in names]
    assert positions == sorted(positions), "the figures follow the text in the book's order"
    assert page.index("np.array([3.0, 0.0])") < positions[0] < page.index("lr=10.0")
    assert "every value agrees with the book" in page
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
    assert sorted(p.name for p in (tmp_path / DEFAULT_OUT).iterdir()) == [
        "fig-4-10.png",
        "fig-4-9.png",
        "index.html",
        "learning-rates.png",
    ]
    assert capsys.readouterr().err == "", "the tour shows its warnings in the text, not on stderr"


def test_tour_as_a_new_user_runs_it_from_an_empty_folder(tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "gradwalk"
    argv = [str(command)] if command.exists() else [sys.executable, "-m", "gradwalk.cli"]
    done = subprocess.run(
        [*argv, "tour", "--out", "pictures"], cwd=tmp_path, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "11 computations, every value agrees with the book." in done.stdout
    written = sorted(p.name for p in (tmp_path / "pictures").iterdir())
    assert written == ["fig-4-10.png", "fig-4-9.png", "index.html", "learning-rates.png"]
