"""The tables of the docs that the registries generate.

A generated table sits in a Markdown page between ``<!-- table: NAME -->`` and
``<!-- end table -->``; :data:`TABLES` maps each NAME to the function that writes it
from its registry (``METHODS``, ``OPTIMIZERS``, ``FUNCTIONS``, the status codes, the
verification stage's thresholds).
``python -m gradwalk._docgen`` rewrites them with the pictures; the test suite fails
on a table that no longer matches its registry.

>>> sorted(TABLES)
['functions', 'methods', 'optimizers', 'status', 'thresholds']
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from gradwalk._engine.methods import method_table
from gradwalk._engine.status_codes import status_table
from gradwalk._engine.verify import threshold_table
from gradwalk.optimizers import optimizer_table
from gradwalk.testfunctions import function_table

__all__ = ["TABLES", "generated", "rewrite", "stale_tables"]

#: Every generated table by name.
TABLES: dict[str, Callable[[], str]] = {
    "methods": method_table,
    "optimizers": optimizer_table,
    "functions": function_table,
    "status": status_table,
    "thresholds": threshold_table,
}

_MARKED = re.compile(
    r"^(<!-- table: (\w+) -->\n)(.*?)^(<!-- end table -->)$", re.DOTALL | re.MULTILINE
)


def generated(text: str) -> str:
    """``text`` with every marked table written anew from its registry.

    Raises
    ------
    KeyError
        A marker names a table that :data:`TABLES` does not have.
    """

    def table(match: re.Match[str]) -> str:
        return match.group(1) + TABLES[match.group(2)]() + "\n" + match.group(4)

    return _MARKED.sub(table, text)


def marked(text: str) -> list[str]:
    """The names of the tables marked in ``text``, in order."""
    return [match.group(2) for match in _MARKED.finditer(text)]


def stale_tables(pages: list[Path]) -> list[str]:
    """The pages among ``pages`` whose marked tables differ from their registries."""
    return [
        str(page) for page in pages if generated(text := page.read_text(encoding="utf-8")) != text
    ]


def rewrite(pages: list[Path]) -> list[Path]:
    """Rewrite the marked tables of ``pages``; return the pages that changed."""
    changed = []
    for page in pages:
        text = page.read_text(encoding="utf-8")
        new = generated(text)
        if new != text:
            page.write_text(new, encoding="utf-8")
            changed.append(page)
    return changed
