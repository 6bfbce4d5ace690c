"""Text for any terminal: characters an output encoding lacks become ASCII forms.

A Chinese or Japanese Windows console, or output redirected to a file, may write GBK,
CP932, ASCII or Latin-1. Printing ``x0² + x1²`` there raises ``UnicodeEncodeError``.
The error handler registered here (:data:`ERRORS`) writes each character the encoding
lacks in an ASCII form instead: ``x0^2 + x1^2``, ``2*x0``, ``+/-``, ``lambda``; other
characters become their compatibility form when that is ASCII (a full-width ``，``
becomes ``,``), else ``?``. Characters the encoding has are written unchanged, so GBK
keeps its Chinese and CP932 its Japanese.

>>> "x0² + x1² ≈ 2·λ".encode("ascii", errors=ERRORS)
b'x0^2 + x1^2 ~ 2*lambda'
>>> "x0² + x1²，梯度".encode("gbk", errors=ERRORS).decode("gbk")
'x0^2 + x1^2，梯度'
"""

from __future__ import annotations

import codecs
import io
import re
import sys
import textwrap
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

__all__ = [
    "ASCII_FORMS",
    "ERRORS",
    "ascii_form",
    "can_encode",
    "display_width",
    "fill",
    "padded",
    "tolerant_streams",
    "write_line",
]

#: The name of the encoding error handler that writes ASCII forms.
ERRORS = "gradwalk-ascii"

#: The ASCII form of each character gradwalk prints that some encodings lack. Arrows take
#: one character, so the arrow field of ``gradwalk field`` keeps its columns.
ASCII_FORMS: dict[str, str] = {
    "²": "^2",
    "³": "^3",
    "⁴": "^4",
    "ᵗ": "^T",
    "·": "*",
    "×": "x",
    "±": "+/-",
    "≈": "~",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "−": "-",
    "–": "-",
    "—": "--",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "→": ">",
    "←": "<",
    "↑": "^",
    "↓": "v",
    "↗": "/",
    "↙": "/",
    "↖": "\\",
    "↘": "\\",
    "√": "sqrt",
    "∞": "inf",
    "λ": "lambda",
    "Δ": "Delta",
    "η": "eta",
    "ε": "eps",
    "θ": "theta",
    "μ": "mu",
    "π": "pi",
    "ρ": "rho",
    "σ": "sigma",
    "█": "#",
}


def ascii_form(character: str) -> str:
    """The ASCII form of one character: from :data:`ASCII_FORMS`, else NFKC, else "?".

    >>> ascii_form("²"), ascii_form("＋"), ascii_form("é"), ascii_form("梯")
    ('^2', '+', 'e', '?')
    """
    if character in ASCII_FORMS:
        return ASCII_FORMS[character]
    compatible = unicodedata.normalize("NFKC", character)
    if compatible.isascii():
        return compatible
    stripped = "".join(
        c for c in unicodedata.normalize("NFKD", character) if not unicodedata.combining(c)
    )
    return stripped if stripped.isascii() and stripped else "?"


