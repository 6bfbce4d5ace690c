"""The book's :func:`gradient_descent` (section 4.4.1): its loop, bit for bit with the
book's results, and the warnings a run the book's function cannot report otherwise
needs (it returns only x): lr diverged, or x swings across the minimum without getting
closer, each with the stable bound 2/λmax."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import sentences
from gradwalk._common.validate import (
    check_count,
    check_learning_rate,
    choice_hint,
    keywords_checked_first,
)
from gradwalk._common.warnings import (
    TrainingWarning,
    issue_warning,
)
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.inputs import real_value

from ._loop import ignores_argument, learning_rate_bound, reemit_once
from ._start import copy_message, reads_callers_array, start_array

__all__ = ["gradient_descent"]


#: gradient_descent's parameters after f and init_x, for its "did you mean" hint.
_GRADIENT_DESCENT_OPTIONS = ["lr", "step_num", "in_place", "history"]


def _check_gradient_descent_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword gradient_descent does not take, with the closest it does."""
    unknown = [name for name in keywords if name not in ("f", "init_x", *_GRADIENT_DESCENT_OPTIONS)]
    if unknown:
        name = unknown[0]
        quoted = choice_hint(None, _GRADIENT_DESCENT_OPTIONS)[0]
        _, hint = choice_hint(name, ["f", "init_x", *_GRADIENT_DESCENT_OPTIONS])
        raise TypeError(
            f"gradient_descent() got an unexpected keyword argument {name!r}.{hint} It "
            f"takes f, init_x and {quoted}."
        )


@overload
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = ...,
    step_num: int = ...,
    *,
    in_place: bool = ...,
    history: Literal[False] = ...,
    **unknown: object,
) -> NDArray[np.floating]: ...


@overload
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = ...,
    step_num: int = ...,
    *,
    in_place: bool = ...,
    history: Literal[True],
    **unknown: object,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]: ...


@keywords_checked_first(_check_gradient_descent_keywords)
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    *,
    in_place: bool = False,
    history: bool = False,
    **unknown: object,
) -> NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Minimise f by ``step_num`` steps of ``x -= lr * numerical_gradient(f, x)``.

    The book's function, with its results bit for bit, except that ``init_x`` is not
    modified unless ``in_place=True`` (the book's version always changes it in place).
    Warnings from the gradient (for example x ± h rounding back to x once x is huge) are
    shown once per run, not once per step.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    init_x : array_like
        Starting point (copied).
    lr : float
        Learning rate, finite and > 0.
    step_num : int
        Number of steps, >= 0.
    in_place : bool
        Update ``init_x`` itself, as the book does (it must be a writable float
        ndarray): the book's closure ``lambda w: net.loss(x, t)`` with ``net.W`` needs it.
    history : bool
        Also return ``x_history``, the point before each step, shape ``(step_num,
        *x.shape)``: what the book's repository's ``ch04/gradient_method.py`` returns
        beside x, and plots as Figure 4-10.

    Returns
    -------
    ndarray, or (ndarray, ndarray) with ``history=True``
        The last point (and x_history).

    Raises
    ------
    TypeError
        lr is not a number, or step_num is not a whole number; ``in_place=True`` with an
        init_x that is not a writable float ndarray; a keyword it does not take (the
        message suggests the closest, such as step_num for step_nums).
    ValueError
        lr is not finite and > 0, or step_num < 0; f ignores the copy it works on but
        reads init_x itself (the book's closure without ``in_place=True``), before the
        first step.

    Warns
    -----
    PrecisionWarning
        x ± h rounds back to x (the gradient there is exactly zero); once per run, with
        the step it first happened at.
    NonFiniteWarning
        f is inf or nan next to x; once per run.
    TrainingWarning
        The run diverged (|x| grew more than a thousandfold), or f did not fall with lr
        at or above the stable bound 2/λmax at init_x (x swings across the minimum, as
        lr=1.0 on function_2 does); each names the stable bound.

    Examples
    --------
    >>> from gradwalk.book import function_2
    >>> gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=100)
    array([-6.11110793e-10,  8.14814391e-10])
    >>> x, x_history = gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=20,
    ...                                 history=True)
    >>> x_history.shape, x_history[1]
    ((20, 2), array([-2.4,  3.2]))
    """
    _check_gradient_descent_keywords(unknown)
    rate = check_learning_rate(lr)
    count = check_count(step_num, "step_num")
    x, callers = start_array(init_x, in_place)
    start = x.copy()
    first_value = _value_or_none(f, x) if count else None
    x_history: list[NDArray[np.floating]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps: list[int] = []
        for step in range(count):
            if history:
                x_history.append(x.copy())
            before = len(caught)
            grad = numerical_gradient(f, x)
            steps.extend([step] * (len(caught) - before))
            if (
                step == 0
                and not grad.any()
                and ignores_argument(caught[before:])
                and reads_callers_array(f, callers, real_value(f(x)))
            ):
                raise ValueError(copy_message("gradient_descent", "init_x"))
            x -= rate * grad
    reemit_once(caught, steps)
    if count and not _warn_if_diverged(f, start, x, rate, count):
        _warn_if_swinging(f, start, x, rate, count, first_value)
    if history:
        return x, np.array(x_history).reshape(count, *x.shape)
    return x


#: How far the largest |x| must grow, beyond max(1, |init_x|), for gradient_descent to
#: call its run diverged.
_DIVERGED_GROWTH = 1e3


def _warn_if_diverged(
    f: Callable[[Any], object],
    start: NDArray[Any],
    end: NDArray[np.floating],
    rate: float,
    steps: int,
) -> bool:
    """Warn that gradient_descent diverged and that lr is the cause, with the stable bound;
    return whether it did.

    The book's function returns only x, so a warning is the one way to say it; warnings
    about the step h during such a run (x ± h rounding back to x once x is huge) follow
    from the divergence, and this warning says so.
    """
    first = float(np.max(np.abs(start), initial=0.0)) if np.size(start) else 0.0
    last = float(np.max(np.abs(end), initial=0.0)) if end.size else 0.0
    if np.all(np.isfinite(end)) and last <= _DIVERGED_GROWTH * max(1.0, first):
        return False
    bound = _bound_at_start(f, start)
    if math.isfinite(bound) and bound > 0:
        advice = _(
            "lr = {lr:g} is above the stable bound of about {bound:.2g} here (2/λmax at "
            "init_x), so every step overshot further; pass a smaller lr, such as {half:.2g}."
        ).format(lr=rate, bound=bound, half=bound / 2)
    else:
        advice = _(
            "lr = {lr:g} is too large for f here; pass a smaller lr "
            "(learning_rate_bound(f, init_x) gives the stable one)."
        ).format(lr=rate)
    issue_warning(
        sentences(
            _(
                "gradient_descent diverged: the largest |x| grew from {first:.3g} to "
                "{last:.3g} in {steps} steps."
            ).format(first=first, last=last, steps=steps),
            advice,
            _(
                "Warnings about the step h during this run come from x growing so large, "
                "not from h."
            ),
        ),
        TrainingWarning,
    )
    return True


def _bound_at_start(f: Callable[[Any], object], start: NDArray[Any]) -> float:
    """The stable bound 2/λmax at ``start`` (inf where it cannot be estimated)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return learning_rate_bound(f, start.astype(np.float64), iterations=50)
    except Exception:  # a diagnosis must never turn a finished run into an error
        return math.inf


