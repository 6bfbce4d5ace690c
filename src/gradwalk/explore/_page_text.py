"""The text of the page's HTML that is translated: what ``data-i18n`` marks.

An element marked ``data-i18n`` has each of its own text pieces (not its children's)
translated by the page's script, whitespace collapsed; ``data-i18n-attr="title
aria-label"`` names attributes translated too. :func:`page_text` finds the same pieces
here, and :func:`extract_page_text` hands them to Babel's message extraction (named in
``babel.cfg``), so that the catalogs hold every piece the page looks up.

>>> page_text('<label data-i18n>Learning rate <input id="lr"></label>')
[(1, 'Learning rate')]
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from html.parser import HTMLParser
from typing import IO, Any

__all__ = ["extract_page_text", "page_text"]

#: Elements that never have a closing tag.
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}


def _collapsed(text: str) -> str:
    return " ".join(text.split())


class _Marked(HTMLParser):
    """Collects the text pieces of marked elements, with their line numbers."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.open: list[bool] = []  # for each open element: is it marked?

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        marked = "data-i18n" in named
        if marked:
            for attribute in (named.get("data-i18n-attr") or "").split():
                value = _collapsed(named.get(attribute) or "")
                if value:
                    self.found.append((self.getpos()[0], value))
        if tag not in _VOID:
            self.open.append(marked)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _VOID and self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        text = _collapsed(data)
        if text and self.open and self.open[-1]:
            self.found.append((self.getpos()[0], text))


def page_text(html: str) -> list[tuple[int, str]]:
    """Each translated piece of a page: (line, text)."""
    parser = _Marked()
    parser.feed(html)
    parser.close()
    return parser.found


def extract_page_text(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extraction method for the page's HTML (``babel.cfg``)."""
    for line, text in page_text(fileobj.read().decode("utf-8")):
        yield line, "", text, []
