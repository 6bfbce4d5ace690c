"""The ``gradwalk`` command: one module per subcommand (:mod:`._tour`, :mod:`._grad`,
:mod:`._descend`, :mod:`._field`, :mod:`._train`, :mod:`._explore`), the options they
share (:mod:`._args`), what every subcommand shares (:mod:`._command`) and the parser
with :func:`main` (:mod:`._parser`).

>>> from gradwalk.cli import main
>>> main(["grad", "x0**2 + x1**2", "--at", "3,4"])
f(x)      x0**2 + x1**2
x         [3., 4.]
f at x    25
gradient  [6., 8.]
method    central, h = 0.0001, 4 evaluations of f
0
"""

from __future__ import annotations

from ._parser import SUBCOMMANDS, build_parser, main

__all__ = ["SUBCOMMANDS", "build_parser", "main"]
