"""What f's values say of each element: its status code, the warnings that are a view
of the codes, a pole at x, and an f that ignores its input."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._inputs import (
    QUOTED,
    element_name,
    names,
    scale,
)
from ._points import (
    ROUNDING_ULPS,
    STEP_TOLERANCE,
    UNKNOWN_STATUS,
    UNPERTURBED,
    Estimate,
    GradientStatus,
    Points,
    Step,
    all_per_element,
    any_per_element,
    near_stationary,
    per_element,
    raise_status,
    rounding_floor,
    rounding_limited,
    value_precision,
    wide_dtype,
)
from ._warnings import (
    IgnoredInputWarning,
    NonFiniteWarning,
    PrecisionWarning,
    issue_warning,
)

__all__ = [
    "element_status",
    "extremes_per_element",
    "flag_ignored_input",
    "joint_move",
    "looks_singular",
    "singular_entries",
    "warn_status",
]

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
    if any((index == UNPERTURBED).any() for index, _ in values_seen):
        return False
    index = _joined([i for i, _ in values_seen])
    # One row per point; a vector-valued f (a Jacobian) has one column per output.
    values = _joined([v.reshape(len(i), -1) for i, v in values_seen])
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


def _joined(arrays: list[NDArray[Any]]) -> NDArray[Any]:
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
    singular |= ~np.isfinite(at_x)
    sides = [(i[i >= 0], v[i >= 0]) for i, v in requests if not np.iscomplexobj(v)]
    if not sides or np.iscomplexobj(at_x):
        return singular
    index = np.concatenate([i for i, _ in sides])
    values = np.concatenate([v for _, v in sides]).astype(np.float64)
    low, high = extremes_per_element(index, values, n)  # nan propagates: no spike
    with np.errstate(all="ignore"):
        spike = (low < 0) & (high > 0) & np.isfinite(at_x)
        spike &= np.abs(at_x) > SPIKE * np.maximum(-low, high)
    singular |= spike
    return singular


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


def element_status(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    h: Step,
    book: bool,
    complex_step: bool,
    singular: NDArray[np.bool_] | None = None,
) -> NDArray[np.int8]:
    """One :class:`GradientStatus` code per element: the plan's own, or read from f's values.

    A plan that tracks its status (Richardson) gives it; for the others, an element is
    NONFINITE where some value of f it needs is not finite, and ROUNDING_LIMITED where
    those values differ by no more than f's rounding (:func:`_rounding_limited`). Every
    plan's ``vanished`` elements are STEP_VANISHED; where the ``book``'s central
    difference divides by a fixed 2h, elements whose step taken differs are STEP_INEXACT.
    Elements with a ``singular`` entry (:func:`singular_entries`, computed from
    ``values_seen`` if not given) are NONFINITE, whatever the plan says.
    """
    n = x0.size
    if estimate.status is None:
        status = np.full(n, UNKNOWN_STATUS, dtype=np.int8)
    else:
        status = estimate.status.astype(np.int8)
    # OUT_OF_BOUNDS (a smaller step than asked, set by the plan) is kept, and what f's
    # values say of those elements is added to it
    squeezed = status == GradientStatus.OUT_OF_BOUNDS
    unknown = (status == UNKNOWN_STATUS) | squeezed  # elements whose plan keeps no status
    if unknown.any():
        status[unknown] = GradientStatus.CONVERGED
        nonfinite = np.zeros(n, dtype=bool)
        for index, values in values_seen:
            not_finite = any_per_element(~np.isfinite(values))  # any output, if several
            nonfinite[index[not_finite & (index >= 0)]] = True
            if (not_finite & (index == UNPERTURBED)).any():
                nonfinite[:] = True
        raise_status(status, nonfinite & unknown, GradientStatus.NONFINITE)
        if not complex_step:  # the complex step takes no difference: nothing cancels
            narrow = x0.dtype.itemsize < 8 and not isinstance(h, str)
            limited = _rounding_limited(estimate, values_seen, x0, narrow)
            raise_status(status, limited & unknown, ROUNDING)
        raise_status(status, squeezed, GradientStatus.OUT_OF_BOUNDS)
    # f singular at x (a pole): those elements have no gradient, whatever the plan says.
    if singular is None:
        singular = singular_entries(values_seen, n)
    raise_status(status, any_per_element(singular), GradientStatus.NONFINITE)
    raise_status(status, estimate.vanished, GradientStatus.STEP_VANISHED)
    if book and not isinstance(h, str):
        raise_status(status, _inexact_steps(x0, h)[0], GradientStatus.STEP_INEXACT)
    return status


ROUNDING = GradientStatus.ROUNDING_LIMITED


def _rounding_limited(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
    narrow: bool = False,
) -> NDArray[np.bool_]:
    """Elements whose digits f's rounding limits, where it matters.

    The uncertainty f's rounding leaves in an element (:func:`_rounding_uncertainty`) is
    reported where :func:`~gradwalk._points.rounding_limited` says so (above 1e-4 of
    the element's own gradient, with a floor relative to the largest element), and not
    near a stationary point (:func:`near_stationary`). Where x is ``narrow`` (float32
    or float16 with a fixed h, whose limit the driver has already warned of), only
    elements whose values of f agree within f's rounding are reported.
    """
    n = x0.size
    if not n or not values_seen:
        return np.zeros(n, dtype=bool)
    grad = np.abs(estimate.grad.astype(np.float64, copy=False))
    largest = float(grad.max(initial=0.0))
    if not math.isfinite(largest):
        largest = float(grad[np.isfinite(grad)].max(initial=0.0))
    if _uncertainty_bound(estimate, values_seen, x0) <= rounding_floor(largest, x0.dtype):
        return np.zeros(n, dtype=bool)  # no element can be reported: spares the pass below
    uncertainty, size, agree = _rounding_uncertainty(estimate, values_seen, x0)
    f_size = float(size[np.isfinite(size)].max(initial=0.0))
    x_entry = np.broadcast_to(per_element(x0, grad), grad.shape)
    if largest == 0 or near_stationary(estimate.grad, x_entry, f_size):
        return np.zeros(n, dtype=bool)
    with np.errstate(all="ignore"):
        limited = rounding_limited(uncertainty, grad, largest, x0.dtype)
    if narrow:
        limited &= agree
    flagged: NDArray[np.bool_] = any_per_element(limited & np.isfinite(uncertainty))
    return flagged


def _uncertainty_bound(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
) -> float:
    """An upper bound on every element's uncertainty from :func:`_rounding_uncertainty`
    (inf where there is none to be had cheaply): f's rounding at its largest finite |value|
    over the smallest step, computed as each element's is, so that rounding keeps it a
    bound."""
    values = _values_of(values_seen)
    highest, lowest = float(values.max(initial=-math.inf)), float(values.min(initial=math.inf))
    step = estimate.step.astype(np.float64, copy=False)
    top, bottom = float(step.max(initial=-math.inf)), float(step.min(initial=math.inf))
    smallest = bottom if bottom > 0 else -top if top < 0 else 0.0
    if not (math.isfinite(highest) and math.isfinite(lowest) and smallest > 0):
        return math.inf  # nan or inf among the values, or a step of 0 or of both signs
    noise = ROUNDING_ULPS * value_precision(values, x0.dtype) * max(highest, -lowest)
    return noise / smallest


def _values_of(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> NDArray[np.float64]:
    """f's values (their real parts) in the order seen, float64."""
    return np.real(_joined([v for _, v in values_seen])).astype(np.float64, copy=False)


def _rounding_uncertainty(
    estimate: Estimate,
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    x0: NDArray[np.floating],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.bool_]]:
    """The uncertainty f's rounding leaves in each element, |f| there, and whether the
    element's values of f all agree within twice f's rounding.

    f's rounding is ``ROUNDING_ULPS`` units of f's precision (measured from its values,
    :func:`value_precision`: float32 inside f shows there) times the largest |f| among
    the element's values (and f(x), where the method evaluates it); the uncertainty is
    that over the element's step: a central difference's amplification, which
    ``ROUNDING_ULPS``' margin covers for the one-sided and higher-order stencils too.
    """
    n = x0.size
    index = _joined([i for i, _ in values_seen])
    values = _values_of(values_seen)
    eps = value_precision(values, x0.dtype)
    finite = all_per_element(np.isfinite(values))  # every output, if several
    perturbed = (index >= 0) & finite
    if perturbed.all():  # the common case: nothing to leave out, nothing to copy
        low, high = extremes_per_element(index, values, n)
    else:
        low, high = extremes_per_element(index[perturbed], values[perturbed], n)
    at_x = values[(index == UNPERTURBED) & finite]
    if at_x.size:
        high = np.maximum(high, at_x.max(axis=0))
        low = np.minimum(low, at_x.min(axis=0))
    size = np.maximum(np.abs(high), np.abs(low))
    size[~np.isfinite(size)] = 0.0
    noise = ROUNDING_ULPS * eps * size
    step = np.abs(estimate.step.astype(np.float64, copy=False))
    with np.errstate(all="ignore"):
        uncertainty: NDArray[np.float64] = noise / per_element(step, noise)
    agree: NDArray[np.bool_] = high - low <= 2 * noise
    return uncertainty, size, agree


