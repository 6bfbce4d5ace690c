"""The first line of a check's report: passed, failed (and where), or not checkable (and why).

A check has three honest outcomes. It passed when every value agrees with a numerical
value certain enough to tell; it failed when the diagnosis puts the fault in the
analytic value ("the analytic gradient is wrong at ...", or a small systematic
difference, stated with its size); and otherwise some values could not be checked here,
and the line names the cause: a jump or a kink in f, f computed inexactly, rounding
in f, a step too large, or a numerical value as uncertain as the value itself.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._report import ElementCheck, GradientCheck

__all__ = ["CAUSES", "enough_rtol", "headline"]

#: Why a value could not be checked, by diagnosis, as the headline says it.
CAUSES = {
    "discontinuous": "f jumps there, so there is no derivative to check",
    "nonsmooth": "f has a kink there, so differences cannot check a one-sided derivative",
    "inexact": (
        "f is computed inexactly (its values carry noise, as from an adaptive solver or an "
        "iteration tolerance inside f), so its differences need not match the exact "
        "derivative"
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
}

#: Labels named in the headline before "and N more".
NAMED = 3


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
    if check.mode == "full":
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
        kind = kinds.most_common(1)[0][0]
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
