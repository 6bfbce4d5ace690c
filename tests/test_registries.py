"""One registry per idea: a method, an optimizer or a test function added to its registry
appears in the command line's help, the page's choices and the docs' tables, with no
other edit."""

from __future__ import annotations

import dataclasses
import json
import urllib.request
from collections.abc import Iterator
from types import MappingProxyType

import pytest

from gradwalk import testfunctions
from gradwalk._docgen.tables import TABLES
from gradwalk._engine.methods import METHODS
from gradwalk.cli import build_parser
from gradwalk.optimizers import OPTIMIZERS, SGD
from tests.support.servers import running_server


class Dummy(SGD):
    """An optimizer that exists only in this test."""

    name = "dummyopt"
    summary = "a dummy update rule"
    color = "#123456"


@pytest.fixture
def dummies(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setitem(
        METHODS, "dummymethod", dataclasses.replace(METHODS["central"], name="dummymethod")
    )
    monkeypatch.setitem(OPTIMIZERS, "dummyopt", Dummy)  # type: ignore[index]
    # FUNCTIONS is read-only: the registry is replaced by one with the new entry
    dummy = dataclasses.replace(testfunctions.FUNCTIONS["sphere"], name="dummyfunction")
    monkeypatch.setattr(
        testfunctions, "FUNCTIONS", MappingProxyType({**testfunctions.FUNCTIONS, dummy.name: dummy})
    )
    yield


def _help(command: str) -> str:
    _, parsers = build_parser()
    return " ".join(parsers[command].format_help().split())


@pytest.mark.usefixtures("dummies")
def test_the_command_lines_help_and_choices_read_the_registries() -> None:
    for command in ("grad", "descend", "field"):
        text = _help(command)
        assert "dummymethod" in text, f"gradwalk {command} --help does not list the new method"
        assert "dummyfunction" in text, f"gradwalk {command} --help misses the new function"
    for command in ("descend", "train"):
        assert "dummyopt" in _help(command), f"gradwalk {command} --help misses the optimizer"
    parser, _ = build_parser()
    args = parser.parse_args(["descend", "dummyfunction", "--optimizer", "dummyopt"])
    assert (args.function, args.optimizer) == ("dummyfunction", "dummyopt")


@pytest.mark.usefixtures("dummies")
def test_the_pages_choices_read_the_registries() -> None:
    pytest.importorskip("uvicorn", reason="the explore extra (starlette, uvicorn) is not installed")
    with running_server() as url, urllib.request.urlopen(url + "api/options") as answer:
        options = json.load(answer)
    descent = options["descent"]
    assert "dummymethod" in descent["methods"], "the page's method menu misses the new method"
    assert "dummyopt" in descent["optimizers"], "the page's optimizers miss the new one"
    assert descent["colors"]["dummyopt"] == "#123456", "the page would draw it without colour"
    assert "dummyopt" in options["learning"]["optimizers"], "the learning view misses it"
    names = [f["name"] for f in descent["functions"]]
    assert "dummyfunction" in names, "the page's function menu misses the new function"


@pytest.mark.usefixtures("dummies")
def test_the_docs_tables_read_the_registries() -> None:
    assert '`"dummymethod"`' in TABLES["methods"](), "the methods table misses the new method"
    assert '`"dummyopt"`' in TABLES["optimizers"](), "the optimizers table misses it"
    assert "`dummyfunction`" in TABLES["functions"](), "the test functions table misses it"


@pytest.mark.usefixtures("dummies")
def test_a_new_method_optimizer_and_function_run_from_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gradwalk.cli import main

    status = main(["descend", "dummyfunction", "--optimizer", "dummyopt", "--method",
                   "dummymethod", "--steps", "3"])  # fmt: skip
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert "steps of Dummy(lr=" in printed.out, (
        f"the run did not use the new optimizer:\n{printed.out}"
    )


def test_every_status_code_has_a_note_and_a_severity() -> None:
    from gradwalk._engine.status_codes import SEVERITY, STATUS_NOTES, GradientStatus

    assert list(STATUS_NOTES) == list(GradientStatus), "a status code without its note"
    assert sorted(SEVERITY) == sorted(GradientStatus), "a status code without its severity"
