"""The Hessian: second differences at halving steps, extrapolated and verified per entry.

:func:`numerical_hessian` runs the ladder of
:mod:`~gradwalk._derivatives.second_differences` over the diagonal and upper entries
(Abramowitz & Stegun 25.3.23 and 25.3.26, each entry computed once and mirrored, so the
result is exactly symmetric): every entry halves its steps until its Richardson
extrapolant converges on a ladder in its asymptotic range, as the gradient's Richardson
does, and gets a status code and a warning where it does not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Unpack, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.html import array_block, card
from gradwalk._common.validate import choice_hint
from gradwalk._common.warnings import NonFiniteWarning, PrecisionWarning, issue_warning
from gradwalk._engine.evaluators.options import Workers, check_options
from gradwalk._engine.inputs import (
    InputModifiedError,
    changed_elements,
    element_name,
    modified_message,
    region,
    scale,
    working_array,
)
from gradwalk._engine.points import Step
from gradwalk._engine.richardson import check_accuracy
from gradwalk._engine.status_codes import GradientStatus
from gradwalk._engine.steps import check_step, representable_step

from .boundary import across_libraries
from .keywords import HessianKeywords
from .second_difference_points import PointEvaluator
from .second_differences import LEVELS, SecondDerivatives, second_differences

__all__ = ["HESSIAN_METHODS", "HessianResult", "numerical_hessian", "run_ladder"]

#: First step relative to max(1, |x|), per method: for "central" rounding (eps / h²) and
#: truncation (h²) balance at eps**(1/4); for "richardson" a far larger step (about 0.17),
#: as its extrapolants are of high order and rounding, divided by h², dominates (measured
#: on the accuracy benchmark); the ladder halves it as often as f needs.
FIRST_STEP = {"central": 1.0 / 4, "richardson": 1.0 / 20}

#: The methods of numerical_hessian.
HESSIAN_METHODS = {
    "central": "one level of second differences (1 + 2n² evaluations)",
    "richardson": "second differences at halving steps, extrapolated, per entry",
}

#: Entries named in a warning before "and N more".
QUOTED_ENTRIES = 3


@dataclass(frozen=True, eq=False)
class HessianResult:
    """A numerical Hessian with its error estimate, status and cost.

    Attributes
    ----------
    hess : ndarray
        The Hessian, shape ``x.shape + x.shape``, exactly symmetric.
    error : ndarray
        Estimated absolute error per entry (hess's shape): for "richardson" the distance
        between the last two extrapolants plus the rounding error of f amplified by the
        step; widened to cover both one-sided values where the second derivative does
        not exist; nan for "central".
    nfev : int
        Number of evaluations of f, f(x) included.
    method : str
        The method that produced it.
    status : ndarray of int8
        One :class:`~gradwalk.GradientStatus` code per entry (hess's shape, symmetric):
        CONVERGED where the error bar is backed by a ladder in its asymptotic range.
    step : ndarray
        The step along the entry's first element at the level kept (hess's shape).

    Examples
    --------
    >>> import numpy as np
    >>> result = numerical_hessian(lambda x: x[0] ** 2 * x[1], [1.0, 3.0], full_output=True)
    >>> bool(np.allclose(result.hess, [[6, 2], [2, 0]], atol=1e-12))
    True
    >>> [GradientStatus(code).name for code in result.status.ravel()]
    ['CONVERGED', 'CONVERGED', 'CONVERGED', 'CONVERGED']
    """

    hess: NDArray[np.floating]
    error: NDArray[np.floating]
    nfev: int
    method: str
    status: NDArray[np.int8]
    step: NDArray[np.floating]

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            hess = np.array2string(self.hess, separator=", ", prefix="              hess=")
        return (
            f"HessianResult(method={self.method!r}, nfev={self.nfev},\n              hess={hess})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: method, cost, the largest error bar, the Hessian."""
        worst = float(np.nanmax(self.error)) if np.any(~np.isnan(self.error)) else float("nan")
        fields = [
            ("method", self.method),
            ("evaluations of f", str(self.nfev)),
            ("largest error bar", "n/a" if np.isnan(worst) else f"{worst:.3g}"),
        ]
        return card("HessianResult", fields, sections=[("hess", array_block(self.hess))])


def run_ladder(
    evaluator: PointEvaluator,
    first: NDArray[np.float64],
    p: NDArray[np.intp],
    q: NDArray[np.intp],
    dtype: np.dtype[Any],
    accuracy: dict[str, Any],
) -> SecondDerivatives:
    """The ladder of the entries (p, q), its requests answered by ``evaluator``."""
    ladder = second_differences(first, p, q, evaluator.at_x(), dtype, **accuracy)
    request = next(ladder)
    while True:
        try:
            request = ladder.send(evaluator.answer(request))
        except StopIteration as done:
            result: SecondDerivatives = done.value
            return result


def first_steps(
    x0: NDArray[np.floating], h: Step, method: str, bounds: object
) -> NDArray[np.float64]:
    """The first step of every element: ``h``, or for "auto" a step relative to
    max(1, |x|), within half the room to the nearer bound where ``bounds`` are given.

    Raises
    ------
    ValueError
        An element sits on its bound: a central second difference has no room there.
    """
    eps = float(np.finfo(x0.dtype).eps)
    if isinstance(h, str):
        wanted = eps ** FIRST_STEP[method] * scale(x0)
    else:
        wanted = np.full(x0.size, float(h))
    limits = region(bounds, None, x0)
    if limits is not None:
        wide = x0.astype(np.float64)
        room = np.minimum(wide - limits.lower, limits.upper - wide)
        on_bound = np.flatnonzero(room <= 0)
        if on_bound.size:
            i = int(on_bound[0])
            raise ValueError(
                f"{element_name(x0.shape, i)} = {float(x0[i])!r} lies on its bound, where "
                "the Hessian's central second differences have no room on one side; "
                "evaluate it at a point inside the bounds."
            )
        wanted = np.minimum(wanted, room / 2)
    return representable_step(x0, wanted.astype(x0.dtype)).astype(np.float64)


@overload
def numerical_hessian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[False] = ...,
    **options: Unpack[HessianKeywords],
) -> NDArray[np.floating]: ...


