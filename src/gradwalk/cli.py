"""The ``gradwalk`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._tour import run_tour

__all__ = ["main"]


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradwalk",
        description="Numerical gradients, gradient checking and gradient descent.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "tour",
        help="replay section 4.4 of the book, with the book's printed values beside ours",
        description="Replay section 4.4 'Gradient' of Deep Learning from Scratch: each "
        "computation, gradwalk's result, the book's printed value, and what it shows.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    >>> main(["tour"]) == 0  # doctest: +ELLIPSIS
    gradwalk tour: ...
    True
    """
    args = _build_parser().parse_args(argv)
    if args.command == "tour":
        return 0 if run_tour() else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
