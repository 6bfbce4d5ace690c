"""The result of a gradient check: one row per compared value, the verdict and the report.

:class:`ElementCheck` is one compared value, :class:`GradientCheck` the whole check;
``str(check)`` is the printable report with its worst-values table.

A check has three honest outcomes. It passed when every value agrees with a numerical
value certain enough to tell; it failed when the diagnosis puts the fault in the
analytic value ("the analytic gradient is wrong at ...", or a small systematic
difference, stated with its size); and otherwise some values could not be checked here,
and the verdict names the cause: a jump or a kink in f, f computed inexactly, float32
or rounding in f, a step too large, or a numerical value as uncertain as the value itself.

>>> import numpy as np
>>> from gradwalk import check_gradient
>>> print(check_gradient(lambda x: np.sum(x**2), np.array([1.0]), [2.0]).verdict)
Gradient check passed: 1 element agrees (largest relative error 0.0e+00).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

from gradwalk._common.html import Tone, card
from gradwalk._common.html import table as html_table

__all__ = [
    "AT_FAULT",
    "CAUSES",
    "ERROR_BAR_FACTOR",
    "SCALE_FLOOR",
    "SHOWN_ROWS",
    "Diagnosis",
    "ElementCheck",
    "GradientCheck",
    "Mode",
    "Outcome",
    "enough_rtol",
    "headline",
    "report",
]

Mode = Literal["full", "directional"]
Diagnosis = Literal[
    "wrong",
    "systematic",
    "truncation",
    "rounding",
    "nonsmooth",
    "discontinuous",
    "inexact",
    "random",
    "float32",
    "uncertain",
    "nonfinite",
    "inconclusive",
    "ignored",
]

#: The colour of a value's state, or of a check's outcome, in a notebook.
_TONES: dict[str, Tone] = {
    "ok": "good",
    "passed": "good",
    "FAIL": "bad",
    "failed": "bad",
    "unchecked": "warn",
    "coarse": "warn",
    "not checkable": "warn",
    "": "plain",
}

#: The three honest outcomes of a check.
Outcome = Literal["passed", "failed", "not checkable"]

#: The diagnoses that put the fault in the analytic value (with "nonfinite" where the
#: analytic value itself is inf or nan); every other one says the value was not checked.
AT_FAULT = ("wrong", "systematic")

#: The numerical value's error bar joins the tolerance multiplied by this factor.
ERROR_BAR_FACTOR = 4.0

#: A relative error is divided by at least this fraction of the largest value compared
#: in the whole check (every parameter array), never by a near-zero element alone.
SCALE_FLOOR = 1e-3

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
        being :data:`SCALE_FLOOR` times the largest value compared in the whole check.
    failed : bool
        Whether the difference exceeds the tolerance.
    diagnosis : str or None
        For a diagnosed value: "wrong" or "systematic" (the analytic value is at
        fault), "nonfinite" (at fault where the analytic value is inf or nan), or why
        the value could not be checked: "truncation", "rounding", "nonsmooth" (a kink),
        "discontinuous" (a jump), "inexact" (noise in f), "random" (f returns
        different values at the same x), "float32" (f computes in
        float32 and its rounding hides the difference), "uncertain" (the numerical
        value is as uncertain as the value itself), "inconclusive".
    explanation : str
        The diagnosis in plain words, with the numbers behind it.
    unchecked : bool
        The value is within the tolerance only because the numerical value is too
        uncertain to tell (see :data:`UNCHECKED_FRACTION`): it has not been checked.
    coarse : bool
        The value is within a tolerance looser than the check's coarse threshold (see
        :data:`COARSE_RTOLS`): it agrees only to the numerical value's resolution, so
        an error far larger than rtol would have passed there too.

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
    unchecked: bool = False
    coarse: bool = False

    @property
    def at_fault(self) -> bool:
        """Whether the diagnosis puts the fault in the analytic value."""
        if self.diagnosis == "nonfinite":
            return not math.isfinite(self.analytic)
        return self.diagnosis in AT_FAULT

    @property
    def state(self) -> str:
        """ "ok", "FAIL", "unchecked" (too uncertain, or a failure that is not the
        analytic value's fault), or "coarse" (within a coarse tolerance only: agreeing to
        the numerical value's resolution, not to rtol): the last column of the report's
        table. A value too uncertain to pass that its diagnosis finds wrong is a FAIL,
        as the verdict says."""
        if self.unchecked and self.at_fault:
            return "FAIL"
        if self.unchecked or (self.failed and self.diagnosis is not None and not self.at_fault):
            return "unchecked"
        if self.failed:
            return "FAIL"
        return "coarse" if self.coarse else "ok"

    def _repr_html_(self) -> str:
        """The notebook display: the value's row of the report, and its diagnosis."""
        return card(
            "ElementCheck",
            [],
            verdict=f"{self.label}: {self.state}",
            tone=_TONES[self.state],
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
        True when the outcome is "passed": every compared value is within the tolerance
        of a numerical value certain enough to tell.
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
    outcome : {"passed", "failed", "not checkable"}
        (Where not given, "passed" or "failed" as ``passed`` says.) "failed": some
        value is diagnosed as the analytic value's fault (or failed
        undiagnosed); "not checkable": no value is, but some could not be checked here
        (a jump or a kink in f, noise or float32 in f, a numerical value as uncertain as
        the value itself); "passed" otherwise.
    unchecked : int
        How many values are within the tolerance only because the numerical value is
        too uncertain to tell (not counted in ``failed``).
    unverified : tuple of ElementCheck
        The diagnosed values among those, with why they could not be checked.

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
    outcome: Outcome | Literal[""] = ""
    unchecked: int = 0
    unverified: tuple[ElementCheck, ...] = ()

    def __post_init__(self) -> None:
        if not self.outcome:  # not concluded (see concluded()): passed, or failed
            object.__setattr__(self, "outcome", "passed" if self.passed else "failed")

    @property
    def verdict(self) -> str:
        """The report's first line: the outcome, and what the failures look like."""
        return (
            headline(self)
            .replace("Gradient check", f"{self.title} check")
            .replace("the gradient", f"the {self.subject}")
            .replace("analytic gradient", f"analytic {self.subject}")
        )

    @property
    def title(self) -> str:
        """The subject with a capital: "Gradient", "Jacobian"."""
        return self.subject[:1].upper() + self.subject[1:]

    def concluded(self) -> GradientCheck:
        """This check with its ``outcome`` (and ``passed``) read from its counts and
        diagnoses: failed where a diagnosis puts the fault in the analytic value, or
        failures went undiagnosed; not checkable where values failed or are too
        uncertain for other reasons; passed otherwise."""
        diagnosed = self.failures + self.unverified
        outcome: Outcome
        if any(row.at_fault for row in diagnosed):
            outcome = "failed"
        elif self.failed and not any(row.failed for row in self.failures):
            outcome = "failed"  # nothing diagnosed: a failure is a failure
        elif self.failed or self.unchecked:
            outcome = "not checkable"
        else:
            outcome = "passed"
        return dataclasses.replace(self, outcome=outcome, passed=outcome == "passed")

    def __repr__(self) -> str:
        return (
            f"GradientCheck(outcome={self.outcome!r}, mode={self.mode!r}, "
            f"method={self.method!r}, "
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
        tone=_TONES[check.outcome],
        message="\n".join(head[1:]),
        sections=sections,
    )


def report(check: GradientCheck) -> str:
    """The printable report: verdict, counts, tolerance, worst values, diagnoses."""
    head, worst, diagnosis = _report_parts(check)
    lines = list(head)
    if worst:
        lines += ["", "Worst values:", *worst]
    if diagnosis:
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
        f"largest relative error {check.max_rel_error:.1e}."
        + (f" Too uncertain to check: {check.unchecked}." if check.unchecked else ""),
    ]
    lines += list(check.notes)
    worst = table(check.worst) if check.worst else []
    diagnosed = check.failures + check.unverified
    diagnosis = [f"  {f.label}: {f.explanation}" for f in diagnosed[:SHOWN_DIAGNOSES]]
    rest = diagnosed[SHOWN_DIAGNOSES:]
    if rest:
        kinds: dict[str, int] = {}
        for failure in rest:
            kinds[str(failure.diagnosis)] = kinds.get(str(failure.diagnosis), 0) + 1
        summary = ", ".join(f"{n} {kind}" for kind, n in kinds.items())
        diagnosis.append(f"  ... and {len(rest)} more ({summary}); see .failures.")
    undiagnosed = check.failed - len(check.failures)
    if check.subject == "Jacobian" and check.mode == "directional":
        undiagnosed = 0  # its failures are directions, its diagnoses the entries named
    if undiagnosed > 0:
        more = " more" if check.failures else ""
        diagnosis.append(
            f"  {undiagnosed}{more} failing values were not diagnosed "
            "(pass diagnose=None to diagnose them all)."
        )
    return lines, worst, diagnosis if diagnosed or check.failed else []


