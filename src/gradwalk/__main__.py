"""``python -m gradwalk``: the ``gradwalk`` command, for where its script is not on PATH.

>>> from gradwalk.__main__ import main
>>> main(["--version"])  # doctest: +ELLIPSIS
gradwalk ...
0
"""

from __future__ import annotations

from gradwalk.cli import main

__all__ = ["main"]

if __name__ == "__main__":
    raise SystemExit(main())
