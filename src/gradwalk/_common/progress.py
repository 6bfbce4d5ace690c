"""Progress bars that fit where they are shown: a widget in a notebook, text in a terminal.

The choice is tqdm.auto's, made when the first bar is made (not when gradwalk is
imported). In a notebook without ipywidgets tqdm.auto falls back to a text bar and warns
"IProgress not found" at import; that fallback is fine for gradwalk's bars, so its
warning is not shown.

>>> bar = progress_bar(total=3, disable=True)
>>> bar.update(3)
>>> bar.close()
"""

from __future__ import annotations

import warnings
from typing import Any

__all__ = ["above_the_bars", "progress_bar", "write_above"]

_TQDM: Any = None


def _tqdm() -> Any:
    global _TQDM
    if _TQDM is None:
        from tqdm import TqdmWarning  # type: ignore[import-untyped]

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", TqdmWarning)  # "IProgress not found": text bars
            from tqdm.auto import tqdm  # type: ignore[import-untyped]

        _TQDM = tqdm
    return _TQDM


def progress_bar(**options: Any) -> Any:
    """A new tqdm bar (``tqdm.auto``'s kind), with tqdm's options."""
    return _tqdm()(**options)


def write_above(line: str) -> None:
    """Print a line above the progress bars, which are drawn again beneath it."""
    _tqdm().write(line)


def above_the_bars() -> Any:
    """A context in which what is printed goes above the progress bars, not through them."""
    return _tqdm().external_write_mode()
