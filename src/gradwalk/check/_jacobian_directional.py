"""The directional Jacobian check: J·v along a few random directions, at a cost that
does not grow with the size of x, and the wrong entries found by row and column.

Each output i of J·v is its own comparison, on its own scale ``sum_j |J_ij v_j|`` (not
the largest of the whole Jacobian): a wrong entry shows in its row, whatever the other
rows hold, so the rows of the wrong entries are known at once. The second direction is
the first one with each component j scaled by a code c_j = 1/2 + (j + 1/2)/n, so that a
row with one wrong entry (i, j) has discrepancies whose ratio is c_j: it names the
column (a second code resolves neighbours where the ratio is not precise enough). Each
entry so named is then computed on its own (the derivative along x_j, all outputs at
once) and compared on its own scale |J_ij|, which confirms it.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.rng import make_rng
from gradwalk._common.warnings import PrecisionWarning
from gradwalk._derivatives.directional import directional_derivative, exact_direction
from gradwalk._engine.driver import value_at_x
from gradwalk._engine.evaluators.options import Options
from gradwalk._engine.inputs import scale

from ._report import ERROR_BAR_FACTOR, ElementCheck, GradientCheck

__all__ = ["DIRECTIONAL_RTOL", "directional_jacobian_check"]

#: The default relative tolerance of the directional check, on each output's own scale:
#: room for the rounding of the analytic product (the numerical value's error bar
#: carries the rest).
DIRECTIONAL_RTOL = 1e3 * float(np.finfo(np.float64).eps)

#: Rows of the worst-values table per direction.
_SHOWN = 3

#: The most levels of the check's Richardson ladders: a row whose ladder does not settle
#: by then keeps a wider error bar instead of holding up every row.
LEVELS = {"max_levels": 6}

#: Candidate columns of a row beyond which a finer code is evaluated.
FINE_WINDOW = 9

#: The most finer codes evaluated (each narrows a window by the ratio's precision: a
#: factor 10 where the wrong entry stands 50 times above the numerical noise).
MORE_CODES = 6

#: Candidate columns computed on their own per row, nearest first, before giving up.
CONFIRMATIONS = 3


@dataclass
class _Direction:
    """One direction and its comparison, per output."""

    v: NDArray[np.float64]
    analytic: NDArray[np.float64]
    numerical: NDArray[np.float64]
    error: NDArray[np.float64]
    own: NDArray[np.float64]
    allowed: NDArray[np.float64] | None = None

    def compare(self, rtol: float, atol: float) -> NDArray[np.bool_]:
        """Which outputs fail: |numerical - analytic| above atol + rtol·own + 4·error."""
        bar = np.where(np.isfinite(self.error), self.error, 0.0)
        self.allowed = atol + rtol * self.own + ERROR_BAR_FACTOR * bar
        with np.errstate(invalid="ignore"):
            failed: NDArray[np.bool_] = ~(np.abs(self.numerical - self.analytic) <= self.allowed)
        return failed

    @property
    def gap(self) -> NDArray[np.float64]:
        gap: NDArray[np.float64] = self.numerical - self.analytic
        return gap


def analytic_matrix(jac: object, shape: tuple[int, int], full_shape: tuple[int, ...]) -> Any:
    """The analytic Jacobian as a (outputs, elements) matrix: a float ndarray or a
    scipy.sparse CSR array, or an error naming the shapes."""
    sparse = scipy_sparse("check_jacobian(mode='directional')")
    if sparse.issparse(jac):
        matrix: Any = jac
        if matrix.shape != shape:
            raise ValueError(
                f"jac has shape {matrix.shape}, but the Jacobian of f at x has shape "
                f"(outputs, elements) = {shape} (both flattened)."
            )
        return sparse.csr_array(matrix, dtype=np.float64)
    array = np.asarray(jac)
    if array.dtype.kind not in "fiu":
        raise TypeError(
            f"jac must be a real numeric array or a scipy.sparse matrix, got dtype "
            f"{array.dtype} ({type(jac).__name__})."
        )
    if array.shape not in (shape, full_shape):
        raise ValueError(
            f"jac has shape {array.shape}, but a Jacobian of f at x has shape "
            f"f(x).shape + x.shape = {full_shape} (or {shape}, flattened): jac[k][i] is "
            "the derivative of output k with respect to element i."
        )
    return array.reshape(shape).astype(np.float64)


def directional_jacobian_check(
    f: Callable[[Any], object],
    work: NDArray[np.floating],
    jac: object,
    *,
    rtol: float | None,
    atol: float,
    method: str,
    h: Any,
    k: int,
    seed: int,
    options: Options,
) -> GradientCheck:
    """check_jacobian(mode="directional"): see the module's description."""
    at_x = np.asarray(value_at_x(f, work.copy(), options))
    value_shape, m, n = at_x.shape, at_x.size, work.size
    analytic_value = jac(work.copy()) if callable(jac) else jac
    matrix = analytic_matrix(analytic_value, (m, n), value_shape + work.shape)
    magnitude = abs(matrix)
    rng = make_rng(seed)
    nfev = 1
    unit = scale(work).reshape(-1)
    position = (np.arange(n) + 0.5) / n

    def along(v: NDArray[np.float64]) -> _Direction:
        nonlocal nfev
        exact = _exact(work, v, h)
        result = _quietly(
            f, work, exact.reshape(work.shape), h, method, options, None, LEVELS, value_shape
        )
        nfev += result.nfev
        return _Direction(
            v=exact,
            analytic=np.asarray(matrix @ exact, dtype=np.float64),
            numerical=np.asarray(result.jac, dtype=np.float64).reshape(-1),
            error=np.asarray(result.error, dtype=np.float64).reshape(-1),
            own=np.asarray(magnitude @ np.abs(exact), dtype=np.float64),
        )

    base = rng.choice(np.array([-1.0, 1.0]), n) * rng.uniform(0.5, 1.0, n) * unit
    directions = [along(base)]
    if k > 1:
        directions.append(along(base * (0.5 + position)))
    while len(directions) < k:
        directions.append(along(rng.choice([-1.0, 1.0], n) * rng.uniform(0.5, 1.0, n) * unit))
    error_bars = any(np.isfinite(d.error).any() for d in directions)
    eps = float(np.finfo(work.dtype).eps)
    rtol_value = rtol if rtol is not None else (DIRECTIONAL_RTOL if error_bars else eps**0.25)
    failing = [d.compare(rtol_value, atol) for d in directions]
    rows = np.flatnonzero(failing[0] | (failing[1] if k > 1 else False))
    entries: list[ElementCheck] = []
    if rows.size:
        named, cost = _localise(
            f, work, matrix, directions, rows, h, method, options, value_shape, rtol_value, atol
        )
        nfev += cost
        entries = named
    return _report(
        directions,
        failing,
        entries,
        value_shape,
        work.shape,
        rtol_value,
        atol,
        method,
        nfev,
        seed,
        error_bars,
    )


