"""Docstring paragraphs that several public functions share, written once.

A docstring names a shared paragraph on a line of its own, ``{name}``, indented as the
paragraph should be; :func:`shared_docs` replaces each such line at import, so that
``help()`` and the doctests see the complete text. Other braces in a docstring (sets of
choices, dictionaries in examples) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["PARAGRAPHS", "fill_docstring", "shared_docs"]

T = TypeVar("T", bound=Callable[..., object])

#: The shared paragraphs by name, indented from column 0 (a parameter's description
#: four spaces in, as NumPy style writes it).
PARAGRAPHS: dict[str, str] = {
    "axes": """\
title : str, optional
    Title of the axes.
ax : matplotlib.axes.Axes, optional
    Axes to draw into; by default a new Figure.

Returns
-------
matplotlib.figure.Figure""",
    "points": """\
n_samples : int
    Points in all, >= 2.
noise : float
    Standard deviation of the noise added to each coordinate.""",
    "points_returned": """\
seed : int or numpy.random.Generator, optional
    For reproducible data.

Returns
-------
x : ndarray, shape (n_samples, 2), float64
t : ndarray, shape (n_samples,), int64""",
}

_PLACEHOLDER = re.compile(r"^( *)\{(\w+)\}$", re.MULTILINE)


def fill_docstring(doc: str) -> str:
    """``doc`` with every line ``{name}`` replaced by the paragraph ``name``, indented.

    >>> print(fill_docstring("Parameters\\n    ----------\\n    {points}"))
    Parameters
        ----------
        n_samples : int
            Points in all, >= 2.
        noise : float
            Standard deviation of the noise added to each coordinate.
    """

    def paragraph(match: re.Match[str]) -> str:
        indent, name = match.groups()
        if name not in PARAGRAPHS:
            raise KeyError(f"no shared docstring paragraph named {name!r}")
        return "\n".join(indent + line if line else "" for line in PARAGRAPHS[name].split("\n"))

    return _PLACEHOLDER.sub(paragraph, doc)


def shared_docs(function: T) -> T:
    """Fill the ``{name}`` lines of ``function.__doc__`` (see :func:`fill_docstring`)."""
    if function.__doc__ is not None:  # None under python -OO
        function.__doc__ = fill_docstring(function.__doc__)
    return function