def _inexact_steps(
    x0: NDArray[np.floating], h: float
) -> tuple[NDArray[np.bool_], NDArray[np.floating], NDArray[np.floating]]:
    """Where the distance between x + h and x - h differs from 2h by more than
    STEP_TOLERANCE, and the steps actually taken, (x + h) - x and x - (x - h)."""
    wide = wide_dtype(x0.dtype)
    step = x0.dtype.type(h)
    up = (x0 + step).astype(wide, copy=False) - x0.astype(wide, copy=False)
    down = x0.astype(wide, copy=False) - (x0 - step).astype(wide, copy=False)
    inexact: NDArray[np.bool_] = np.abs((up + down) / (2 * h) - 1) > STEP_TOLERANCE
    return inexact & (up > 0) & (down > 0), up, down


def warn_status(
    status: NDArray[np.int8],
    grad: NDArray[np.floating],
    estimate: Estimate,
    x0: NDArray[np.floating],
    h: Step,
    shape: tuple[int, ...],
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    asked: bool,
    singular: NDArray[np.bool_] | None = None,
) -> None:
    """Set NONFINITE elements to nan and give one warning per code that calls for one.

    For a vector-valued f (``grad`` of shape ``(n, *outputs)``) only the entries that met
    a non-finite value, or are ``singular`` (:func:`singular_entries`), are set to nan.
    LEVEL_LIMIT warns only where the caller ``asked`` for an accuracy (rtol, atol,
    max_levels); STEP_SHRUNK and OUT_OF_BOUNDS never do (the status and the step say it).
    """
    code = GradientStatus
    n = status.size
    if singular is None:
        singular = singular_entries(values_seen, n)
    nonfinite = np.flatnonzero(status == code.NONFINITE)
    if nonfinite.size:
        if grad.ndim > 1:  # a vector-valued f: only the entries that met a non-finite value
            grad[_nonfinite_entries(values_seen, grad.shape)] = np.nan
            grad[singular.reshape(grad.shape)] = np.nan
        else:
            grad[nonfinite] = np.nan
        _warn_singular(singular, shape, grad.shape[1:])
        singular_elements = any_per_element(singular)
        near = nonfinite[~singular_elements[nonfinite]]
        if near.size:
            issue_warning(
                f"f returned inf or nan at perturbed points of {names(shape, near)}; "
                "those elements of the gradient are nan: f is singular next to x or those "
                "points leave its domain. Check the domain of f near x (log or sqrt of a "
                "negative number, a pole, overflow) or use a smaller h.",
                NonFiniteWarning,
            )
    vanished = np.flatnonzero(status == code.STEP_VANISHED)
    if vanished.size:
        issue_warning(
            f"the step h = {h} is too small for the magnitude of {names(shape, vanished)}: "
            f"{_spacing(x0, shape, int(vanished[0]))}, so x ± h rounds back to x and that "
            "gradient element is computed as exactly 0. Pass h='auto' for a step relative "
            "to |x|.",
            PrecisionWarning,
        )
    inexact = np.flatnonzero(status == code.STEP_INEXACT)
    if inexact.size and not isinstance(h, str):
        first = int(inexact[0])
        _, up, down = _inexact_steps(x0[first : first + 1], h)
        issue_warning(
            f"the step actually taken at {names(shape, inexact)} is not h = {h:g}: "
            f"{_spacing(x0, shape, first)}, so x + h and x - h land on "
            f"neighbouring floats, {float(up[0]):.6g} above and {float(down[0]):.6g} below "
            "x. The book's formula divides by 2h all the same, so that element is off by "
            f"about {abs(float(up[0] + down[0]) / (2 * h) - 1):.1%}. Pass h='auto' (a step "
            "relative to |x|, divided by the distance actually taken) or "
            "method='richardson'.",
            PrecisionWarning,
        )
    rounding = np.flatnonzero(status == code.ROUNDING_LIMITED)
    if rounding.size:
        first = int(rounding[0])
        if estimate.status is None:
            uncertainty = float(
                np.ravel(_rounding_uncertainty(estimate, values_seen, x0)[0][first])[0]
            )
            value = _entry(grad, first)
            if not abs(value) > uncertainty:
                found = (
                    f"rounding in f limits {names(shape, rounding)}: f(x + h) and f(x - h) "
                    f"differ only by rounding in f for {names(shape, rounding)} (at "
                    f"{element_name(shape, first)} the values of f it compares agree to "
                    "within f's own rounding error), so that element of the gradient is "
                    "rounding noise"
                )
            else:
                digits = max(1, round(math.log10(abs(value) / uncertainty)))
                found = (
                    f"rounding in f limits {names(shape, rounding)}: at "
                    f"{element_name(shape, first)}, {value:.6g} ± {uncertainty:.1e}, only "
                    f"about {digits} significant digit{'s are' if digits > 1 else ' is'} left"
                )
            issue_warning(
                f"{found} (f is large beside this element's contribution, or computes in "
                "lower precision). Use a larger h for that element, method='richardson' "
                "(which grows the step there and gives an error bar), or rescale f "
                "(subtract its large constant part).",
                PrecisionWarning,
            )
        else:
            issue_warning(
                f"the estimate of {names(shape, rounding)} stopped improving before it "
                f"reached its tolerance (at {element_name(shape, first)}: "
                f"{_entry(grad, first):.6g} ± {_entry(estimate.error, first):.1e}): rounding "
                "in f (about "
                f"{_noise(estimate, first):.1e} per value) limits it. The error bar is "
                "honest; for better, rescale f (subtract its large constant part) or "
                "compute f in higher precision.",
                PrecisionWarning,
            )
    limit = np.flatnonzero(status == code.LEVEL_LIMIT)
    if limit.size and asked:
        first = int(limit[0])
        issue_warning(
            f"Richardson used all its levels for {names(shape, limit)} without reaching "
            f"its tolerance (at {element_name(shape, first)}: {_entry(grad, first):.6g} ± "
            f"{_entry(estimate.error, first):.1e}). Raise max_levels or loosen rtol/atol.",
            PrecisionWarning,
        )


