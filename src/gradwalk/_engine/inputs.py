"""What x, f and grad may be: the rules every tool applies to its inputs.

- :func:`working_array`: the array to perturb (the caller's own float array, or a copy
  that never truncates); :func:`may_overlap`: whether an array's elements may share
  memory (perturbed in place, one cell would move several elements);
- :func:`real_value`: one real number returned by f; :func:`real_array`: the array of
  a fixed shape a vector-valued f returns; :func:`value_of`: either, by the shape;
- :func:`analytic_gradient`: an analytic gradient of x's shape and a real dtype;
- :func:`changed_elements` and :func:`modified_message`: whether f changed x, and the
  error that says so;
- :func:`element_name` and :func:`names`: how elements are named in messages;
- :func:`scale`: ``max(1, |x|)``, the magnitude every relative step is measured against;
- :func:`region`: the bounds and step directions given for x, checked against it.

>>> import numpy as np
>>> names((2, 2), np.array([0, 3]))
'x[0, 0], x[1, 1]'
>>> scale(np.array([0.5, -3.0, np.nan]))
array([1., 3., 1.])
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .points import Region

#: Largest number of element names quoted in one message.
QUOTED = 5


class InputModifiedError(RuntimeError):
    """f changed the array it was given; gradwalk restored it and stopped.

    ``flat_index`` is the (flat) index of the element f changed, when it is known.
    """

    def __init__(self, message: str, flat_index: int | None = None) -> None:
        super().__init__(message)
        self.flat_index = flat_index


def working_array(x: ArrayLike) -> tuple[NDArray[np.floating], bool]:
    """The array to perturb and whether it is the caller's own.

    A writable floating ndarray is used as it is (the book's in-place semantics), unless
    its elements may share memory (:func:`may_overlap`: a broadcast view, a zero stride),
    where a write to one element would move others too. Integers, bools, lists, Python
    scalars, read-only and overlapping arrays are computed on a float64 (or, for floating
    arrays, same-dtype) contiguous copy: never truncated, never perturbed in place.

    Raises
    ------
    TypeError
        x is complex or not numeric.
    ValueError
        x is a nested list whose rows differ in length (no array can hold it).

    Examples
    --------
    >>> working_array([1, 2])
    (array([1., 2.]), False)
    """
    try:
        array = np.asarray(x)
    except ValueError as error:
        raise ValueError(
            f"x = {x!r:.80} cannot be made into an array ({error}): the rows of a nested "
            "list must all have the same length. Pass an ndarray of the shape you mean."
        ) from None
    kind = array.dtype.kind
    if kind == "f":
        if array is x and array.flags.writeable and not may_overlap(array):
            return array, True
        return np.array(array, copy=True, order="C"), False
    if kind in "biu":
        return array.astype(np.float64), False
    if kind == "c":
        raise TypeError(
            f"x has complex dtype {array.dtype}; gradwalk differentiates real functions of "
            "real arrays. Differentiate with respect to x.real and x.imag as two real arrays."
        )
    raise TypeError(
        f"x must be a real numeric array, a list of numbers or a number; got dtype "
        f"{array.dtype} ({type(x).__name__}). Convert it with np.asarray(x, dtype=float)."
    )


def may_overlap(array: Any, strides: tuple[int, ...] | None = None, itemsize: int = 1) -> bool:
    """Whether two elements of ``array`` may be one memory cell (False: they cannot).

    ``strides`` (default ``array.strides``, in bytes, with ``array.itemsize``) may be given
    in elements with ``itemsize=1``, for a tensor whose NumPy view would not show them. A
    sufficient test: sorted by stride, each axis longer than 1 must step past all the
    memory the smaller axes span. A zero stride on such an axis always fails it.

    >>> import numpy as np
    >>> may_overlap(np.ones((2, 3))), may_overlap(np.broadcast_to(np.ones(3), (2, 3)))
    (False, True)
    >>> may_overlap(np.ones((4, 4))[::2, ::-1]), may_overlap(np.ones((1, 3)), (0, 1))
    (False, False)
    """
    if strides is None:
        strides, itemsize = tuple(array.strides), int(array.itemsize)
    shape = tuple(array.shape)
    if 0 in shape:
        return False
    axes = sorted((abs(int(s)), int(n)) for s, n in zip(strides, shape, strict=True) if n > 1)
    span = itemsize
    for stride, length in axes:
        if stride < span:
            return True
        span += stride * (length - 1)
    return False


def float64_spelling(name: str = "x", *, numpy: bool = True) -> str:
    """How to make ``name`` float64 in each library's own spelling, for messages.

    >>> float64_spelling("x", numpy=False)
    'PyTorch: x.double(); others: xp.astype(x, xp.float64)'
    """
    spelling = f"PyTorch: {name}.double(); others: xp.astype({name}, xp.float64)"
    return f"NumPy: {name}.astype(np.float64); " + spelling if numpy else spelling


def describe(value: object) -> str:
    """A short description of what f returned, for error messages.

    >>> describe(None)
    'None (did f forget to `return` its value?)'
    """
    if value is None:
        return "None (did f forget to `return` its value?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


def real_value(value: object, *, complex_ok: bool = False) -> Any:
    """Check that f returned one real number (or complex, for the complex step); return it.

    Accepts a Python number, a NumPy scalar or an array of size 1.

    Raises
    ------
    TypeError
        ``value`` is not one real number.

    Examples
    --------
    >>> import numpy as np
    >>> real_value(np.array([2.5]))
    np.float64(2.5)
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
                f"f must return a real scalar, but it returned {describe(value)}. "
                "Return the real quantity to differentiate (e.g. np.abs(z)**2 or z.real)."
            )
        raise TypeError(
            f"f must return a real scalar (a Python number, a NumPy scalar or an array of "
            f"size 1), but it returned {describe(value)}. If f gives one value per element, "
            "differentiate a scalar summary such as lambda x: np.sum(f(x)); for the "
            "derivatives of every output use numerical_jacobian(f, x)."
        )
    return array.reshape(()).item() if array.dtype.kind in "iub" else array.reshape(())[()]


