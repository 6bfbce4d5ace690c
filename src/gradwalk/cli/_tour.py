"""``gradwalk tour``: section 4.4 replayed, with the book's values and figures."""

from __future__ import annotations

import argparse
from pathlib import Path

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._tour.run import DEFAULT_OUT, run_tour

from ._command import EXIT_FAILED, ComputationFailed, Output, Subcommand, UsageError


def _tour_folder(text: str) -> Path:
    """The tour's folder, created now, or a usage error that says what to do."""
    if not text.strip():
        raise UsageError(
            _("--out needs a folder name, such as --out pictures; or use --no-figures.")
        )
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            _(
                "--out {text} is a file, not a folder: name a new or existing folder, such as "
                "--out pictures."
            ).format(text=repr(text))
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gradwalk-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UsageError(
            _(
                "cannot write the figures into {text} ({reason}): run the tour from a folder "
                "you can write to, name one with --out DIR, or print the text only with "
                "--no-figures."
            ).format(text=repr(text), reason=error.strerror)
        ) from None
    return folder


def _tour_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=_("folder for the figures and index.html (default: ./{folder}/)").format(
            folder=DEFAULT_OUT
        ),
    )
    parser.add_argument("--no-figures", action="store_true", help=_("print the text only"))


def _run_tour(args: argparse.Namespace, out: Output) -> int:
    folder = None if args.no_figures else _tour_folder(args.out)
    try:
        agrees = run_tour(out, out=folder)
    except BrokenPipeError:  # the reader went away: main ends quietly
        raise
    except OSError as error:
        raise ComputationFailed(
            _("could not write into {folder}: {reason} ({file}).").format(
                folder=repr(args.out), reason=error.strerror, file=error.filename
            )
        ) from None
    return 0 if agrees else EXIT_FAILED


TOUR = Subcommand(
    name="tour",
    summary=N_(
        "replay section 4.4 of the book and the start of 4.5, with the book's printed values "
        "and figures"
    ),
    description=N_(
        "Replay section 4.4 'Gradient' of Deep Learning from Scratch and the start of 4.5 (a "
        "TwoLayerNet checked and trained on a spiral): each computation, gradwalk's result, "
        "the book's printed value, and what it shows; then draw the figures (4-9, 4-10, the "
        "learning-rate comparison, 4-11 and 4-12 for the spiral and its decision boundary) "
        "and a page, index.html, that shows the text and the pictures together."
    ),
    examples=(
        "gradwalk tour                   " + N_("# text, and figures in ./gradwalk-tour/"),
        "gradwalk tour --out pictures    " + N_("# figures and index.html in ./pictures"),
        "gradwalk tour --no-figures      " + N_("# the text only"),
        "gradwalk tour --lang zh         " + N_("# in Chinese (--lang ja: in Japanese)"),
    ),
    add_arguments=_tour_arguments,
    run=_run_tour,
    hostile=(("--out", ""), ("--out", "a-file.txt"), ("--out", "a-file.txt/sub")),
)