#: The columns of the worst-values table.
TABLE_HEADER = ("parameter", "index", "analytic", "numerical", "± error", "rel. error", "")


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
                row.state,
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


#: Why a value could not be checked, by diagnosis, as the headline says it.
CAUSES = {
    "discontinuous": "f jumps there, so there is no derivative to check",
    "nonsmooth": "f has a kink there, so differences cannot check a one-sided derivative",
    "inexact": (
        "f is computed inexactly (its values carry noise, as from an adaptive solver or an "
        "iteration tolerance inside f), so its differences need not match the exact "
        "derivative"
    ),
    "random": (
        "f returns different values at the same x (random, e.g. dropout or a module in "
        "train mode; fix its seed or use eval())"
    ),
    "rounding": "f's rounding hides the differences that would tell",
    "float32": (
        "f computes in float32, whose rounding hides differences below about 1e-4 relative; "
        "compute f in float64 for a close check"
    ),
    "truncation": "the step is too large for f there",
    "uncertain": "the numerical value is as uncertain as the value itself",
    "nonfinite": "f is inf or nan within a step of x",
    "inconclusive": "the repeated differences scatter too much to tell a bug from noise",
    "ignored": (
        "f does not depend on the parameters passed (f stays exactly the same when they "
        "move): the loss probably reads other arrays than its argument, such as a closure "
        "over the original parameters, which in JAX cannot be perturbed"
    ),
}