@overload
def numerical_hessian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[True],
    **options: Unpack[HessianKeywords],
) -> HessianResult: ...


@across_libraries(lenient=("bounds",))
def numerical_hessian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = None,
    *,
    method: str = "richardson",
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
) -> NDArray[np.floating] | HessianResult:
    """Numerical Hessian of a scalar f at x: symmetric, shape ``x.shape + x.shape``.

    Each entry is computed once from second differences (Abramowitz & Stegun 25.3.23 for
    the diagonal, 25.3.26 for the mixed entries) and mirrored. "richardson" (the default)
    halves each entry's steps until its Richardson extrapolant converges on a ladder in
    its asymptotic range (the gradient's rule; 2 evaluations per level for a diagonal
    entry, 4 for a mixed one, plus the axis points that check for a kink); "central"
    takes one level (1 + 2n² evaluations).

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; with ``vectorized=True`` f takes ``(k, *x.shape)`` and returns
        ``(k,)``.
    x : array_like
        Point of any shape (as for :func:`~gradwalk.numerical_gradient`; the caller's
        float array is perturbed in place and restored bit for bit).
    h : float or "auto", optional
        First step; None or "auto": ``eps**(1/4) * max(1, |x|)`` for "central",
        ``eps**(1/20) * max(1, |x|)`` (about 0.17) for "richardson".
    method : {"richardson", "central"}
    full_output : bool
        Return a :class:`HessianResult` with a per-entry error estimate and status.
    vectorized, batch_size, workers
        As for :func:`~gradwalk.numerical_gradient` (``batch_size``: points per call of
        a vectorized f; with workers each point is one task).
    bounds : (lower, upper), optional
        Where f may be evaluated (numbers or arrays broadcasting to x's shape): each
        element's first step is at most half its room to the nearer bound, so no point
        leaves them.
    rtol, atol : float, optional
        "richardson" only: an entry also stops once its error estimate is at most
        ``atol + rtol·|H_ij|`` on an asymptotic ladder; they set the standard of its
        status (default: a relative 1e-4).
    max_levels : int, optional
        "richardson" only: the most levels per entry (default 20).

    Returns
    -------
    ndarray or HessianResult

    Raises
    ------
    ValueError
        Unknown method, h not positive, an accuracy option with "central" or out of
        range, bounds that are not a pair with lower < upper, x outside its bounds or on
        one of them.
    TypeError
        f does not return a real scalar; x not real numeric.
    InputModifiedError
        f modified x (x is restored).

    Warns
    -----
    NonFiniteWarning
        f was not finite at the points of some entries at every step tried: they are nan.
    PrecisionWarning
        An entry whose second derivative does not exist (a kink in the first
        derivative), that did not settle within ``max_levels``, or that f's rounding
        limits: its status is not CONVERGED, and the warning names it.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: x[0] ** 2 * x[1] + np.exp(x[1])
    >>> H = numerical_hessian(f, np.array([1.0, 0.0]))
    >>> bool(np.allclose(H, [[0.0, 2.0], [2.0, 1.0]], atol=1e-10)), bool((H == H.T).all())
    (True, True)
    """
    if not callable(f):
        raise TypeError(f"f must be a callable taking an array, got {f!r}.")
    if not isinstance(method, str) or method not in HESSIAN_METHODS:
        choices, hint = choice_hint(method, HESSIAN_METHODS)
        raise ValueError(
            f"method={method!r} is not a method of numerical_hessian; choose one of "
            f"{choices}.{hint}"
        )
    given = {
        name: value
        for name, value in (("rtol", rtol), ("atol", atol), ("max_levels", max_levels))
        if value is not None
    }
    accuracy = check_accuracy(given, method) if given else {}
    accuracy.setdefault("max_levels", LEVELS if method == "richardson" else 1)
    options = check_options(vectorized, batch_size, workers, False)
    step_given = check_step("auto" if h is None else h)
    work, is_callers = working_array(x)
    snapshot = work.copy()
    x0 = snapshot.reshape(-1)
    first = first_steps(x0, step_given, method, bounds)
    p, q = np.triu_indices(x0.size)
    evaluator = PointEvaluator(f, work, options)
    try:
        result = run_ladder(
            evaluator, first, p.astype(np.intp), q.astype(np.intp), work.dtype, accuracy
        )
        changed = changed_elements(work, snapshot)
        if changed.size:
            raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))
    finally:
        if is_callers:
            np.copyto(work, snapshot)
    warn_entries(result, lambda e: entry_names(work.shape, p[e], q[e], "H"), "H")
    n = x0.size
    hess, error, step = (np.empty((n, n)) for _ in range(3))
    for full, entries in ((hess, result.value), (error, result.error), (step, result.step)):
        full[p, q] = entries
        full[q, p] = entries
    status = np.empty((n, n), dtype=np.int8)
    status[p, q] = result.status
    status[q, p] = result.status
    if method == "central":
        error[:] = np.nan
    shape = work.shape + work.shape
    dtype = np.result_type(work.dtype, np.float16)
    answer = HessianResult(
        hess=hess.astype(dtype).reshape(shape),
        error=error.astype(dtype).reshape(shape),
        nfev=evaluator.nfev,
        method=method,
        status=status.reshape(shape),
        step=step.astype(dtype).reshape(shape),
    )
    return answer if full_output else answer.hess


