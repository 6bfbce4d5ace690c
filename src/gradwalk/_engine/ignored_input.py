"""An f that ignores its input: the same value at every perturbed point, at x and at
x moved along every element at once."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.warnings import (
    IgnoredInputWarning,
    issue_warning,
)

from .inputs import scale
from .points import (
    OWN_X,
    UNPERTURBED,
    Points,
)

#: The sizes of the joint moves that tell an f that ignores x from one whose change is
#: lost in its rounding, relative to max(1, |x|): each tried only while f has not changed.
JOINT_MOVES = (1e-3, 1.0, 1e3)


def own_description(f: object) -> tuple[str, str] | None:
    """The parameter and the reason an f that gradwalk built itself gives, if it is one.

    The nets' numerical_gradient differentiates its own loss of one parameter array (a
    ``_ParameterLoss``); such an f reads the array it is given, so a gradient of exactly
    0 is the true one, not a closure's mistake. It says so with ``parameter`` (its name,
    such as ``"W1"``) and ``unmoved_reason()`` (why the loss cannot change).
    """
    parameter = getattr(f, "parameter", None)
    reason = getattr(f, "unmoved_reason", None)
    if isinstance(parameter, str) and callable(reason):
        return parameter, str(reason())
    return None


def joint_move(snapshot: NDArray[Any], size: float = JOINT_MOVES[0]) -> NDArray[Any]:
    """x moved along every element at once, by about ``size`` · max(1, |x|).

    Perturbing one element at a time cannot tell an f that ignores x from a point where
    f is flat along every axis (x0 · x1 at the origin); one joint move can.
    """
    weights = np.random.default_rng(20240).uniform(0.5, 1.5, snapshot.shape)
    signs = np.where(np.arange(snapshot.size).reshape(snapshot.shape) % 2 == 0, 1.0, -1.0)
    with np.errstate(over="ignore"):
        move = (size * signs * weights * scale(snapshot)).astype(snapshot.dtype)
        moved: NDArray[Any] = snapshot + move
    return moved


def flag_ignored_input(
    values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]],
    evaluate: Callable[[Points], NDArray[Any]],
    shape: tuple[int, ...],
    copies: str | None,
    probe: Callable[[float], Any],
    lost: Callable[[float, float, Any], bool],
    own_at_x: Callable[[], Any] | None = None,
    own: tuple[str, str] | None = None,
) -> bool:
    """Warn when f gave the same value at every perturbed point, at x itself and at x
    moved along every element at once (``probe(size)``, at each size of
    :data:`JOINT_MOVES` in turn until f changes); return whether f's change is lost in
    its rounding.

    Where f does change at a larger move, it depends on x. ``lost(change, size, value)``
    says whether a change of f by ``change`` over a move of ``size`` (to ``value``)
    would also have been below f's rounding over the method's step: then f's constant
    part swallowed the differences (``1e20 + sum(x**2)``, or float32 inside f, whose
    equal values may all be whole numbers: ``value`` shows its precision) and True is
    returned, for the elements to be ROUNDING_LIMITED. Otherwise, where f changes at the
    smallest move, it is flat along every axis at x only (x0 · x1 at the origin), and
    where only at a larger one, it is constant near x (a step function), which a warning
    says. ``copies`` names the option that made f receive copies of x (None: in place).
    ``own_at_x`` gives f(x) per element for an elementwise f (evaluating it if need be).
    ``own`` is (parameter, reason) where gradwalk built f itself (:func:`own_description`):
    the warning then names the parameter and says why its gradient is exactly 0, with no
    word about closures the user did not write.
    """
    if _two_differ(values_seen):
        return False  # f moved: it does not ignore x (one look at two values, no copy)
    perturbed = np.concatenate([values[index >= 0] for index, values in values_seen])
    if (
        perturbed.size == 0
        or not np.all(np.isfinite(perturbed[0]))
        or np.any(np.imag(perturbed[0]) != 0)  # the complex step saw x: f does not ignore it
        or not np.all(perturbed == perturbed[0])
    ):
        return False
    at_x = [values[(index == UNPERTURBED) | (index <= OWN_X)] for index, values in values_seen]
    known = np.asarray(own_at_x()) if own_at_x is not None else np.concatenate(at_x)
    if known.size == 0:
        known = evaluate(
            Points(np.array([UNPERTURBED], dtype=np.intp), np.zeros(1, dtype=np.float64))
        )
    if not np.all(known == perturbed[0]):
        return False
    for size in JOINT_MOVES:
        value = np.real(np.asarray(probe(size)))
        if not np.all(value == np.real(perturbed[0])):
            with np.errstate(all="ignore"):
                change = float(np.max(np.abs(value - np.real(perturbed[0]))))
            if not math.isfinite(change) or lost(change, size, value):
                return True
            if size == JOINT_MOVES[0]:
                return False  # flat along every axis only (x0 * x1 at the origin)
            issue_warning(
                "f returned exactly the same value at every perturbed point and at x "
                "itself, so the gradient is all zeros; it changes only farther from x "
                f"(at a move of about {size:g}·max(1, |x|)): f is constant near x, as a "
                "step function is, and its derivative there is 0.",
                IgnoredInputWarning,
            )
            return False
    if own is not None:
        parameter, reason = own
        issue_warning(
            f"{parameter}'s gradient is exactly 0: the loss had exactly the same value at "
            f"every perturbed point, at {parameter} itself and with all of {parameter} "
            f"moved at once, so it does not change when {parameter} moves ({reason}). "
            f"That is the true gradient, not a mistake: {parameter} gets no update from "
            "this batch.",
            IgnoredInputWarning,
        )
        return False
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
        return False
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
    return False


def _two_differ(values_seen: list[tuple[NDArray[np.intp], NDArray[Any]]]) -> bool:
    """Whether the first two perturbed points seen have different (finite) values."""
    found: list[NDArray[Any]] = []
    for index, values in values_seen:
        for row in np.flatnonzero(index >= 0)[: 2 - len(found)].tolist():
            found.append(np.asarray(values[row]))
        if len(found) == 2:
            first, second = found
            return bool(np.all(np.isfinite(first)) and np.any(first != second))
    return False
