"""The array a descent updates, and the book's closure pattern told from a flat f.

A run works on a copy of x0 unless asked to update x0 itself (``in_place=True``, the
book's ``gradient_descent``). When f ignores every move of the copy, one probe of the
caller's own array (restored bit for bit) tells a closure such as
``lambda w: net.loss(x, t)``, which reads ``net.W``, from an f that is flat near x0.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._engine.inputs import real_value, scale, working_array

__all__ = ["COPY_MESSAGE", "copy_message", "reads_callers_array", "start_array"]


def copy_message(name: str, x0: str) -> str:
    """The error of a run (``name``, started from argument ``x0``) whose f ignores its copy."""
    return (
        f"{name} stopped before its first step: f returned the same value at every perturbed "
        f"point of the copy of {x0} that {name} works on, but changes when {x0} itself "
        f"changes: f reads {x0} (a closure such as lambda w: net.loss(x, t) reads net.W), "
        f"never its argument. Either pass in_place=True, so that {name} updates {x0} "
        "(net.W) itself, as the book's gradient_descent does, or make f compute from its "
        "argument (lambda W: loss_with(W, x, t))."
    )


#: The error of a run of descend whose f ignores the copy descend works on.
COPY_MESSAGE = copy_message("descend", "x0")


def start_array(
    x0: ArrayLike, in_place: bool
) -> tuple[NDArray[np.floating], NDArray[np.floating] | None]:
    """The array to update (a copy of x0, or with ``in_place`` x0 itself) and the
    caller's own array when x0 is one (None otherwise)."""
    if not isinstance(in_place, bool):
        raise TypeError(f"in_place must be True or False, got {in_place!r}.")
    x, is_callers = working_array(x0)
    callers = x if is_callers else None
    if not in_place:
        return (x.copy() if is_callers else x), callers
    if callers is None:
        raise TypeError(
            "in_place=True updates x0 itself, so x0 must be a writable float ndarray (such "
            f"as net.W); got {type(x0).__name__}"
            + (f" of dtype {x0.dtype}" if isinstance(x0, np.ndarray) else "")
            + ". Pass such an array, or leave in_place=False to work on a copy."
        )
    return x, None


def reads_callers_array(
    f: Callable[[Any], object], callers: NDArray[np.floating] | None, value: Any
) -> bool:
    """Whether f changes when the caller's own array moves (it is restored bit for bit).

    Called when f ignored every move of the copy descend works on: a closure reading
    ``net.W`` changes here, an f that is flat near x0 does not.
    """
    if callers is None:
        return False
    snapshot = callers.copy()
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # Unequal moves of alternating sign: a uniform shift can leave f unchanged
            # (softmax of x · W does not see the same number added to every weight).
            pattern = np.linspace(1.0, 2.0, callers.size)
            pattern[1::2] *= -1
            move = 1e-3 * pattern.reshape(callers.shape) * scale(snapshot)
            callers += move.astype(callers.dtype)
            moved = real_value(f(callers.copy()))
    except Exception:
        return False
    finally:
        np.copyto(callers, snapshot)
    return bool(moved != value)