def _value_or_none(f: Callable[[Any], object], x: NDArray[Any]) -> float | None:
    """f(x) as a finite float, or None where f fails there or is not finite (then the
    gradient's own checks speak)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = float(real_value(f(x)))
    except Exception:  # a diagnosis must never change which error a run raises
        return None
    return value if math.isfinite(value) else None


#: f must fall by more than this share of max(|f(init_x)|, |f(x)|) for a run that did
#: not diverge to count as getting closer (the share descend calls "barely changed").
_SWING_FALL = 1e-3


def _warn_if_swinging(
    f: Callable[[Any], object],
    start: NDArray[Any],
    end: NDArray[np.floating],
    rate: float,
    steps: int,
    first_value: float | None,
) -> None:
    """Warn that gradient_descent swung across the minimum without getting closer.

    That is a run whose f did not fall (by more than :data:`_SWING_FALL`) with lr at or
    above the stable bound 2/λmax at init_x: on function_2 with lr = 1 each step maps x
    to -x. A run whose f barely fell because lr is tiny is not warned about (the book's
    lr=1e-10 example shows that on purpose), nor one that fell.
    """
    if first_value is None or not np.all(np.isfinite(end)):
        return
    last_value = _value_or_none(f, end)
    if last_value is None:
        return
    scale = max(abs(first_value), abs(last_value), float(np.finfo(np.float64).tiny))
    if first_value - last_value > _SWING_FALL * scale:
        return  # f fell: the run got closer
    bound = _bound_at_start(f, start)
    if not (math.isfinite(bound) and bound > 0 and rate >= (1 - _SWING_FALL) * bound):
        return
    if last_value - first_value > _SWING_FALL * scale:  # f rose, less than a divergence
        advice = _(
            "lr = {lr:g} is above the stable bound of about {bound:.2g} here (2/λmax at "
            "init_x), so every step overshot further; pass a smaller lr, such as {half:.2g}."
        )
    else:
        advice = _(
            "lr = {lr:g} is at or above the stable bound of about {bound:.2g} here "
            "(2/λmax at init_x), so x swings across the minimum without getting closer; "
            "pass a smaller lr, such as {half:.2g}."
        )
    issue_warning(
        sentences(
            _(
                "gradient_descent did not get closer: f went from {first:.6g} to {last:.6g} "
                "in {steps} steps instead of falling."
            ).format(first=first_value, last=last_value, steps=steps),
            advice.format(lr=rate, bound=bound, half=bound / 2),
        ),
        TrainingWarning,
    )
