"""A sparse Jacobian: only the entries of a sparsity pattern, the columns evaluated in
groups that share no row (see :mod:`gradwalk._engine.evaluators.compressed`).

Each entry is its own derivative problem for the engine's driver, which runs every
method's plan, the status of every entry and its warnings as for a dense Jacobian; the
entries are then put into ``scipy.sparse.csr_array`` matrices of the pattern.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.validate import check_callable
from gradwalk._common.warnings import GradwalkWarning, SparsityWarning, issue_warning
from gradwalk._engine.colouring import as_pattern, colour_count, column_colours
from gradwalk._engine.driver import GradientResult, differentiate, value_at_x
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
from gradwalk._engine.points import Step
from gradwalk._engine.status_codes import SEVERITY, raise_status

from .jacobian_result import JacobianResult

__all__ = ["sparse_jacobian"]

#: Entries of a missed pattern named in one warning.
_NAMED = 5


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
    compression = Compression(f, work, rows, columns, colours, at_x.reshape(-1), value_shape)
    entries = work.reshape(-1)[columns].copy()
    entry_bounds = None if where is None else (where.lower[columns], where.upper[columns])
    entry_direction = None if where is None else where.direction[columns]
    snapshot = work.copy()
    result = None
    try:
        with warnings.catch_warnings(record=True) as caught:
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
    finally:
        changed = changed_elements(work, snapshot)
        if is_callers:
            np.copyto(work, snapshot)
    if changed.size:
        raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))
    _reissue(caught, rows, columns, value_shape, work.shape)
    _warn_missed(compression, value_shape, work.shape)
    return _result(result, pattern, columns, work, compression, method, colour_count(colours))


def _result(
    result: GradientResult | None,
    pattern: Any,
    columns: NDArray[np.intp],
    work: NDArray[Any],
    compression: Compression,
    method: str,
    colours: int,
) -> JacobianResult:
    """The entries in CSR matrices; each element's status the most severe of its entries'."""
    dtype = np.result_type(work.dtype, np.float16)
    status = np.zeros(work.size, dtype=np.int8)
    if result is None:  # a pattern without entries: the Jacobian is zero
        grad = np.zeros(0, dtype=dtype)
        error = step = grad
    else:
        grad, error, step = result.grad, result.error, result.step.astype(dtype)
        entry_status = result.status.reshape(-1)
        for code in SEVERITY:
            raise_status(status, columns[entry_status == code], code)
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
            issue_warning(message, record.category)
        else:
            warnings.warn_explicit(record.message, record.category, record.filename, record.lineno)


def _warn_missed(
    compression: Compression, value_shape: tuple[int, ...], x_shape: tuple[int, ...]
) -> None:
    """A SparsityWarning naming the entries f's values showed outside the pattern."""
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
