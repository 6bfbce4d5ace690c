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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from gradwalk._common.language import (
    LANGUAGES,
    get_language,
    language_code,
    language_scope,
    readable_in,
)
from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.terminal import tolerant_streams
from gradwalk._common.version import __version__

from ._command import EXIT_BROKEN_PIPE, EXIT_USAGE, Subcommand, language_type, run_guarded
from ._descend import DESCEND
from ._explore import EXPLORE
from ._field import FIELD
from ._grad import GRAD
from ._tour import TOUR
from ._train import TRAIN

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: A keyword's value in advice: ``= 0.5``, ``='auto'``.
_VALUE = r"(?:\s*=\s*(?P<value>'[^']*'|[-+\w.]+))?"
#: Advice in the library's words (``pass gtol``, ``h='auto'``, ``try lr = 0.5``), as each
#: language writes it: the verb before the name in English and Chinese, after it in
#: Japanese (``lr = 0.5 を試して``).
ADVICE: dict[str, re.Pattern[str]] = {
    "en": re.compile(r"\b(?P<verb>[Pp]ass|[Tt]ry|[Uu]se)\s+(?P<name>[a-z_]+)" + _VALUE),
    "zh_CN": re.compile(r"(?P<verb>传入|试试|改用|使用)\s*(?P<name>[a-z_]+)" + _VALUE),
    "ja": re.compile(
        r"(?<![A-Za-z0-9_.])(?P<name>[a-z_]+)" + _VALUE + r"\s*(?P<verb>を渡|を試|を使|を指定)"
    ),
}


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
            named = match.end("value") if value is not None else match.end("name")
            whole, start = match.group(0), match.start()
            before, after = whole[: match.start("name") - start], whole[named - start :]
            return f"{before}{flag}{shown}{after}"

        return ADVICE[get_language()].sub(option, message)

    return reword


#: Every subcommand, in the order of ``gradwalk --help``.
SUBCOMMANDS: tuple[Subcommand, ...] = (TOUR, GRAD, DESCEND, FIELD, TRAIN, EXPLORE)


# --- the parser and main ----------------------------------------------------------------


def _examples(*lines: str) -> str:
    """The "examples:" section of a help; each line's comment (after "# ") translated."""
    shown = []
    for line in lines:
        command, mark, comment = line.partition("# ")
        shown.append(f"  {command}{_(mark + comment) if mark else ''}")
    return _("examples:") + "\n" + "\n".join(shown)


#: argparse's own messages, as they read in English, and the same in the catalogs' words.
_ARGPARSE_MESSAGES = (
    (
        re.compile(r"the following arguments are required: (?P<names>.+)"),
        N_("the following arguments are required: {names}"),
    ),
    (
        re.compile(r"unrecognized arguments: (?P<arguments>.+)"),
        N_("unrecognized arguments: {arguments}"),
    ),
    (
        re.compile(r"argument (?P<option>\S+): expected one argument"),
        N_("argument {option}: expected one argument"),
    ),
    (
        re.compile(
            r"argument (?P<option>\S+): invalid choice: (?P<value>.+?) "
            r"\(choose from (?P<choices>.+)\)"
        ),
        N_("argument {option}: invalid choice: {value} (choose from {choices})"),
    ),
    (
        re.compile(r"argument (?P<option>\S+): (?P<message>.+)", re.S),
        N_("argument {option}: {message}"),
    ),
)


def _argparse_message(message: str) -> str:
    """One of argparse's own error messages in the current language."""
    for english, words in _ARGPARSE_MESSAGES:
        match = english.fullmatch(message)
        if match:
            return _(words).format(**match.groupdict())
    return message


