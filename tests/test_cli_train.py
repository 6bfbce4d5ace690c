"""``gradwalk train`` end to end, through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradwalk.cli import main


def test_train_on_the_default_spiral_prints_epochs_and_writes_figures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "run.png"
    status = main(["train", "--iters", "300", "--no-progress", "--plot", str(target)])
    out = capsys.readouterr().out
    assert status == 0, out
    assert "on spiral: 300 training, 300 test samples" in out
    assert "epoch    0  iter      1  loss" in out
    final = float(out.split("final: train acc ")[1].split(",")[0])
    assert final > 0.8, out
    assert target.stat().st_size > 0 and (tmp_path / "run-boundary.png").stat().st_size > 0


def test_train_with_spsa_counts_two_evaluations_per_direction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["train", "--dataset", "moons", "--gradient", "spsa", "--directions", "3"]
    assert main([*argv, "--iters", "20", "--hidden", "5", "--no-progress"]) == 0
    assert "120 loss evaluations for gradients" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-size", "500"], "--batch-size 500 is larger than the spiral training data (300"),
        (["--batch-size", "0"], "--batch-size must be a whole number >= 1, got --batch-size=0"),
        (["--iters", "0"], "--iters must be a whole number >= 1, got --iters=0"),
        (["--lr", "-1"], "--lr must be a finite number > 0, got --lr=-1.0"),
        (["--lr", "nan"], "--lr must be a finite number > 0, got --lr=nan"),
        (["--hidden", "0"], "--hidden must be a whole number >= 1"),
        (["--workers", "2"], "--workers applies to --gradient numerical, not to --gradient back"),
        (["--vectorized", "--gradient", "spsa"], "--vectorized applies to --gradient numerical"),
        (["--directions", "4"], "--directions applies to --gradient spsa"),
        (["--gradient", "spsa", "--directions", "0"], "--directions must be a whole number >= 1"),
        (["--plot", "run.txt"], "--plot must name a .png, .svg or .pdf file; got 'run.txt'"),
        (["--plot", "missing/run.png"], "the folder 'missing' does not exist"),
    ],
)
def test_train_bad_input_names_the_flag_and_stops_before_training(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--no-progress", *argv]) == 2, f"{argv} must be refused"
    out, err = capsys.readouterr()
    assert message in err, f"{argv}: the error should say {message!r}, got {err!r}"
    assert "epoch" not in out and "final" not in out, f"{argv}: refused only after training"
