"""The warnings about elements: a view of their status codes, one warning per code."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.warnings import (
    NonFiniteWarning,
    PrecisionWarning,
    issue_warning,
)

from .inputs import QUOTED, element_name, names
from .points import (
    UNPERTURBED,
    Estimate,
    Step,
    any_per_element,
    element_of,
)
from .rounding import Precision
from .singular import singular_entries
from .status import inexact_steps, rounding_uncertainty
from .status_codes import GradientStatus


def compared_values(method: str) -> str:
    """The values of f whose difference ``method`` takes, in words: a forward difference
    compares f(x + h) with f(x), and never evaluates f(x - h).

    >>> compared_values("forward")
    'f(x + h) and f(x)'
    >>> compared_values("central")
    'f(x + h) and f(x - h)'
    """
    return {"forward": "f(x + h) and f(x)", "backward": "f(x - h) and f(x)"}.get(
        method, "f(x + h) and f(x - h)"
    )


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
    precision: Precision | None = None,
    method: str = "central",
) -> None:
    """Set NONFINITE elements to nan and give one warning per code that calls for one.

    For a vector-valued f (``grad`` of shape ``(n, *outputs)``) only the entries that met
    a non-finite value, or are ``singular`` (:func:`singular_entries`), are set to nan.
    LEVEL_LIMIT's advice depends on whether the caller ``asked`` for an accuracy (rtol,
    atol, max_levels); STEP_SHRUNK and OUT_OF_BOUNDS never warn (the status and the
    step say it). ROUNDING_LIMITED's warning names the values of f that ``method``
    compares (:func:`compared_values`).
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
        if _warn_nonfinite_x(x0, shape, nonfinite):
            return
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
        _, up, down = inexact_steps(x0[first : first + 1], h)
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
                np.ravel(rounding_uncertainty(estimate, values_seen, x0, precision)[0][first])[0]
            )
            value = _entry(grad, first)
            if not abs(value) > uncertainty:
                found = (
                    f"rounding in f limits {names(shape, rounding)}: "
                    f"{compared_values(method)} differ only by rounding in f for "
                    f"{names(shape, rounding)} (at "
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
                f"the error bar of {names(shape, rounding)} is above its tolerance (at "
                f"{element_name(shape, first)}: {_entry(grad, first):.6g} ± "
                f"{_entry(estimate.error, first):.1e}): rounding in f (about "
                f"{_noise(estimate, first):.1e} per value) limits it, at every step the method "
                "tried. The error bar is honest; for better, rescale f (subtract its large "
                "constant part) or compute f in higher precision.",
                PrecisionWarning,
            )
    limit = np.flatnonzero(status == code.LEVEL_LIMIT)
    if limit.size:
        first = int(limit[0])
        issue_warning(
            f"the estimate of {names(shape, limit)} used every step the method may without "
            f"reaching its tolerance (at {element_name(shape, first)}: "
            f"{_entry(grad, first):.6g} ± {_entry(estimate.error, first):.1e}; the error "
            "bar is honest). "
            + (
                "Raise max_levels or loosen rtol/atol."
                if asked
                else "With method='richardson', raise max_levels or pass rtol to accept "
                "that bar; otherwise use method='richardson', which takes smaller steps."
            ),
            PrecisionWarning,
        )
    _warn_verification(status, grad, estimate, shape, values_seen)


def _warn_verification(
    status: NDArray[np.int8],
    grad: NDArray[np.floating],
    estimate: Estimate,
    shape: tuple[int, ...],
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
) -> None:
    """The warnings of the verification stage's codes (see gradwalk._engine.verify):
    STEP_TOO_LARGE, NONSMOOTH and NOISY. (NON_ANALYTIC is said by the complex step's
    plan, which has the values that show it.)"""
    code = GradientStatus
    large = np.flatnonzero(status == code.STEP_TOO_LARGE)
    if large.size:
        first = int(large[0])
        issue_warning(
            f"the estimates of {names(shape, large)} never agreed as the method's order "
            f"predicts (at {element_name(shape, first)}: {_entry(grad, first):.6g} at step "
            f"{_entry(estimate.step, first):.2g}): f varies on a scale smaller than the "
            "steps tried, so the value is not verified and its error bar is inf. Pass a "
            "smaller h, or use method='richardson' (with a larger max_levels), which "
            "follows f down to smaller steps.",
            PrecisionWarning,
        )
    nonsmooth = np.flatnonzero(status == code.NONSMOOTH)
    if nonsmooth.size:
        first = int(nonsmooth[0])
        issue_warning(
            f"f has a kink or a jump within the step at {names(shape, nonsmooth)} (at "
            f"{element_name(shape, first)}: {_entry(grad, first):.6g} ± "
            f"{_entry(estimate.error, first):.1e}): its differences do not shrink with "
            "the step as a derivative needs. At a kink (abs, max, relu) the value is the "
            "mean of the one-sided slopes and the error bar covers both; at a jump (a "
            "step, a branch) the bar is inf. f has no derivative there, or one the steps "
            "cannot resolve: move x off the kink, or take a one-sided slope with "
            "method='forward' or 'backward'.",
            PrecisionWarning,
        )
    noisy = np.flatnonzero(status == code.NOISY)
    if noisy.size:
        first = int(noisy[0])
        per_value = _noise(estimate, first)
        values = np.abs(np.real(np.concatenate([np.ravel(v) for _, v in values_seen])))
        size = float(np.max(values[np.isfinite(values)], initial=0.0))
        relative = f" ({per_value / size:.0e} relative)" if size > 0 else ""
        issue_warning(
            f"f is noisy: its values carry noise of about {per_value:.1e}{relative}, "
            "more than its rounding (an adaptive solver, an iteration tolerance or random "
            "sampling inside f? or an oscillation faster than the step, which looks the "
            "same: its derivative is not in the bar), so "
            f"{names(shape, noisy)} "
            f"{'is' if noisy.size == 1 else 'are'} known only to about its error bar (at "
            f"{element_name(shape, first)}: {_entry(grad, first):.6g} ± "
            f"{_entry(estimate.error, first):.1e}). Tighten f's own tolerance, or pass a "
            "larger h.",
            PrecisionWarning,
        )


def _warn_nonfinite_x(
    x0: NDArray[np.floating], shape: tuple[int, ...], nonfinite: NDArray[np.intp]
) -> bool:
    """The warning that x itself holds nan or inf (not f's fault); whether it was given."""
    bad = np.flatnonzero(~np.isfinite(np.ravel(x0)))
    if not bad.size:
        return False
    value = np.ravel(x0)[int(bad[0])]
    issue_warning(
        f"x itself is not finite: {element_name(shape, int(bad[0]))} = {value}"
        f"{f' (and {bad.size - 1} more)' if bad.size > 1 else ''}, so f is not finite "
        f"at the points that need it and the gradient is nan at {names(shape, nonfinite)}. "
        "Check where x came from (a descent that diverged, a division by zero, missing "
        "data) and pass a point of finite numbers.",
        NonFiniteWarning,
    )
    return True


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
        index = element_of(index)  # f(x) as an element's own problem: that element's
        perturbed = index >= 0
        np.logical_or.at(bad, index[perturbed], not_finite[perturbed])
        bad |= not_finite[index == UNPERTURBED].any(axis=0)
    return bad


def _noise(estimate: Estimate, element: int) -> float:
    """The measured rounding of one value of f at ``element`` (nan if not measured)."""
    return math.nan if estimate.noise is None else float(estimate.noise[element])
