"""``gradwalk explore``: a local page to play with gradient descent and watch a network learn.

The page has two views. In the descent view a learner picks a test function or types a
formula, clicks a start point, drags the learning rate past the stable bound 2/λmax and
compares optimizers; in the learning view a TwoLayerNet trains on a generated 2-D dataset
while its decision boundary, loss and accuracy update. The server (Starlette on uvicorn,
the ``explore`` extra) listens on 127.0.0.1 only, and the page loads nothing from
elsewhere.

Start it with ``gradwalk explore`` or from Python with :func:`add_explore_parser` and
:func:`run_explore`, the two names the command line uses.

>>> import argparse
>>> parser = argparse.ArgumentParser(prog="gradwalk")
>>> _ = add_explore_parser(parser.add_subparsers(dest="command"))
>>> args = parser.parse_args(["explore", "--port", "0", "--no-browser"])
>>> args.port, args.no_browser
(0, True)
"""

from __future__ import annotations

from ._command import add_explore_parser, run_explore

__all__ = ["add_explore_parser", "run_explore"]
