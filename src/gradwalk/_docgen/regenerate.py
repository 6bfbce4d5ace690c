"""Regenerate every picture and table of the documentation: ``python -m gradwalk._docgen``.

Each picture in ``docs/images`` is drawn here by the code that draws it for users: the
tour's figures by the tour, the command-line pictures by running their command. Beside
the pictures, ``fingerprints.json`` holds a fingerprint of what each one shows (titles,
labels, limits, the data of every line, arrow and contour, legend texts). The test
suite draws every picture again and compares fingerprints, so a picture older than the
code that draws it fails the tests; the fingerprint does not depend on the renderer, so
it stays equal across Matplotlib and FreeType builds.

Usage::

    python -m gradwalk._docgen            # rewrite docs/images/*.png, fingerprints.json and
                                          # the generated tables of README.md and docs/*.md
    python -m gradwalk._docgen --check    # exit 1 and name the stale pictures and tables
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .tables import rewrite, stale_tables

__all__ = [
    "FINGERPRINTS",
    "NOT_DRAWN_HERE",
    "PICTURES",
    "UNCHECKED",
    "draw",
    "fingerprint",
    "main",
    "stale",
]

#: The file, beside the pictures, that holds their fingerprints.
FINGERPRINTS = "fingerprints.json"


def _tour(name: str) -> Callable[[], Any]:
    def draw_it() -> Any:
        from gradwalk._tour.run import FIGURES

        return FIGURES[name][1]()

    return draw_it


#: Figures of the commands run so far, by command line: a command that writes two
#: pictures (``gradwalk train --plot`` on 2-D data) runs once for both.
_DRAWN: dict[tuple[str, ...], dict[str, Any]] = {}


def _command(*argv: str, picture: str | None = None) -> Callable[[], Any]:
    """The picture ``gradwalk ARGV`` writes (``picture``: which one, when it writes more)."""

    def draw_it() -> Any:
        from gradwalk.cli._command import capture_figures
        from gradwalk.cli._parser import main

        if argv not in _DRAWN:
            with capture_figures() as figures, contextlib.redirect_stdout(io.StringIO()):
                status = main(list(argv))
            if status != 0 or not figures:
                raise RuntimeError(f"'gradwalk {' '.join(argv)}' drew no picture ({status=})")
            _DRAWN[argv] = figures
        figures = _DRAWN[argv]
        if picture is None and len(figures) != 1:
            raise RuntimeError(f"'gradwalk {' '.join(argv)}' drew {sorted(figures)}: pick one")
        return figures[picture] if picture is not None else next(iter(figures.values()))

    return draw_it


#: Every picture of the documentation: file name and how it is drawn.
PICTURES: dict[str, Callable[[], Any]] = {
    "fig-4-9.png": _tour("fig-4-9.png"),
    "fig-4-10.png": _tour("fig-4-10.png"),
    "learning-rates.png": _tour("learning-rates.png"),
    "descend-himmelblau.png": _command(
        "descend", "himmelblau", "--from", "-1,-1", "--plot", "descend-himmelblau.png"
    ),
    "field-formula.png": _command(
        "field",
        "sin(x) * exp(-y**2)",
        "--xlim=-3,3",
        "--ylim=-2,2",
        "--plot",
        "field-formula.png",
    ),
    "learning-digits.png": _command(
        "train",
        "--dataset",
        "digits",
        "--iters",
        "1000",
        "--no-progress",
        "--plot",
        "learning-digits.png",
    ),
    "learning-spiral.png": _command(
        "train", "--no-progress", "--plot", "learning-spiral.png", picture="learning-spiral.png"
    ),
    "learning-spiral-boundary.png": _command(
        "train",
        "--no-progress",
        "--plot",
        "learning-spiral.png",
        picture="learning-spiral-boundary.png",
    ),
}


def _learning(name: str) -> Callable[[], Any]:
    def draw_it() -> Any:
        from .learning import PICTURES as LEARNING

        return LEARNING[name]()

    return draw_it


PICTURES.update(
    {
        name: _learning(name)
        for name in ("learning-digits-spsa-evaluations.png", "learning-digits-spsa-seconds.png")
    }
)

#: Pictures redrawn by :func:`main` whose fingerprint the tests do not compare, and why.
UNCHECKED = {
    "learning-digits-spsa-seconds.png": "its x axis is each run's wall-clock time, which "
    "differs from run to run",
    "learning-digits-spsa-evaluations.png": "it needs 13,000 training iterations on the "
    "digits (seconds), too long for every test run; tests/docgen/test_learning.py draws "
    "it with fewer iterations",
}

#: Pictures in the same folder that are not drawn here, and why.
NOT_DRAWN_HERE = {
    name: "a screenshot of the explore page, taken by the browser tests in "
    "tests/explore/test_explore.py (GRADWALK_UPDATE_SCREENSHOTS=1; see docs/explore.md)"
    for name in (
        "explore-bad-formula.png",
        "explore-book-run.png",
        "explore-descent.png",
        "explore-diverged.png",
        "explore-learning.png",
    )
}


def draw(name: str) -> Any:
    """The Matplotlib Figure of one picture, drawn now (warnings of the runs hidden)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return PICTURES[name]()


