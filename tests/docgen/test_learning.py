"""The pictures of docs/learning.md: SPSA against backprop on digits."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import numpy as np
import pytest

from gradwalk._docgen.learning import PICTURES, digits_runs, main, spsa_against_backprop


def test_per_evaluation_spsa_pays_two_evaluations_per_iteration_backprop_one() -> None:
    loss_ax, acc_ax = spsa_against_backprop("evaluations", backprop_iters=30, spsa_iters=50).axes
    backprop, spsa = loss_ax.lines
    # Spall's estimate: the loss at theta + c·delta and at theta - c·delta, per direction.
    np.testing.assert_array_equal(spsa.get_xdata(), 2 * np.arange(1, 51))
    np.testing.assert_array_equal(backprop.get_xdata(), np.arange(1, 31))
    assert loss_ax.get_xlabel() == "evaluations of the loss"
    assert "SPSA" in spsa.get_label() and "backprop" in backprop.get_label()
    assert len(acc_ax.lines) == 4, "train and test accuracy of both runs"


def test_per_second_the_curves_follow_the_wall_clock_of_each_run() -> None:
    (loss_ax, _) = spsa_against_backprop("seconds", backprop_iters=30, spsa_iters=50).axes
    runs = digits_runs(30, 50)
    for line, history in zip(loss_ax.lines, (runs.backprop, runs.spsa), strict=True):
        seconds = np.asarray(line.get_xdata())
        assert np.all(np.diff(seconds) > 0), "seconds must grow from iteration to iteration"
        assert 0 < seconds[-1] <= history.wall_time, "the last point is inside the run's time"


def test_main_writes_every_picture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in list(PICTURES):
        against = "seconds" if "seconds" in name else "evaluations"
        small = partial(spsa_against_backprop, against, backprop_iters=30, spsa_iters=50)
        monkeypatch.setitem(PICTURES, name, small)
    assert main([str(tmp_path / "images")]) == 0
    written = sorted(p.name for p in (tmp_path / "images").iterdir())
    assert written == sorted(PICTURES)
    for name in written:
        assert (tmp_path / "images" / name).read_bytes()[:4] == b"\x89PNG", f"{name} is no PNG"
    assert capsys.readouterr().out.count("wrote ") == len(PICTURES)
