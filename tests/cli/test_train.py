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


def test_train_with_backprop_claims_no_loss_evaluations_for_gradients(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["train", "--dataset", "moons", "--gradient", "backprop", "--iters", "20"]
    assert main([*argv, "--hidden", "5", "--no-progress"]) == 0
    out = capsys.readouterr().out
    assert "loss evaluations for gradients" not in out, (
        f"backprop evaluates no loss for a numerical gradient, yet the summary says so: {out}"
    )
    assert "20 backprop passes (forward and backward)" in out, (
        f"the summary should count backprop's forward and backward passes: {out}"
    )


def test_train_with_spsa_counts_two_evaluations_per_direction(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["train", "--dataset", "moons", "--gradient", "spsa", "--directions", "3"]
    assert main([*argv, "--iters", "20", "--hidden", "5", "--no-progress"]) == 0
    assert "120 loss evaluations for gradients" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--batch-size", "500"], "--batch-size 500 is larger than the 300 training samples"),
        (["--batch-size", "0"], "--batch-size: expected a whole number >= 1; got '0'"),
        (["--iters", "0"], "--iters: expected a whole number >= 1; got '0'"),
        (["--lr", "-1"], "--lr: expected a finite number > 0; got '-1'"),
        (["--lr", "nan"], "--lr: expected a finite number > 0; got 'nan'"),
        (["--hidden", "0"], "--hidden: expected a whole number >= 1"),
        (["--workers", "2"], "--workers applies to --gradient numerical only"),
        (["--vectorized", "--gradient", "spsa"], "--vectorized applies to --gradient numerical"),
        (["--directions", "4"], "--directions applies to --gradient spsa"),
        (["--gradient", "spsa", "--directions", "0"], "--directions: expected a whole number"),
        (["--plot", "run.txt"], "--plot must name a .png, .svg or .pdf file; got 'run.txt'"),
        (["--plot", "missing/run.png"], "the folder 'missing' does not exist"),
    ],
)
def test_train_bad_input_names_the_flag_and_stops_before_training(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["train", "--no-progress", *argv]) == 2, f"{argv} must be refused"
    out, err = capsys.readouterr()
    err = " ".join(err.split())
    assert message in err, f"{argv}: the error should say {message!r}, got {err!r}"
    assert out == "", f"{argv}: refused only after printing or training:\n{out}"


def test_a_data_set_whose_extra_is_missing_names_the_extra_and_the_flag_that_needs_none(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "sklearn", None)  # as on an install without the extra
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    assert main(["train", "--dataset", "digits", "--no-progress"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert 'pip install "gradwalk[digits]"' in err, f"the error must name the extra: {err}"
    assert "--dataset spiral (the default), moons or circles need nothing installed" in err, (
        f"a command-line user must be told which --dataset works without extras: {err}"
    )
