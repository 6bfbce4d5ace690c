"""What the gradwalk command prints, run as a user runs it: in any output encoding, into a
pipe that closes early, and in English, 简体中文 or 日本語 (``--lang`` or the locale)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from gradwalk.cli import SUBCOMMANDS, build_parser, main
from gradwalk.cli._command import EXIT_BROKEN_PIPE
from gradwalk.cli._parser import ADVICE
from tests.support.command import environment, gradwalk_command

#: The book's digits as the tour prints them, whatever the language.
BOOK_DIGITS = [
    "[ 6.  8.]",
    "6.0000000000037801, 7.9999999999991189",
    "[ 0.  4.]",
    "[ 6.  0.]",
    "[ -6.11110793e-10   8.14814391e-10]",
    "[ -2.58983747e+13  -1.29524862e+12]",
    "[-2.99999994  3.99999992]",
    "[ 1.05414809  0.63071653  1.1328074 ]",
    "0.92806853663411326",
    "0.9280682857864075",
    "[[ 0.21924763  0.14356247 -0.36281009]",
    "[ 0.32887144  0.2153437  -0.54421514]]",
    "[[ 0.21924757  0.14356243 -0.36281   ]",
    "[ 0.32887136  0.21534364 -0.544215  ]]",
]


def _run(
    arguments: list[str], folder: Path, timeout: float = 300, **variables: str
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*gradwalk_command(), *arguments],
        cwd=folder,
        env=environment(**variables),
        capture_output=True,
        timeout=timeout,
        check=False,
    )


_COMMANDS = [
    ["tour", "--no-figures"],
    ["grad", "x0**2 + x1**2", "--at", "3,4"],
    ["descend", "sphere", "--from", "-3,4", "--lr", "10"],
    ["field", "sphere"],
    ["train", "--iters", "30"],  # with its progress bar on stderr
    ["descend", "--help"],
]


@pytest.mark.parametrize("encoding", ["gbk", "cp932", "ascii", "latin-1"])
@pytest.mark.parametrize("arguments", _COMMANDS, ids=[" ".join(a[:2]) for a in _COMMANDS])
def test_no_output_encoding_makes_a_command_fail(
    arguments: list[str], encoding: str, tmp_path: Path
) -> None:
    done = _run(arguments, tmp_path, PYTHONIOENCODING=encoding)
    err = done.stderr.decode(encoding)
    assert done.returncode == 0, f"status {done.returncode} under {encoding}:\n{err}"
    assert "Traceback" not in err and "UnicodeEncodeError" not in err, err
    out = done.stdout.decode(encoding)  # the output is text in that encoding
    if arguments[0] in ("tour", "descend", "field") and "--help" not in arguments:  # x0² + x1²
        squared = "x0²" if encoding == "latin-1" else "x0^2"
        assert squared in out, f"the ASCII form of x0² under {encoding}:\n{out[:400]}"


def test_the_terminal_field_keeps_its_columns_in_ascii(tmp_path: Path) -> None:
    done = _run(["field", "sphere"], tmp_path, PYTHONIOENCODING="ascii")
    rows = [line for line in done.stdout.decode("ascii").splitlines() if line[:8].strip()]
    grid = [line for line in rows if re.match(r"\s+-?\d+\.\d\d  ", line)]
    assert len(grid) == 9 and len({len(line) for line in grid}) == 1, "\n".join(rows)
    assert "\\ \\ \\ v v v" in grid[0], "arrows as one ASCII character each"


@pytest.mark.parametrize("arguments", [["tour", "--no-figures"], ["tour"], ["descend", "--help"]])
def test_a_closed_pipe_ends_the_command_quietly(arguments: list[str], tmp_path: Path) -> None:
    process = subprocess.Popen(
        [*gradwalk_command(), *arguments],
        cwd=tmp_path,
        env=environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    first = [process.stdout.readline() for _ in range(3)]  # as `| head -3` reads
    process.stdout.close()
    err = process.stderr.read().decode()
    status = process.wait(timeout=300)
    assert first[0].startswith(b"gradwalk") or first[0].startswith(b"usage")
    if arguments[0] == "tour":
        assert status == EXIT_BROKEN_PIPE, f"status {status}; stderr:\n{err}"
    else:
        assert status in (0, EXIT_BROKEN_PIPE), "help may fit into the pipe before it closes"
    assert err == "", f"a closed pipe is not an error:\n{err}"


@pytest.mark.parametrize(
    ("arguments", "variables", "words"),
    [
        (
            ["tour", "--lang", "zh", "--no-figures"],
            {},
            ["《深度学习入门》", "4.4.1 节", "与书中一致"],
        ),
        (
            ["tour", "--lang", "ja", "--no-figures"],
            {},
            ["『ゼロから作るDeep Learning』", "4.4.1 節", "本書と一致"],
        ),
        (["tour", "--no-figures"], {"LANG": "zh_CN.UTF-8"}, ["4.4.2 节", "数值梯度"]),
        (
            ["tour", "--no-figures"],
            {"LANGUAGE": "ja:en", "LANG": "C.UTF-8"},
            ["4.5.1 節", "数値勾配"],
        ),
        (["--lang", "ja", "tour", "--no-figures"], {}, ["本書と一致"]),
    ],
)
def test_the_tour_prints_the_books_digits_in_each_language(
    arguments: list[str], variables: dict[str, str], words: list[str], tmp_path: Path
) -> None:
    done = _run(arguments, tmp_path, **variables)
    out = done.stdout.decode("utf-8")
    assert done.returncode == 0, done.stderr.decode()
    missing = [digits for digits in BOOK_DIGITS if digits not in out]
    assert not missing, f"the book's digits missing from the tour: {missing}"
    assert all(word in out for word in words), f"expected {words} in:\n{out[:600]}"
    assert "agrees with the book" not in out, "an English verdict in a translated tour"


def test_a_language_the_encoding_cannot_show_falls_back_to_english(tmp_path: Path) -> None:
    done = _run(["tour", "--lang", "zh", "--no-figures"], tmp_path, PYTHONIOENCODING="cp932")
    assert done.returncode == 0
    assert "agrees with the book" in done.stdout.decode("cp932")
    assert "cannot show the text of --lang zh_CN; printing English" in done.stderr.decode("cp932")
    japanese = _run(["tour", "--lang", "ja", "--no-figures"], tmp_path, PYTHONIOENCODING="cp932")
    assert "本書と一致" in japanese.stdout.decode("cp932"), "CP932 shows Japanese"


def test_an_unknown_language_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tour", "--lang", "fr"]) == 2
    assert "does not speak 'fr'; choose one of en (English), zh" in capsys.readouterr().err


def test_argparse_errors_come_in_the_language_with_did_you_mean(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["tour", "--outt", "x", "--lang", "ja"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("使い方：gradwalk tour"), err
    assert "gradwalk tour：エラー：認識できない引数：--outt x （--out のことですか？）" in err
    assert main(["tour", "--outt", "x"]) == 2
    assert "gradwalk tour: error: unrecognized arguments: --outt x (did you mean --out?)" in (
        capsys.readouterr().err
    )


def test_help_is_translated(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["descend", "--help", "--lang", "zh"]) == 0
    out = capsys.readouterr().out
    assert "运行梯度下降法" in out and "示例：" in out and "# 太大：发散" in out
    assert out.startswith("用法：gradwalk descend") and "显示这条帮助信息并退出" in out
    assert main(["--lang", "ja", "--help"]) == 0
    assert "『ゼロから作るDeep Learning』" in capsys.readouterr().out


_HOSTILE = [(command.name, argv) for command in SUBCOMMANDS for argv in command.hostile]


@pytest.mark.parametrize("lang", ["zh", "ja"])
def test_every_hostile_case_ends_cleanly_in_each_language(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file.txt").write_text("not a folder")
    monkeypatch.setattr("gradwalk.explore._server.serve", _refuse)
    monkeypatch.setattr("webbrowser.open", _refuse)
    for name, argv in _HOSTILE:
        english = main([name, *argv])
        capsys.readouterr()
        status = main([name, *argv, "--lang", lang])
        err = capsys.readouterr().err
        assert status == english, f"gradwalk {name} {argv} --lang {lang}: status {status}"
        assert "Traceback" not in err and "KeyError" not in err, err
        if status == 2:  # argparse's words as well as gradwalk's
            assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", err), f"English only: {err}"
            assert "usage:" not in err and ": error:" not in err, err


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("a hostile argument list started the server")


@pytest.mark.parametrize(
    ("lang", "advice"),
    [("en", "try --lr 0.5"), ("zh", "试试 --lr 0.5"), ("ja", "--lr 0.5 を試して")],
)
def test_advice_names_the_option_in_every_language(
    lang: str, advice: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main(["descend", "sphere", "--from", "-3,4", "--lr", "1e-10", "--lang", lang])
    out = " ".join(capsys.readouterr().out.split())
    assert advice in out, out
    main(
        ["descend", "rosenbrock", "--from=-2,2", "--lr", "1e-3", "--steps", "3000", "--lang", lang]
    )
    assert "--gtol" in capsys.readouterr().out


def test_every_translated_advice_keeps_the_option_name() -> None:
    """Where the English advice names an option ("pass gtol"), the translation's advice
    names it too, in the shape the command line rewords into "--gtol"."""
    from tests.test_catalogs import catalog

    options = {a.dest for parser in build_parser()[1].values() for a in parser._actions}
    for code in ("zh_CN", "ja"):
        for message in catalog(code):
            if not isinstance(message.id, str):
                continue
            english, translation = (
                re.sub(r"\{[^}]*\}", "0.5", text) for text in (message.id, message.string)
            )  # placeholders as the numbers they become
            named = {m["name"] for m in ADVICE["en"].finditer(english)} & options
            kept = {m["name"] for m in ADVICE[code].finditer(translation)}
            assert named <= kept, f"{code}: advice on {named - kept} lost in {message.string!r}"