class _Formatter(argparse.RawDescriptionHelpFormatter):
    """argparse's help, its "usage:" in the current language."""

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with did-you-mean for mistyped options, in the current language."""

    def __init__(self, **options: Any) -> None:
        super().__init__(formatter_class=_Formatter, **options)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")

    def error(self, message: str) -> Any:
        hint = ""
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            option = unknown.group(1).split("=")[0]
            known = [name for action in self._actions for name in action.option_strings]
            close = difflib.get_close_matches(option, known, n=1)
            if close:
                hint = " " + _("(did you mean {option}?)").format(option=close[0])
            elif option.startswith("-"):
                hint = _("; {command} lists the options").format(command=f"'{self.prog} --help'")
        invalid = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if invalid:
            choices = re.findall(r"'([^']*)'", invalid.group(2))
            close = difflib.get_close_matches(invalid.group(1), choices, n=1)
            if close:
                hint = " " + _("(did you mean {option}?)").format(option=close[0])
        self.print_usage(sys.stderr)
        line = _("{prefix}: error: {message}").format(
            prefix=self.prog, message=_argparse_message(message) + hint
        )
        self.exit(EXIT_USAGE, line + "\n")


def _add_language_option(parser: argparse.ArgumentParser, default: object) -> None:
    """``--lang``, on ``gradwalk`` and on every subcommand (a subcommand's keeps the other)."""
    spoken = ", ".join(f"{code.split('_')[0]} ({name})" for code, name in LANGUAGES.items())
    parser.add_argument(
        "--lang",
        type=language_type,
        default=default,
        metavar="LANG",
        help=_(
            "the language of the output: {languages}; default: the locale's "
            "(LANGUAGE, LC_ALL, LANG)"
        ).format(languages=spoken),
    )


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``gradwalk`` parser and each subcommand's own parser, by name."""
    parser = _Parser(
        prog="gradwalk",
        description=_(
            "Numerical gradients, gradient descent and learning by the gradient method from "
            "sections 4.4 and 4.5 of Deep Learning from Scratch, with pictures and a local "
            "page to play with them. (Gradient checking is in the Python API: "
            "gradwalk.check_gradient.)"
        ),
        epilog=_examples(
            "gradwalk tour",
            "gradwalk tour --lang zh         " + N_("# in Chinese (--lang ja: in Japanese)"),
            'gradwalk grad "x0**2 + x1**2" --at 3,4',
            "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
            "gradwalk field rosenbrock --plot field.png",
        ),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"gradwalk {__version__}",
        help=_("show the version number and exit"),
    )
    _add_language_option(parser, default=None)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers: dict[str, argparse.ArgumentParser] = {}
    for command in SUBCOMMANDS:
        sub = commands.add_parser(
            command.name,
            help=_(command.summary),
            description=_(command.description),
            epilog=_examples(*command.examples),
        )
        command.add_arguments(sub)
        _add_language_option(sub, default=argparse.SUPPRESS)
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


def _requested_language(argv: Sequence[str]) -> str | None:
    """The language ``--lang`` asks for, read before parsing (help is printed in it).

    An unknown language is left to the parser, which reports it.
    """
    for index, item in enumerate(argv):
        if item == "--":
            break
        value = None
        if item == "--lang" and index + 1 < len(argv):
            value = argv[index + 1]
        elif item.startswith("--lang="):
            value = item.partition("=")[2]
        if value is not None:
            return language_code(value)
    return None


def _shown_language(requested: str | None) -> str:
    """The language to print in: the one asked for, if the output can show it, else English.

    A console or file whose encoding lacks the language's characters (Chinese in
    ASCII or CP932) gets English rather than question marks; when ``--lang`` asked
    for the language, one line on stderr says so.
    """
    code = requested or get_language()
    encoding = getattr(sys.stdout, "encoding", None)
    if readable_in(code, encoding):
        return code
    if requested is not None:
        print(
            f"gradwalk: the output encoding {encoding} cannot show the text of --lang "
            f"{code}; printing English (PYTHONIOENCODING=utf-8 shows it).",
            file=sys.stderr,
            flush=True,
        )
    return "en"


def _silence(streams: Sequence[object]) -> None:
    """Point the streams at os.devnull, so that flushing them at exit stays quiet."""
    for stream in streams:
        try:
            descriptor = stream.fileno()  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):
            continue
        os.dup2(os.open(os.devnull, os.O_WRONLY), descriptor)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0: done; 1: the computation failed; 2: bad arguments; 130: stopped by Ctrl-C;
    141: the reader of the output went away (``gradwalk tour | head -3``), the status a
    shell gives any command stopped by a closed pipe.

    Output is in the language of ``--lang``, else of the locale (see
    :func:`gradwalk.set_language`); characters the output encoding lacks are written in
    ASCII forms (``x0^2`` for ``x0²``).

    >>> main(["grad", "x0**2 + x1**2", "--at", "3,4"])
    f(x)      x0**2 + x1**2
    x         [3., 4.]
    f at x    25
    gradient  [6., 8.]
    method    central, h = 0.0001, 4 evaluations of f
    0
    """
    arguments = list(sys.argv[1:] if argv is None else argv)
    with tolerant_streams():
        try:
            with language_scope(_shown_language(_requested_language(arguments))):
                return _run(arguments)
        except BrokenPipeError:  # the reader stopped early: quietly, as other tools do
            _silence([sys.stdout, sys.stderr])
            return EXIT_BROKEN_PIPE


def _run(argv: list[str]) -> int:
    """Parse the arguments and run the subcommand, in the language already chosen."""
    parser, parsers = build_parser()
    try:
        args, extra = parser.parse_known_args(_prepared(argv))
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

    return run_guarded(command, args, out, err)
