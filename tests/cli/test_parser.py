"""The gradwalk command: grad, descend, field (the tour has tests/tour/test_tour.py)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gradwalk import __version__, numerical_gradient
from gradwalk.cli import SUBCOMMANDS, build_parser, main
from gradwalk.testfunctions import FUNCTIONS
from tests.support.interrupts import ctrl_c_enabled


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
    # six per element, f(x) once, and one more off the stencil's grid (aliasing shows there)
    assert "8 evaluations of f" in out, out
    assert main(["grad", "--help"]) == 0
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
        (
            ["descend", "sphere", "--from", "-3，4"],
            "got '-3，4'; it was typed with full-width characters: type --from -3,4.",
        ),
        (["grad", "x0 * x1", "--at", "3"], "'x0 * x1' uses x0, x1, so --at takes 2 numbers"),
        (["grad", "sphere", "--at", "1,2,3"], "sphere is a function of x0 and x1, so --at takes 2"),
        (["grad", "x + y", "--at", "1,2,3"], "'x + y' uses x, y, so --at takes 2 numbers; got 3"),
        (["grad", "rosenbrock", "--at=-1,2,3"], "--at takes 2 numbers; got 3"),
        (["descend", "sphere", "--from", "1,2,3", "--plot", "p.png"], "--from takes 2 numbers"),
        (["grad", "rosenbrok", "--at", "1,1"], "Did you mean 'rosenbrock'?"),
        (["grad", "x^2", "--at", "1"], "write ** for powers, as in 'x**2'"),
        (["grad", "2x0", "--at", "1"], "write 2*x0, not '2x0'"),
        (["grad", "sni(x)", "--at", "1"], "(did you mean 'sin'?)"),
        (["grad", "hypot(x0, x1)", "--at", "3,4", "--method", "complex"], "--method richardson"),
        (["grad", "arctan2(x0, x1)", "--at", "3,4", "--method", "complex"], "no complex version"),
        (["descend", "x0**2 + x1**2"], "needs a starting point: add --from with 2 numbers"),
        (["descend", "x0 + x2", "--from", "1,2,3", "--plot", "p.png"], "leave out --plot"),
        (["descend", "5", "--from", "1"], "uses no variable, so there is nothing to descend"),
        (["field", "x0 + x2"], "the field is drawn in the plane of x0 and x1"),
        (["field", "sphere", "--xlim", "2,1"], "LOW < HIGH"),
        (["field", "sphere", "--xlim=-1e308,1e308", "--plot", "b.png"], "too wide to draw"),
        (["field", "sphere", "--plot", "field.txt"], "a .png, .svg or .pdf file"),
        (["field", "sphere", "--plot", "no/such/folder/f.png"], "does not exist"),
        (["tour", "--out", ""], "--out needs a folder name"),
        (["grad", "exp(x0)", "--at", "1", "--order", "3"], "choose one of 2, 4, 6, 8"),
        (["descend", "sphere", "--method", "richardson", "--order", "4"], "takes no --order"),
    ],
)
def test_bad_input_is_one_clear_line_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    printed = capsys.readouterr()
    assert printed.out == "", f"bad input must be refused before any output:\n{printed.out}"
    err = printed.err
    assert err.startswith(f"gradwalk {argv[0]}: error: "), err
    assert message in " ".join(err.split()), f"expected {message!r} in {err!r}"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["grad", "x0**2", "--at", "3", "--method", "centrl"], "Did you mean 'central'"),
        (["grad", "x0**2", "--at", "3", "--h", "-1"], "expected a step > 0"),
        (["descend", "sphere", "--lr", "-1"], "--lr: expected a finite number > 0"),
        (["descend", "sphere", "--optimizer", "adma"], "Did you mean 'adam'?"),
        (
            ["descend", "sphere", "--gtl", "1"],
            "unrecognized arguments: --gtl 1 (did you mean --gtol?)",
        ),
    ],
)
def test_argparse_errors_show_the_subcommands_usage_and_status_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: gradwalk {argv[0]} "), f"not {argv[0]}'s usage:\n{err}"
    assert message in " ".join(err.split()), f"expected {message!r} in {err!r}"


def test_a_mistyped_command_names_the_one_meant(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["desend", "sphere"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "invalid choice: 'desend'" in err and "(did you mean descend?)" in err, err


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


@pytest.mark.parametrize("command", [command.name for command in SUBCOMMANDS])
def test_every_command_has_help_with_examples(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
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


#: Text that only Python or NumPy would print: never shown to a user of the command.
_RAW = re.compile(
    r"Traceback|encountered in|RuntimeWarning|UserWarning|Errno|ufunc|could not be safely|"
    r"Mean of empty slice|arange|invalid decimal literal|BitXor|Exception|Error:"
)

_HOSTILE = [(command.name, argv) for command in SUBCOMMANDS for argv in command.hostile]


def _no_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile argument list must never get as far as serving a page or opening a browser."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"a hostile argument list started the server {args} {kwargs}")

    monkeypatch.setattr("webbrowser.open", refuse)
    server = pytest.importorskip("gradwalk.explore._server", reason="the explore extra")
    monkeypatch.setattr(server, "serve", refuse)


@pytest.mark.parametrize(
    ("command", "argv"), _HOSTILE, ids=[" ".join((n, *a)) for n, a in _HOSTILE]
)
def test_hostile_and_extreme_arguments_end_in_a_clean_message(
    command: str,
    argv: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("not a folder")
    _no_server(monkeypatch)
    status = main([command, *argv])
    printed = capsys.readouterr()
    err = printed.err
    assert status in (0, 1, 2), f"exit status {status}"
    assert not _RAW.search(err + printed.out), f"raw Python/NumPy text reached the user:\n{err}"
    entries = [line for line in err.splitlines() if not line.startswith((" ", "usage:"))]
    assert len(entries) <= 4, f"{len(entries)} messages: a flood of warnings?\n{err}"
    for line in entries:
        assert line.startswith((f"gradwalk {command}: ", "warning: ")), f"unworded: {line!r}"
    if status != 0:
        assert f"gradwalk {command}: " in err, "a failure must say what went wrong"


#: Advice in a message: "pass --gtol", "use --method richardson", "try lr = 0.5".
_ADVICE = re.compile(r"\b(?:[Pp]ass|[Tt]ry|[Uu]se|[Aa]dd)\s+(--[\w-]+|[a-z_]+\s*=)")


def test_every_option_a_message_recommends_exists_in_that_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("not a folder")
    _, parsers = build_parser()
    runs = [(name, list(argv)) for name, argv in _HOSTILE] + [
        ("descend", ["rosenbrock", "--from", "-2,2", "--lr", "1e-3", "--steps", "2000"]),
        ("descend", ["sphere", "--from", "-3,4", "--lr", "1e-10"]),
        ("descend", ["sphere", "--from", "-3,4", "--lr", "10"]),
        ("grad", ["x0**2", "--at", "1e13"]),
    ]
    advised = 0
    _no_server(monkeypatch)
    for name, argv in runs:
        main([name, *argv])
        printed = capsys.readouterr()
        options = {o for action in parsers[name]._actions for o in action.option_strings}
        for match in _ADVICE.finditer(" ".join((printed.out + printed.err).split())):
            advised += 1
            option = match.group(1)
            assert option in options, (
                f"gradwalk {name} {' '.join(argv)} recommends {option!r}, which "
                f"'gradwalk {name}' does not have (it has {sorted(options)})"
            )
    assert advised >= 3, "the runs should include messages that give advice"


def test_rosenbrock_advice_names_the_gtol_option_that_exists(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["descend", "rosenbrock", "--from", "-2,2", "--lr", "1e-3", "--steps", "3000"]
    assert main(argv) == 0
    assert "Pass --gtol" in " ".join(capsys.readouterr().out.split())
    assert main([*argv, "--gtol", "1"]) == 0
    assert _line(capsys.readouterr().out, "status").split() == ["status", "converged"]


def test_one_variable_functions_in_grad_and_descend(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "-x**2", "--at", "-1"]) == 0, "a formula may start with a minus"
    np.testing.assert_allclose(_numbers(_line(capsys.readouterr().out, "gradient")), [2.0])
    assert main(["descend", "(x - 1)**2", "--from", "3", "--lr", "0.25", "--steps", "60"]) == 0
    out = capsys.readouterr().out
    # x - 1 halves at every step (1 - 2 lr = 0.5): after 60 steps x = 1 + 2 * 0.5**60.
    np.testing.assert_allclose(_numbers(_line(out, "x ")), [1.0], atol=1e-12)
    assert "picture" not in out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"gradwalk {__version__}"


def test_help_matches_behaviour(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    top = " ".join(capsys.readouterr().out.split())
    assert "Gradient checking is in the Python API" in top, "no command checks gradients"
    assert main(["field", "--help"]) == 0
    field_help = " ".join(capsys.readouterr().out.split())
    assert "the test function's own domain" in field_help
    assert main(["field", "rastrigin"]) == 0
    low, high = FUNCTIONS["rastrigin"].domain[0]
    assert f"x0 from {low:g} (left) to {high:g} (right)" in capsys.readouterr().out


def test_a_constant_formula_says_it_does_not_depend_on_x(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["field", "5"]) == 0
    printed = capsys.readouterr()
    assert "uses no variable: its gradient is 0 everywhere" in printed.out
    assert printed.err == "", f"no warnings for a constant formula:\n{printed.err}"


def test_many_grid_points_warn_once_per_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["field", "log(x0)"]) == 0
    err = capsys.readouterr().err
    warned = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warned) == 1, f"expected one merged warning, got:\n{err}"
    joined = " ".join(err.split())
    assert "f returned inf or nan" in err, err
    assert re.search(r"\((the same warning 63 times|63 warnings of this kind;)", joined), (
        f"the merged warning does not say it came 63 times: {joined}"
    )


def test_failed_computations_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["grad", "log(x0)", "--at", "-1"]) == 1
    assert "gradwalk grad: failed: the gradient is not finite" in capsys.readouterr().err
    assert main(["field", "sphere", "--xlim=1e200,2e200"]) == 1
    assert "not finite anywhere in the window" in " ".join(capsys.readouterr().err.split())


def test_a_bug_is_not_reported_as_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("an internal mistake")

    monkeypatch.setattr("gradwalk.cli._grad.numerical_gradient", broken)
    with pytest.raises(ValueError, match="an internal mistake"):
        main(["grad", "x0**2", "--at", "1"])


def test_explore_without_its_extra_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delitem(sys.modules, "gradwalk.explore._server", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # import uvicorn now fails
    monkeypatch.setitem(sys.modules, "starlette", None)
    assert main(["explore", "--port", "0", "--no-browser"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.startswith("gradwalk explore: error: the page needs the explore extra"), err
    assert 'pip install "gradwalk[explore]"' in err, err


def test_train_options_of_another_gradient_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--directions", "4", "--no-progress"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--directions applies to --gradient spsa only" in err, err


def _gradwalk() -> list[str]:
    command = Path(sys.executable).parent / "gradwalk"
    return [str(command)] if command.exists() else [sys.executable, "-m", "gradwalk.cli"]


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["descend", "rosenbrock", "--lr", "1e-9", "--steps", "100000000"], "f(x)"),
        (["tour", "--out", "pictures"], "computations, every value agrees"),
    ],
)
def test_ctrl_c_stops_quietly_with_one_line_and_status_130(
    argv: list[str], started: str, tmp_path: Path
) -> None:
    process = subprocess.Popen(
        [*_gradwalk(), *argv],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_enabled,
    )
    assert process.stdout is not None
    for line in process.stdout:  # interrupt only once the run is under way
        if started in line:
            break
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"still running 60 s after Ctrl-C; stdout:\n{out[-2000:]}\nstderr:\n{err}")
    assert process.returncode == 130, f"status {process.returncode}; stderr:\n{err}"
    assert "Traceback" not in err, err
    assert err.startswith(f"gradwalk {argv[0]}: interrupted (Ctrl-C)"), err
    assert len(err.strip().splitlines()) <= 2, f"more than the one note:\n{err}"
    if argv[0] == "descend":
        assert "stopped" in err, "descend says where it got"


def test_grad_prints_a_small_error_bar_of_a_large_value_in_significant_figures(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # at x = 1e6 the gradient (3e6·e, about 8.2e6) prints with many digits; its bar
    # (about 1e-5) used to print with the value's fixed decimals as "[0.]"
    assert main(["grad", "exp(x/1e6)*x**2", "--at", "1e6", "--method", "richardson"]) == 0
    out = capsys.readouterr().out
    error_line = _line(out, "error")
    assert re.search(r"\[\d\.\de-\d\d\]", error_line), f"the bar is not in 8.5e-04 form: {out}"
    (bar,) = _numbers(error_line)
    assert bar > 0, f"a nonzero error bar printed as 0:\n{out}"
    computed = numerical_gradient(
        lambda x: np.exp(x[0] / 1e6) * x[0] ** 2,
        np.array([1e6]),
        method="richardson",
        full_output=True,
    ).error[0]
    assert bar == pytest.approx(computed, rel=0.06), f"printed {bar}, computed {computed:.3e}"