def _localise(
    f: Callable[[Any], object],
    work: NDArray[np.floating],
    matrix: Any,
    directions: list[_Direction],
    rows: NDArray[np.intp],
    h: Any,
    method: str,
    options: Options,
    value_shape: tuple[int, ...],
    rtol: float,
    atol: float,
) -> tuple[list[ElementCheck], int]:
    """The wrong entries of the failing ``rows``: their columns read from the coded
    direction (and a finer code where that leaves many), then each computed on its own,
    nearest candidate first."""
    n = work.size
    first = directions[0]
    nfev = 0
    if len(directions) < 2:
        coded, cost = _compare_along(
            f,
            work,
            matrix,
            first.v * (0.5 + (np.arange(n) + 0.5) / n),
            h,
            method,
            options,
            value_shape,
        )
        nfev += cost
        directions = [first, coded]
    candidates = _candidates(first, directions[1], rows, n)
    for _ in range(MORE_CODES):  # narrow wide windows with codes of finer stride
        widest = max((len(columns) for columns in candidates.values()), default=0)
        if widest <= FINE_WINDOW:
            break
        stride = max(1, round(n / widest)) | 1
        code = 0.5 + ((np.arange(n) * stride) % n + 0.5) / n
        third, cost = _compare_along(
            f, work, matrix, first.v * code, h, method, options, value_shape
        )
        nfev += cost
        for row, columns in candidates.items():
            if len(columns) > FINE_WINDOW:
                candidates[row] = _narrowed(columns, code, first, third, row, stride / n)
    columns_done: dict[int, tuple[NDArray[np.float64], NDArray[np.float64]]] = {}
    named: list[ElementCheck] = []
    for attempt in range(CONFIRMATIONS):
        for row, columns in sorted(candidates.items()):
            if attempt >= len(columns):
                continue
            column = columns[attempt]
            if column not in columns_done:
                unit = np.zeros(n)
                unit[column] = 1.0
                result = _quietly(
                    f,
                    work,
                    unit.reshape(work.shape),
                    h,
                    method,
                    options,
                    None,
                    LEVELS,
                    value_shape,
                )
                nfev += result.nfev
                columns_done[column] = (
                    np.asarray(result.jac, dtype=np.float64).reshape(-1),
                    np.asarray(result.error, dtype=np.float64).reshape(-1),
                )
            numbers, bars = columns_done[column]
            entry = _entry(
                row,
                column,
                matrix,
                numbers[row],
                bars[row],
                first,
                value_shape,
                work.shape,
                rtol,
                atol,
            )
            if entry.failed:
                named.append(entry)
                candidates[row] = []
    return named, nfev