#: Labels named in the headline before "and N more".
NAMED = 3


def _scale_line(check: GradientCheck) -> str:
    """What a value's scale is, in the tolerance: its own for each output of J·v and each
    entry in the directional Jacobian check, else with a floor from the largest value."""
    if check.mode == "directional" and check.subject == "Jacobian":
        return "  scale = sum_j |J[i, j] v_j| for output i of J·v; |J[i, j]| for an entry."
    return f"  scale = max(|analytic|, |numerical|, {SCALE_FLOOR:g} × largest value)."


def enough_rtol(relative: float) -> float:
    """The power of ten that accepts a relative difference (with a margin of 3).

    >>> enough_rtol(2.8e-5)
    0.0001
    """
    return float(10 ** math.ceil(math.log10(3 * relative)))


def _where(rows: list[ElementCheck], total: int) -> str:
    """``x[0], x[2]`` (and how many more there are of ``total``)."""
    named = ", ".join(row.label for row in rows[:NAMED])
    more = total - min(len(rows), NAMED)
    return named + (f" and {more} more" if more > 0 else "")


def _what(check: GradientCheck, count: int) -> str:
    if check.mode == "full":
        return "element" if count == 1 else "elements"
    return "random direction" if count == 1 else "random directions"


def headline(check: GradientCheck) -> str:
    """The verdict line of ``check`` (for the gradient; :attr:`GradientCheck.verdict`
    puts in the subject's name)."""
    count = f"{check.failed} of {check.checked} {_what(check, check.checked)} failed"
    if check.outcome == "passed":
        every = "all " if check.checked > 1 else ""
        coarse = " Only a coarse check: see the note." if check.notes else ""
        return (
            f"Gradient check passed: {every}{check.checked} {_what(check, check.checked)} "
            f"agree{'s' if check.checked == 1 else ''} "
            f"(largest relative error {check.max_rel_error:.1e}).{coarse}"
        )
    if check.outcome == "failed":
        return _failed(check, count)
    return _not_checkable(check)


def _failed(check: GradientCheck, count: str) -> str:
    at_fault = [row for row in check.failures if row.at_fault]
    if not at_fault:
        return f"Gradient check FAILED ({count}); the failures were not diagnosed."
    kinds = {row.diagnosis for row in at_fault}
    if kinds == {"systematic"}:
        return (
            f"Gradient check found a small systematic difference: the analytic gradient "
            f"agrees to {check.max_rel_error:.1e} relative everywhere, but {check.failed} of "
            f"{check.checked} {_what(check, check.checked)} differ by more than the tolerance "
            "steadily, as from a constant such as the 1e-7 inside the log of the book's "
            "cross_entropy_error. If that is intended, pass "
            f"rtol={enough_rtol(check.max_rel_error):.0e}."
        )
    wrong = [row for row in at_fault if row.diagnosis != "nonfinite"]
    if not wrong:
        return f"Gradient check FAILED: inf or nan values in the analytic gradient ({count})."
    where = _where(wrong, len(wrong))
    if len(wrong) > NAMED:
        where = _where(wrong, NAMED) + f" and {len(wrong) - NAMED} more diagnosed"
    if check.mode == "full" or all(row.index is not None for row in wrong):
        return f"Gradient check FAILED: the analytic gradient is wrong at {where} ({count})."
    return (
        f"Gradient check FAILED: the analytic gradient is wrong along {where} ({count}); run "
        "mode='full' to find the elements."
    )


def _not_checkable(check: GradientCheck) -> str:
    rows = [row for row in check.failures + check.unverified if not row.at_fault]
    total = check.failed + check.unchecked
    what = _what(check, check.checked)
    kinds = Counter(row.diagnosis for row in rows)
    if kinds:
        # the commonest cause; on a tie, a cause found (a jump) before "too uncertain"
        kind = max(kinds, key=lambda k: (kinds[k], k not in ("uncertain", "inconclusive")))
        cause = CAUSES[str(kind)]
        where = [row for row in rows if row.diagnosis == kind]
    else:  # too uncertain, not diagnosed
        cause = CAUSES["uncertain"]
        where = []
    named = _where(where, total) if where else f"{total}"
    line = f"Gradient check could not check {named} ({total} of {check.checked} {what}): {cause}."
    if kinds.get("inexact") and check.max_rel_error > 0:
        line += (
            f" The largest difference, {check.max_rel_error:.1e} relative, cannot be blamed on "
            "the analytic gradient here; tighten the tolerance inside f and check again: a "
            "difference that shrinks with it is f's, one that stays is the analytic gradient's."
        )
    others = check.checked - total
    if others > 0:
        line += f" The other {others} {_what(check, others)} agree{'s' if others == 1 else ''}."
    return line
