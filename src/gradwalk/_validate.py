"""Checks of numeric arguments shared by every public function.

Each check returns the value as a plain Python number, or raises an error that names the
parameter, the value it got, and what to pass instead.

>>> _check_positive(0.1, "lr")
0.1
>>> _check_count(3, "steps")
3
>>> _check_positive(0, "lr", " For example 0.01.")
Traceback (most recent call last):
...
ValueError: lr must be a finite number > 0, got lr=0. For example 0.01.
"""

from __future__ import annotations

import math
import numbers
from typing import Literal, overload


def _check_positive(value: object, name: str, hint: str = "") -> float:
    """A finite number > 0 (a learning rate, a relative tolerance); ``hint`` ends the error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive number, got {value!r} ({type(value).__name__})."
        )
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {name}={value!r}.{hint}")
    return float(value)


def _check_tolerance(value: object, name: str, hint: str = "") -> float | None:
    """None (no tolerance) or a finite number >= 0; ``hint`` ends the error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0 or None, got {value!r}.")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={value!r}.{hint}")
    return float(value)


@overload
def _check_count(
    value: object, name: str, *, least: int = ..., none_ok: Literal[False] = ...
) -> int: ...
@overload
def _check_count(
    value: object, name: str, *, least: int = ..., none_ok: Literal[True]
) -> int | None: ...
def _check_count(value: object, name: str, *, least: int = 0, none_ok: bool = False) -> int | None:
    """A whole number >= ``least`` (steps, directions, a seed), or None when ``none_ok``."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        extra = " or None" if none_ok else ""
        raise TypeError(f"{name} must be a whole number >= {least}{extra}, got {value!r}.")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, got {name}={value!r}.")
    return int(value)