def real_array(value: object, shape: tuple[int, ...], *, complex_ok: bool = False) -> Any:
    """Check that a vector-valued f returned a real array of ``shape``; return it.

    ``shape`` is the shape of f(x), which every value of f must keep.

    Raises
    ------
    TypeError
        ``value`` is not a real numeric array (complex allowed with ``complex_ok``).
    ValueError
        Its shape is not ``shape``.

    Examples
    --------
    >>> real_array([1, 2.5], (2,))
    array([1. , 2.5])
    """
    array = None if isinstance(value, str | bytes) else np.asarray(value)
    if array is None or array.dtype.kind not in ("fiubc" if complex_ok else "fiub"):
        raise TypeError(
            f"f must return a real numeric array, but it returned {describe(value)}. "
            "Return a float array (for complex results, differentiate z.real and z.imag "
            "separately)."
        )
    if array.shape != shape:
        raise ValueError(
            f"f returned {describe(value)}, but f(x) has shape {shape}: f must return an "
            "array of the same shape at every point."
        )
    return array


def value_of(value: object, shape: tuple[int, ...], *, complex_ok: bool = False) -> Any:
    """One value of f: a real scalar when ``shape`` is (), else an array of ``shape``.

    >>> value_of(2.0, ()), value_of([1.0, 2.0], (2,))
    (2.0, array([1., 2.]))
    """
    if shape == ():
        return real_value(value, complex_ok=complex_ok)
    return real_array(value, shape, complex_ok=complex_ok)


def analytic_gradient(
    grad: object, shape: tuple[int, ...], what: str = "grad", of: str = "x"
) -> NDArray[np.floating]:
    """An analytic gradient as a floating array of x's shape (integers become float64).

    ``what`` names the gradient and ``of`` the array it belongs to, in the error.

    Raises
    ------
    TypeError
        The gradient is not a real numeric array.
    ValueError
        Its shape is not x's.

    Examples
    --------
    >>> analytic_gradient([1, 2], (2,))
    array([1., 2.])
    """
    array = np.asarray(grad)
    if array.dtype.kind not in "fiu":
        raise TypeError(
            f"{what} must be a real numeric array, got dtype {array.dtype} "
            f"({type(grad).__name__}); pass the gradient as a float array."
        )
    if array.shape != shape:
        raise ValueError(
            f"{what} has shape {array.shape} but {of} has shape {shape}: the analytic "
            f"gradient must have the same shape as {of} (one value per element)."
        )
    return array if array.dtype.kind == "f" else array.astype(np.float64)


def changed_elements(now: NDArray[Any], before: NDArray[Any]) -> NDArray[np.intp]:
    """Flat indices where ``now`` differs from ``before`` (nan equal to nan).

    >>> import numpy as np
    >>> changed_elements(np.array([np.nan, 1.0, 5.0]), np.array([np.nan, 1.0, 2.0]))
    array([2])
    """
    same = now == before
    if np.all(same):
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(~(same | (np.isnan(now) & np.isnan(before))))


def element_name(shape: tuple[int, ...], flat_index: int) -> str:
    """``x[i, j]`` for an element given by its flat index (``x`` for a 0-d x).

    >>> element_name((2, 3), 4)
    'x[1, 1]'
    """
    if not shape:
        return "x"
    position = np.unravel_index(flat_index, shape)
    return "x[" + ", ".join(str(int(p)) for p in position) + "]"


def names(shape: tuple[int, ...], flat_indices: NDArray[np.intp]) -> str:
    """A readable list of at most :data:`QUOTED` element names, then how many more."""
    quoted = ", ".join(element_name(shape, int(i)) for i in flat_indices[:QUOTED])
    more = len(flat_indices) - QUOTED
    return quoted + (f" and {more} more" if more > 0 else "")


def modified_message(shape: tuple[int, ...], changed: NDArray[np.intp]) -> str:
    """The error for an f that changed x: which elements, and what to do."""
    return (
        f"f modified x while it was being evaluated ({names(shape, changed)} changed). "
        "x has been restored. gradwalk perturbs x in place and needs f to leave it "
        "unchanged: if f must modify its input, give it a copy, e.g. lambda w: f(w.copy())."
    )


