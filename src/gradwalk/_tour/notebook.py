"""``gradwalk.tour()``: the tour in Python, its figures shown in a notebook under their text."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

__all__ = ["in_notebook", "tour"]


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (Jupyter, JupyterLab, Colab, VS Code), which
    shows rich displays, rather than in a terminal."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    try:
        ipython = shell.get_ipython()
    except AttributeError:  # pragma: no cover - an IPython without get_ipython
        return False
    return ipython is not None and getattr(ipython, "kernel", None) is not None


def tour(out: str | Path | None = None, *, figures: bool = True, lang: str | None = None) -> bool:
    """Replay section 4.4 of the book and the start of 4.5, here.

    Each computation of the section is run and printed beside the value the book
    printed, with what it shows; in a notebook each figure (4-9, 4-10, the learning
    rates, 4-11 and 4-12, a decision boundary) is shown under its text. This is
    ``gradwalk tour`` (the command line) in Python.

    Parameters
    ----------
    out : str or Path, optional
        Also draw the figures into this folder, with an ``index.html`` that shows the
        text and the pictures together (created if needed).
    figures : bool
        Show the figures in a notebook (outside one they are drawn only into ``out``).
    lang : str, optional
        ``"zh"`` (简体中文), ``"ja"`` (日本語) or ``"en"``; by default the language of
        :func:`gradwalk.get_language` (the locale, unless :func:`gradwalk.set_language`
        chose one).

    Returns
    -------
    bool
        True when every value agrees with the book and every check holds.

    Examples
    --------
    >>> import contextlib, io
    >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     agrees = tour()
    >>> agrees, printed.getvalue().splitlines()[0]
    (True, 'gradwalk tour: section 4.4 "Gradient" of Deep Learning from Scratch')
    >>> with contextlib.redirect_stdout(io.StringIO()) as printed:
    ...     agrees = tour(lang="ja")
    >>> printed.getvalue().splitlines()[0]
    'gradwalk ツアー：『ゼロから作るDeep Learning』4.4 節「勾配」'
    """
    from gradwalk._common.terminal import write_line

    from .run import run_tour

    show: Any = None
    if figures and in_notebook():
        from IPython.display import display

        show = display
    return run_tour(write_line, out=out, show=show, lang=lang)
