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


def test_train_bad_input_is_an_error_with_status_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--batch-size", "500", "--no-progress"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--batch-size 500 is larger than the 300 training samples of spiral" in err, err
    assert main(["train", "--lr", "-1", "--no-progress"]) == 2
    assert "--lr: expected a finite number > 0; got '-1'" in capsys.readouterr().err
