"""Rich displays for notebooks: the HTML that each result's ``_repr_html_`` returns.

Jupyter shows an object by its ``_repr_html_`` when it has one. Every result type of
gradwalk builds its display from these pieces: a card with a title, a verdict line
coloured by how things went, a few named fields, tables and preformatted arrays. Every
text is escaped; the styles are inline (notebooks drop style sheets of outputs).

>>> print(card("Demo", [("nfev", "4")], verdict="passed", tone="good"))  # doctest: +ELLIPSIS
<div class="gradwalk-result" ...><strong>Demo</strong>...passed...nfev...4...</div>
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np

__all__ = ["Tone", "array_block", "card", "table"]

Tone = Literal["good", "bad", "warn", "plain"]

#: The colour of a verdict line for each tone (text and left border).
_COLOURS: dict[str, str] = {
    "good": "#1a7f37",
    "bad": "#cf222e",
    "warn": "#9a6700",
    "plain": "#57606a",
}

_CELL = "padding:1px 8px;text-align:left;border-bottom:1px solid #eaeef2;font-family:monospace"


def array_block(array: Any, precision: int = 8, threshold: int = 40) -> str:
    """A NumPy array as preformatted text, summarised like its repr when large."""
    with np.printoptions(precision=precision, threshold=threshold, edgeitems=3):
        text = np.array2string(np.asarray(array), separator=", ")
    return f'<pre style="margin:2px 0">{html.escape(text)}</pre>'


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A small table: a header row and rows of cells (each cell's text escaped)."""
    head = "".join(f'<th style="{_CELL}">{html.escape(name)}</th>' for name in header)
    body = "".join(
        "<tr>"
        + "".join(f'<td style="{_CELL}">{html.escape(str(cell))}</td>' for cell in row)
        + "</tr>"
        for row in rows
    )
    return f'<table style="border-collapse:collapse;margin:4px 0"><tr>{head}</tr>{body}</table>'


def card(
    title: str,
    fields: Sequence[tuple[str, str]],
    *,
    verdict: str | None = None,
    tone: Tone = "plain",
    message: str | None = None,
    sections: Sequence[tuple[str, str]] = (),
) -> str:
    """A result's display: its title, verdict, message, fields and titled sections.

    Parameters
    ----------
    title : str
        The type's name, such as "GradientCheck".
    fields : sequence of (name, value)
        Short facts, one per row (text, escaped).
    verdict : str, optional
        The first line: passed or failed, the status (text, escaped), coloured by tone.
    tone : {"good", "bad", "warn", "plain"}
        How things went.
    message : str, optional
        Plain sentences under the verdict (text, escaped; line breaks kept).
    sections : sequence of (heading, html)
        Further parts, such as a table from :func:`table` (HTML, not escaped).
    """
    colour = _COLOURS[tone]
    parts = [
        f'<div class="gradwalk-result" style="border-left:4px solid {colour};'
        'padding:4px 10px;margin:4px 0;font-size:13px">',
        f"<strong>{html.escape(title)}</strong>",
    ]
    if verdict:
        parts.append(
            f'<div style="color:{colour};font-weight:bold;margin:2px 0">'
            f"{html.escape(verdict)}</div>"
        )
    if message:
        parts.append(f'<div style="white-space:pre-wrap;margin:2px 0">{html.escape(message)}</div>')
    if fields:
        parts.append(_fields(fields))
    for heading, body in sections:
        parts.append(f'<div style="margin-top:6px"><em>{html.escape(heading)}</em>{body}</div>')
    parts.append("</div>")
    return "".join(parts)


def _fields(fields: Sequence[tuple[str, str]]) -> str:
    rows = "".join(
        f'<tr><th style="{_CELL};color:#57606a;font-weight:normal">{html.escape(name)}</th>'
        f'<td style="{_CELL}">{html.escape(value)}</td></tr>'
        for name, value in fields
    )
    return f'<table style="border-collapse:collapse;margin:4px 0">{rows}</table>'
