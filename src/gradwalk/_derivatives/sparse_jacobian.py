"""A sparse Jacobian: only the entries of a sparsity pattern, the columns evaluated in
groups that share no row (see :mod:`gradwalk._engine.evaluators.compressed`).

Each entry is its own derivative problem for the engine's driver, which runs every
method's plan, the status of every entry and its warnings as for a dense Jacobian; the
entries are then put into ``scipy.sparse.csr_array`` matrices of the pattern.
"""

from __future__ import annotations

import contextlib
import re
import warnings
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.validate import check_callable
from gradwalk._common.warnings import GradwalkWarning, SparsityWarning, issue_warning
from gradwalk._engine.colouring import (
    Pattern,
    as_pattern,
    colour_count,
    column_colours,
    derived,
)
from gradwalk._engine.driver import GradientResult, differentiate, value_at_x
from gradwalk._engine.evaluators.choose import evaluator
from gradwalk._engine.evaluators.compressed import EPS, Compressed
from gradwalk._engine.evaluators.compression import Compression
from gradwalk._engine.evaluators.options import Options
from gradwalk._engine.inputs import (
    InputModifiedError,
    changed_elements,
    modified_message,
    region,
    working_array,
)
from gradwalk._engine.methods import method_named
from gradwalk._engine.points import Region, Step
from gradwalk._engine.rounding import ROUNDING_ULPS
from gradwalk._engine.status_codes import SEVERITY, GradientStatus, raise_status
from gradwalk._engine.steps import step_sizes

from .jacobian_result import JacobianResult

__all__ = ["left_as_it_was", "sparse_jacobian", "verify_rows", "whole_point_evaluator"]

#: The driver's words for its elements, and what they are here.
_WORDS = (
    ("elements of the gradient", "entries of the Jacobian"),
    ("element of the gradient", "entry of the Jacobian"),
    ("gradient element", "Jacobian entry"),
)

#: Entries of a missed pattern named in one warning.
_NAMED = 5

#: The seed of the random half of the columns that the verification moves.
VERIFY_SEED = 20250

#: A row of the Jacobian is contradicted where f's central difference along the
#: verification's move differs from the Jacobian's prediction by more than this share of
#: the row's move (plus 4 error bars and f's rounding).
VERIFY_SHARE = 1e-3

#: Error bars of the Jacobian that join the verification's tolerance.
ERROR_BARS = 4.0

#: Rows contradicted whose missing columns are traced (each costs about 2·log2(n)
#: evaluations, within the evaluator's budget).
TRACED_ROWS = 4


def sparse_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    sparsity: object,
    h: Step | None,
    method: str,
    options: Options,
    order: int | None,
    bounds: tuple[ArrayLike, ArrayLike] | None,
    step_direction: ArrayLike | None,
    accuracy: dict[str, Any],
) -> JacobianResult:
    """numerical_jacobian with ``sparsity=``: the result holds CSR matrices (outputs by
    elements, both flattened) of the pattern's entries.

    Costs f(x) and, per colour of the pattern's columns, one evaluation per point of the
    method's stencil (Richardson: two per level while an entry of that colour refines);
    where f's values show an entry that the pattern lacks, a few more evaluations find
    its column, and a :class:`~gradwalk.SparsityWarning` names it.
    """
    scipy_sparse("numerical_jacobian(sparsity=...)")
    check_callable(f, "f", "taking an array")
    method_named(method)
    work, is_callers = working_array(x)
    at_x = np.asarray(value_at_x(f, work.copy() if is_callers else work, options))
    value_shape = at_x.shape
    m, n = at_x.size, work.size
    pattern = as_pattern(sparsity, (m, n), value_shape + work.shape)
    colours = column_colours(pattern)
    rows, columns = pattern.rows(), pattern.indices
    where = region(bounds, step_direction, work)
    compression = Compression(
        f, work, rows, columns, colours, at_x.reshape(-1), value_shape, derived=derived(pattern)
    )
    entries = work.reshape(-1)[columns].copy()
    entry_bounds = None if where is None else (where.lower[columns], where.upper[columns])
    entry_direction = None if where is None else where.direction[columns]
    result = None
    astray = np.zeros(0, dtype=np.intp)
    with left_as_it_was(work, is_callers), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if pattern.nnz:
            result = differentiate(
                f,
                entries,
                h,
                method,
                replace(options, compressed=compression),
                order,
                entry_bounds,
                entry_direction,
                accuracy,
            )
            astray = verify_rows(compression, options, pattern, result, where)
    _reissue(caught, rows, columns, value_shape, work.shape)
    _warn_missed(compression, value_shape, work.shape, astray)
    count = colour_count(colours) if pattern.nnz else 0
    return _result(result, pattern, columns, work, compression, method, count, astray)


@contextlib.contextmanager
def left_as_it_was(work: NDArray[Any], is_callers: bool) -> Iterator[None]:
    """Put the caller's array ``work`` back as it was (bit for bit) when the block ends,
    and raise InputModifiedError where f changed it."""
    snapshot = work.copy()
    try:
        yield
    finally:
        changed = changed_elements(work, snapshot)
        if is_callers:
            np.copyto(work, snapshot)
    if changed.size:
        raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))


