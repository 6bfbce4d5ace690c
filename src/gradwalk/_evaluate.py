"""Evaluation: how the points of a plan are evaluated.

The default evaluates in place, as the book does: element ``i`` of the array is set to
its perturbed value, f is called with that same array object, and the element is put
back. Every other strategy (batches, executors) reuses :func:`_evaluate_in_place` or
:func:`_real_value`, so the rules about what f may return live in one place.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._plan import _Points

Evaluator = Callable[[_Points], NDArray[Any]]


class InputModifiedError(RuntimeError):
    """f changed the array it was given; gradwalk restored it and stopped.

    ``flat_index`` is the (flat) index of the element f changed, when it is known.
    """

    def __init__(self, message: str, flat_index: int | None = None) -> None:
        super().__init__(message)
        self.flat_index = flat_index


def _describe(value: object) -> str:
    """A short description of what f returned, for error messages."""
    if value is None:
        return "None (did f forget to `return` its value?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def _real_value(value: object, *, complex_ok: bool = False) -> Any:
    """Check that f returned one real number (or complex, for the complex step); return it.

    Accepts a Python number, a NumPy scalar or an array of size 1.
    """
    if isinstance(value, float | int | np.floating | np.integer) and not isinstance(
        value, bool | np.bool_
    ):
        return value
    array = np.asarray(value) if not isinstance(value, str | bytes) else None
    allowed = "fiubc" if complex_ok else "fiub"
    if array is None or array.size != 1 or array.dtype.kind not in allowed:
        if array is not None and array.size == 1 and array.dtype.kind == "c":
            raise TypeError(
                f"f must return a real scalar, but it returned {_describe(value)}. "
                "Return the real quantity to differentiate (e.g. np.abs(z)**2 or z.real)."
            )
        raise TypeError(
            f"f must return a real scalar (a Python number, a NumPy scalar or an array of "
            f"size 1), but it returned {_describe(value)}. If f gives one value per element, "
            "differentiate a scalar summary such as lambda x: np.sum(f(x)); for a vector "
            "of outputs compute one gradient per output."
        )
    return array.reshape(()).item() if array.dtype.kind in "iub" else array.reshape(())[()]


def _flat_view(array: NDArray[Any]) -> Any:
    """A 1-D view of ``array`` that writes through to it (its ``.flat`` when no view exists)."""
    try:
        return np.reshape(array, -1, copy=False)
    except ValueError:
        return array.flat


def _evaluate_in_place(
    f: Callable[[Any], object],
    work: NDArray[Any],
    flat: Any,
    original: list[Any],
    points: _Points,
    *,
    complex_ok: bool = False,
) -> NDArray[Any]:
    """Evaluate f at each point by perturbing ``work`` through ``flat`` and restoring it.

    ``original`` holds the unperturbed elements of ``work`` (flat order). Raises
    :class:`InputModifiedError` as soon as f changes the perturbed element.
    """
    indices = points.index.tolist()
    values = points.value.tolist() if points.value.dtype == np.float64 else list(points.value)
    results: list[Any] = []
    append = results.append
    for i, new in zip(indices, values, strict=True):
        if i < 0:
            value = f(work)
        else:
            flat[i] = new
            try:
                value = f(work)
                seen = flat[i]
                if seen != new and new == new:
                    raise InputModifiedError(
                        f"f changed the element it was evaluated at from {new!r} to {seen!r}",
                        flat_index=i,
                    )
            finally:
                flat[i] = original[i]
        if type(value) is not float and type(value) is not np.float64:
            value = _real_value(value, complex_ok=complex_ok)
        append(value)
    wide = work.dtype == np.longdouble
    if complex_ok:
        return np.array(results, dtype=np.clongdouble if wide else np.complex128)
    return np.array(results, dtype=np.longdouble if wide else np.float64)
