"""Every argument check of the public functions, and the "did you mean" hint.

Each check returns the value as a plain Python object, or raises an error that names
the parameter, the value it got, and what to pass instead.

>>> check_positive(0.1, "lr")
0.1
>>> check_count(3, "steps")
3
>>> check_positive(0, "lr", " For example 0.01.")
Traceback (most recent call last):
...
ValueError: lr must be a finite number > 0, got lr=0. For example 0.01.
"""

from __future__ import annotations

import difflib
import functools
import inspect
import math
import numbers
from collections.abc import Callable, Iterable
from typing import Literal, ParamSpec, TypeVar, overload

__all__ = [
    "check_callable",
    "check_count",
    "check_fraction",
    "check_keywords",
    "check_learning_rate",
    "check_limits",
    "check_positive",
    "check_tolerance",
    "choice_hint",
    "closest",
    "keyword_hints",
    "keyword_names",
    "keywords_checked_first",
    "unknown_keyword",
]

P = ParamSpec("P")
R = TypeVar("R")


def check_positive(value: object, name: str, hint: str = "") -> float:
    """A finite number > 0 (a learning rate, a relative tolerance); ``hint`` ends the error."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a positive number, got {value!r} ({type(value).__name__})."
        )
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {name}={value!r}.{hint}")
    return float(value)


def check_learning_rate(lr: object) -> float:
    """A learning rate: a finite number > 0, with the book's values as the hint.

    >>> check_learning_rate(0.01)
    0.01
    """
    return check_positive(lr, "lr", " The book's examples use 0.01 and 0.1.")


def check_tolerance(value: object, name: str, hint: str = "") -> float | None:
    """None (no tolerance) or a finite number >= 0; ``hint`` ends the error."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0 or None, got {value!r}.")
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={value!r}.{hint}")
    return float(value)


