"""Reading the page's requests: typed fields within limits, and errors that name the field.

Every request of the explore page is a JSON object. The readers here turn one field into
a Python value or raise :class:`RequestError`, whose message says which value was wrong
and what to send instead; the server answers it with status 422 and the page shows the
message beside the input.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gradwalk._common.language import gettext as _
from gradwalk._common.language import sentences

__all__ = ["LIMITS", "Limits", "RequestError", "choice", "choices", "integer", "number", "pair"]


@dataclass(frozen=True)
class Limits:
    """What one request may ask for, so that no request can tie up the server.

    Attributes
    ----------
    formula_length : int
        Most characters of a typed formula.
    steps : int
        Most descent steps per optimizer.
    grid : int
        Most grid points along each axis of the contour plot.
    dataset_size : int
        Most points of a generated dataset.
    hidden_size : int
        Most hidden units of the network.
    steps_per_request : int
        Most training steps per request of the learning view.
    sessions : int
        Most training sessions kept at once (the oldest is dropped first).
    seconds : float
        Compute time of one request; a descent still running then stops with status
        "stopped" and what it has so far, a training request returns after the steps done.
    body_bytes : int
        Largest request body.
    """

    formula_length: int = 300
    steps: int = 10_000
    grid: int = 200
    dataset_size: int = 2_000
    hidden_size: int = 100
    steps_per_request: int = 1_000
    sessions: int = 8
    seconds: float = 5.0
    body_bytes: int = 65_536


#: The limits the ``gradwalk explore`` server runs with.
LIMITS = Limits()


class RequestError(ValueError):
    """A request field that is missing, of the wrong type, or outside its limits.

    Parameters
    ----------
    field : str
        The field's name, as the page sends it.
    message : str
        What was wrong and what to send instead.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _cut(value: object) -> str:
    """A value as the page sent it, for a message: its repr, at most 40 characters."""
    return f"{value!r:.40}"


def _present(payload: Mapping[str, Any], field: str, default: object) -> object:
    value = payload.get(field, default)
    if value is None:
        raise RequestError(field, _("{field} is missing; send a value for it.").format(field=field))
    return value


def number(
    payload: Mapping[str, Any],
    field: str,
    default: float | None = None,
    *,
    positive: bool = False,
    what: str = "",
) -> float:
    """A finite number (``positive``: greater than 0); numeric strings are accepted."""
    value = _present(payload, field, default)
    try:
        if isinstance(value, bool):
            raise TypeError
        result = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise RequestError(
            field,
            _("{field} must be a number, got {value}.").format(field=field, value=_cut(value)),
        ) from None
    if not math.isfinite(result):
        raise RequestError(
            field,
            _("{field} must be a finite number, got {value}.").format(
                field=field, value=_cut(value)
            ),
        )
    if positive and result <= 0:
        raise RequestError(
            field,
            sentences(
                _("{field} must be greater than 0, got {value:g}.").format(
                    field=field, value=result
                ),
                _(what) if what else "",
            ),
        )
    return result


def integer(
    payload: Mapping[str, Any],
    field: str,
    default: int | None = None,
    *,
    least: int,
    most: int,
) -> int:
    """A whole number from ``least`` to ``most``."""
    value = _present(payload, field, default)
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?[0-9.eE+-]+\s*", value):
        with contextlib.suppress(ValueError):
            value = float(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RequestError(
            field,
            _("{field} must be a whole number, got {value}.").format(
                field=field, value=_cut(value)
            ),
        )
    if value < least:
        raise RequestError(
            field,
            _("{field} must be at least {least}, got {value}.").format(
                field=field, least=least, value=value
            ),
        )
    if value > most:
        raise RequestError(
            field,
            _(
                "{field} = {value} is over this page's limit of {most}; ask for at most {most}."
            ).format(field=field, value=value, most=most),
        )
    return value


def choice(
    payload: Mapping[str, Any], field: str, allowed: Sequence[str], default: str | None = None
) -> str:
    """One of ``allowed`` (case-insensitive)."""
    value = _present(payload, field, default)
    key = value.strip().lower() if isinstance(value, str) else None
    if key is None or key not in allowed:
        raise RequestError(
            field,
            _("{field} = {value} is not one of {allowed}; choose one of them.").format(
                field=field, value=_cut(value), allowed=", ".join(allowed)
            ),
        )
    return key


def choices(
    payload: Mapping[str, Any], field: str, allowed: Sequence[str], default: Sequence[str]
) -> tuple[str, ...]:
    """One or more of ``allowed``, as a list or a comma-separated string, without repeats."""
    value = _present(payload, field, list(default))
    items = value.split(",") if isinstance(value, str) else value
    if not isinstance(items, list):
        raise RequestError(
            field,
            _("{field} must be a list of names, got {value}.").format(
                field=field, value=_cut(value)
            ),
        )
    picked: list[str] = []
    for item in items:
        key = choice({field: item}, field, allowed)
        if key not in picked:
            picked.append(key)
    if not picked:
        raise RequestError(
            field,
            _("{field} is empty; choose at least one of {allowed}.").format(
                field=field, allowed=", ".join(allowed)
            ),
        )
    return tuple(picked)


def pair(
    payload: Mapping[str, Any],
    field: str,
    default: Sequence[float] | None = None,
    *,
    increasing: bool = False,
) -> tuple[float, float]:
    """Two finite numbers (``increasing``: the first below the second, as a range)."""
    value = _present(payload, field, default)
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise RequestError(
            field,
            _("{field} must be two numbers such as [-2, 2], got {value}.").format(
                field=field, value=_cut(value)
            ),
        )
    first = number({field: value[0]}, field)
    second = number({field: value[1]}, field)
    if increasing and not first < second:
        raise RequestError(
            field,
            _(
                "{field} = [{first:g}, {second:g}] is not a range; the first must be smaller."
            ).format(field=field, first=first, second=second),
        )
    return first, second