def whole_point_evaluator(compression: Compression, options: Options) -> Compressed:
    """The evaluator of whole points (columns moved together) for ``options``."""
    chosen = evaluator(
        replace(options, compressed=compression),
        compression.f,
        np.zeros(compression.rows.size),
        complex_ok=False,
        value_shape=compression.value_shape,
    )
    assert isinstance(chosen, Compressed)
    return chosen


def verify_rows(
    compression: Compression,
    options: Options,
    pattern: Pattern,
    result: GradientResult,
    where: Region | None,
) -> NDArray[np.intp]:
    """The rows where f's values contradict the Jacobian found: a central difference
    along a random half of the columns, each moved by ±(its central "auto" step), against
    the Jacobian times that move (two evaluations).

    Columns of one colour share no row by the pattern; where the pattern misses an entry
    (i, j'), row i moves through j' at every point that moves j''s colour, and an entry
    (i, j) of that colour absorbed it. Moving only half of the columns separates them
    where j' moves and j does not, or both move with opposite signs (probability 5/8 for
    each such pair, the same at every call): row i then differs from the prediction by
    about J[i, j']·h_j', seen where that is above the tolerance below, or wherever row
    i moves although none of its columns do (the evaluator's exact check). Rows that differ
    by more than 1e-3 of their move (plus 4 error bars and f's rounding) are returned,
    and the columns that move them are traced (recorded in ``Compression.missed``).
    """
    flat_x = compression.x.reshape(-1)
    m, n = pattern.shape
    rng = np.random.default_rng(VERIFY_SEED)
    steps = step_sizes(flat_x, "auto", "central").astype(np.float64)
    moved = rng.random(n) < 0.5
    if where is not None:  # within the bounds on both sides
        moved &= (flat_x - steps >= where.lower) & (flat_x + steps <= where.upper)
    columns = np.flatnonzero(moved)
    if not columns.size:
        return np.zeros(0, dtype=np.intp)
    signs = rng.choice(np.array([-1.0, 1.0]), columns.size)
    move = signs * steps[columns]
    values = np.concatenate([flat_x[columns] + move, flat_x[columns] - move])
    ptr = np.array([0, columns.size, 2 * columns.size], dtype=np.intp)
    evaluate = whole_point_evaluator(compression, options)
    try:
        touched = evaluate.touched_by(columns)
        found = evaluate.values_at(
            (ptr, np.concatenate([columns, columns]), values), touched=np.stack([touched] * 2)
        )
        step = np.zeros(n)
        step[columns] = move
        grad = np.nan_to_num(np.asarray(result.grad, dtype=np.float64), nan=0.0)
        bars = np.asarray(result.error, dtype=np.float64)
        bars = np.where(np.isfinite(bars), bars, 0.0)
        rows = pattern.rows()
        moves = step[pattern.indices]
        predicted = np.bincount(rows, weights=grad * moves, minlength=m)
        size = np.bincount(rows, weights=np.abs(grad * moves), minlength=m)
        spread = np.bincount(rows, weights=bars * np.abs(moves), minlength=m) if bars.any() else 0.0
        plus, minus = np.real(found[0]), np.real(found[1])
        with np.errstate(all="ignore"):
            seen = (plus - minus) / 2
            rounding = ROUNDING_ULPS * EPS * np.maximum(np.abs(plus), np.abs(minus))
            allowed = VERIFY_SHARE * size + ERROR_BARS * spread + rounding
            astray = np.flatnonzero(np.abs(seen - predicted) > allowed)
        for row in astray[:TRACED_ROWS].tolist():
            own = set(pattern.indices[pattern.indptr[row] : pattern.indptr[row + 1]].tolist())
            shared = np.isin(compression.colours, compression.colours[list(own)])
            suspects = np.flatnonzero(shared & ~np.isin(np.arange(n), list(own)))
            if suspects.size:
                evaluate.trace(
                    suspects, flat_x[suspects] + steps[suspects], np.array([row], dtype=np.intp)
                )
    finally:
        evaluate.close()
    return astray


