"""The book's central difference at a few elements, its checks done on Python floats.

A descent step on a function of two variables calls ``numerical_gradient`` with four
points; the general driver's array bookkeeping (status codes, the singular-point and
ignored-input checks, the rounding test) then costs many times f itself. For the common
call (``method="central"``, a numeric step, a small float64 x, in place, no other
option but ``vectorized=True``) :func:`central_shortcut` evaluates the same points
with the same evaluator (:class:`~gradwalk._engine.evaluators.in_place.InPlace`, or
:class:`~gradwalk._engine.evaluators.batches.Batches` for a vectorized f), applies the same
input rules, and decides on Python floats whether the general driver could find
anything to report. Where it certainly could not, it returns the result's fields, bit
for bit those of the driver (every element ``CONVERGED``, no warning). Otherwise it
hands back options carrying the values already computed, so that the driver runs in
full on them without calling f again: every status, warning and evaluation count
stays the driver's own.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .evaluators.choose import evaluator
from .evaluators.options import Options, is_plain
from .inputs import InputModifiedError, changed_elements, modified_message, working_array
from .methods import resolve_step
from .points import Points
from .rounding import ROUNDING_ULPS, rounding_limited, subnormal_spacing, value_precision
from .status_codes import STEP_TOLERANCE

__all__ = ["SMALL", "Shortcut", "central_shortcut"]

#: The most elements for which the shortcut is tried (beyond, arrays pay for themselves).
SMALL = 32

#: Relative margin by which every test must clear the driver's thresholds: a case near
#: one of them goes to the driver, so the shortcut never has to match its rounding.
_MARGIN = 1e-3

_EPS = float(np.finfo(np.float64).eps)
_FLOAT64 = np.dtype(np.float64)
_FLOAT32_MAX = float(np.finfo(np.float32).max)

#: 2**24: a float whose mantissa times this is a whole number has at most float32's digits.
_FLOAT32_DIGITS = 2.0**24


@dataclass(frozen=True)
class Shortcut:
    """What :func:`central_shortcut` found: the result's ``fields``, or (``fields`` None)
    the ``options`` for the driver, carrying f's values at the points already evaluated."""

    fields: dict[str, Any] | None
    options: Options


def central_shortcut(
    f: Callable[[Any], object],
    x: Any,
    h: Any,
    method: object,
    options: Options,
    order: object,
    bounds: object,
    step_direction: object,
    accuracy: Mapping[str, Any] | None,
    vector: bool,
) -> Shortcut | None:
    """The book's central difference of f at a small x, or None where it does not apply.

    Applies to ``method="central"`` with h None or a number, no ``order``, ``bounds``,
    ``step_direction`` or accuracy control, in place or ``vectorized=True`` alone
    (serially, silently), a scalar f and a float64 x of at most :data:`SMALL` elements whose steps
    are exact (neither vanished nor inexact).
    """
    if (
        method != "central"
        or vector
        or order is not None
        or bounds is not None
        or step_direction is not None
        or not is_plain(options)
        or (accuracy is not None and any(v is not None for v in accuracy.values()))
        or isinstance(h, str)
        or not callable(f)
    ):
        return None
    step = resolve_step(h, "central")
    work, is_callers = working_array(x)
    n = work.size
    if work.dtype != np.float64 or not 0 < n <= SMALL or not isinstance(step, float):
        return None
    x0: list[float] = work.ravel().tolist()
    for v in x0:  # the steps the driver would call vanished or inexact
        up, down = (v + step) - v, v - (v - step)
        if not (up > 0 and down > 0) or abs((up + down) / (2 * step) - 1) > STEP_TOLERANCE / 2:
            return None
    index = np.repeat(np.arange(n, dtype=np.intp), 2)
    value = np.empty(2 * n, dtype=np.float64)
    flat_x = work.reshape(-1) if work.flags.c_contiguous else work.ravel()
    value[0::2] = flat_x + step
    value[1::2] = flat_x - step
    points = Points(index, value)
    snapshot = work.copy()
    evaluate = evaluator(options, f, work, complex_ok=False)
    try:
        try:
            # (NumPy's own warnings of f at these points are f's, as in the book's loop:
            # silencing them would cost this call a tenth of its time)
            values = evaluate(points)
        except InputModifiedError as error:
            if error.flat_index is None:
                raise
            changed = np.array([error.flat_index], dtype=np.intp)
            raise InputModifiedError(
                modified_message(work.shape, changed), error.flat_index
            ) from None
        changed = changed_elements(work, snapshot)
        if changed.size:
            raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))
    finally:
        if is_callers:
            np.copyto(work, snapshot)
        evaluate.close()
    grad = _clean_gradient(values.tolist(), values, step)
    if grad is None:
        return Shortcut(None, replace(options, known=(index, value, values)))
    shape = work.shape
    return Shortcut(
        {
            "grad": np.array(grad, dtype=np.float64).reshape(shape),
            "error": np.full(shape, np.nan),
            "nfev": 2 * n,
            "step": np.full(shape, step),
            "method": "central",
            "status": np.zeros(shape, dtype=np.int8),
        },
        options,
    )


def _clean_gradient(values: list[float], array: Any, step: float) -> list[float] | None:
    """The central differences of ``values`` (f at x + h e_i, x - h e_i, element by
    element), or None where the driver could report something: a value not finite, the
    signs of a singular point (equal values, opposite signs: it would evaluate f(x)), a
    gradient not finite, or an element whose digits f's rounding may limit (the driver's
    test, :func:`~gradwalk._engine.rounding.rounding_limited`, with a margin). Where
    every difference f(x + h) - f(x - h) is a short binary fraction (24 bits or fewer,
    as the differences of f computing in float32 are, also with a float64 constant
    added), the driver measures f's value grid (:func:`~gradwalk._engine.rounding.value_grid`)."""
    if not all(math.isfinite(v) for v in values) or all(v == values[0] for v in values):
        return None
    width = 2 * step
    grad = []
    short = True
    for plus, minus in zip(values[0::2], values[1::2]):  # noqa: B905 - pairs of one list
        if (plus == minus and plus != 0) or min(plus, minus) < 0 < max(plus, minus):
            return None
        short = short and (math.frexp(plus - minus)[0] * _FLOAT32_DIGITS).is_integer()
        grad.append((plus - minus) / width)
    if short:
        return None
    largest = max(abs(g) for g in grad)
    if not math.isfinite(largest):
        return None
    eps = _EPS
    if all(v == 0 or (abs(v) < _FLOAT32_MAX and float(np.float32(v)) == v) for v in values):
        eps = value_precision(array, np.dtype(np.float64))  # f may compute in float32
    # a subnormal value of f rounds to its subnormal spacing, not to eps·|f|
    least = ROUNDING_ULPS * subnormal_spacing(eps)
    for plus, minus, g in zip(values[0::2], values[1::2], grad):  # noqa: B905 - pairs of one list
        rounding = ROUNDING_ULPS * eps * max(abs(plus), abs(minus))
        uncertainty = (least if 0 < rounding < least else rounding) / step
        if rounding_limited(uncertainty * (1 + _MARGIN) ** 2, g, largest, _FLOAT64):
            return None
    return grad
