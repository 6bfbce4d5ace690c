"""Every code block of README.md and docs/*.md runs, and its printed output is compared.

The convention, for anyone writing docs:

- A ```python block runs. The python blocks of one file share one namespace, in order,
  so a later block may use what an earlier one defined. A block with ``>>>`` prompts is
  a doctest: each result is compared with the lines under its prompt.
- A ```bash block holds ``gradwalk ...`` command lines (a ``# comment`` may follow), run
  in an empty temporary folder; each must exit 0.
- A ```text block right after a python or bash block is what that block prints; it is
  compared with the printed output line by line (trailing spaces ignored).
- A block that must not run (a command that starts a server or creates a virtual
  environment) has the line ``<!-- not run: the reason -->`` right above its fence.
  Any other block (no language, console, ...) without that marker fails the test.

New pages in docs/ are picked up automatically.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from gradwalk.cli import main

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    ROOT / "README.md",
    *sorted(ROOT.glob("README.*.md")),
    *sorted((ROOT / "docs").glob("*.md")),
]
_FENCE = re.compile(r"^```(\w*)\s*$")
_NOT_RUN = re.compile(r"<!--\s*not run:\s*\S.*-->")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    expected: str | None
    skipped: bool

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The code blocks of a page, each with the text block that follows it, if any."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[tuple[int, str, str, bool]] = []
    number = 0
    while number < len(lines):
        fence = _FENCE.match(lines[number])
        if not fence:
            number += 1
            continue
        start = number
        number += 1
        body = []
        while number < len(lines) and not lines[number].startswith("```"):
            body.append(lines[number])
            number += 1
        marker = start > 0 and bool(_NOT_RUN.search(lines[start - 1]))
        found.append((start + 1, fence.group(1), "\n".join(body) + "\n", marker))
        number += 1
    result = []
    for index, (line, language, code, marker) in enumerate(found):
        if language == "text" and index and found[index - 1][1] in ("python", "bash"):
            continue  # the output of the block before
        following = found[index + 1] if index + 1 < len(found) else None
        expected = following[2] if following is not None and following[1] == "text" else None
        result.append(Block(page, line, language, code, expected, marker))
    return result


ALL = [block for page in PAGES for block in blocks(page)]


def _compare(block: Block, printed: str) -> None:
    if block.expected is None:
        return
    got = [line.rstrip() for line in printed.rstrip().splitlines()]
    want = [line.rstrip() for line in block.expected.rstrip().splitlines()]
    assert got == want, (
        f"{block.where}: the block prints something else than its text block shows.\n"
        "printed:\n" + "\n".join(got) + "\nthe page says:\n" + "\n".join(want)
    )


@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_every_block_of_a_page_runs_and_prints_what_the_page_shows(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for block in (b for b in ALL if b.page == page):
        if block.skipped:
            continue
        assert block.language in ("python", "bash"), (
            f"{block.where}: a ```{block.language or ''} block that neither runs nor is marked; "
            "make it python or bash, or put <!-- not run: why --> above it."
        )
        printed = io.StringIO()
        if block.language == "python" and ">>>" in block.code:
            test = doctest.DocTestParser().get_doctest(block.code, namespace, block.where, "", 0)
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            with contextlib.redirect_stdout(printed):
                runner.run(test, out=printed.write, clear_globs=False)
            assert runner.failures == 0, f"{block.where}: doctest failed\n{printed.getvalue()}"
            namespace.update(test.globs)  # DocTest works on a copy; later blocks need its names
            continue
        with contextlib.redirect_stdout(printed):
            if block.language == "python":
                exec(compile(block.code, block.where, "exec"), namespace)
            else:
                for command in block.code.splitlines():
                    argv = shlex.split(command, comments=True)
                    if not argv:
                        continue
                    assert argv[0] == "gradwalk", f"{block.where}: runs {argv[0]!r}, not gradwalk"
                    status = main(argv[1:])
                    assert status == 0, f"{block.where}: {command!r} exited {status}"
        _compare(block, printed.getvalue())


def test_the_collector_sees_every_page_and_the_marked_blocks() -> None:
    assert {p.name for p in PAGES} >= {"README.md", "checking.md", "descent.md"}
    readme = [b for b in ALL if b.page.name == "README.md"]
    quick_start = readme[0]
    assert quick_start.skipped and "venv" in quick_start.code, "Quick start is marked not run"
    assert sum(not b.skipped for b in readme) >= 5, "README's examples run"


def test_the_translated_readmes_have_the_same_quick_start() -> None:
    quick_start = blocks(ROOT / "README.md")[0].code
    for page in ("README.zh-CN.md", "README.ja.md"):
        first = blocks(ROOT / page)[0]
        assert first.skipped and first.code == quick_start, (
            f"{page}'s Quick start differs from README.md's:\n{first.code}"
        )


@pytest.mark.parametrize(("page", "lang"), [("README.zh-CN.md", "zh"), ("README.ja.md", "ja")])
def test_the_tour_excerpts_of_the_translated_readmes_are_what_the_tour_prints(
    page: str, lang: str
) -> None:
    from gradwalk._tour.run import run_tour

    lines: list[str] = []
    run_tour(lines.append, lang=lang)
    printed = "\n".join(lines).splitlines()
    excerpts = [b for b in ALL if b.page.name == page and b.language == "" and b.skipped]
    assert excerpts, f"{page} shows no excerpt of the tour"
    for excerpt in excerpts:
        shown = excerpt.code.rstrip("\n").splitlines()
        starts = [i for i, line in enumerate(printed) if line == shown[0]]
        assert any(printed[i : i + len(shown)] == shown for i in starts), (
            f"{excerpt.where}: the tour does not print this excerpt:\n{excerpt.code}"
        )


def test_every_committed_picture_is_what_the_code_draws_now() -> None:
    from gradwalk._docgen.regenerate import NOT_DRAWN_HERE, PICTURES, stale

    images = ROOT / "docs" / "images"
    committed = {p.name for p in images.glob("*.png")} - set(NOT_DRAWN_HERE)
    assert committed == set(PICTURES), (
        f"pictures in docs/images that no code draws: {sorted(committed - set(PICTURES))}; "
        f"drawn but not committed: {sorted(set(PICTURES) - committed)}"
    )
    assert all((images / name).exists() for name in NOT_DRAWN_HERE), "a screenshot went missing"
    old = stale(images)
    assert not old, f"{old} are older than the code that draws them: python -m gradwalk._docgen"


def test_every_generated_table_matches_its_registry() -> None:
    from gradwalk._docgen.tables import TABLES, marked, stale_tables

    names = [name for page in PAGES for name in marked(page.read_text(encoding="utf-8"))]
    assert sorted(set(names)) == sorted(TABLES), (
        f"the docs mark the tables {sorted(set(names))}; the registries write {sorted(TABLES)}"
    )
    old = stale_tables(list(PAGES))
    assert not old, f"tables in {old} differ from their registries: python -m gradwalk._docgen"


def _benchmark_tables() -> list[dict[str, list[list[str]]]]:
    """The tables of docs/benchmarks.md's accuracy section: tool -> its rows' cells."""
    text = (ROOT / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    tables: list[dict[str, list[list[str]]]] = []
    current: dict[str, list[list[str]]] | None = None
    for line in text.split("## Accuracy", 1)[1].split("\n## ", 1)[0].splitlines():
        if line.startswith("| tool | s") or line.startswith("| tool | scale"):
            current = {}
            tables.append(current)
        elif current is not None and line.startswith("| gradwalk"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            current.setdefault(cells[0], []).append(cells[1:])
        elif current is not None and not line.startswith("|"):
            current = None
    return tables


def _numbers(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"\d+(?:\.\d+)?(?:e-?\d+)?", text)]


#: The README's rows of its method table, and the benchmark's rows they summarise.
README_METHODS = {
    '`"central"` (the book\'s), h = 1e-4': ["gradwalk central h=1e-4 (book)"],
    '`"central"`, `h="auto"`': ["gradwalk central h='auto'"],
    '`"forward"` / `"backward"`, `h="auto"`': ["gradwalk forward h='auto'"],
    '`"central"`, `order=4` / `6` / `8`': [f"gradwalk central order={k}" for k in (4, 6, 8)],
    '`"forward"`, `order=4`': ["gradwalk forward order=4"],
    '`"richardson"`': ["gradwalk richardson"],
    '`"complex"` (complex step)': ["gradwalk complex"],
}


def test_the_readmes_method_table_quotes_the_benchmarks() -> None:
    battery, small_scale = _benchmark_tables()
    rows = {}
    for line in (ROOT / "README.md").read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[0] in README_METHODS:
            rows[cells[0]] = cells
    assert sorted(rows) == sorted(README_METHODS), "the README's method table changed its rows"
    for name, tools in README_METHODS.items():
        _, evaluations, medians, honest = rows[name]
        for tool, quoted in zip(tools, medians.split(" / "), strict=True):
            measured = [float(cells[1]) for cells in battery[tool]]
            shown = _numbers(quoted.split("(worst")[0])
            assert [min(shown), max(shown)] == [
                float(f"{v:.1e}") for v in (min(measured), max(measured))
            ], f"README's {name}: median error {quoted} is not docs/benchmarks.md's {measured}"
            if "worst" in quoted:
                worst = max(float(cells[2]) for cells in battery[tool])
                assert _numbers(quoted.split("(worst")[1]) == [worst], (name, quoted, worst)
        if "held for" in honest:
            percents = [float(cells[3].rstrip("%")) for tool in tools for cells in battery[tool]]
            expected = sorted({min(percents), max(percents)})  # "100%" when all held
            assert _numbers(honest.split("held for")[1]) == expected, (name, honest, expected)
        if name == '`"richardson"`':
            costs = [float(cells[4]) for cells in battery[tools[0]]]
            small = [float(cells[4]) for cells in small_scale[tools[0]]]
            expected = [min(costs), max(costs), round(min(small)), round(max(small))]
            assert _numbers(evaluations)[:4] == expected, (evaluations, expected)