def _ascii_forms(error: UnicodeError) -> tuple[str, int]:
    """The encode error handler: the ASCII forms of the characters the encoding lacks."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    text = error.object
    forms = []
    for index in range(error.start, error.end):
        form = ascii_form(text[index])
        following = text[index + 1 : index + 2]
        if len(form) > 1 and form.isalpha() and following.isalnum():
            form += "_"  # λmax: lambda_max, not lambdamax
        forms.append(form)
    return "".join(forms), error.end


codecs.register_error(ERRORS, _ascii_forms)


def can_encode(text: str, encoding: str | None) -> bool:
    """Whether ``encoding`` (None: UTF-8) writes ``text`` without replacing a character."""
    try:
        text.encode(encoding or "utf-8")
    except UnicodeEncodeError:
        return False
    except LookupError:  # an encoding Python does not know: assume it writes everything
        return True
    return True


def _tolerant(stream: object) -> io.TextIOWrapper | None:
    """The stream as a TextIOWrapper whose error handler can be changed, or None."""
    if isinstance(stream, io.TextIOWrapper) and not stream.closed:
        return stream
    return None


@contextmanager
def tolerant_streams() -> Iterator[None]:
    """While active, sys.stdout and sys.stderr write ASCII forms instead of failing.

    Only text streams whose error handler can be set (``io.TextIOWrapper``, as Python
    opens them) are changed; each gets its own handler back afterwards.
    """
    changed: list[tuple[io.TextIOWrapper, str | None]] = []
    for stream in (sys.stdout, sys.stderr):
        wrapper = _tolerant(stream)
        if wrapper is not None and wrapper.errors != ERRORS:
            changed.append((wrapper, wrapper.errors))
            wrapper.reconfigure(errors=ERRORS)
    try:
        yield
    finally:
        for wrapper, errors in changed:
            if not wrapper.closed:
                wrapper.reconfigure(errors=errors)


def write_line(line: str, stream: TextIO | None = None) -> None:
    """Print one line, with ASCII forms for what the stream's encoding lacks, and flush.

    For gradwalk's own printing from Python (the tour, a training run's lines): it
    never fails on the encoding of a Windows console or a redirected file.
    """
    target = stream if stream is not None else sys.stdout
    encoding = getattr(target, "encoding", None)
    if encoding and not can_encode(line, encoding):
        line = line.encode(encoding, errors=ERRORS).decode(encoding)
    print(line, file=target, flush=True)


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: two for each wide (Chinese, Japanese) character.

    >>> display_width("gradient"), display_width("梯度"), display_width("勾配 h")
    (8, 4, 6)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def padded(label: str, width: int) -> str:
    """``label`` followed by spaces up to ``width`` columns (at least one space).

    >>> padded("x", 10) + "|", padded("梯度", 10) + "|"
    ('x         |', '梯度      |')
    """
    return label + " " * max(1, width - display_width(label))


#: A wide character, after which a line may break (Chinese and Japanese need no space).
_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")
#: Characters a line must not start with (closing punctuation, small kana).
_NO_START = set("、。，．,.:;：；！？!?）)」』】〕〉》”’ー々ぁぃぅぇぉっゃゅょァィゥェォッャュョ")


def _pieces(text: str) -> list[str]:
    """Words and wide characters: the units between which a line may break."""
    pieces: list[str] = []
    for word in re.split(r"(\s+)", text):
        if not word or word.isspace():
            if pieces and word:
                pieces.append(" ")
            continue
        current = ""
        for character in word:
            wide = bool(_WIDE.match(character))
            if current and (wide or _WIDE.match(current[-1])) and character not in _NO_START:
                pieces.append(current)
                current = ""
            current += character
        pieces.append(current)
    return pieces


def fill(text: str, width: int = 88, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """``text`` wrapped to ``width`` columns, English at spaces, Chinese and Japanese anywhere.

    Like :func:`textwrap.fill` (no break at hyphens), with wide characters counted as two
    columns and a line never starting with closing punctuation.

    >>> print(fill("梯度指示的方向是各点处的函数值减小最多的方向。", 20, "", "  "))
    梯度指示的方向是各点
      处的函数值减小最多
      的方向。
    """
    if not _WIDE.search(text):
        return textwrap.fill(
            text,
            width=width,
            initial_indent=initial_indent,
            subsequent_indent=subsequent_indent,
            break_on_hyphens=False,
        )
    lines: list[str] = []
    line = initial_indent
    used = display_width(line)
    fresh = True  # nothing but the indent on this line yet
    for piece in _pieces(text):
        size = display_width(piece)
        if piece == " ":
            if not fresh:
                line, used = line + " ", used + 1
            continue
        if not fresh and used + size > width:
            lines.append(line.rstrip())
            line = subsequent_indent
            used = display_width(line)
        line, used, fresh = line + piece, used + size, False
    lines.append(line.rstrip())
    return "\n".join(lines)
