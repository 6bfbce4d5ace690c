"""The ``gradwalk`` command: the parser of every subcommand, and :func:`main`.

Adding a subcommand
-------------------
A subcommand lives in its own module (``_cli_tour``, ``_cli_grad``, ``_cli_descend``,
``_cli_field``, ``_cli_train``, ``explore._command``; the options they share are in
``_cli_args``) as a :class:`~gradwalk.cli._command.Subcommand` record
(name, one-line summary, description, examples, ``add_arguments(parser)``,
``run(args, out)``, ``hostile`` argument lists) and is registered by importing it here
and adding it to :data:`SUBCOMMANDS`. Every subcommand then gets, without more code:

- its parser, help with an "examples:" section, did-you-mean for mistyped options;
- :func:`~gradwalk.cli._command.run_guarded` around ``run``: raise
  :class:`~gradwalk.cli._command.UsageError` for bad arguments (one line, exit 2; check
  them before any work), :class:`~gradwalk.cli._command.ComputationFailed` when the work
  could not give a result (exit 1); Ctrl-C prints one line and exits 130; warnings are
  collected and printed after the run, one line per kind, NumPy's in gradwalk's words.
  Any other exception is a bug and is not caught;
- advice in messages worded for the command line (``pass gtol=...`` becomes
  ``pass --gtol ...`` when the subcommand has that option);
- the test that runs each ``hostile`` argument list and requires a clean message (no
  traceback, no raw NumPy text, no flood of warnings), and the test that every option
  a message recommends exists in the parser.

``run`` prints with ``out`` (flushed line by line); argument types for numbers come from
:func:`~gradwalk.cli._command.number_type` and :func:`~gradwalk.cli._command.count_type`.
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any

from gradwalk._common.version import __version__

from ._command import EXIT_USAGE, Subcommand, run_guarded
from ._descend import DESCEND
from ._explore import EXPLORE
from ._field import FIELD
from ._grad import GRAD
from ._tour import TOUR
from ._train import TRAIN

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: Advice in the library's words (``pass gtol``, ``h='auto'``, ``try lr = 0.5``).
_ADVICE = re.compile(
    r"\b(?P<verb>[Pp]ass|[Tt]ry|[Uu]se)\s+(?P<name>[a-z_]+)"
    r"(?:\s*=\s*(?P<value>'[^']*'|[-+\w.]+))?"
)


def _reworder(parser: argparse.ArgumentParser) -> Callable[[str], str]:
    """A function rewording library advice into this parser's options."""
    options = {
        action.dest: action.option_strings[-1]
        for action in parser._actions
        if action.option_strings and action.dest != "help"
    }

    def reword(message: str) -> str:
        def option(match: re.Match[str]) -> str:
            flag = options.get(match["name"])
            if flag is None:
                return match.group(0)
            value = match["value"]
            shown = f" {value.strip(chr(39))}" if value is not None else ""
            return f"{match['verb']} {flag}{shown}"

        return _ADVICE.sub(option, message)

    return reword


#: Every subcommand, in the order of ``gradwalk --help``.
SUBCOMMANDS: tuple[Subcommand, ...] = (TOUR, GRAD, DESCEND, FIELD, TRAIN, EXPLORE)


# --- the parser and main ----------------------------------------------------------------


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class _Parser(argparse.ArgumentParser):
    """argparse with did-you-mean for mistyped options."""

    def error(self, message: str) -> Any:
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            option = unknown.group(1).split("=")[0]
            known = [name for action in self._actions for name in action.option_strings]
            close = difflib.get_close_matches(option, known, n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
            elif option.startswith("-"):
                message += f"; '{self.prog} --help' lists the options"
        super().error(message)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``gradwalk`` parser and each subcommand's own parser, by name."""
    parser = _Parser(
        prog="gradwalk",
        description="Numerical gradients, gradient descent and learning by the gradient "
        "method from sections 4.4 and 4.5 of Deep Learning from Scratch, with pictures and "
        "a local page to play with them. (Gradient checking is in the Python API: "
        "gradwalk.check_gradient.)",
        epilog=_examples(
            "gradwalk tour",
            'gradwalk grad "x0**2 + x1**2" --at 3,4',
            "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
            "gradwalk field rosenbrock --plot field.png",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gradwalk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers: dict[str, argparse.ArgumentParser] = {}
    for command in SUBCOMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.summary,
            description=command.description,
            epilog=_examples(*command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        parsers[command.name] = sub
    return parser, parsers


#: A value that is a list of numbers and may start with a minus sign.
_NUMBER_LIST = re.compile(r"-[0-9.][0-9.eE+\-]*(,\s*[-+]?[0-9.][0-9.eE+\-]*)*")
#: What an option looks like; anything else starting with "-" is a formula or a number.
_OPTION = re.compile(r"--?[A-Za-z][\w-]*(=.*)?")


def _prepared(argv: Sequence[str]) -> list[str]:
    """``--from -3,4`` as ``--from=-3,4``, and ``-x0**2`` kept from being read as an option."""
    points = {option for command in SUBCOMMANDS for option in command.point_options}
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] in points and _NUMBER_LIST.fullmatch(item):
            joined[-1] = f"{joined[-1]}={item}"
        elif item.startswith("-") and item != "--" and not _OPTION.fullmatch(item):
            joined.append(f" {item}")  # a leading space: argparse reads it as a value
        else:
            joined.append(item)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0: done; 1: the computation failed; 2: bad arguments; 130: stopped by Ctrl-C.

    >>> main(["grad", "x0**2 + x1**2", "--at", "3,4"])
    f(x)      x0**2 + x1**2
    x         [3., 4.]
    f at x    25
    gradient  [6., 8.]
    method    central, h = 0.0001, 4 evaluations of f
    0
    """
    parser, parsers = build_parser()
    try:
        args, extra = parser.parse_known_args(_prepared(sys.argv[1:] if argv is None else argv))
        if extra:
            parsers[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as done:  # --help, --version, or an argparse error (already printed)
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    command = next(command for command in SUBCOMMANDS if command.name == args.command)
    reword = _reworder(parsers[command.name])

    def out(line: str) -> None:
        print(reword(line), flush=True)

    def err(line: str) -> None:
        print(reword(line), file=sys.stderr, flush=True)

    try:
        return run_guarded(command, args, out, err)
    except BrokenPipeError:  # the reader stopped early (gradwalk ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
