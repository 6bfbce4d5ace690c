"""The ``gradwalk explore`` subcommand: its options, and starting the server."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["DEFAULT_PORT", "add_explore_parser", "run_explore"]

#: The port ``gradwalk explore`` listens on unless told otherwise.
DEFAULT_PORT = 8765


def add_explore_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``explore`` subcommand to ``subparsers`` (from ``add_subparsers``).

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser.
    """
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "explore",
        help="open a local page to play with gradient descent and watch a network learn",
        description="Serve an interactive page on 127.0.0.1 (this machine only) and open it "
        "in the default browser: descend on a test function or a formula with several "
        "optimizers, and train a two-layer network on generated data. Ctrl-C stops the "
        'server. Needs the explore extra: pip install "gradwalk[explore]".',
        epilog="examples:\n"
        "  gradwalk explore                 # http://127.0.0.1:8765/ in your browser\n"
        "  gradwalk explore --port 0        # any free port\n"
        "  gradwalk explore --no-browser    # print the address only",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        metavar="N",
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument(
        "--no-browser", action="store_true", help="do not open a browser; print the address"
    )
    return parser


def run_explore(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C; return the exit status (2 when it cannot start).

    Raises
    ------
    OSError
        When the port cannot be used (the message says to pass ``--port 0``).
    """
    if not 0 <= args.port <= 65535:
        raise ValueError(f"--port must be from 0 to 65535, got {args.port}.")
    try:
        from ._server import serve
    except ImportError as error:
        print(
            f"gradwalk explore: error: the page needs the explore extra ({error.name} is not "
            'installed); install it with: pip install "gradwalk[explore]"',
            file=sys.stderr,
        )
        return 2
    serve(args.port, open_browser=not args.no_browser)
    return 0
