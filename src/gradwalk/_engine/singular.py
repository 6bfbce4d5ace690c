"""A pole at x: f not finite at x, or a finite spike between sides of opposite sign,
per element and per output."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .points import (
    UNPERTURBED,
    all_per_element,
    any_per_element,
)

#: For the complex step: an imaginary part this large a share of |f(x + ih)| looks like
#: a pole (1/(ih) = -i/h) rather than h·f'(x).
_POLE_SPREAD = 0.1

#: A finite pole: where f's values on an element's two sides have opposite signs and
#: |f(x)| is more than this many times each of them, f(x) is a spike, not a value of a
#: smooth f between them (tan at the float nearest π/2: 1.6e16 between -1e4 and 1e4). A
#: smooth f would need its curvature term f''·h²/2 to cancel f(x) to one part in SPIKE.
SPIKE = 1e6


def looks_singular(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]], n: int) -> bool:
    """Whether f(x) must be known to trust the gradient.

    It is when f(x) was not evaluated and, along some element, the values next to x have
    opposite signs (1/x at 0: +1/h and -1/h, just like a steep line through 0) or are
    equal and not zero (1/x**2 at 0; also every element at once, which the ignored-input
    check needs f(x) for anyway). For the complex step, whose real parts are f(x) to
    O(h²), an imaginary part comparable to |f| is the sign. A pole shifted far from 0
    (1/x + 1e5) shows none of these and is not detected.
    """
    if any((index < 0).any() for index, _ in values_seen):  # f(x) is known (OWN_X too)
        return False
    index = joined([i for i, _ in values_seen])
    # One row per point; a vector-valued f (a Jacobian) has one column per output.
    values = joined([v.reshape(len(i), -1) for i, v in values_seen])
    if values.shape[1] == 1:  # a scalar f: one axis (NumPy reduces a short axis slowly)
        values = values[:, 0]
    keep = (index >= 0) & all_per_element(np.isfinite(values))
    if not keep.all():  # the common case, every point perturbed and finite, copies nothing
        index, values = index[keep], values[keep]
    if values.size == 0:
        return False
    if not np.any(np.imag(values[0])) and np.all(values == values[0]):
        return True
    # Symmetric points are evaluated next to each other (x + h e_i, then x - h e_i).
    same = all_per_element(values[1:] == values[:-1]) & any_per_element(values[1:] != 0)
    if np.any((index[1:] == index[:-1]) & same):
        return True
    if np.iscomplexobj(values):
        return bool(np.any(np.abs(np.imag(values)) > _POLE_SPREAD * np.abs(values)))
    if not (np.any(values < 0) and np.any(values > 0)):  # no sign anywhere to change
        return False
    low, high = extremes_per_element(index, values.astype(np.float64, copy=False), n)
    opposite = (low < 0) & (high > 0)
    return bool(np.any(opposite))


def joined(arrays: list[NDArray[Any]]) -> NDArray[Any]:
    """``arrays`` end to end (the one array itself, not a copy, if there is one)."""
    return arrays[0] if len(arrays) == 1 else np.concatenate(arrays)


def singular_entries(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    n: int,
    own_at_x: NDArray[Any] | None = None,
) -> NDArray[np.bool_]:
    """The entries (element, output) where f is singular at x, shape ``(n, outputs)``.

    f(x) is known from ``values_seen`` (index ``UNPERTURBED``, the same for every
    element) or, for an elementwise f, given per element (``own_at_x``: the values of
    ``values_seen`` from requests that included x are then differences from it and are
    not read). An entry is singular where f(x) is not finite, or where f(x) is a spike:
    the element's values on its two sides have opposite signs and |f(x)| is more than
    :data:`SPIKE` times each of them. Without f(x) nothing is singular.
    """
    requests = [(i, v.reshape(len(i), math.prod(v.shape[1:]))) for i, v in values_seen]
    outputs = requests[0][1].shape[1] if requests else 1
    singular = np.zeros((n, outputs), dtype=bool)
    if own_at_x is not None:
        at_x = np.asarray(own_at_x).reshape(n, -1)
        requests = [(i, v) for i, v in requests if not (i == UNPERTURBED).any()]
    else:
        known = [v[i == UNPERTURBED] for i, v in requests if (i == UNPERTURBED).any()]
        if not known:
            return singular
        at_x = np.broadcast_to(known[0][:1], (n, outputs))
    with np.errstate(all="ignore"):  # nan or inf anywhere shows in the sum
        all_finite = bool(np.isfinite(np.sum(at_x[:1] if own_at_x is None else at_x)))
    if not all_finite:
        singular |= ~np.isfinite(at_x)
    sides = [_perturbed(i, v) for i, v in requests if not np.iscomplexobj(v)]
    if not sides or np.iscomplexobj(at_x):
        return singular
    if not _may_spike(sides, at_x, own_at_x is None):
        return singular  # no value small enough beside f(x): no spike anywhere
    index = joined([i for i, _ in sides])
    values = joined([v for _, v in sides]).astype(np.float64, copy=False)
    low, high = extremes_per_element(index, values, n)  # nan propagates: no spike
    with np.errstate(all="ignore"):
        spike = (low < 0) & (high > 0) & np.isfinite(at_x)
        spike &= np.abs(at_x) > SPIKE * np.maximum(-low, high)
    singular |= spike
    return singular


def _perturbed(index: NDArray[np.intp], values: NDArray[Any]) -> tuple[NDArray[np.intp], Any]:
    """The points of a request that perturb an element (the request itself if all do)."""
    if not index.size or index.min() >= 0:
        return index, values
    keep = index >= 0
    return index[keep], values[keep]


def _may_spike(sides: list[tuple[NDArray[np.intp], Any]], at_x: NDArray[Any], shared: bool) -> bool:
    """Whether any value beside x is below |f(x)| / SPIKE in its output, as every value
    of a spike's element must be (one pass over the values, none of them copied).
    ``shared``: f(x) is the same for every element (its first row)."""
    with np.errstate(all="ignore"):
        bound = np.abs(at_x[0] if shared else at_x) / SPIKE
        for index, values in sides:
            rows = max(1, _BLOCK // max(1, values[0].size * 8)) if len(values) else 1
            for start in range(0, len(values), rows):  # blocks: no large temporary arrays
                block = values[start : start + rows]
                limit = bound if shared else bound[index[start : start + rows]]
                if np.any((block < limit) & (block > -limit)):
                    return True
    return False


#: Bytes of values compared at once in :func:`_may_spike`.
_BLOCK = 2**20


def extremes_per_element(
    index: NDArray[np.intp], values: NDArray[np.float64], n: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The least and greatest of ``values`` per element of ``index`` (inf and -inf for an
    element without values); one row of ``values`` per point."""
    low = np.full((n, *values.shape[1:]), np.inf)
    high = np.full((n, *values.shape[1:]), -np.inf)
    if index.size and _side_by_side(index):
        # Each element's points side by side, as many for each (the central difference,
        # the fixed stencils): one reduction over a reshaped array.
        # (column by column: NumPy reduces a short axis many times slower)
        width = _run_length(index)
        elements = index[::width]
        grouped = values.reshape(len(elements), width, *values.shape[1:])
        least, greatest = grouped[:, 0].copy(), grouped[:, 0].copy()
        for column in range(1, width):
            np.minimum(least, grouped[:, column], out=least)
            np.maximum(greatest, grouped[:, column], out=greatest)
        if len(elements) == n and elements[-1] == n - 1:  # every element, in order
            return least, greatest
        low[elements], high[elements] = least, greatest
    elif index.size:
        np.minimum.at(low, index, values)
        np.maximum.at(high, index, values)
    return low, high


def _run_length(index: NDArray[np.intp]) -> int:
    """How many entries at the start of ``index`` (not empty) equal its first."""
    different = index != index[0]
    first = int(np.argmax(different))
    return first if different[first] else len(index)


def _side_by_side(index: NDArray[np.intp]) -> bool:
    """Whether ``index`` (not empty) holds each of its elements' points next to each
    other, as many for each, elements in increasing order (the central difference, the
    fixed stencils).

    >>> _side_by_side(np.array([0, 0, 3, 3, 4, 4])), _side_by_side(np.array([0, 0, 1]))
    (True, False)
    """
    width = _run_length(index)
    if len(index) % width:
        return False
    grouped = index.reshape(-1, width)
    first = grouped[:, 0]
    same = all(np.array_equal(grouped[:, column], first) for column in range(1, width))
    return same and bool(np.all(first[1:] > first[:-1]))
