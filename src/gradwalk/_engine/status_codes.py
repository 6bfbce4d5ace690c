"""The status codes: what happened to each element of a numerical derivative.

One :class:`GradientStatus` code per element; where several apply, the most severe
(:data:`SEVERITY`) wins, set with :func:`raise_status`.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: Index used in :class:`Points` for "evaluate f at x itself, unperturbed".


class GradientStatus(IntEnum):
    """What happened to one element of a numerical gradient (``GradientResult.status``).

    One code per element. Where several apply, the element carries the most severe,
    in the order of :data:`SEVERITY`; every warning gradwalk gives about an element is
    a view of its code.

    Attributes
    ----------
    CONVERGED : 0
        Computed as the method intends: for "richardson", its error estimate settled
        (within ``atol + rtol·|grad|`` when those are given); for the other methods, the
        differences were well above f's rounding.
    NONFINITE : 1
        f returned inf or nan at the points this element needs, at every step tried:
        the element is nan.
    STEP_VANISHED : 2
        x ± h rounded back to x (h is below the spacing of floats at that |x|): the
        element is computed as exactly 0.
    ROUNDING_LIMITED : 3
        f's own rounding (measured from f's values) over the step leaves an
        uncertainty above 1e-4 of this element (:func:`rounding_limited`): few of its
        digits, or none, are left.
    LEVEL_LIMIT : 4
        "richardson" used all its levels (``max_levels``) without reaching its
        tolerance, on a ladder that was asymptotic: the error estimate is honest and
        says how far it got.
    OUT_OF_BOUNDS : 5
        The bounds leave no room for the element's stencil at the method's step on
        either side, so it was computed with the largest step that fits (shown in
        ``GradientResult.step``) and verified there like any other; said by no
        warning.
    STEP_SHRUNK : 6
        f was not finite at the method's first step (outside f's domain, such as
        log(x - h) for x < h); the step was reduced until it was. The result is good;
        ``GradientResult.step`` shows the step used.
    STEP_INEXACT : 7
        With a fixed h, x + h or x - h is not exactly x ± h in x's dtype and differs
        from it by more than :data:`STEP_TOLERANCE` of h; the book's central difference
        still divides by 2h, so the element is off by that much.
    STEP_TOO_LARGE : 8
        The estimates at the steps tried never agreed as the method's order predicts:
        f varies on a scale below the smallest step tried (Richardson's ladder never
        became asymptotic; a fixed stencil still disagreed after shrinking its step).
        Nothing verifies the value: its error bar is inf.
    NOISY : 9
        f's values carry noise above its rounding (measured from the values already
        evaluated), and that noise, amplified by the formula, leaves an uncertainty
        above the tolerance; the error bar includes it.
    NONSMOOTH : 10
        f's values show a kink or a jump within the step: its differences do not
        shrink with the step as a derivative needs. At a kink the error bar covers
        both one-sided slopes; at a jump it is inf.
    NON_ANALYTIC : 11
        method="complex": the complex step disagreed with real differences, so f is
        not analytic (abs, conj, comparisons on x.real); the element was computed by
        real central differences, with their error bar.

    Examples
    --------
    >>> GradientStatus(3).name, int(GradientStatus.LEVEL_LIMIT)
    ('ROUNDING_LIMITED', 4)
    """

    CONVERGED = 0
    NONFINITE = 1
    STEP_VANISHED = 2
    ROUNDING_LIMITED = 3
    LEVEL_LIMIT = 4
    OUT_OF_BOUNDS = 5
    STEP_SHRUNK = 6
    STEP_INEXACT = 7
    STEP_TOO_LARGE = 8
    NOISY = 9
    NONSMOOTH = 10
    NON_ANALYTIC = 11


#: The codes from least to most severe: an element carries the most severe that applies.
SEVERITY = (
    GradientStatus.CONVERGED,
    GradientStatus.STEP_SHRUNK,
    GradientStatus.OUT_OF_BOUNDS,
    GradientStatus.LEVEL_LIMIT,
    GradientStatus.ROUNDING_LIMITED,
    GradientStatus.NOISY,
    GradientStatus.STEP_TOO_LARGE,
    GradientStatus.STEP_INEXACT,
    GradientStatus.NON_ANALYTIC,
    GradientStatus.STEP_VANISHED,
    GradientStatus.NONSMOOTH,
    GradientStatus.NONFINITE,
)


#: Relative difference between the step taken, (x + h) - x, and h that makes it inexact.
STEP_TOLERANCE = 1e-2

_RANK = np.zeros(len(GradientStatus), dtype=np.int8)
_RANK[[int(code) for code in SEVERITY]] = np.arange(len(SEVERITY))


#: A status not yet known: set in a merged estimate for the elements whose plan keeps
#: none, for the driver to read from f's values.
UNKNOWN_STATUS = -1


def new_status(size: int) -> NDArray[np.int8]:
    """A status array of ``size`` elements, all CONVERGED."""
    return np.zeros(size, dtype=np.int8)


def raise_status(status: NDArray[np.int8], where: NDArray[Any], code: GradientStatus) -> None:
    """Set ``code`` on the elements ``where`` (mask or indices) that carry a less severe one.

    Examples
    --------
    >>> status = new_status(3)
    >>> raise_status(status, np.array([0, 1]), GradientStatus.NONFINITE)
    >>> raise_status(status, np.array([True, True, False]), GradientStatus.STEP_SHRUNK)
    >>> [GradientStatus(s).name for s in status]
    ['NONFINITE', 'NONFINITE', 'CONVERGED']
    """
    where = np.asarray(where)
    if where.size == 0 or (where.dtype == np.bool_ and not where.any()):
        return  # nothing to raise: spares the pass over every element below
    selected = np.zeros(status.shape, dtype=bool)
    selected[where] = True
    selected &= _RANK[status] < _RANK[int(code)]
    status[selected] = int(code)
