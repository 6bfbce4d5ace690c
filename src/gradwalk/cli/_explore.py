"""The ``gradwalk explore`` subcommand: its options, and starting the server."""

from __future__ import annotations

import argparse

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_

from ._command import Output, Subcommand, UsageError, count_type

__all__ = ["DEFAULT_PORT", "EXPLORE"]

#: The port ``gradwalk explore`` listens on unless told otherwise.
DEFAULT_PORT = 8765


def _explore_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=count_type("--port", least=0, most=65535),
        default=DEFAULT_PORT,
        metavar="N",
        help=_("port on 127.0.0.1 (default {port}; 0 picks a free one)").format(port=DEFAULT_PORT),
    )
    parser.add_argument(
        "--no-browser", action="store_true", help=_("do not open a browser; print the address")
    )


def _run_explore(args: argparse.Namespace, out: Output) -> int:
    """Serve the page until Ctrl-C (exit 0); a missing extra or a busy port is exit 2."""
    try:
        from gradwalk.explore._server import serve
    except ImportError as error:
        raise UsageError(
            _(
                "the page needs the explore extra ({module} is not installed); install it "
                'with: pip install "gradwalk[explore]"'
            ).format(module=error.name)
        ) from None
    try:
        serve(args.port, open_browser=not args.no_browser, out=out)
    except OSError as error:  # the port: in use, or not ours to take
        raise UsageError(str(error)) from None
    return 0


EXPLORE = Subcommand(
    name="explore",
    summary=N_("open a local page to play with gradient descent and watch a network learn"),
    description=N_(
        "Serve an interactive page on 127.0.0.1 (this machine only) and open it in the "
        "default browser: descend on a test function or a formula with several optimizers, "
        "and train a two-layer network on generated data. Ctrl-C stops the server. Needs "
        'the explore extra: pip install "gradwalk[explore]".'
    ),
    examples=(
        "gradwalk explore                 " + N_("# http://127.0.0.1:8765/ in your browser"),
        "gradwalk explore --port 0        " + N_("# any free port"),
        "gradwalk explore --no-browser    " + N_("# print the address only"),
    ),
    add_arguments=_explore_arguments,
    run=_run_explore,
    hostile=(
        ("--port", "-1"),
        ("--port", "65536"),
        ("--port", "http"),
        ("--port", "80.5"),
        ("--port",),
        ("--no-browsr",),
        ("--port", "0", "extra"),
    ),
)
