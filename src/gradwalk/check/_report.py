"""The result of a gradient check: one row per compared value, the verdict and the report.

:class:`ElementCheck` is one compared value, :class:`GradientCheck` the whole check;
``str(check)`` is the printable report with its worst-values table.

>>> import numpy as np
>>> from gradwalk import check_gradient
>>> print(check_gradient(lambda x: np.sum(x**2), np.array([1.0]), [2.0]).verdict)
Gradient check passed: 1 element agrees (largest relative error 0.0e+00).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from gradwalk._common.html import card
from gradwalk._common.html import table as html_table

__all__ = [
    "ERROR_BAR_FACTOR",
    "SCALE_FLOOR",
    "SHOWN_ROWS",
    "Diagnosis",
    "ElementCheck",
    "GradientCheck",
    "Mode",
    "report",
]

Mode = Literal["full", "directional"]
Diagnosis = Literal["wrong", "truncation", "rounding", "nonsmooth", "nonfinite", "inconclusive"]

#: The numerical value's error bar joins the tolerance multiplied by this factor.
ERROR_BAR_FACTOR = 4.0

#: A relative error is divided by at least this fraction of the largest value compared
#: in the same array, never by a near-zero element alone.
SCALE_FLOOR = 1e-3

#: When many values are wrong, all by less than this relative error, the report hints
#: at a small systematic term.
SMALL_BUG = 1e-4

#: Rows of the worst-values table, and diagnoses written out in full, in the report.
SHOWN_ROWS = 5
SHOWN_DIAGNOSES = 5


@dataclass(frozen=True)
class ElementCheck:
    """One compared value: an element of a parameter array, or one random direction.

    Attributes
    ----------
    name : str
        The parameter's name (``"x"`` for :func:`check_gradient`), or ``"direction 2"``.
    index : tuple of int or None
        The element's index in its array (None for a direction).
    analytic, numerical : float
        The two values compared (for a direction v: ``grad · v`` and the numerical
        derivative of ``t -> f(x + t v)`` at 0).
    error : float
        The numerical value's estimated absolute error (nan if the method gives none).
    rel_error : float
        ``|analytic - numerical| / max(|analytic|, |numerical|, floor)``, the floor
        being :data:`SCALE_FLOOR` times the largest value compared in the same array.
    failed : bool
        Whether the difference exceeds the tolerance.
    diagnosis : str or None
        For a diagnosed failure: "wrong", "truncation", "rounding", "nonsmooth",
        "nonfinite" or "inconclusive".
    explanation : str
        The diagnosis in plain words, with the numbers behind it.

    Examples
    --------
    >>> import numpy as np
    >>> from gradwalk import check_gradient
    >>> row = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 5.0]).failures[0]
    >>> row.label, row.analytic, row.diagnosis
    ('x[1]', 5.0, 'wrong')
    """

    name: str
    index: tuple[int, ...] | None
    analytic: float
    numerical: float
    error: float
    rel_error: float
    failed: bool
    diagnosis: Diagnosis | None = None
    explanation: str = ""

    def _repr_html_(self) -> str:
        """The notebook display: the value's row of the report, and its diagnosis."""
        return card(
            "ElementCheck",
            [],
            verdict=f"{self.label}: {'FAIL' if self.failed else 'ok'}",
            tone="bad" if self.failed else "good",
            message=self.explanation or None,
            sections=[("", html_table(TABLE_HEADER, table_cells([self])))],
        )

    @property
    def label(self) -> str:
        """``W1[0, 3]``, ``x`` or ``direction 2``: how the report names this value."""
        if not self.index:
            return self.name
        return self.name + "[" + ", ".join(str(i) for i in self.index) + "]"