def _warn_singular(
    singular: NDArray[np.bool_], shape: tuple[int, ...], outputs: tuple[int, ...]
) -> None:
    """The warning that f is singular at x: at which elements and, for a vector-valued f,
    in which outputs."""
    if not singular.any():
        return
    elements = np.flatnonzero(singular.any(axis=1))
    where = "x" if elements.size == singular.shape[0] else names(shape, elements)
    if outputs:
        columns = np.flatnonzero(singular.any(axis=0))
        quoted = ", ".join(
            "f(x)[" + ", ".join(str(int(p)) for p in np.unravel_index(int(k), outputs)) + "]"
            for k in columns[:QUOTED]
        )
        more = f" and {columns.size - QUOTED} more" if columns.size > QUOTED else ""
        what = f" in output {quoted}{more}, so those entries of the Jacobian are nan"
    elif where == "x":
        what = ", so it has no gradient there and every element is nan"
    else:
        what = ", so those elements of the gradient are nan"
    issue_warning(
        f"f is singular at {where}{what}: f(x) itself is not finite there (a pole such as 1/x "
        "at 0, or x outside f's domain), or it is a spike far above the values of "
        "opposite sign on either side (tan at the float nearest pi/2), so f has no "
        "derivative there. Move x off the singular point.",
        NonFiniteWarning,
    )


