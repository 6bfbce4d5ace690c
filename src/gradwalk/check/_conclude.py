"""Running a comparison and concluding: the verdict and the diagnosis of a check,
shared by the gradient and the Jacobian checks."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.validate import check_count, check_tolerance
from gradwalk._engine.methods import COMPLEX_METHODS

from ._compare import COARSE as COARSE
from ._compare import (
    Group,
    coarse_notes,
    directional_group,
    full_groups,
    worst_first,
)
from ._diagnose import diagnose_failure
from ._report import ERROR_BAR_FACTOR as ERROR_BAR_FACTOR
from ._report import SCALE_FLOOR as SCALE_FLOOR
from ._report import SHOWN_ROWS, ElementCheck, GradientCheck, Mode


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
    return conclude_check(
        groups,
        nfev,
        eps,
        rtol=rtol_given,
        atol=atol_value,
        most=most,
        mode="full" if mode == "full" else "directional",
        method=method,
        seed=seed_value,
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
) -> GradientCheck:
    """Compare the groups' values, diagnose the worst failures, and build the report.

    ``rtol`` None: the default for ``eps`` (the dtype's), ``subject`` what was checked
    (its name in the verdict). Shared by every checker: gradients and Jacobians.
    """
    atol_value = atol
    seed_value = seed
    error_bars = any(np.isfinite(g.error).any() for g in groups)
    rtol_value = rtol if rtol is not None else eps ** (0.5 if error_bars else 0.25)
    for g in groups:
        g.compare(rtol_value, atol_value)

    notes = coarse_notes(groups, max(COARSE, eps ** (1 / 3)))
    ranked = worst_first(groups, most)
    diagnosed: dict[tuple[int, int], ElementCheck] = {}
    budget = math.inf if most is None else most
    for g_index, i in ranked:
        group = groups[g_index]
        if len(diagnosed) >= budget:
            break
        if group.failed[i]:
            kind, why, cost = diagnose_failure(group, i)
            nfev += cost
            diagnosed[(g_index, i)] = group.item(i, kind, why)
    shown = ranked[:SHOWN_ROWS]
    # The headline's largest relative error is shown in the table too, where it is.
    largest = [(float(g.rel.max()), g_index) for g_index, g in enumerate(groups) if g.rel.size]
    if largest:
        top_group = max(largest)[1]
        top = (top_group, int(np.argmax(groups[top_group].rel)))
        if top not in shown:
            shown.append(top)
    worst = tuple(diagnosed.get((g_index, i)) or groups[g_index].item(i) for g_index, i in shown)
    failed = int(sum(int(g.failed.sum()) for g in groups))
    rel = [float(g.rel.max()) for g in groups if g.rel.size]
    return GradientCheck(
        passed=failed == 0,
        mode=mode,
        method=method,
        checked=int(sum(g.analytic.size for g in groups)),
        failed=failed,
        max_rel_error=max(rel, default=0.0),
        rtol=rtol_value,
        atol=atol_value,
        error_bars=error_bars,
        worst=worst,
        failures=tuple(diagnosed.values()),
        nfev=nfev,
        seed=seed_value,
        notes=notes,
        subject=subject,
    )
