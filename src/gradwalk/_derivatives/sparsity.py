"""The sparsity pattern of a black-box f: which outputs move when which elements of x
move, found by moving groups of elements together and halving the groups that move
something.

A group's test moves each of its columns j to x_j ± r_j·h_j (r_j random in [1/2, 1],
a random sign per column, both sides: a kink exactly at x moves f on one side only) and
records which outputs change at all. A group that moved some outputs is split in two,
and each half is tested against those outputs only; halves of different groups whose
outputs do not overlap are tested in the same evaluation (a colouring of the halves by
their parents' outputs), so each level of halving costs a few evaluations, not one per
group. The single columns at the end give the pattern, entry by entry. Finally the
pattern is checked as numerical_jacobian(sparsity=) checks it: its column groups are
moved by exactly ±h_j, and an output that moves where no moved column touches it adds
its entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.rng import make_rng
from gradwalk._common.validate import check_callable
from gradwalk._engine.colouring import Pattern, colour, colour_count
from gradwalk._engine.driver import value_at_x
from gradwalk._engine.evaluators.compressed import Compressed, Table
from gradwalk._engine.evaluators.compression import Compression
from gradwalk._engine.evaluators.options import Options, Workers, check_options
from gradwalk._engine.inputs import (
    working_array,
)
from gradwalk._engine.points import Step
from gradwalk._engine.steps import step_sizes

from .sparse_jacobian import left_as_it_was, whole_point_evaluator

__all__ = ["SparsityResult", "jacobian_sparsity"]

#: When this many halves all share outputs (none can be tested together), every output
#: depends on nearly every element: the halving stops and single columns are tested.
DENSE_GROUPS = 16

#: Rounds of the final check: each adds the entries it finds and checks again.
CHECK_ROUNDS = 3


@dataclass(frozen=True, eq=False)
class SparsityResult:
    """A Jacobian's sparsity pattern found from f, and what finding it cost.

    Attributes
    ----------
    pattern : scipy.sparse.csr_array of bool
        Shape (outputs, elements), both flattened: True where output i moved when
        element j moved; pass it as ``numerical_jacobian(..., sparsity=pattern)``.
    nfev : int
        Evaluations of f spent (f(x) included).
    colours : int
        Groups of columns that share no row: a Jacobian with this pattern costs
        ``colours`` evaluations per point of its method's stencil (and f(x)).

    Examples
    --------
    >>> import numpy as np
    >>> jacobian_sparsity(lambda u: u[1:] * u[:-1], np.ones(4), full_output=True)
    SparsityResult(nfev=15, colours=2, pattern=<3x4 sparse, 6 entries>)
    """

    pattern: Any
    nfev: int
    colours: int

    def __repr__(self) -> str:
        shape = "x".join(str(size) for size in self.pattern.shape)
        return (
            f"SparsityResult(nfev={self.nfev}, colours={self.colours}, "
            f"pattern=<{shape} sparse, {self.pattern.nnz} entries>)"
        )


def jacobian_sparsity(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = None,
    *,
    seed: int | np.random.Generator | None = 0,
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
    worker_threads: int | None = None,
) -> Any:
    """The sparsity pattern of f's Jacobian at x, found from f's values alone.

    Groups of elements of x are moved together, and halved while they move some output
    of f; groups whose outputs do not overlap share evaluations. It returns every entry
    (i, j) where moving x_j alone to a point between x_j ± h_j/2 and x_j ± h_j moves
    output i (both sides are tried), except where the moves of several columns of one
    group cancel exactly in f_i (the moves have random sizes, so that takes an exact
    coincidence), and then checks the pattern by moving its column groups by exactly
    ±h_j: an output that moves where the pattern says it cannot adds its entry.

    **What it can miss**: an entry whose derivative is zero at x because of a value at x
    itself, such as f_i = x_j·x_k at x_k = 0 (moving x_j alone does not move f_i
    there), even though it is nonzero elsewhere; as x moves (the steps of a Newton
    iteration) such entries appear. Guard against it by finding the pattern at a generic
    point near x (x plus a small random vector) or at several points and taking the
    union (``pattern_a + pattern_b``); ``numerical_jacobian(sparsity=...)`` also warns
    whenever an output moves where the pattern says it cannot.

    Cost: f(x), then two evaluations (x ± the moves) per group colour and level of
    halving, about log2(n) levels: typically 4 to 10 evaluations per level for a banded
    or grid Jacobian (about 100 at n = 2000 and 120 at n = 20,000 for a tridiagonal one,
    200 and 280 for a 2-D five-point Laplacian of 2025 and 19,881 unknowns), and about
    2n + 30 when every output depends on every element; then two per colour of the
    pattern for the check (none where every colour touches every output).
    ``SparsityResult.nfev`` is the count.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape; with ``vectorized=True``, f takes
        ``(k, *x.shape)`` and returns ``(k, *f(x).shape)``.
    x : array_like
        The point (perturbed in place and restored, as numerical_jacobian does, unless
        ``vectorized`` or ``workers`` is given).
    h : float or "auto", optional
        The largest move of each element (None: "auto", the central difference's own
        step, ``eps**(1/3)·max(1, |x|)``).
    seed : int, Generator or None
        For the random sizes and signs of the moves (0: the same pattern every call).
    full_output : bool
        Return a :class:`SparsityResult` (pattern, nfev, colours).
    vectorized, batch_size, workers, progress, worker_threads
        As for :func:`~gradwalk.numerical_jacobian`.

    Returns
    -------
    scipy.sparse.csr_array or SparsityResult
        The pattern: bool, shape (outputs, elements), both flattened.

    Raises
    ------
    ImportError
        SciPy is not installed (the ``sparse`` extra).
    TypeError
        f is not callable or returns something other than a real array.
    InputModifiedError
        f modified x (x is restored).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda u: np.diff(u) ** 2                 # output i depends on u[i], u[i + 1]
    >>> found = jacobian_sparsity(f, np.arange(5.0), full_output=True)
    >>> found.pattern.toarray().astype(int)
    array([[1, 1, 0, 0, 0],
           [0, 1, 1, 0, 0],
           [0, 0, 1, 1, 0],
           [0, 0, 0, 1, 1]])
    >>> found.colours
    2
    """
    scipy_sparse("jacobian_sparsity")
    check_callable(f, "f", "taking an array")
    options = check_options(vectorized, batch_size, workers, progress, worker_threads)
    rng = make_rng(seed)
    work, is_callers = working_array(x)
    at_x = np.asarray(value_at_x(f, work.copy() if is_callers else work, options))
    with left_as_it_was(work, is_callers):
        entries, nfev = _search(f, work, at_x, options, h, rng)
        pattern, colours, checked = _check(f, work, at_x, options, h, entries)
    result = SparsityResult(
        pattern=pattern.matrix(np.ones(pattern.nnz, dtype=bool)),
        nfev=1 + nfev + checked,
        colours=colour_count(colours),
    )
    return result if full_output else result.pattern


def _evaluator(
    f: Callable[[Any], object],
    work: NDArray[Any],
    at_x: NDArray[Any],
    options: Options,
    pattern: Pattern,
    colours: NDArray[np.intp],
) -> tuple[Compressed, Compression]:
    """The evaluator of whole points for ``options`` (see numerical_jacobian(sparsity=))."""
    compression = Compression(
        f, work, pattern.rows(), pattern.indices, colours, at_x.reshape(-1), at_x.shape
    )
    return whole_point_evaluator(compression, options), compression


def _search(
    f: Callable[[Any], object],
    work: NDArray[Any],
    at_x: NDArray[Any],
    options: Options,
    h: Step | None,
    rng: np.random.Generator,
) -> tuple[Pattern, int]:
    """The pattern found by halving groups of columns (see the module's description)."""
    m, n = at_x.size, work.size
    flat_x = work.reshape(-1)
    steps = step_sizes(flat_x, "auto" if h is None else h, "central").astype(np.float64)
    move = rng.choice(np.array([-1.0, 1.0]), n) * rng.uniform(0.5, 1.0, n) * steps
    plus = (flat_x + move).astype(work.dtype)
    minus = (flat_x - move).astype(work.dtype)
    empty = Pattern((m, n), np.zeros(m + 1, dtype=np.intp), np.zeros(0, dtype=np.intp))
    evaluate, compression = _evaluator(f, work, at_x, options, empty, np.zeros(n, np.intp))
    f0 = at_x.reshape(-1)

    def moved_by(groups: list[NDArray[np.intp]]) -> NDArray[np.bool_]:
        """Per group (all its columns moved at once, both sides): the outputs that moved."""
        columns = np.concatenate([np.concatenate([g, g]) for g in groups])
        values = np.concatenate([np.concatenate([plus[g], minus[g]]) for g in groups])
        sizes = np.array([g.size for g in groups for _ in (0, 1)], dtype=np.intp)
        ptr = np.zeros(sizes.size + 1, dtype=np.intp)
        np.cumsum(sizes, out=ptr[1:])
        table: Table = (ptr, columns, values)
        found = evaluate.values_at(table, check=False)
        same = (found == f0) | ((found != found) & (f0 != f0))
        return np.asarray(~(same[0::2] & same[1::2]))

    try:
        rows_found: list[NDArray[np.intp]] = []
        columns_found: list[NDArray[np.intp]] = []
        groups = [np.arange(n, dtype=np.intp)]
        outputs = [np.flatnonzero(moved_by(groups)[0])]
        while groups:
            children, inherited = _halves(groups, outputs, rows_found, columns_found)
            if not children:
                break
            colours = _colour_groups(children, inherited, m)
            if colour_count(colours) == len(children) >= DENSE_GROUPS:  # no sharing: singles
                children, inherited = _singles(children, inherited)
                colours = _colour_groups(children, inherited, m)
            count = colour_count(colours)
            together = [
                np.concatenate([children[k] for k in np.flatnonzero(colours == c)])
                for c in range(count)
            ]
            moved = moved_by(together)
            groups = children
            outputs = [rows[moved[colours[k]][rows]] for k, rows in enumerate(inherited)]
    finally:
        evaluate.close()
    rows = np.concatenate(rows_found) if rows_found else np.zeros(0, dtype=np.intp)
    columns = np.concatenate(columns_found) if columns_found else np.zeros(0, dtype=np.intp)
    return Pattern.from_entries((m, n), rows, columns), compression.calls


def _halves(
    groups: list[NDArray[np.intp]],
    outputs: list[NDArray[np.intp]],
    rows_found: list[NDArray[np.intp]],
    columns_found: list[NDArray[np.intp]],
) -> tuple[list[NDArray[np.intp]], list[NDArray[np.intp]]]:
    """The halves of the groups that moved some output, each with its parent's outputs;
    single columns that moved outputs are entries found."""
    children: list[NDArray[np.intp]] = []
    inherited: list[NDArray[np.intp]] = []
    for group, rows in zip(groups, outputs, strict=True):
        if not rows.size:
            continue
        if group.size == 1:
            rows_found.append(rows)
            columns_found.append(np.full(rows.size, group[0], dtype=np.intp))
            continue
        half = group.size // 2
        children += [group[:half], group[half:]]
        inherited += [rows, rows]
    return children, inherited


def _singles(
    groups: list[NDArray[np.intp]], outputs: list[NDArray[np.intp]]
) -> tuple[list[NDArray[np.intp]], list[NDArray[np.intp]]]:
    """Every column of the groups on its own, with its group's outputs."""
    singles: list[NDArray[np.intp]] = []
    inherited: list[NDArray[np.intp]] = []
    for group, rows in zip(groups, outputs, strict=True):
        singles += [group[k : k + 1] for k in range(group.size)]
        inherited += [rows] * group.size
    return singles, inherited


def _colour_groups(
    groups: list[NDArray[np.intp]], outputs: list[NDArray[np.intp]], m: int
) -> NDArray[np.intp]:
    """A colour per group such that groups of one colour have no output in common."""
    sizes = np.array([rows.size for rows in outputs], dtype=np.intp)
    rows = np.concatenate(outputs) if outputs else np.zeros(0, dtype=np.intp)
    columns = np.repeat(np.arange(len(groups), dtype=np.intp), sizes)
    return colour(Pattern.from_entries((m, len(groups)), rows, columns), thorough=False)


def _check(
    f: Callable[[Any], object],
    work: NDArray[Any],
    at_x: NDArray[Any],
    options: Options,
    h: Step | None,
    pattern: Pattern,
) -> tuple[Pattern, NDArray[np.intp], int]:
    """The pattern's column groups moved by exactly ±h_j: outputs that move where no
    moved column touches them add their entries (up to :data:`CHECK_ROUNDS` rounds)."""
    m, n = pattern.shape
    flat_x = work.reshape(-1)
    steps = step_sizes(flat_x, "auto" if h is None else h, "central")
    spent = 0
    colours = colour(pattern)
    for _ in range(CHECK_ROUNDS):
        touched = np.unique(pattern.rows().astype(np.int64) * n + colours[pattern.indices])
        if touched.size == m * colour_count(colours):  # every colour touches every row:
            break  # no output can move where the pattern says it cannot
        evaluate, compression = _evaluator(f, work, at_x, options, pattern, colours)
        try:
            count = colour_count(colours)
            by_colour = np.argsort(colours, kind="stable")
            sizes = np.bincount(colours, minlength=count)
            ptr = np.zeros(2 * count + 1, dtype=np.intp)
            np.cumsum(np.repeat(sizes, 2), out=ptr[1:])
            groups = np.split(by_colour, np.cumsum(sizes)[:-1])
            columns = np.concatenate([np.concatenate([g, g]) for g in groups])
            values = np.concatenate(
                [np.concatenate([flat_x[g] + steps[g], flat_x[g] - steps[g]]) for g in groups]
            ).astype(work.dtype)
            evaluate.values_at((ptr, columns, values))
        finally:
            evaluate.close()
        spent += compression.calls
        found = [(row, column) for row, column in compression.missed if column >= 0]
        if not found:
            return pattern, colours, spent
        rows = np.concatenate([pattern.rows(), np.array([r for r, _ in found], dtype=np.intp)])
        columns_all = np.concatenate(
            [pattern.indices, np.array([c for _, c in found], dtype=np.intp)]
        )
        pattern = Pattern.from_entries((m, n), rows, columns_all)
        colours = colour(pattern)
    return pattern, colours, spent
