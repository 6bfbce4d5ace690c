"""Warning classes, the helper that points a warning at the user's own line, and the
one that names an array's elements by the array's own name (``W1[0, 3]``)."""

from __future__ import annotations

import contextlib
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

__all__ = [
    "GradwalkWarning",
    "IgnoredInputWarning",
    "NonFiniteWarning",
    "PrecisionWarning",
    "SparsityWarning",
    "TrainingWarning",
]

#: The folder of the gradwalk package: frames inside it are gradwalk's, not the user's.
PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)


class GradwalkWarning(UserWarning):
    """Base class of every warning gradwalk emits."""


class PrecisionWarning(GradwalkWarning):
    """The result is less accurate than it looks (dtype, step size, rounding)."""


class NonFiniteWarning(GradwalkWarning):
    """f returned inf or nan at some evaluated points."""


class IgnoredInputWarning(GradwalkWarning):
    """f did not react to the perturbations of x: it probably ignores its argument."""


class SparsityWarning(GradwalkWarning):
    """f's values show a Jacobian entry that the sparsity pattern given does not have."""


class TrainingWarning(GradwalkWarning):
    """A descent or training run diverged or stalled; the message says what lr did."""


def _user_stacklevel() -> int:
    """Stack level of the first frame outside the gradwalk package (for ``warnings.warn``)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def issue_warning(message: str, category: type[GradwalkWarning]) -> None:
    """Emit ``message`` attributed to the user's line that called into gradwalk."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())


def reemit_first(
    caught: Sequence[warnings.WarningMessage], describe: Callable[[int, int, str], str]
) -> None:
    """Re-emit the first caught warning of each kind once, saying how often it came.

    A kind is a category and the opening words of the message (:func:`_kind`): a
    PrecisionWarning about rounding and one about a vanished step are both shown.

    ``describe(first, count, message)`` words it: ``first`` is the position in ``caught``
    of the category's first warning, ``count`` how many warnings of that category were
    caught, ``message`` the first one's text.
    """
    first: dict[tuple[type[Warning], str], tuple[int, int]] = {}
    for position, record in enumerate(caught):
        key = (record.category, _kind(str(record.message)))
        index, count = first.get(key, (position, 0))
        first[key] = (index, count + 1)
    for (category, _), (index, count) in first.items():
        text = describe(index, count, str(caught[index].message))
        warnings.warn(text, category, stacklevel=_user_stacklevel())


def _kind(message: str) -> str:
    """What a warning is about: its first four words (the elements it names come later).

    >>> _kind("the step h = 0.0001 is too small for the magnitude of x[1]: ...")
    'the step h ='
    """
    return " ".join(message.split()[:4])


def renamed(message: str, name: str) -> str:
    """``message`` with the array it calls ``x`` called ``name``.

    >>> renamed("x[1] is not finite; x itself is fine", "W1")
    'W1[1] is not finite; W1 itself is fine'
    """
    message = re.sub(r"\bx\[", f"{name}[", message)
    return re.sub(r"\bx\b(?= itself| is | ±)", name, message)


@contextlib.contextmanager
def naming_elements(name: str) -> Iterator[None]:
    """Re-issue the warnings raised within with the array called ``x`` called ``name``
    (the name of a parameter, or a path in a tree of arrays); others unchanged."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            yield
        finally:
            records = list(caught)
    for record in records:
        if name != "x" and issubclass(record.category, GradwalkWarning):
            issue_warning(renamed(str(record.message), name), record.category)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)