@dataclass(frozen=True)
class GradientCheck:
    """The result of a gradient check; ``print()`` it for the full report.

    Attributes
    ----------
    passed : bool
        True when every compared value is within the tolerance.
    mode : {"full", "directional"}
        Every element compared, or ``checked`` random directions.
    method : str
        The numerical method.
    checked, failed : int
        How many values (elements or directions) were compared, and how many failed.
    max_rel_error : float
        The largest scale-aware relative error (see :class:`ElementCheck`).
    rtol, atol : float
        The tolerance: a value fails when ``|a - n|`` exceeds
        ``atol + rtol * max(|a|, |n|, floor) + ERROR_BAR_FACTOR * error``.
    error_bars : bool
        Whether the method gave error bars (they then join the tolerance).
    worst : tuple of ElementCheck
        The values furthest outside (or least inside) their tolerance, worst first.
    failures : tuple of ElementCheck
        The diagnosed failures, worst first (at most ``diagnose`` of them).
    nfev : int
        Evaluations of f, the diagnoses' included.
    seed : int or None
        The seed of the random directions (directional mode); pass it to repeat them.
    notes : tuple of str
        Caveats, such as a tolerance too loose to catch anything but gross errors.
    subject : str
        What was checked: "gradient", or "Jacobian" (:func:`~gradwalk.check_jacobian`).

    Examples
    --------
    >>> import numpy as np
    >>> from gradwalk import check_gradient
    >>> check = check_gradient(lambda x: np.sum(x**2), np.array([1.0, 2.0]), [2.0, 4.0])
    >>> check.passed, check.mode, check.checked, check.failed
    (True, 'full', 2, 0)
    >>> check.verdict.startswith("Gradient check passed: all 2 elements agree")
    True
    """

    passed: bool
    mode: Mode
    method: str
    checked: int
    failed: int
    max_rel_error: float
    rtol: float
    atol: float
    error_bars: bool
    worst: tuple[ElementCheck, ...]
    failures: tuple[ElementCheck, ...]
    nfev: int
    seed: int | None = None
    notes: tuple[str, ...] = ()
    subject: str = "gradient"

    @property
    def verdict(self) -> str:
        """The report's first line: passed or failed, and what the failures look like."""
        return (
            self._verdict()
            .replace("Gradient check", f"{self.title} check")
            .replace("the gradient", f"the {self.subject}")
            .replace("analytic gradient", f"analytic {self.subject}")
        )

    @property
    def title(self) -> str:
        """The subject with a capital: "Gradient", "Jacobian"."""
        return self.subject[:1].upper() + self.subject[1:]

    def _verdict(self) -> str:
        what = "elements" if self.mode == "full" else "random directions"
        if self.checked == 1:
            what = "element" if self.mode == "full" else "random direction"
        if self.passed:
            every = "all " if self.checked > 1 else ""
            coarse = " Only a coarse check: see the note." if self.notes else ""
            return (
                f"Gradient check passed: {every}{self.checked} {what} agree"
                f"{'s' if self.checked == 1 else ''} "
                f"(largest relative error {self.max_rel_error:.1e}).{coarse}"
            )
        count = f"{self.failed} of {self.checked} {what} failed"
        if not self.failures:
            return f"Gradient check FAILED ({count}); the failures were not diagnosed."
        kinds = {failure.diagnosis for failure in self.failures}
        if "wrong" in kinds:
            wrong = [f.label for f in self.failures if f.diagnosis == "wrong"]
            where = ", ".join(wrong[:3])
            if len(wrong) > 3:
                where += f" and {len(wrong) - 3} more diagnosed"
            if self.mode == "full" or all(f.index is not None for f in self.failures):
                return (
                    f"Gradient check FAILED: the analytic gradient is wrong at {where} ({count})."
                )
            return (
                f"Gradient check FAILED: the analytic gradient is wrong along {where} "
                f"({count}); run mode='full' to find the elements."
            )
        if "nonfinite" in kinds:
            return f"Gradient check FAILED: inf or nan values ({count})."
        if "nonsmooth" in kinds:
            return (
                f"Gradient check FAILED at a kink of f ({count}): differences cannot check "
                "a gradient where f is not smooth."
            )
        noise = [kind for kind in ("truncation", "rounding") if kind in kinds]
        if noise and kinds <= {"truncation", "rounding"}:
            named = " and ".join("rounding in f" if k == "rounding" else k for k in noise)
            return (
                f"Gradient check FAILED ({count}), but the discrepancies look like "
                f"finite-difference {named}, not a bug in the gradient."
            )
        return f"Gradient check FAILED ({count}); the diagnosis is inconclusive."

    def __repr__(self) -> str:
        return (
            f"GradientCheck(passed={self.passed}, mode={self.mode!r}, method={self.method!r}, "
            f"checked={self.checked}, failed={self.failed}, "
            f"max_rel_error={self.max_rel_error:.2e})"
        )

    def __str__(self) -> str:
        return report(self)

    def _repr_html_(self) -> str:
        return report_html(self)


def report_html(check: GradientCheck) -> str:
    """The notebook display: the verdict coloured, the facts, worst values, diagnoses."""
    head, _, diagnosis = _report_parts(check)
    sections = []
    if check.worst:
        sections.append(("Worst values", html_table(TABLE_HEADER, table_cells(check.worst))))
    if diagnosis:
        text = "\n".join(line.strip() for line in diagnosis)
        sections.append(("Diagnosis", f'<pre style="white-space:pre-wrap">{escape(text)}</pre>'))
    return card(
        f"{check.title} check",
        [],
        verdict=check.verdict,
        tone="good" if check.passed else "bad",
        message="\n".join(head[1:]),
        sections=sections,
    )