def check_fraction(value: object, name: str) -> float:
    """A decay factor: a number in [0, 1).

    >>> check_fraction(0.9, "momentum")
    0.9
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number in [0, 1), got {value!r}.")
    if not 0 <= float(value) < 1:
        raise ValueError(
            f"{name} must be in [0, 1), got {name}={value!r}; the book uses 0.9 (momentum, "
            "beta1), 0.99 (decay_rate) and 0.999 (beta2)."
        )
    return float(value)


@overload
def check_count(
    value: object, name: str, *, least: int = ..., none_ok: Literal[False] = ...
) -> int: ...
@overload
def check_count(
    value: object, name: str, *, least: int = ..., none_ok: Literal[True]
) -> int | None: ...
def check_count(value: object, name: str, *, least: int = 0, none_ok: bool = False) -> int | None:
    """A whole number >= ``least`` (steps, directions, a seed), or None when ``none_ok``."""
    if value is None and none_ok:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        extra = " or None" if none_ok else ""
        raise TypeError(f"{name} must be a whole number >= {least}{extra}, got {value!r}.")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, got {name}={value!r}.")
    return int(value)


def check_callable(value: object, name: str, expected: str) -> None:
    """``value`` must be callable; ``expected`` says what it takes or returns.

    >>> check_callable(3, "f", "taking an array")
    Traceback (most recent call last):
    ...
    TypeError: f must be a callable taking an array, got 3.
    """
    if not callable(value):
        raise TypeError(f"{name} must be a callable {expected}, got {value!r}.")


def check_limits(limits: object, name: str) -> tuple[float, float]:
    """Axis limits: two finite numbers, the first smaller.

    >>> check_limits([-2, 2], "xlim")
    (-2.0, 2.0)
    """
    try:
        low, high = (float(v) for v in limits)  # type: ignore[attr-defined]
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be two numbers (low, high), got {limits!r}.") from None
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"{name} must be two finite numbers with low < high, got {limits!r}.")
    return low, high


def choice_hint(value: object, choices: Iterable[str]) -> tuple[str, str]:
    """The choices quoted and joined, and " Did you mean 'x'?" for the closest (or "").

    >>> choice_hint("centrl", ["central", "forward"])
    ("'central', 'forward'", " Did you mean 'central'?")
    """
    names = list(choices)
    quoted = ", ".join(repr(name) for name in names)
    close = closest(value, names)
    return quoted, (f" Did you mean {close!r}?" if close else "")


def closest(value: object, choices: Iterable[str]) -> str | None:
    """The choice closest to a mistyped ``value`` (any case), or None when none is close.

    >>> closest("Centrl", ["central", "forward"]), closest(3, ["central"])
    ('central', None)
    """
    if not isinstance(value, str):
        return None
    close = difflib.get_close_matches(value.strip().lower(), list(choices), n=1)
    return close[0] if close else None


#: Names people carry over from the book or other libraries, and gradwalk's own.
_ALIASES = {"step_num": "steps", "init_x": "x0", "learning_rate": "lr", "eps": "h"}


def check_keywords(
    given: Iterable[str], where: str, own: Iterable[str], passed: Iterable[str]
) -> None:
    """Refuse keywords that are neither ``where``'s own nor passed on, with a hint.

    ``own`` are the function's own parameters; ``passed`` the options it passes on to
    the numerical gradient.

    >>> check_keywords(["step_num"], "descend", ["lr", "steps"], ["h"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    TypeError: descend got an unknown option step_num. Did you mean 'steps'? ...
    """
    own, passed = list(own), list(passed)
    for name in given:
        if name in own or name in passed:
            continue
        alias = _ALIASES.get(name)
        _, hint = choice_hint(name, own + passed)
        if alias in own + passed:
            hint = f" Did you mean {alias!r}?"
        raise TypeError(
            f"{where} got an unknown option {name}.{hint} Its own options are "
            f"{choice_hint(None, own)[0]}; the numerical gradient's, passed on, are "
            f"{choice_hint(None, passed)[0]}."
        )


def keyword_names(function: Callable[..., object]) -> frozenset[str] | None:
    """The keywords ``function`` accepts, or None when it takes any (``**kwargs``)."""
    parameters = inspect.signature(function).parameters.values()
    if any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(parameter.name for parameter in parameters if parameter.kind in kinds)


def unknown_keyword(where: str, given: Iterable[str], accepted: Iterable[str]) -> TypeError:
    """The error for the first keyword of ``given`` that ``where`` does not take, with the
    closest one it does take ("Did you mean 'h'?" for eps, the book's name).

    >>> print(unknown_keyword("diff", ["methd"], ["f", "x", "h", "method"]))
    diff() got an unexpected keyword argument 'methd'. Did you mean 'method'?
    """
    names = sorted(accepted)
    name = next(name for name in given if name not in names)
    _, hint = choice_hint(name, names)
    if _ALIASES.get(name) in names:
        hint = f" Did you mean {_ALIASES[name]!r}?"
    return TypeError(f"{where}() got an unexpected keyword argument {name!r}.{hint}")


def keyword_hints(function: Callable[P, R]) -> Callable[P, R]:
    """``function``, with a "did you mean" for a keyword argument it does not take.

    Python's own TypeError names the unknown keyword only; this one names the closest
    that ``function`` takes.

    Raises
    ------
    TypeError
        A keyword argument ``function`` does not take (raised before it runs).
    """
    accepted = keyword_names(function)
    if accepted is None:
        return function

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs and not accepted.issuperset(kwargs):
            raise unknown_keyword(function.__name__, kwargs, accepted)
        return function(*args, **kwargs)

    return checked


def keywords_checked_first(
    check: Callable[[dict[str, object]], None],
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: ``check(kwargs)`` runs before Python reports a missing argument.

    A function that takes ``**options`` checks its keywords in its body, which Python
    never reaches when a required argument is missing: ``initx=...`` for ``init_x``
    would be told "missing 1 required positional argument: 'init_x'", not that initx is
    unknown. Where a required argument is missing, ``check`` (which raises for an unknown
    keyword, with its "Did you mean") runs first; otherwise the call goes through as is.
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        required = [
            parameter.name
            for parameter in inspect.signature(function).parameters.values()
            if parameter.kind in kinds and parameter.default is inspect.Parameter.empty
        ]

        @functools.wraps(function)
        def checked(*args: P.args, **kwargs: P.kwargs) -> R:
            if any(name not in kwargs for name in required[len(args) :]):
                check(kwargs)
            return function(*args, **kwargs)

        return checked

    return decorate
