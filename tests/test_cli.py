"""The gradwalk command: grad, descend, field (the tour has tests/test_tour.py)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from gradwalk.cli import main


def _numbers(line: str) -> np.ndarray:
    """The numbers of an output line such as 'gradient  [6., 8.]'."""
    return np.array([float(v) for v in re.findall(r"[-+]?\d+\.?\d*(?:e[-+]?\d+)?", line)])


def _line(output: str, label: str) -> str:
    found = [line for line in output.splitlines() if line.startswith(label)]
    assert found, f"no line starting with {label!r} in:\n{output}"
    return found[0]


def _png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_grad_of_a_formula(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "x0**2 + x1**2", "--at", "3,4"]) == 0
    out = capsys.readouterr().out
    np.testing.assert_allclose(_numbers(_line(out, "gradient")), [6.0, 8.0], rtol=1e-9)
    assert "error" not in out, "the central difference gives no error estimate"
    assert "central, h = 0.0001, 4 evaluations of f" in out


def test_grad_prints_the_error_bar_of_a_method_that_has_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["grad", "sin(x) * exp(-y**2)", "--at", "1,0.5", "--method", "richardson"]) == 0
    out = capsys.readouterr().out
    x, y = 1.0, 0.5
    analytic = [np.cos(x) * np.exp(-(y**2)), -2 * y * np.sin(x) * np.exp(-(y**2))]
    np.testing.assert_allclose(_numbers(_line(out, "gradient")), analytic, rtol=1e-9)
    errors = _numbers(_line(out, "error"))
    assert errors.shape == (2,) and np.all(errors > 0) and np.all(errors < 1e-6)


def test_grad_takes_an_order_and_lists_the_orders_in_its_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["grad", "exp(x0)", "--at", "0.5", "--order", "6"]) == 0
    out = capsys.readouterr().out
    np.testing.assert_allclose(_numbers(_line(out, "gradient")), [np.exp(0.5)], rtol=1e-12)
    assert "6 evaluations of f" in out, out
    with pytest.raises(SystemExit):
        main(["grad", "--help"])
    assert "central: 2, 4, 6, 8" in capsys.readouterr().out, "--help lists no orders"


def test_grad_of_a_test_function_at_a_negative_point(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "rosenbrock", "--at", "-1,2", "--h", "1e-6"]) == 0
    out = capsys.readouterr().out
    # d/dx0 = -400 x0 (x1 - x0²) - 2 (1 - x0) = 396, d/dx1 = 200 (x1 - x0²) = 200 at (-1, 2).
    np.testing.assert_allclose(_numbers(_line(out, "gradient")), [396.0, 200.0], rtol=1e-7)
    assert "h = 1e-06" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grad", "x0**2", "--at", "3;4"], "--at takes numbers separated by commas"),
        (["grad", "x0 * x1", "--at", "3"], "needs a point with 2 coordinates"),
        (["grad", "x0**2", "--at", "3", "--method", "centrl"], "Did you mean 'central'"),
        (["grad", "rosenbrok", "--at", "1,1"], "neither a test function"),
        (["grad", "x0**2", "--at", "3", "--h", "-1"], "h must be a positive"),
        (["descend", "x0**2 + x1**2"], "needs a starting point: add --from"),
        (["descend", "sphere", "--lr", "-1"], "lr must be a finite number > 0"),
        (["descend", "sphere", "--optimizer", "adma"], "adam"),
        (["descend", "x0 + x2", "--from", "1,2,3"], "the pictures show two variables"),
        (["field", "sphere", "--xlim", "2,1"], "LOW < HIGH"),
        (["field", "sphere", "--plot", "field.txt"], "a .png, .svg or .pdf file"),
        (["field", "sphere", "--plot", "no/such/folder/f.png"], "does not exist"),
    ],
)
def test_bad_input_is_one_clear_line_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gradwalk {argv[0]}: error: "), err
    assert message in err, f"expected {message!r} in {err!r}"


def test_hostile_formula_is_refused_and_runs_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "hacked"
    attack = f"__import__('os').system('touch {target}')"
    for command in (["grad", attack, "--at", "1"], ["field", attack], ["descend", attack]):
        assert main(command) == 2
    err = capsys.readouterr().err
    assert err.count("is not allowed in a formula") == 3
    assert not target.exists(), "the hostile formula ran"


def test_descend_prints_the_result_and_draws_the_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    picture = tmp_path / "path.png"
    argv = ["descend", "sphere", "--from", "-3,4", "--lr", "0.1", "--steps", "20"]
    assert main([*argv, "--plot", str(picture)]) == 0
    out = capsys.readouterr().out
    np.testing.assert_allclose(_numbers(_line(out, "x ")), 0.8**20 * np.array([-3, 4]), rtol=1e-8)
    assert _line(out, "status").split() == ["status", "max_steps"]
    assert "20 steps" in _line(out, "message"), "the message says how the run ended"
    assert _png(picture)


def test_descend_too_large_a_learning_rate(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["descend", "x**2 + y**2", "--from", "-3,4", "--lr", "10"]) == 0
    out = capsys.readouterr().out
    assert _line(out, "status").split() == ["status", "diverged"]
    np.testing.assert_allclose(
        _numbers(_line(out, "x ")), [-2.58983747e13, -1.29524862e12], rtol=1e-8
    )


def test_descend_with_another_optimizer_and_the_defaults_of_a_test_function(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["descend", "booth", "--optimizer", "adam", "--lr", "0.5", "--steps", "500"]) == 0
    out = capsys.readouterr().out
    assert "start     [-8.,  8.]" in out, "booth's own start"
    assert "steps of Adam(lr=0.5" in out, "the optimizer and its settings"
    np.testing.assert_allclose(_numbers(_line(out, "x ")), [1.0, 3.0], atol=1e-3)


def test_field_in_the_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["field", "x0**2 + x1**2"]) == 0
    rows = [
        line for line in capsys.readouterr().out.splitlines() if re.match(r"\s+-?\d\.\d\d ", line)
    ]
    assert len(rows) == 9
    middle = rows[4].split()
    assert middle[0] == "0.00" and middle[7] == "·", "no arrow at the minimum"
    assert set(middle[1:7]) == {"→"} and set(middle[8:]) == {"←"}, "arrows point at x0 = 0"
    assert set(rows[0].split()[1:]) <= {"↘", "↓", "↙"}, "from the top row, arrows point down"


def test_field_plot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    picture = tmp_path / "field.png"
    argv = ["field", "sin(x) * exp(-y**2)", "--xlim", "-3,3", "--ylim=-2,2", "--plot"]
    assert main([*argv, str(picture)]) == 0
    assert f"wrote     {picture}" in capsys.readouterr().out
    assert _png(picture)


@pytest.mark.parametrize("command", ["tour", "grad", "descend", "field"])
def test_every_command_has_help_with_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and f"gradwalk {command}" in out


@pytest.mark.parametrize("formula", ["1/x0", "x0**-1"])
def test_grad_at_a_pole_prints_nan_and_says_f_is_singular(
    formula: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["grad", formula, "--at", "0"])
    captured = capsys.readouterr()
    assert "[nan]" in _line(captured.out, "gradient"), captured.out
    assert "1e+08" not in captured.out, "no confident slope at a pole"
    assert "singular" in captured.err, captured.err