def _result(
    result: GradientResult | None,
    pattern: Any,
    columns: NDArray[np.intp],
    work: NDArray[Any],
    compression: Compression,
    method: str,
    colours: int,
    astray: NDArray[np.intp],
) -> JacobianResult:
    """The entries in CSR matrices; each element's status the most severe of its entries';
    the error bars of the ``astray`` rows (contradicted by f) inf, and the elements with
    entries in them, or found to move one of them, PATTERN_MISSED."""
    dtype = np.result_type(work.dtype, np.float16)
    status = np.zeros(work.size, dtype=np.int8)
    if result is None:  # a pattern without entries: the Jacobian is zero
        grad = np.zeros(0, dtype=dtype)
        error = step = grad
    else:
        grad, error, step = result.grad, result.error, result.step.astype(dtype)
        if astray.size:  # those rows' entries are not known to any accuracy
            error = np.where(np.isin(pattern.rows(), astray), np.inf, error)
        entry_status = result.status.reshape(-1)
        for code in SEVERITY:
            raise_status(status, columns[entry_status == code], code)
    missed = [column for _, column in compression.missed if column >= 0]
    if astray.size or missed:  # f contradicts the pattern: those entries are unknown
        touched = columns[np.isin(pattern.rows(), astray)] if result is not None else columns[:0]
        elements = np.union1d(touched, np.asarray(missed, dtype=np.intp))
        raise_status(status, elements, GradientStatus.PATTERN_MISSED)
    return JacobianResult(
        jac=pattern.matrix(grad),
        error=pattern.matrix(error),
        nfev=1 + compression.calls,
        step=pattern.matrix(step),
        method=method,
        status=status.reshape(work.shape),
        colours=colours,
    )


def entry_name(
    entry: int,
    rows: NDArray[np.intp],
    columns: NDArray[np.intp],
    value_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
) -> str:
    """``J[i, j]``: an entry named by f's output index and x's index (unflattened).

    >>> import numpy as np
    >>> entry_name(1, np.array([0, 2]), np.array([1, 3]), (3,), (2, 2))
    'J[2, 1, 1]'
    """
    return _name(int(rows[entry]), int(columns[entry]), value_shape, x_shape)


def _name(row: int, column: int, value_shape: tuple[int, ...], x_shape: tuple[int, ...]) -> str:
    output = np.unravel_index(row, value_shape) if value_shape else ()
    element = np.unravel_index(column, x_shape) if x_shape else ()
    return "J[" + ", ".join(str(int(p)) for p in (*output, *element)) + "]"


def _reissue(
    caught: list[warnings.WarningMessage],
    rows: NDArray[np.intp],
    columns: NDArray[np.intp],
    value_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
) -> None:
    """The driver's warnings, which name entries as elements ``x[e]``, with the entries'
    own names (``J[i, j]``; ``x[j]`` where the message gives x's value there)."""

    def element(match: re.Match[str]) -> str:
        column = int(columns[int(match.group(1))])
        name = "x[" + ", ".join(str(int(p)) for p in np.unravel_index(column, x_shape)) + "]"
        return (name if x_shape else "x") + " ="

    def entry(match: re.Match[str]) -> str:
        return entry_name(int(match.group(1)), rows, columns, value_shape, x_shape)

    for record in caught:
        if issubclass(record.category, GradwalkWarning):
            message = re.sub(r"\bx\[(\d+)\] =", element, str(record.message))
            message = re.sub(r"\bx\[(\d+)\]", entry, message)
            for said, meant in _WORDS:
                message = message.replace(said, meant)
            issue_warning(message, record.category)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


def _warn_missed(
    compression: Compression,
    value_shape: tuple[int, ...],
    x_shape: tuple[int, ...],
    astray: NDArray[np.intp],
) -> None:
    """A SparsityWarning naming the entries f's values showed outside the pattern, and
    the rows the verification found contradicted."""
    if astray.size:
        outputs = ", ".join(
            "f(x)[" + ", ".join(str(int(p)) for p in np.unravel_index(int(r), value_shape)) + "]"
            if value_shape
            else "f(x)"
            for r in astray[:_NAMED]
        )
        more = f" and {astray.size - _NAMED} more" if astray.size > _NAMED else ""
        issue_warning(
            f"the Jacobian's rows for {outputs}{more} do not match f: f's central difference "
            "along a random half of the columns differs from the Jacobian's product with "
            "that move by more than 1e-3 of it. The sparsity pattern misses entries in "
            "those rows (columns grouped with the row's own columns moved together, and "
            "their effect went into the wrong entries), or f is not smooth there; those "
            "rows' error bars are inf. Pass a pattern that includes every entry "
            "(jacobian_sparsity(f, x) finds one).",
            SparsityWarning,
        )
    if not compression.missed:
        return
    found = sorted(pair for pair in compression.missed if pair[1] >= 0)
    unplaced = sorted({row for row, column in compression.missed if column < 0})
    named = ", ".join(_name(row, column, value_shape, x_shape) for row, column in found[:_NAMED])
    more = f" and {len(found) - _NAMED} more" if len(found) > _NAMED else ""
    text = f"f's values show entries that the sparsity pattern lacks: {named}{more}"
    if unplaced:
        text = (
            f"{text}{'; and ' if found else ''}output(s) "
            f"{', '.join(map(str, unplaced[:_NAMED]))} moved where no column of the pattern "
            "touches them (their column was not searched for: f may not return the same "
            "value for the same x)"
        )
    issue_warning(
        f"{text}. Entries outside the pattern are zero in the result, so those are wrong. "
        "Pass a pattern that includes them (jacobian_sparsity(f, x) finds one; take the "
        "union with the pattern you have: pattern_a + pattern_b).",
        SparsityWarning,
    )
