"""Running a comparison and concluding: the verdict and the diagnosis of a check,
shared by the gradient and the Jacobian checks."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.validate import check_count, check_tolerance
from gradwalk._engine.inputs import scale
from gradwalk._engine.methods import COMPLEX_METHODS
from gradwalk._engine.status_codes import GradientStatus

from ._compare import COARSE as COARSE
from ._compare import (
    Group,
    Line,
    coarse_notes,
    coarse_threshold,
    directional_group,
    full_groups,
    worst_first,
)
from ._diagnose import Finding, diagnose_failure, f_narrower
from ._report import ERROR_BAR_FACTOR as ERROR_BAR_FACTOR
from ._report import SCALE_FLOOR as SCALE_FLOOR
from ._report import SHOWN_ROWS, ElementCheck, GradientCheck, Mode

#: Where every diagnosed failure is "wrong", many values fail, and none by more than
#: this relative difference, the difference is a small systematic one (a constant such
#: as the book's 1e-7 inside the log), not a bug in the formula.
SMALL_BUG = 1e-4

#: How many values diagnosed "wrong" look for noise in f before the check trusts f.
NOISE_PROBES = 2

#: The note where f's values show it computes in float32 while x is float64.
FLOAT32_NOTE = (
    "Note: f computes in float32 (its values, or their differences, are float32 numbers "
    "although x is float64): its differences resolve only about 1e-4 relative, so a close "
    "check needs f in float64."
)


def run_check(
    call: Callable[[], object],
    gradient_f: Callable[[str], Callable[[Any], object]],
    arrays: Mapping[str, NDArray[np.floating]],
    analytic: Mapping[str, NDArray[np.float64]],
    *,
    rtol: object,
    atol: object,
    method: str,
    mode: object,
    h: Any,
    k: object,
    seed: object,
    diagnose: object,
    options: dict[str, Any],
) -> GradientCheck:
    """The check shared by check_gradient and check_gradients."""
    if not any(array.size for array in arrays.values()):
        raise ValueError("x has no elements: there is nothing to check.")
    rtol_given = check_tolerance(rtol, "rtol")
    atol_value = check_tolerance(atol, "atol") or 0.0
    if mode not in ("full", "directional"):
        raise ValueError(
            f"mode={mode!r} is not a mode; choose 'full' (every element) or "
            "'directional' (k random directions, for large models)."
        )
    directions = check_count(k, "k", least=1)
    most = check_count(diagnose, "diagnose", least=0, none_ok=True)
    seed_value = check_count(seed, "seed", least=0, none_ok=True)

    if mode == "directional" and method in COMPLEX_METHODS:
        raise ValueError(
            f"method={method!r} evaluates f on a complex copy of x, and directional mode "
            "moves x itself (in place, for closures that read it); use mode='full' for "
            "the complex step, or method='richardson'."
        )
    if mode == "full":
        groups, nfev = full_groups(arrays, analytic, gradient_f, call, method, h, options)
        seed_value = None
    else:
        if seed_value is None:
            seed_value = int(np.random.SeedSequence().entropy % 2**32)  # type: ignore[operator]
        group, nfev = directional_group(
            arrays, analytic, call, method, h, int(directions or 1), seed_value
        )
        groups = [group]
    eps = max(float(np.finfo(a.dtype).eps) for a in arrays.values())
    ignored, cost = ignores_argument(groups, call, arrays)
    return conclude_check(
        groups,
        nfev + cost,
        eps,
        rtol=rtol_given,
        atol=atol_value,
        most=most,
        mode="full" if mode == "full" else "directional",
        method=method,
        seed=seed_value,
        ignored=ignored,
    )


#: The relative moves of every parameter together at which f must stay exactly the same
#: for the check to conclude that f does not depend on its argument.
JOINT_MOVES = (1e-6, 1e-3, 0.1)


def ignores_argument(
    groups: list[Group], call: Callable[[], object], arrays: Mapping[str, NDArray[np.floating]]
) -> tuple[bool, int]:
    """Whether f does not depend on the arrays it is given, and the calls of f it took:
    every numerical value exactly 0 while some analytic value is not, and f exactly the
    same after moving every array together (by :data:`JOINT_MOVES`, relative, in random
    directions). A closure over the original parameters does this (in JAX, whose arrays
    cannot be perturbed in place, a loss that reads ``p`` rather than its argument): its
    analytic gradient is not to be called wrong against a numerical 0 it never saw."""
    if not all(np.all(g.numerical == 0) for g in groups):
        return False, 0
    if not any(np.any(g.analytic != 0) for g in groups):
        return False, 0
    rng = np.random.default_rng(0)
    directions = [
        (scale(a) * rng.choice(np.array([-1.0, 1.0]), size=a.shape)).astype(a.dtype)
        for a in arrays.values()
    ]
    line = Line(call, list(arrays.values()), directions)
    start = line(np.float64(0.0))
    for t in JOINT_MOVES:
        moved = line(np.float64(t))
        if not np.array_equal(np.asarray(moved), np.asarray(start)):
            return False, 2 + JOINT_MOVES.index(t)
    return True, 1 + len(JOINT_MOVES)


#: Why a check whose f does not depend on its argument checked nothing.
IGNORED_WHY = (
    "every numerical value is exactly 0 and f stays exactly the same when all the "
    "parameters move together, so f reads other arrays than those it is given (a closure "
    "over the original parameters; in JAX, compute from the argument: lambda q: loss(q)). "
    "If f really is constant here, this nonzero analytic value is wrong"
)


def conclude_check(
    groups: list[Group],
    nfev: int,
    eps: float,
    *,
    rtol: float | None,
    atol: float,
    most: int | None,
    mode: Mode,
    method: str,
    seed: int | None,
    subject: str = "gradient",
    ignored: bool = False,
) -> GradientCheck:
    """Compare the groups' values, diagnose the worst failures, and build the report.

    ``rtol`` None: the default for ``eps`` (the dtype's), ``subject`` what was checked
    (its name in the verdict), ``ignored`` whether f was found not to depend on its
    argument (see :func:`ignores_argument`: then nothing is checked, and nothing fails).
    Shared by every checker: gradients and Jacobians.
    """
    atol_value = atol
    seed_value = seed
    error_bars = any(np.isfinite(g.error).any() for g in groups)
    rtol_value = rtol if rtol is not None else eps ** (0.5 if error_bars else 0.25)
    coarse = coarse_threshold(rtol_value, eps)
    # The floor's largest value is the whole check's: an array whose gradient is exactly
    # 0 (a parameter f never uses) is checked against its neighbours' scale.
    floor_largest = max(g.largest() for g in groups)
    for g in groups:
        g.compare(rtol_value, atol_value, coarse, floor_largest)

    notes = coarse_notes(groups, coarse)
    diagnosed: dict[tuple[int, int], ElementCheck] = {}
    findings: list[Finding] = []
    probes = NOISE_PROBES  # noise is f's: found once, or absent twice, it is known
    if ignored:  # a numerical 0 that f never saw a move for checks nothing
        for g in groups:
            g.failed = np.zeros_like(g.failed)
            g.unchecked = np.ones_like(g.unchecked)
            g.coarse = np.zeros_like(g.coarse)
        notes = ()
        ranked = [
            (g_index, int(i))
            for g_index, g in enumerate(groups)
            for i in np.flatnonzero(g.analytic != 0)
        ]
        budget = len(ranked) if most is None else most
        for g_index, i in ranked[:budget]:
            diagnosed[(g_index, i)] = groups[g_index].item(i, "ignored", IGNORED_WHY + ".")
    for g_index, i in [] if ignored else to_diagnose(groups, most):
        finding = diagnose_failure(groups[g_index], i, probe_noise=probes > 0)
        if finding.probed:
            probes = 0 if finding.kind == "inexact" else probes - 1
        nfev += finding.nfev
        findings.append(finding)
        diagnosed[(g_index, i)] = groups[g_index].item(i, finding.kind, finding.why)
    limited = rounding_limited(groups)
    if (
        (notes or limited)
        and not findings
        and not ignored
        and eps <= float(np.finfo(np.float64).eps)
    ):
        # a coarse check, or f's rounding limiting a value: say so if f computes in float32
        candidates = [(g, c[0]) for g, group in enumerate(groups) if (c := group.coarsest())]
        if limited is not None:
            candidates.append(limited)
        g_index, i = max(
            candidates,
            key=lambda gi: groups[gi[0]].allowed[gi[1]] / groups[gi[0]].scale[gi[1]],
        )
        narrow, cost = f_narrower(groups[g_index], i)
        nfev += cost
        findings.append(Finding("inconclusive", "", cost, narrow))
    if any(finding.narrow for finding in findings):
        notes += (FLOAT32_NOTE,)
    diagnosed = relabel(diagnosed, groups)
    if reports_failures(diagnosed, groups):  # only then: a check that passes pays nothing
        differ, cost = f_differs(groups)
        nfev += cost
        if differ:
            diagnosed = as_random(diagnosed, groups)
    shown = worst_first(groups, SHOWN_ROWS)[:SHOWN_ROWS]
    # The headline's largest relative error is shown in the table too, where it is.
    largest = [(float(g.rel.max()), g_index) for g_index, g in enumerate(groups) if g.rel.size]
    if largest:
        top_group = max(largest)[1]
        top = (top_group, int(np.argmax(groups[top_group].rel)))
        if top not in shown:
            shown.append(top)
    worst = tuple(diagnosed.get((g_index, i)) or groups[g_index].item(i) for g_index, i in shown)
    failures = tuple(row for row in diagnosed.values() if row.failed or row.at_fault)
    unverified = tuple(row for row in diagnosed.values() if not (row.failed or row.at_fault))
    caught = sum(1 for row in failures if not row.failed)  # vague values found wrong
    failed = int(sum(int(g.failed.sum()) for g in groups)) + caught
    unchecked = int(sum(int(g.unchecked.sum()) for g in groups)) - caught
    rel = [float(g.rel.max()) for g in groups if g.rel.size]
    return GradientCheck(
        passed=False,
        mode=mode,
        method=method,
        checked=int(sum(g.analytic.size for g in groups)),
        failed=failed,
        max_rel_error=max(rel, default=0.0),
        rtol=rtol_value,
        atol=atol_value,
        error_bars=error_bars,
        worst=worst,
        failures=failures,
        nfev=nfev,
        seed=seed_value,
        notes=notes,
        subject=subject,
        unchecked=unchecked,
        unverified=unverified,
    ).concluded()


#: Why a check whose f returns different values at the same x is not checkable.
RANDOM_WHY = (
    "f returns different values at the same x (random, e.g. dropout or a module in train "
    "mode; fix its seed or use eval()): its differences mix in the randomness, so they "
    "cannot check the analytic value."
)


def reports_failures(diagnosed: dict[tuple[int, int], ElementCheck], groups: list[Group]) -> bool:
    """Whether the check is about to report failures, or values it could not check (a
    check that passes is not)."""
    del diagnosed  # the groups' counts decide
    return any(bool(g.failed.any() or g.unchecked.any()) for g in groups)


def f_differs(groups: list[Group]) -> tuple[bool, int]:
    """Whether f, evaluated at x twice more, returns different values (f is random:
    dropout, a module in train mode, a fresh random mask per call), and the evaluations
    spent."""
    group = next((g for g in groups if g.analytic.size), None)
    if group is None:
        return False, 0
    line = group.line(0)
    t0 = np.zeros((), dtype=group.t_dtype)
    try:
        first, second = (np.asarray(line(t0), dtype=complex) for _ in range(2))
    except (ArithmeticError, ValueError):
        return False, 2
    same = first.shape == second.shape and bool(np.array_equal(first, second, equal_nan=True))
    return not same, 2


def as_random(
    diagnosed: dict[tuple[int, int], ElementCheck], groups: list[Group]
) -> dict[tuple[int, int], ElementCheck]:
    """The diagnoses where f returns different values at the same x: every value that
    failed or could not be checked is "random" (not checkable), whatever its differences
    looked like."""
    rows = dict(diagnosed)
    for g_index, group in enumerate(groups):
        for i in np.flatnonzero(group.failed | group.unchecked):
            key = (g_index, int(i))
            row = rows.get(key) or group.item(int(i))
            rows[key] = dataclasses.replace(row, diagnosis="random", explanation=RANDOM_WHY)
    return rows


def rounding_limited(groups: list[Group]) -> tuple[int, int] | None:
    """The first value whose numerical status says f's rounding limits it, if any."""
    for g_index, group in enumerate(groups):
        if group.status is not None:
            hits = np.flatnonzero(group.status == GradientStatus.ROUNDING_LIMITED)
            if hits.size:
                return g_index, int(hits[0])
    return None


def to_diagnose(groups: list[Group], most: int | None) -> list[tuple[int, int]]:
    """The values to diagnose, at most ``most``: the failures, worst first, then the
    values too uncertain to check, the most uncertain first."""
    failing = [
        (float(g.badness[i]), g_index, int(i))
        for g_index, g in enumerate(groups)
        for i in np.flatnonzero(g.failed)
    ]
    vague = []
    for g_index, g in enumerate(groups):
        with np.errstate(invalid="ignore", divide="ignore"):
            looseness = g.allowed / g.scale
        looseness[np.isinf(g.error)] = np.inf  # nothing verified: the most uncertain
        vague += [(float(looseness[i]), g_index, int(i)) for i in np.flatnonzero(g.unchecked)]
    ranked = sorted(failing, key=lambda c: (-c[0], c[1], c[2]))
    ranked += sorted(vague, key=lambda c: (-c[0], c[1], c[2]))
    budget = len(ranked) if most is None else most
    return [(g_index, i) for _, g_index, i in ranked[:budget]]


def relabel(
    diagnosed: dict[tuple[int, int], ElementCheck], groups: list[Group]
) -> dict[tuple[int, int], ElementCheck]:
    """What the diagnoses say together: where f proved inexact at one value, no other
    value's difference can be blamed on the analytic side either; where every diagnosed
    failure is "wrong", widespread and tiny (below SMALL_BUG relative), it is a small
    systematic difference, not a bug in the formula."""
    rows = list(diagnosed.values())
    inexact = [row for row in rows if row.diagnosis == "inexact"]
    wrong = [row for row in rows if row.diagnosis == "wrong"]
    checked = sum(g.analytic.size for g in groups)
    failed = sum(int(g.failed.sum()) for g in groups)
    largest = max((float(g.rel.max()) for g in groups if g.rel.size), default=0.0)
    if inexact and wrong:
        label = inexact[0].label
        return {
            key: dataclasses.replace(
                row,
                diagnosis="inexact",
                explanation=f"f is computed inexactly (see {label}), so this difference cannot "
                f"be blamed on the analytic side either: {row.explanation}",
            )
            if row.diagnosis == "wrong"
            else row
            for key, row in diagnosed.items()
        }
    # values within a coarse tolerance by as large a difference as the failures' count
    # too: the error bars, not the difference, set them apart (f's rounding decides)
    least = min((row.rel_error for row in rows if row.failed), default=math.inf)
    alike = sum(int((g.coarse & (g.rel >= least / 2)).sum()) for g in groups)
    widespread = failed + alike >= max(3, checked / 10)
    systematic = wrong and all(row.diagnosis == "wrong" for row in rows if row.failed)
    if systematic and widespread and 0 < largest < SMALL_BUG:
        return {
            key: dataclasses.replace(
                row,
                diagnosis="systematic",
                explanation=f"a small steady difference, {row.rel_error:.1e} relative: "
                + row.explanation.replace("the analytic gradient is wrong here: ", ""),
            )
            if row.diagnosis == "wrong"
            else row
            for key, row in diagnosed.items()
        }
    return diagnosed