def entry_names(shape: tuple[int, ...], p: NDArray[np.intp], q: NDArray[np.intp], name: str) -> str:
    """``H[0, 1], H[1, 1] and 3 more`` for entries given by flat element indices; for
    x of more than one axis, ``H[x[0, 1], x[1, 0]]``.

    >>> entry_names((3,), np.array([0, 1]), np.array([1, 2]), "H")
    'H[0, 1], H[1, 2]'
    """

    def one(i: int, j: int) -> str:
        if len(shape) == 1:
            return f"{name}[{i}, {j}]"
        return f"{name}[{element_name(shape, i)}, {element_name(shape, j)}]"

    quoted = ", ".join(
        one(int(i), int(j)) for i, j in zip(p[:QUOTED_ENTRIES], q[:QUOTED_ENTRIES], strict=True)
    )
    more = p.size - QUOTED_ENTRIES
    return quoted + (f" and {more} more" if more > 0 else "")


def warn_entries(
    result: SecondDerivatives, describe: Callable[[NDArray[np.intp]], str], name: str
) -> None:
    """One warning per cause for the entries that are not CONVERGED (STEP_SHRUNK is
    good: the status says it); NONFINITE entries are set to nan. ``describe`` names
    entries given by their indices, ``name`` is what the values are called."""
    code = GradientStatus
    status = result.status
    nonfinite = np.flatnonzero(status == code.NONFINITE)
    if nonfinite.size:
        result.value[nonfinite] = np.nan
        where = describe(nonfinite)
        issue_warning(
            f"f returned inf or nan at the points of {where} at every step tried; those "
            "entries are nan. Check the domain of f near x.",
            NonFiniteWarning,
        )
    kink = np.flatnonzero(status == code.NONSMOOTH)
    if kink.size:
        k = int(kink[0])
        issue_warning(
            f"the second derivative does not exist at x for {describe(kink)}: the first "
            "derivative has a kink there (its differences shrink in proportion to the step, "
            "as where f'' jumps, not to its square). The value given is the mean of the "
            f"one-sided second derivatives, and its error bar spans both ({name} = "
            f"{result.value[k]:.6g} ± {result.error[k]:.2g} at the first); evaluate at a "
            "point away from the kink.",
            PrecisionWarning,
        )
    unsettled = np.flatnonzero(status == code.STEP_TOO_LARGE)
    if unsettled.size:
        k = int(unsettled[0])
        issue_warning(
            f"{describe(unsettled)} did not settle: the second differences never shrank as "
            "the step halved, as they do once the steps are small enough for f (or a step "
            f"off the ladder disagreed), so nothing is verified ({name} = "
            f"{result.value[k]:.6g} at the first, error bar inf). The second derivative "
            "may be infinite there, or f vary on a scale below the finest step; pass "
            "max_levels= for more levels.",
            PrecisionWarning,
        )
    limited = np.flatnonzero(status == code.LEVEL_LIMIT)
    if limited.size:
        k = int(limited[0])
        issue_warning(
            f"{describe(limited)} used all its levels without reaching its tolerance "
            f"({name} = {result.value[k]:.6g} ± {result.error[k]:.2g} at the first; the "
            "error bar is honest): pass max_levels= for more levels, or a looser rtol.",
            PrecisionWarning,
        )
    rounding = np.flatnonzero(status == code.ROUNDING_LIMITED)
    if rounding.size:
        k = int(rounding[0])
        issue_warning(
            f"f's rounding limits {describe(rounding)}: the "
            "second differences stopped improving before reaching their tolerance "
            f"({name} = {result.value[k]:.6g} ± {result.error[k]:.2g} at the first). The error "
            "bar is honest; for better, compute f in higher precision or rescale it.",
            PrecisionWarning,
        )
