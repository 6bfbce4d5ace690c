"""Warning classes, and the helper that points a warning at the user's own line."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

__all__ = [
    "GradwalkWarning",
    "IgnoredInputWarning",
    "NonFiniteWarning",
    "PrecisionWarning",
]

_PACKAGE_DIR = str(Path(__file__).resolve().parent)


class GradwalkWarning(UserWarning):
    """Base class of every warning gradwalk emits."""


class PrecisionWarning(GradwalkWarning):
    """The result is less accurate than it looks (dtype, step size, rounding)."""


class NonFiniteWarning(GradwalkWarning):
    """f returned inf or nan at some evaluated points."""


class IgnoredInputWarning(GradwalkWarning):
    """f did not react to the perturbations of x: it probably ignores its argument."""


def _user_stacklevel() -> int:
    """Stack level of the first frame outside the gradwalk package (for ``warnings.warn``)."""
    frame = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(
        _PACKAGE_DIR
    ):
        frame = frame.f_back  # type: ignore[assignment]
        level += 1
    return level


def _warn(message: str, category: type[GradwalkWarning]) -> None:
    """Emit ``message`` attributed to the user's line that called into gradwalk."""
    warnings.warn(message, category, stacklevel=_user_stacklevel())
