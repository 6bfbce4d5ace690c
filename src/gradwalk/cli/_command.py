"""What every subcommand of ``gradwalk`` shares: its record, argument types, errors, warnings.

:mod:`gradwalk.cli` lists the subcommands; each is a :class:`Subcommand` and runs through
:func:`run_guarded`, which turns the errors below into exit statuses, a Ctrl-C into one
line and status 130, and collected warnings into one line per kind.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gradwalk._common.language import check_language
from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.terminal import fill, padded
from gradwalk._formulas import ExpressionError

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "ComputationFailed",
    "Interrupted",
    "Output",
    "Subcommand",
    "UsageError",
    "capture_figures",
    "continued",
    "count_type",
    "labelled",
    "language_type",
    "merged_warnings",
    "number_type",
    "run_guarded",
    "save_figure",
]

#: Exit status of a usage error: bad arguments, nothing was computed.
EXIT_USAGE = 2
#: Exit status of a computation that ran and failed (nothing finite came out, a file
#: could not be written).
EXIT_FAILED = 1
#: Exit status after Ctrl-C, as shells report a process stopped by SIGINT.
EXIT_INTERRUPTED = 130
#: Exit status when the reader of the output went away (``gradwalk tour | head -3``): what
#: shells report for any command stopped by a closed pipe (128 + SIGPIPE).
EXIT_BROKEN_PIPE = 141

#: Where a subcommand prints its lines (``print`` with flush, or a list's append in tests).
Output = Callable[[str], object]


class UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2, nothing run."""


class ComputationFailed(Exception):
    """The arguments were fine but the computation could not give a result: exit 1."""


class Interrupted(Exception):
    """Ctrl-C, with what the run had reached (one line)."""


@dataclass(frozen=True)
class Subcommand:
    """One subcommand of ``gradwalk``: its parser, how to run it, and its hostile cases.

    Attributes
    ----------
    name : str
        ``gradwalk NAME``.
    summary : str
        One line for the list of commands in ``gradwalk --help``.
    description : str
        The paragraph at the top of ``gradwalk NAME --help``.
    examples : tuple of str
        Command lines shown under "examples:" in its help, each starting ``gradwalk NAME``.
    add_arguments : callable
        ``add_arguments(parser)`` adds its options to its own ``argparse`` parser.
    run : callable
        ``run(args, out)`` does the work, prints with ``out`` and returns the exit status;
        it raises :class:`UsageError` or :class:`ComputationFailed` for what went wrong.
    hostile : tuple of tuple of str
        Arguments (after NAME) that must end in a clean message: no traceback, no raw
        NumPy or Python text, no flood of warnings. The test suite runs every one.
    point_options : tuple of str
        Options whose value may start with a minus sign (``--from -3,4``).

    The summary, the description and the comments of the examples (after ``#``) are
    messages of the catalogs (marked with ``N_``), translated when the help is built.
    """

    name: str
    summary: str
    description: str
    examples: tuple[str, ...]
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Output], int]
    hostile: tuple[tuple[str, ...], ...] = ()
    point_options: tuple[str, ...] = ()


def number_type(
    option: str, *, positive: bool = False, least: float | None = None
) -> Callable[[str], float]:
    """An argparse ``type`` for a finite number (> 0 when ``positive``, >= ``least``)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if (
            not np.isfinite(value)
            or (positive and value <= 0)
            or (least is not None and value < least)
        ):
            if positive:
                message = _("expected a finite number > 0; got {text}")
            elif least is not None:
                message = _("expected a finite number >= {least:g}; got {text}")
            else:
                message = _("expected a finite number; got {text}")
            raise argparse.ArgumentTypeError(message.format(least=least, text=repr(text.strip())))
        return value

    return parse


def count_type(option: str, *, least: int = 0, most: int | None = None) -> Callable[[str], int]:
    """An argparse ``type`` for a whole number >= ``least`` (and <= ``most``)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = least - 1
        if value < least or (most is not None and value > most):
            message = (
                _("expected a whole number from {least} to {most}; got {text}")
                if most is not None
                else _("expected a whole number >= {least}; got {text}")
            )
            raise argparse.ArgumentTypeError(
                message.format(least=least, most=most, text=repr(text.strip()))
            )
        return value

    return parse


#: The column where a labelled output line's value starts (``gradient  [6., 8.]``).
LABEL_WIDTH = 10


def labelled(label: str, value: object) -> str:
    """An output line: the label, padded to :data:`LABEL_WIDTH` columns, then the value.

    >>> labelled("gradient", "[6., 8.]")
    'gradient  [6., 8.]'
    """
    return padded(label, LABEL_WIDTH) + str(value)