def _narrowed(
    columns: list[int],
    code: NDArray[np.float64],
    first: _Direction,
    coded: _Direction,
    row: int,
    step: float,
) -> list[int]:
    """The candidate ``columns`` of ``row`` whose ``code`` lies within three error bars
    (and half a code step) of the ratio of the row's discrepancies, nearest first."""
    gap = first.gap[row]
    wanted = coded.gap[row] / gap
    spread = np.nan_to_num(coded.error[row]) + abs(wanted) * np.nan_to_num(first.error[row])
    reach = 3 * spread / abs(gap) + step / 2
    distance = {j: abs(float(code[j]) - wanted) for j in columns}
    return sorted((j for j in columns if distance[j] <= reach), key=distance.__getitem__)


def _candidates(
    first: _Direction, coded: _Direction, rows: NDArray[np.intp], n: int
) -> dict[int, list[int]]:
    """Per failing row, the columns whose code c_j = 1/2 + (j + 1/2)/n lies within three
    error bars (and half a code step) of the ratio of the row's discrepancies along the
    coded and the plain direction, nearest first."""
    gap_1, gap_2 = first.gap[rows], coded.gap[rows]
    with np.errstate(all="ignore"):
        ratio = gap_2 / gap_1
        spread = (
            np.nan_to_num(coded.error[rows]) + np.abs(ratio) * np.nan_to_num(first.error[rows])
        ) / np.abs(gap_1)
    found: dict[int, list[int]] = {}
    for row, wanted, width in zip(rows.tolist(), ratio.tolist(), spread.tolist(), strict=True):
        if not (math.isfinite(wanted) and math.isfinite(width)):
            continue
        centre = (wanted - 0.5) * n - 0.5
        reach = 3 * width * n + 0.5
        if reach > n or not -reach <= centre <= n - 1 + reach:
            continue
        low, high = max(0, math.ceil(centre - reach)), min(n - 1, math.floor(centre + reach))
        found[row] = sorted(range(low, high + 1), key=lambda j: abs(j - centre))
    return found


def _exact(work: NDArray[np.floating], v: NDArray[np.float64], h: Any) -> NDArray[np.float64]:
    """The direction v as the check moves along it: every point of its ladder exact."""
    del h
    exact = exact_direction(work, v.reshape(work.shape), LEVELS["max_levels"])
    return np.asarray(exact, dtype=np.float64).reshape(-1)


