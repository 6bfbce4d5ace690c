"""The one place that words "not a known name": the valid choices and the closest one."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def _choice_hint(value: object, choices: Iterable[str]) -> tuple[str, str]:
    """The choices quoted and joined, and " Did you mean 'x'?" for the closest (or "").

    >>> _choice_hint("centrl", ["central", "forward"])
    ("'central', 'forward'", " Did you mean 'central'?")
    """
    names = list(choices)
    quoted = ", ".join(repr(name) for name in names)
    if not isinstance(value, str):
        return quoted, ""
    close = difflib.get_close_matches(value.strip().lower(), names, n=1)
    return quoted, (f" Did you mean {close[0]!r}?" if close else "")