def continued(text: str) -> str:
    """A line under a labelled one, starting in its value's column."""
    return " " * LABEL_WIDTH + text


def language_type(text: str) -> str:
    """An argparse ``type`` for ``--lang``: the code of a language gradwalk speaks."""
    try:
        return check_language(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


#: NumPy's floating-point warnings, in words about f (translated where shown).
_NUMPY_WORDS = (
    (re.compile(r"overflow"), N_("a value overflowed (beyond about ±1.8e308) while computing f")),
    (re.compile(r"divide by zero"), N_("f divided by zero at some of the points evaluated")),
    (
        re.compile(r"invalid value"),
        N_(
            "an undefined value (nan: 0/0, inf - inf, log or sqrt of a negative number) came "
            "up while computing f"
        ),
    ),
    (re.compile(r"underflow"), N_("a value underflowed to 0 while computing f")),
)


def _worded(record: warnings.WarningMessage) -> tuple[str, str]:
    """A warning's kind (for merging) and its text in gradwalk's words."""
    text = str(record.message)
    from gradwalk._common.warnings import GradwalkWarning

    if issubclass(record.category, GradwalkWarning):
        return record.category.__name__, text
    for pattern, words in _NUMPY_WORDS:
        if pattern.search(text):
            return words, _(words)
    if issubclass(record.category, RuntimeWarning):
        words = _("some values of f or its gradient were not finite, so nothing could be averaged")
        return words, words
    return record.category.__name__, text


def merged_warnings(caught: Sequence[warnings.WarningMessage]) -> list[str]:
    """One line per kind of warning, first text shown, with how often it came."""
    kinds: dict[str, tuple[str, int, set[str]]] = {}
    for record in caught:
        kind, text = _worded(record)
        first, count, texts = kinds.get(kind, (text, 0, set()))
        texts.add(text)
        kinds[kind] = (first, count + 1, texts)
    lines = []
    for first, count, texts in kinds.values():
        if count == 1:
            line = _("warning: {text}")
        elif len(texts) == 1:
            line = _("warning: {text} (the same warning {count} times)")
        else:
            line = _("warning: {text} ({count} warnings of this kind; the first is shown)")
        lines.append(line.format(text=first, count=count))
    return lines


def _fill(line: str) -> str:
    return fill(line, width=88, subsequent_indent="  ")


def run_guarded(
    command: Subcommand,
    args: argparse.Namespace,
    out: Output,
    err: Output | None = None,
) -> int:
    """Run a subcommand; return its exit status, never a traceback for a user's mistake.

    :class:`UsageError` and :class:`~gradwalk.ExpressionError` give status 2,
    :class:`ComputationFailed` status 1 and Ctrl-C status 130, each as one line
    ``gradwalk NAME: ...`` on stderr. Warnings are collected and printed after the run,
    one line per kind. Any other exception is a bug in gradwalk and propagates.
    """

    def to_stderr(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    err = err or to_stderr
    prefix = f"gradwalk {command.name}"
    status: int
    message = ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            status = command.run(args, out)
        except (UsageError, ExpressionError) as error:
            status = EXIT_USAGE
            message = _("{prefix}: error: {message}").format(prefix=prefix, message=error)
        except ComputationFailed as error:
            status = EXIT_FAILED
            message = _("{prefix}: failed: {message}").format(prefix=prefix, message=error)
        except (KeyboardInterrupt, Interrupted) as error:
            status = EXIT_INTERRUPTED
            message = (
                _("{prefix}: interrupted (Ctrl-C); {message}")
                if str(error)
                else _("{prefix}: interrupted (Ctrl-C)")
            ).format(prefix=prefix, message=error)
    for line in merged_warnings(caught):
        err(_fill(line))
    if message:
        err(_fill(message))
    return status


#: Figures drawn while :func:`capture_figures` is active, by file name, instead of files.
_CAPTURED: ContextVar[dict[str, Any] | None] = ContextVar("captured_figures", default=None)


def save_figure(figure: Any, path: Path, out: Output) -> None:
    """Write a subcommand's picture (or hand it to :func:`capture_figures`); say where."""
    captured = _CAPTURED.get()
    if captured is not None:
        captured[path.name] = figure
        return
    try:
        figure.savefig(path, dpi=100)
    except OSError as error:
        raise ComputationFailed(
            _("could not write {path}: {reason}.").format(
                path=repr(str(path)), reason=error.strerror
            )
        ) from None
    out(labelled(_("wrote"), path))


@contextmanager
def capture_figures() -> Iterator[dict[str, Any]]:
    """Collect the figures subcommands would save, by file name, without writing files."""
    captured: dict[str, Any] = {}
    token = _CAPTURED.set(captured)
    try:
        yield captured
    finally:
        _CAPTURED.reset(token)
