"""Plans: which points to evaluate for a method, and how their values combine.

A plan is a generator. It yields :class:`_Points` (flat indices into x and the new
values those elements take), receives the values of f at those points, and finally
returns an :class:`_Estimate`. It never knows how the points are evaluated: in place,
in batches or on a cluster.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

Step = float | str

#: Index used in :class:`_Points` for "evaluate f at x itself, unperturbed".
UNPERTURBED = -1


@dataclass(frozen=True)
class _Points:
    """Points to evaluate: element ``index[k]`` of x set to ``value[k]`` (index -1: x as is)."""

    index: NDArray[np.intp]
    value: NDArray[Any]


@dataclass(frozen=True)
class _Estimate:
    """What a plan returns: the gradient, its error estimate and the step per element."""

    grad: NDArray[np.floating]
    error: NDArray[np.floating]
    step: NDArray[np.floating]
    vanished: NDArray[np.bool_]


PlanGenerator = Generator[_Points, NDArray[Any], _Estimate]
PlanFactory = Callable[[NDArray[np.floating], Step], PlanGenerator]


def _fixed_step(h: Step) -> float:
    """The fixed step h as a float (plans that only take a number)."""
    if isinstance(h, str):
        raise ValueError(f"h={h!r} is not supported by this method; pass a positive number.")
    return h


def _unknown_error(grad: NDArray[np.floating]) -> NDArray[np.floating]:
    """Per-element error of a plan that does not estimate it: nan, meaning 'not estimated'."""
    return np.full_like(grad, np.nan)


def _central(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """The book's central difference: (f(x + h e_i) - f(x - h e_i)) / (2h)."""
    step = _fixed_step(h)
    plus = x0 + step
    minus = x0 - step
    n = x0.size
    index = np.repeat(np.arange(n, dtype=np.intp), 2)
    value = np.empty(2 * n, dtype=x0.dtype)
    value[0::2] = plus
    value[1::2] = minus
    f_values = yield _Points(index, value)
    grad = (f_values[0::2] - f_values[1::2]) / (2 * step)
    return _Estimate(
        grad=grad,
        error=_unknown_error(grad),
        step=np.full(n, step),
        vanished=(plus == x0) | (minus == x0),
    )


def _one_sided(x0: NDArray[np.floating], h: Step, sign: float) -> PlanGenerator:
    """Forward (sign +1) or backward (sign -1) difference: ±(f(x ± h e_i) - f(x)) / h."""
    step = _fixed_step(h)
    moved = x0 + sign * step
    n = x0.size
    index = np.concatenate([[UNPERTURBED], np.arange(n, dtype=np.intp)]).astype(np.intp)
    value = np.concatenate([[0], moved]).astype(x0.dtype)
    f_values = yield _Points(index, value)
    f_at_x = f_values[0]
    grad = sign * (f_values[1:] - f_at_x) / step
    return _Estimate(
        grad=grad,
        error=_unknown_error(grad),
        step=np.full(n, step),
        vanished=moved == x0,
    )


def _forward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, 1.0)


def _backward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, -1.0)


#: Every method by name. A method is added here and nowhere else.
PLANS: dict[str, PlanFactory] = {
    "central": _central,
    "forward": _forward,
    "backward": _backward,
}


def _plan_for(method: str) -> PlanFactory:
    """The plan factory of ``method``, or a ValueError naming the valid choices."""
    if not isinstance(method, str) or method not in PLANS:
        choices = ", ".join(repr(name) for name in PLANS)
        hint = ""
        if isinstance(method, str):
            close = difflib.get_close_matches(method.lower(), list(PLANS), n=1)
            if close:
                hint = f" Did you mean {close[0]!r}?"
        raise ValueError(f"method={method!r} is not a known method; choose one of {choices}.{hint}")
    return PLANS[method]