def exact(value: Any) -> str:
    """A number in few digits where they give it back exactly, else in all it needs: a
    value next to a bound reads apart from the bound.

    >>> exact(0.3), exact(2.0), exact(np.nextafter(0.3, 1))
    ('0.3', '2', '0.30000000000000004')
    """
    number = float(value)
    short = f"{number:g}"
    return short if float(short) == number else repr(number)


def scale(x: ArrayLike) -> NDArray[np.float64]:
    """``max(1, |x|)`` per element, in float64 (nan and inf give 1: f will flag them).

    Steps, tolerances and probes relative to x are measured in this unit, so that they
    are relative for large |x| and absolute near zero.
    """
    magnitude = np.abs(np.asarray(x).astype(np.float64))
    result: NDArray[np.float64] = np.where(np.isfinite(magnitude), np.maximum(1.0, magnitude), 1.0)
    return result


def _per_element(value: ArrayLike, name: str, shape: tuple[int, ...]) -> NDArray[Any]:
    """``value`` broadcast to x's shape and flattened, or an error naming both shapes."""
    array = np.asarray(value)
    try:
        return np.broadcast_to(array, shape).reshape(-1)
    except ValueError:
        raise ValueError(
            f"{name} has shape {array.shape}, which does not broadcast to x's shape {shape}; "
            "pass a number or an array of x's shape."
        ) from None


def region(bounds: object, step_direction: object, x: NDArray[Any]) -> Region | None:
    """The :class:`~gradwalk._engine.points.Region` of ``bounds=(lower, upper)`` and
    ``step_direction`` (scalars or arrays broadcasting to x's shape), or None if neither
    is given.

    Raises
    ------
    ValueError
        bounds is not a pair, lower > upper (or equal: no room to step), x lies outside
        the bounds, or a step direction is not -1, 0 or +1.
    TypeError
        bounds or step_direction are not numbers.

    Examples
    --------
    >>> import numpy as np
    >>> r = region((0.0, [1.0, np.inf]), None, np.array([0.5, 3.0]))
    >>> r.lower.tolist(), r.upper.tolist(), r.direction.tolist()
    ([0.0, 0.0], [1.0, inf], [0, 0])
    >>> region((0.0, 1.0), None, np.array([2.0]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: x lies outside bounds=(lower, upper) at x[0] = 2 (lower 0, upper 1); ...
    """
    if bounds is None and step_direction is None:
        return None
    shape = x.shape
    wide = np.result_type(x.dtype, np.float64)
    if bounds is None:
        lower = np.full(x.size, -np.inf, dtype=wide)
        upper = np.full(x.size, np.inf, dtype=wide)
    else:
        if not isinstance(bounds, tuple | list) or len(bounds) != 2:
            raise ValueError(
                f"bounds must be a pair (lower, upper) (a tuple), got bounds={bounds!r}; use "
                "-np.inf or np.inf for a side without a bound."
            )
        try:
            lower = _per_element(np.asarray(bounds[0], dtype=wide), "lower", shape)
            upper = _per_element(np.asarray(bounds[1], dtype=wide), "upper", shape)
        except (TypeError, ValueError) as error:
            if "broadcast" in str(error):
                raise
            raise TypeError(
                f"bounds must hold numbers or arrays of numbers, got bounds={bounds!r}."
            ) from None
        wrong = np.flatnonzero(~(lower < upper))
        if wrong.size:
            i = int(wrong[0])
            raise ValueError(
                f"bounds=(lower, upper) needs lower < upper, but at {element_name(shape, i)} "
                f"lower = {exact(lower[i])} and upper = {exact(upper[i])}"
                + (f" ({wrong.size} elements in all)" if wrong.size > 1 else "")
                + "; pass bounds with lower below upper (nan is not a bound)."
            )
        flat = x.reshape(-1).astype(wide)
        outside = np.flatnonzero((flat < lower) | (flat > upper))
        if outside.size:
            i = int(outside[0])
            raise ValueError(
                f"x lies outside bounds=(lower, upper) at {names(shape, outside)} = "
                f"{exact(flat[i])} (lower {exact(lower[i])}, upper {exact(upper[i])}); pass an "
                "x within the bounds, or bounds that contain it."
            )
    if step_direction is None:
        direction = np.zeros(x.size, dtype=np.int8)
    else:
        try:
            as_numbers = np.asarray(step_direction, dtype=np.float64)
            given = _per_element(as_numbers, "step_direction", shape)
        except (TypeError, ValueError) as error:
            if "broadcast" in str(error):
                raise
            raise TypeError(
                f"step_direction must be -1, 0 or +1 per element, got {step_direction!r}."
            ) from None
        wrong = np.flatnonzero(~np.isin(given, (-1.0, 0.0, 1.0)))
        if wrong.size:
            i = int(wrong[0])
            raise ValueError(
                f"step_direction must be -1 (backward), 0 (central) or +1 (forward) per "
                f"element, got {exact(given[i])} at {element_name(shape, i)}."
            )
        direction = given.astype(np.int8)
    return Region(lower, upper, direction)
