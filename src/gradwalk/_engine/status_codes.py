"""The status codes: what happened to each element of a numerical derivative.

One :class:`GradientStatus` code per element; where several apply, the most severe
(:data:`SEVERITY`) wins, set with :func:`raise_status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import numpy as np
from numpy.typing import NDArray


class GradientStatus(IntEnum):
    """What happened to one element of a numerical gradient (``GradientResult.status``).

    One code per element. Where several apply, the element carries the most severe,
    in the order of :data:`SEVERITY`; every warning gradwalk gives about an element is
    a view of its code. The codes, their meanings and warnings are listed in
    :data:`STATUS_NOTES` (the Attributes below are generated from it).

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
    PATTERN_MISSED = 12


@dataclass(frozen=True)
class StatusNote:
    """What a status code means and which warning, if any, says it."""

    meaning: str
    warning: str


#: Every status code's meaning and warning: the one description, read by the class's
#: docstring and the docs' status table (:func:`status_table`).
STATUS_NOTES: dict[GradientStatus, StatusNote] = {
    GradientStatus.CONVERGED: StatusNote(
        "the evidence supports the error bar: two estimates agree as the method's order "
        'predicts, within f\'s measured rounding and noise ("richardson": within ``atol + '
        "rtol·|grad|`` when those are given; the single differences, which have no bar: "
        "their differences were well above f's rounding)",
        "none",
    ),
    GradientStatus.NONFINITE: StatusNote(
        "f was inf or nan where the element needs it, at every step tried, or f is "
        "singular at x (f(x) not finite, or a spike more than 1e6 times the values of "
        "opposite sign on either side, as tan at the float nearest π/2); the element is nan",
        "NonFiniteWarning",
    ),
    GradientStatus.STEP_VANISHED: StatusNote(
        "x ± h rounded back to x (h is below the spacing of floats at that |x|); the element is 0",
        "PrecisionWarning",
    ),
    GradientStatus.ROUNDING_LIMITED: StatusNote(
        "f's own rounding (measured from f's values) over the step leaves an uncertainty "
        "above 1e-4 of the element (and above 6e-5 of the largest element): few digits, "
        'or none, are left; "complex": f\'s rounding hid its change along the random '
        "direction that checks f's analyticity, and a wider move did not settle it (none "
        "resolves it, or there it disagrees with the complex step): the values are kept, "
        "with a bar of inf",
        'PrecisionWarning, saying how many digits are left ("complex": that the '
        "analyticity could not be checked)",
    ),
    GradientStatus.LEVEL_LIMIT: StatusNote(
        '"richardson" used all its levels (``max_levels``) without reaching its '
        "tolerance, on a ladder that was asymptotic: the error bar is honest and says "
        "how far it got",
        "PrecisionWarning",
    ),
    GradientStatus.OUT_OF_BOUNDS: StatusNote(
        "the bounds leave no room for the element's stencil at the method's step on "
        "either side, so it was computed with the largest step that fits (shown in "
        "``GradientResult.step``) and verified there like any other",
        "none",
    ),
    GradientStatus.STEP_SHRUNK: StatusNote(
        "f was not finite at the method's first step (outside its domain, such as "
        "log(x - h) for x < h); the step was reduced until it was; the value is good",
        "none: ``step`` shows the step used",
    ),
    GradientStatus.STEP_INEXACT: StatusNote(
        "with a fixed h, the step taken, (x + h) − x, differs from h by more than 1% "
        "(:data:`STEP_TOLERANCE`); the book's central difference still divides by 2h, so "
        "the element is off by that much",
        "PrecisionWarning",
    ),
    GradientStatus.STEP_TOO_LARGE: StatusNote(
        "the estimates at the steps tried never agreed as the method's order predicts: f "
        "varies on a scale below the smallest step tried (Richardson's ladder never became "
        "asymptotic; a fixed stencil still disagreed at a 256th of its step; the complex "
        "step disagreed with real differences that smaller steps could not verify, and "
        "keeps its value); nothing verifies the value, and its error bar is inf",
        "PrecisionWarning, naming the step",
    ),
    GradientStatus.NOISY: StatusNote(
        "f's values carry noise above its rounding (measured from the values already "
        "evaluated, in the spirit of ECnoise), and that noise, amplified by the formula, "
        "leaves an uncertainty above the tolerance, or the noise is above 1e-8 of f's "
        "magnitude: no rounding, but noise or an oscillation faster than the steps tried "
        "(they look the same there); the error bar includes the noise, not the derivative "
        "of such an oscillation",
        "PrecisionWarning, giving the noise per value",
    ),
    GradientStatus.NONSMOOTH: StatusNote(
        "f's values show a kink or a jump within the step: its differences do not shrink "
        "with the step as a derivative needs; at a kink the value is the mean of the "
        "one-sided slopes and the error bar covers both, at a jump the bar is inf",
        "PrecisionWarning",
    ),
    GradientStatus.NON_ANALYTIC: StatusNote(
        '"complex": f\'s change along a random direction disagreed with the complex step, '
        "and real differences at the element disagree with it too, at steps of "
        "eps**(2/3)·max(1, |x|) and 4 times that where they agree with each other and "
        "change as a smooth f's do (real differences at larger steps prove nothing for an "
        "f varying faster): f is not analytic (abs, conj, comparisons on x.real); the "
        "value and bar are those real differences'",
        "PrecisionWarning, naming the operations",
    ),
    GradientStatus.PATTERN_MISSED: StatusNote(
        "``sparsity=``: f's values moved a row of the Jacobian in a way the pattern "
        "cannot (an entry it lacks, folded into an entry of the same colour or moving an "
        "output that no column of the move touches); the element has entries in such a "
        "row, or is the column found for one, and those rows' entries are not known: "
        "their error bars are inf",
        "SparsityWarning, naming the rows and the columns found",
    ),
}


def _attributes() -> str:
    """The Attributes section of :class:`GradientStatus`, from :data:`STATUS_NOTES`."""
    lines = ["Attributes", "----------"]
    for code, note in STATUS_NOTES.items():
        lines += [f"{code.name} : {int(code)}", f"    {note.meaning}."]
        lines += [f"    Warning: {note.warning}."]
    return "\n".join(lines)


GradientStatus.__doc__ = (GradientStatus.__doc__ or "").replace(
    "    Examples\n", "    " + _attributes().replace("\n", "\n    ") + "\n\n    Examples\n", 1
)


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
    GradientStatus.PATTERN_MISSED,
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


def status_table() -> str:
    """The docs' table of status codes (docs/precision.md), from :data:`STATUS_NOTES`.

    >>> status_table().splitlines()[4].split(" | ")[0]
    '| `STEP_VANISHED` (2)'
    """
    rows = ["| code | meaning | warning |", "|---|---|---|"]
    for code, note in STATUS_NOTES.items():
        meaning = note.meaning.replace("``", "`").replace(":data:", "").replace("|", "\\|")
        rows.append(
            f"| `{code.name}` ({int(code)}) | {meaning} | {note.warning.replace('``', '`')} |"
        )
    order = ", ".join(code.name for code in reversed(SEVERITY))
    return (
        "\n".join(rows) + f"\n\nWhere several apply, an element carries the most severe ({order})."
    )