def _quietly(*args: Any) -> Any:
    """:func:`directional_derivative` with its precision warnings held back: an output
    whose value it could not verify has an infinite error bar, which the report counts
    as not checked (and the warnings would speak of t, the step along v, as x)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PrecisionWarning)
        return directional_derivative(*args)


def _compare_along(
    f: Callable[[Any], object],
    work: NDArray[np.floating],
    matrix: Any,
    v: NDArray[np.float64],
    h: Any,
    method: str,
    options: Options,
    value_shape: tuple[int, ...],
) -> tuple[_Direction, int]:
    """J·v numerically and analytically along one more (coded) direction."""
    exact = _exact(work, v, h)
    result = _quietly(
        f, work, exact.reshape(work.shape), h, method, options, None, LEVELS, value_shape
    )
    found = _Direction(
        v=exact,
        analytic=np.asarray(matrix @ exact, dtype=np.float64),
        numerical=np.asarray(result.jac, dtype=np.float64).reshape(-1),
        error=np.asarray(result.error, dtype=np.float64).reshape(-1),
        own=np.zeros(exact.shape),
    )
    return found, result.nfev


def _entry(
    row: int,
    column: int,
    matrix: Any,
    numerical: float,
    error: float,
    first: _Direction,
    value_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
    rtol: float,
    atol: float,
) -> ElementCheck:
    """One named entry, compared on its own scale |J_ij|, with what the directions say."""
    analytic = float(matrix[row, column])
    bar = error if math.isfinite(error) else 0.0
    size = max(abs(analytic), abs(numerical))
    allowed = atol + rtol * size + ERROR_BAR_FACTOR * bar
    difference = abs(numerical - analytic)
    implied = analytic + float(first.gap[row]) / float(first.v[column])
    index = tuple(
        int(p)
        for p in (
            *(np.unravel_index(row, value_shape) if value_shape else ()),
            *(np.unravel_index(column, x_shape) if x_shape else ()),
        )
    )
    why = (
        f"computed on its own this entry is {numerical:.12g} ± {bar:.1e}, the analytic "
        f"Jacobian has {analytic:.12g}; the random directions put it at {implied:.12g} "
        "(from its row's discrepancy)."
    )
    return ElementCheck(
        name="J",
        index=index,
        analytic=analytic,
        numerical=numerical,
        error=error,
        rel_error=difference / size if size else 0.0,
        failed=not difference <= allowed,
        diagnosis="wrong" if not difference <= allowed else None,
        explanation=why,
    )


def _report(
    directions: list[_Direction],
    failing: list[NDArray[np.bool_]],
    entries: list[ElementCheck],
    value_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
    rtol: float,
    atol: float,
    method: str,
    nfev: int,
    seed: int,
    error_bars: bool,
) -> GradientCheck:
    """The check's result: one compared value per direction (its worst output), the
    worst outputs in the table, and the named entries as its diagnosed failures."""
    worst: list[ElementCheck] = list(entries)
    largest = 0.0
    failed = 0
    for number, (direction, fails) in enumerate(zip(directions, failing, strict=True), 1):
        with np.errstate(all="ignore"):
            relative = np.abs(direction.gap) / np.maximum(direction.own, 1e-300)
            allowed = direction.allowed if direction.allowed is not None else direction.own
            badness = np.abs(direction.gap) / np.maximum(allowed, 1e-300)
        relative = np.where(np.isfinite(relative), relative, np.inf)
        relative[direction.gap == 0] = 0.0
        largest = max(largest, float(relative.max(initial=0.0)))
        failed += int(fails.any())
        for row in np.argsort(-np.nan_to_num(badness, nan=np.inf))[:_SHOWN].tolist():
            worst.append(
                ElementCheck(
                    name=f"J·v{number}",
                    index=tuple(int(p) for p in np.unravel_index(row, value_shape))
                    if value_shape
                    else (),
                    analytic=float(direction.analytic[row]),
                    numerical=float(direction.numerical[row]),
                    error=float(direction.error[row]),
                    rel_error=float(relative[row]),
                    failed=bool(fails[row]),
                )
            )
    notes: list[str] = []
    if failed and not entries:
        notes.append(
            "Note: J·v differs from the numerical derivative in some outputs, but no entry "
            "computed on its own is wrong: several wrong entries in one row, or an f whose "
            "noise exceeds the error bars. Run mode='full' on a smaller case to see."
        )
    unverified = [
        f"J·v{number}[{', '.join(str(int(p)) for p in np.unravel_index(row, value_shape))}]"
        for number, direction in enumerate(directions, 1)
        for row in np.flatnonzero(~np.isfinite(direction.error)).tolist()
    ]
    if unverified:
        shown = ", ".join(unverified[:5]) + (" and more" if len(unverified) > 5 else "")
        notes.append(
            f"Note: {len(unverified)} outputs of J·v had no verified numerical value (error "
            f"bar inf: f's rounding or the ladder's levels), so they were not checked: "
            f"{shown}. A wrong entry in those rows goes unseen; check them with "
            "mode='full' on those outputs, or pass method='richardson' with a larger h."
        )
    return GradientCheck(
        passed=failed == 0,
        mode="directional",
        method=method,
        checked=len(directions),
        failed=failed,
        max_rel_error=largest,
        rtol=rtol,
        atol=atol,
        error_bars=error_bars,
        worst=tuple(worst[: len(entries) + _SHOWN * len(directions)]),
        failures=tuple(entries),
        nfev=nfev,
        seed=seed,
        notes=tuple(notes),
        subject="Jacobian",
    )