def _spacing(x0: NDArray[np.floating], shape: tuple[int, ...], element: int) -> str:
    """How far apart floating-point numbers are at one element of x, in words."""
    value = x0[element]
    return (
        f"at {element_name(shape, element)} = {value:.6g} floating-point numbers are "
        f"{float(np.spacing(np.abs(value))):.2g} apart"
    )


def _entry(values: NDArray[Any], element: int) -> float:
    """Element ``element`` of a gradient (its first output, for a vector-valued f)."""
    return float(np.ravel(values[element])[0])


def _nonfinite_entries(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]], shape: tuple[int, ...]
) -> NDArray[np.bool_]:
    """The entries (element, output) of a Jacobian that met a non-finite value of f: the
    outputs not finite at an element's points, and every element of the outputs not
    finite at x itself."""
    bad = np.zeros(shape, dtype=bool)
    for index, values in values_seen:
        not_finite = ~np.isfinite(values)
        perturbed = index >= 0
        np.logical_or.at(bad, index[perturbed], not_finite[perturbed])
        bad |= not_finite[index == UNPERTURBED].any(axis=0)
    return bad


def _noise(estimate: Estimate, element: int) -> float:
    """The measured rounding of one value of f at ``element`` (nan if not measured)."""
    return math.nan if estimate.noise is None else float(estimate.noise[element])