def _rounded(values: Any) -> str:
    array = np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan).ravel()
    return ",".join(f"{value:.6g}" for value in array)


def fingerprint(figure: Any) -> str:
    """What a figure shows, as a short hash: independent of how it is rendered."""
    parts: list[object] = [_rounded(figure.get_size_inches())]
    for axes in figure.axes:
        parts += [axes.get_title(), axes.get_xlabel(), axes.get_ylabel()]
        parts += [_rounded(axes.get_xlim()), _rounded(axes.get_ylim())]
        parts += [axes.get_xscale(), axes.get_yscale()]
        for line in axes.lines:
            parts += [line.get_label(), _rounded(line.get_xydata()), line.get_linestyle()]
            parts += [str(line.get_marker()), line.get_markersize(), line.get_zorder()]
            parts.append(str(line.get_color()))
        parts += [text.get_text() for text in axes.texts]
        legend = axes.get_legend()
        if legend is not None:
            parts += [text.get_text() for text in legend.get_texts()]
        for collection in axes.collections:
            parts += [type(collection).__name__, _rounded(collection.get_offsets())]
            for attribute in ("U", "V", "levels"):
                if hasattr(collection, attribute):
                    parts.append(_rounded(getattr(collection, attribute)))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def stale(folder: Path) -> list[str]:
    """The pictures in ``folder`` that are missing or older than the code would draw them."""
    path = folder / FINGERPRINTS
    stored = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return [
        name
        for name in PICTURES
        if not (folder / name).exists()
        or (name not in UNCHECKED and stored.get(name) != fingerprint(draw(name)))
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite every picture and its fingerprint, or with ``--check`` list stale ones."""
    parser = argparse.ArgumentParser(prog="python -m gradwalk._docgen", description=__doc__)
    parser.add_argument("folder", nargs="?", default="docs/images", type=Path)
    parser.add_argument("--check", action="store_true", help="only list stale pictures")
    parser.add_argument(
        "--docs", default=".", type=Path, help="the folder of README.md and docs/ (tables)"
    )
    args = parser.parse_args(argv)
    pages = [args.docs / "README.md", *sorted((args.docs / "docs").glob("*.md"))]
    pages = [page for page in pages if page.exists()]
    if args.check:
        old = [str(args.folder / name) for name in stale(args.folder)] + stale_tables(pages)
        for name in old:
            print(f"stale: {name}")
        return 1 if old else 0
    for page in rewrite(pages):
        print(f"wrote the tables of {page}")
    args.folder.mkdir(parents=True, exist_ok=True)
    prints = {}
    for name in PICTURES:
        figure = draw(name)
        figure.savefig(args.folder / name, dpi=100)
        if name not in UNCHECKED:
            prints[name] = fingerprint(figure)
        print(f"wrote {args.folder / name}")
    (args.folder / FINGERPRINTS).write_text(json.dumps(prints, indent=2) + "\n", encoding="utf-8")
    return 0