def report(check: GradientCheck) -> str:
    """The printable report: verdict, counts, tolerance, worst values, diagnoses."""
    head, worst, diagnosis = _report_parts(check)
    lines = list(head)
    if worst:
        lines += ["", "Worst values:", *worst]
    if check.failed:
        lines += ["", "Diagnosis:", *diagnosis]
    return "\n".join(lines)


def _report_parts(check: GradientCheck) -> tuple[list[str], list[str], list[str]]:
    """The report's lines: the head (verdict, scope, tolerance, notes), the worst-values
    table and the diagnosis with its hints."""
    if check.mode == "full":
        scope = f"mode='full': {check.checked} elements compared one by one"
    else:
        scope = (
            f"mode='directional': {check.checked} random directions compared (seed={check.seed})"
        )
    bars = (
        f" + {ERROR_BAR_FACTOR:g} × error bar"
        if check.error_bars
        else f" (method {check.method!r} gives no error bars)"
    )
    absolute = f"{check.atol:.1e} + " if check.atol else ""
    lines = [
        check.verdict,
        f"{scope}; method={check.method!r}; {check.nfev} evaluations of f.",
        f"Tolerance: |analytic - numerical| <= {absolute}{check.rtol:.1e} × scale{bars},",
        _scale_line(check),
        f"Failed: {check.failed} of {check.checked}; "
        f"largest relative error {check.max_rel_error:.1e}.",
    ]
    lines += list(check.notes)
    worst = table(check.worst) if check.worst else []
    # Every line below follows a failure (a hint or an undiagnosed count needs one).
    diagnosis = [f"  {f.label}: {f.explanation}" for f in check.failures[:SHOWN_DIAGNOSES]]
    rest = check.failures[SHOWN_DIAGNOSES:]
    if rest:
        kinds: dict[str, int] = {}
        for failure in rest:
            kinds[str(failure.diagnosis)] = kinds.get(str(failure.diagnosis), 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        diagnosis.append(f"  ... and {len(rest)} more ({summary}); see .failures.")
    wrong = any(f.diagnosis == "wrong" for f in check.failures)
    widespread = check.failed >= max(3, check.checked / 10)
    if wrong and widespread and 0 < check.max_rel_error < SMALL_BUG:
        enough = 10 ** math.ceil(math.log10(3 * check.max_rel_error))
        diagnosis.append(
            f"  Hint: no value is off by more than a relative {check.max_rel_error:.1e}, a "
            "small but systematic difference: a term the hand-written gradient leaves out, "
            "such as the 1e-7 that the book's cross_entropy_error adds inside the log. If "
            f"that is intended, pass rtol={enough:.0e}."
        )
    undiagnosed = check.failed - len(check.failures)
    if check.subject == "Jacobian" and check.mode == "directional":
        undiagnosed = 0  # its failures are directions, its diagnoses the entries named
    if undiagnosed > 0:
        more = " more" if check.failures else ""
        diagnosis.append(
            f"  {undiagnosed}{more} failing values were not diagnosed "
            "(pass diagnose=None to diagnose them all)."
        )
    return lines, worst, diagnosis if check.failed else []


#: The columns of the worst-values table.
TABLE_HEADER = ("parameter", "index", "analytic", "numerical", "± error", "rel. error", "")


def _scale_line(check: GradientCheck) -> str:
    """What a value's scale is, in the tolerance: its own for each output of J·v and each
    entry in the directional Jacobian check, else with a floor from the largest value."""
    if check.mode == "directional" and check.subject == "Jacobian":
        return "  scale = sum_j |J[i, j] v_j| for output i of J·v; |J[i, j]| for an entry."
    return f"  scale = max(|analytic|, |numerical|, {SCALE_FLOOR:g} × largest value)."


def table_cells(rows: Sequence[ElementCheck]) -> list[tuple[str, ...]]:
    """The worst-values table's cells, one tuple per value (the text and HTML reports')."""
    cells: list[tuple[str, ...]] = []
    for row in rows:
        index = "-" if row.index is None else ", ".join(str(i) for i in row.index) or "()"
        cells.append(
            (
                row.name,
                index,
                f"{row.analytic:.12g}",
                f"{row.numerical:.12g}",
                "n/a" if math.isnan(row.error) else f"{row.error:.1e}",
                f"{row.rel_error:.1e}",
                "FAIL" if row.failed else "ok",
            )
        )
    return cells


def table(rows: Sequence[ElementCheck]) -> list[str]:
    """The worst-values table, one line per value, columns aligned."""
    header = TABLE_HEADER
    cells: list[tuple[str, ...]] = [header, *table_cells(rows)]
    widths = [max(len(cell[i]) for cell in cells) for i in range(len(header))]
    return [
        ("  " + "  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True))).rstrip()
        for cell in cells
    ]