def joint_move(snapshot: NDArray[Any]) -> NDArray[Any]:
    """x moved along every element at once, by about 1e-3 · max(1, |x|).

    Perturbing one element at a time cannot tell an f that ignores x from a point where
    f is flat along every axis (x0 · x1 at the origin); one joint move can.
    """
    weights = np.random.default_rng(20240).uniform(0.5, 1.5, snapshot.shape)
    signs = np.where(np.arange(snapshot.size).reshape(snapshot.shape) % 2 == 0, 1.0, -1.0)
    moved: NDArray[Any] = snapshot + (1e-3 * signs * weights * scale(snapshot)).astype(
        snapshot.dtype
    )
    return moved


def flag_ignored_input(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    evaluate: Callable[[Points], NDArray[Any]],
    shape: tuple[int, ...],
    copies: str | None,
    probe: Callable[[], Any],
) -> None:
    """Warn when f gave the same value at every perturbed point, at x itself and at x
    moved along every element at once (``probe``).

    ``copies`` names the option that made f receive copies of x (None: in place).
    """
    perturbed = np.concatenate([values[index >= 0] for index, values in values_seen])
    if (
        perturbed.size == 0
        or not np.all(np.isfinite(perturbed[0]))
        or np.any(np.imag(perturbed[0]) != 0)  # the complex step saw x: f does not ignore it
        or not np.all(perturbed == perturbed[0])
    ):
        return
    at_x = [values[index == UNPERTURBED] for index, values in values_seen]
    known = np.concatenate(at_x)
    if known.size == 0:
        known = evaluate(
            Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, dtype=np.float64))
        )
    if np.all(known == perturbed[0]) and np.all(probe() == perturbed[0]):
        if copies is not None:
            issue_warning(
                "f returned exactly the same value at every perturbed point and at x "
                f"itself, so the gradient is all zeros. With {copies}, f receives perturbed "
                "copies of x, never the array itself: a closure such as "
                "lambda w: net.loss(x, t) that reads net.W instead of its argument sees no "
                "perturbation. Such a closure needs the default in-place mode (a real "
                "method, no vectorized or workers); otherwise make f compute from its "
                "argument (the complex step needs that: it evaluates f on a complex copy of "
                "x, since x + ih cannot be written into a real array). If f "
                "is constant near x, ignore this warning.",
                IgnoredInputWarning,
            )
            return
        issue_warning(
            "f returned exactly the same value at every perturbed point and at x itself, "
            "so the gradient is all zeros. f probably ignores its argument: a closure such "
            "as lambda w: net.loss(x, t) must read the very array passed to "
            "numerical_gradient (net.W itself, not a copy or another array), and the "
            "perturbations are only visible to it when that array is perturbed in place "
            "(a float ndarray you own, the default mode). If f is constant near x, ignore "
            "this warning.",
            IgnoredInputWarning,
        )
