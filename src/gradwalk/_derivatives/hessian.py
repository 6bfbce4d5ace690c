"""The Hessian and Hessian-vector products.

:func:`numerical_hessian` uses the second differences of Abramowitz & Stegun 25.3.23
and 25.3.26 (the diagonal from x ± h e_i, the mixed entries from the four points
x ± h_i e_i ± h_j e_j, each entry computed once and mirrored), at halving steps with
Richardson extrapolation: their errors are series in h², as the central difference's.
:func:`hessian_vector_product` differentiates the gradient along v: the Jacobian of
``t -> grad(x + t v)`` at t = 0, with every method of :func:`~gradwalk.numerical_jacobian`.
"""

from __future__ import annotations

import multiprocessing.pool
import warnings
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, Literal, Unpack, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.html import array_block, card
from gradwalk._common.validate import choice_hint
from gradwalk._common.warnings import IgnoredInputWarning, NonFiniteWarning, issue_warning
from gradwalk._engine.driver import differentiate
from gradwalk._engine.evaluators.options import Options, Workers, check_options
from gradwalk._engine.first_step import DOMAIN_SHRINKS, SHRINK
from gradwalk._engine.inputs import (
    InputModifiedError,
    analytic_gradient,
    changed_elements,
    modified_message,
    names,
    real_value,
    scale,
    working_array,
)
from gradwalk._engine.methods import method_named
from gradwalk._engine.points import Step
from gradwalk._engine.rounding import ROUNDING_ULPS
from gradwalk._engine.steps import check_step, representable_step

from .boundary import across_libraries
from .gradient import numerical_gradient
from .jacobian_result import jacobian_result
from .keywords import HessianKeywords

__all__ = ["HessianResult", "hessian_vector_product", "numerical_hessian"]

#: Halvings of the step for method="richardson" (extrapolant of order 2 · LEVELS).
LEVELS = 4

#: First step relative to max(1, |x|), per method: for "central" rounding (eps / h²) and
#: truncation (h²) balance at eps**(1/4); for "richardson" a far larger step (about 0.17),
#: as its extrapolant is of order 8 and rounding, divided by h², dominates (measured on
#: the accuracy benchmark).
_FIRST_STEP = {"central": 1.0 / 4, "richardson": 1.0 / 20}

#: The methods of numerical_hessian.
HESSIAN_METHODS = {
    "central": "one level of second differences (1 + 2n² evaluations)",
    "richardson": f"second differences at {LEVELS} halving steps, extrapolated",
}


@dataclass(frozen=True, eq=False)
class HessianResult:
    """A numerical Hessian with its error estimate and cost.

    Attributes
    ----------
    hess : ndarray
        The Hessian, shape ``x.shape + x.shape``, symmetric.
    error : ndarray
        Estimated absolute error per entry (hess's shape): for "richardson" the distance
        between the last two extrapolants plus the rounding error of f amplified by the
        finest step; nan for "central".
    nfev : int
        Number of evaluations of f.
    method : str
        The method that produced it.

    Examples
    --------
    >>> import numpy as np
    >>> result = numerical_hessian(lambda x: x[0] ** 2 * x[1], [1.0, 3.0], full_output=True)
    >>> bool(np.allclose(result.hess, [[6, 2], [2, 0]], atol=1e-12)), result.nfev
    (True, 33)
    """

    hess: NDArray[np.floating]
    error: NDArray[np.floating]
    nfev: int
    method: str

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


def _evaluate(
    f: Callable[[Any], object],
    work: NDArray[np.floating],
    moves: NDArray[np.intp],
    values: NDArray[np.floating],
    options: Options,
) -> NDArray[np.floating]:
    """f at x with elements ``moves[k]`` (two flat indices, -1: none) set to ``values[k]``.

    In place on ``work`` (each point set, f called, the elements restored), or on copies
    of x: stacked for a vectorized f, mapped over ``options.workers``.
    """
    flat = work.reshape(-1)
    original = flat.copy()
    if options.workers is None and not options.vectorized:
        out = np.empty(len(moves))
        for k, (pair, new) in enumerate(zip(moves, values, strict=True)):
            chosen = pair[pair >= 0]
            flat[chosen] = new[pair >= 0]
            try:
                out[k] = real_value(f(work))
                if np.any(flat[chosen] != new[pair >= 0]):
                    raise InputModifiedError(modified_message(work.shape, chosen), int(chosen[0]))
            finally:
                flat[chosen] = original[chosen]
        return out
    points = np.repeat(original[np.newaxis], len(moves), axis=0)
    rows = np.repeat(np.arange(len(moves)), 2)
    used = moves.reshape(-1) >= 0
    points[rows[used], moves.reshape(-1)[used]] = values.reshape(-1)[used]
    points = points.reshape((len(moves), *work.shape))
    if options.workers is None:
        size = options.batch_size or len(moves)
        parts = [
            np.asarray(f(points[start : start + size]), dtype=np.float64).reshape(-1)
            for start in range(0, len(moves), size)
        ]
        return np.concatenate(parts) if parts else np.empty(0)
    workers = options.workers
    batch = list(points)
    if isinstance(workers, int):
        with multiprocessing.Pool(workers) as pool:
            results: Any = pool.map(f, batch)
    elif isinstance(workers, Executor):
        results = list(workers.map(f, batch))
    else:
        results = list(workers(f, batch))
    return np.array([real_value(value) for value in results], dtype=np.float64)


def _second_differences(
    f_values: NDArray[np.floating], f_at_x: float, n: int, h: NDArray[np.floating]
) -> NDArray[np.floating]:
    """The Hessian estimate of one level from its values (see :func:`_level_points`)."""
    hess = np.empty((n, n))
    diagonal = f_values[: 2 * n]
    hess[np.diag_indices(n)] = (diagonal[0::2] - 2 * f_at_x + diagonal[1::2]) / h**2
    i, j = np.triu_indices(n, 1)
    mixed = f_values[2 * n :].reshape(-1, 4)
    entries = (mixed[:, 0] - mixed[:, 1] - mixed[:, 2] + mixed[:, 3]) / (4 * h[i] * h[j])
    hess[i, j] = entries
    hess[j, i] = entries
    return hess


def _outside_domain(f_values: NDArray[np.floating], n: int) -> NDArray[np.intp]:
    """The elements whose points x ± h e_i of a level (the first 2n values) are not
    finite: the step left f's domain there (log or sqrt near 0)."""
    single = f_values[: 2 * n]
    return np.flatnonzero(~(np.isfinite(single[0::2]) & np.isfinite(single[1::2])))


def _shrink_into_domain(
    f: Callable[[Any], object],
    work: NDArray[np.floating],
    x0: NDArray[np.floating],
    first: NDArray[np.floating],
    outside: NDArray[np.intp],
    options: Options,
) -> int:
    """Shrink ``first`` (in place) by SHRINK along the elements ``outside`` until f is
    finite at x ± h e_i (at most DOMAIN_SHRINKS times, as the Richardson ladder of the
    gradient does); returns the evaluations spent. An element still outside keeps its
    non-finite values and ends as nan."""
    nfev = 0
    for _ in range(DOMAIN_SHRINKS):
        if not outside.size:
            break
        first[outside] = representable_step(x0[outside], first[outside] / SHRINK)
        moves = np.stack([np.repeat(outside, 2), np.full(2 * outside.size, -1)], axis=1)
        steps = np.repeat(first[outside], 2) * np.tile([1.0, -1.0], outside.size)
        values = np.stack([np.repeat(x0[outside], 2) + steps, np.zeros(2 * outside.size)], 1)
        f_values = _evaluate(f, work, moves.astype(np.intp), values.astype(x0.dtype), options)
        nfev += len(moves)
        outside = outside[_outside_domain(f_values, outside.size)]
    return nfev


def _level_points(
    x0: NDArray[np.floating], h: NDArray[np.floating]
) -> tuple[NDArray[np.intp], NDArray[np.floating]]:
    """The points of one level: x ± h_i e_i, then x + s h_i e_i + t h_j e_j for i < j and
    (s, t) = (+, +), (+, -), (-, +), (-, -)."""
    n = x0.size
    element = np.arange(n)
    single = np.stack([np.repeat(element, 2), np.full(2 * n, -1)], axis=1)
    single_values = np.stack([np.ravel(np.stack([x0 + h, x0 - h], axis=1)), np.zeros(2 * n)], 1)
    i, j = np.triu_indices(n, 1)
    signs = np.array([[1, 1], [1, -1], [-1, 1], [-1, -1]], dtype=np.float64)
    pair = np.repeat(np.stack([i, j], axis=1), 4, axis=0)
    s = np.tile(signs, (i.size, 1))
    pair_values = np.stack(
        [x0[pair[:, 0]] + s[:, 0] * h[pair[:, 0]], x0[pair[:, 1]] + s[:, 1] * h[pair[:, 1]]], 1
    )
    moves = np.concatenate([single, pair]).astype(np.intp)
    return moves, np.concatenate([single_values, pair_values]).astype(x0.dtype)


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


@across_libraries()
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
) -> NDArray[np.floating] | HessianResult:
    """Numerical Hessian of a scalar f at x: symmetric, shape ``x.shape + x.shape``.

    Each entry is computed once from second differences (Abramowitz & Stegun 25.3.23 for
    the diagonal, 25.3.26 for the mixed entries) and mirrored. "richardson" (the default)
    evaluates them at :data:`LEVELS` halving steps and extrapolates (1 + 2n² evaluations
    per level, 4 levels); "central" takes one level.

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
        ``eps**(1/20) * max(1, |x|)`` for "richardson".
    method : {"richardson", "central"}
    full_output : bool
        Return a :class:`HessianResult` with a per-entry error estimate.
    vectorized, batch_size, workers
        As for :func:`~gradwalk.numerical_gradient` (``batch_size``: points per call of
        a vectorized f; with workers each point is one task).

    Returns
    -------
    ndarray or HessianResult

    Raises
    ------
    ValueError
        Unknown method, h not positive.
    TypeError
        f does not return a real scalar; x not real numeric.
    InputModifiedError
        f modified x (x is restored).

    Warns
    -----
    NonFiniteWarning
        f was not finite at some points; the affected entries are nan.

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
    options = check_options(vectorized, batch_size, workers, False)
    step_given = check_step("auto" if h is None else h)
    work, is_callers = working_array(x)
    snapshot = work.copy()
    x0 = snapshot.reshape(-1)
    n = x0.size
    eps = float(np.finfo(work.dtype).eps)
    if isinstance(step_given, str):
        first = representable_step(x0, eps ** _FIRST_STEP[method] * scale(x0))
    else:
        first = representable_step(x0, np.full(n, step_given))
    levels = LEVELS if method == "richardson" else 1
    try:
        nowhere = np.full((1, 2), -1, dtype=np.intp)
        f_at_x = float(_evaluate(f, work, nowhere, np.zeros((1, 2), dtype=work.dtype), options)[0])
        estimates = []
        largest = abs(f_at_x)
        nfev = 1
        for level in range(levels):
            h_level = (first / 2**level).astype(work.dtype)
            moves, values = _level_points(x0, h_level)
            f_values = _evaluate(f, work, moves, values, options)
            nfev += len(moves)
            outside = _outside_domain(f_values, n)
            if level == 0 and outside.size:
                nfev += _shrink_into_domain(f, work, x0, first, outside, options)
                h_level = first.astype(work.dtype)
                moves, values = _level_points(x0, h_level)
                f_values = _evaluate(f, work, moves, values, options)
                nfev += len(moves)
            largest = max(largest, float(np.max(np.abs(f_values), initial=0.0)))
            estimates.append(_second_differences(f_values, f_at_x, n, h_level.astype(np.float64)))
        changed = changed_elements(work, snapshot)
        if changed.size:
            raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))
    finally:
        if is_callers:
            np.copyto(work, snapshot)
    hess, error = _extrapolate(estimates, eps * ROUNDING_ULPS * largest, first)
    if method == "central":
        error = np.full_like(hess, np.nan)
    bad = ~np.isfinite(hess)
    if bad.any():
        rows = np.unique(np.nonzero(bad)[0])
        issue_warning(
            f"f returned inf or nan near x, at points moving {names(work.shape, rows)}; "
            "those Hessian entries are nan.",
            NonFiniteWarning,
        )
        hess[bad] = np.nan
    shape = work.shape + work.shape
    dtype = np.result_type(work.dtype, np.float16)
    result = HessianResult(
        hess=hess.astype(dtype).reshape(shape),
        error=error.astype(dtype).reshape(shape),
        nfev=nfev,
        method=method,
    )
    return result if full_output else result.hess


def _romberg(estimates: list[Any]) -> tuple[Any, Any]:
    """The last diagonal entry of Romberg's table over ``estimates`` (errors in h², h⁴,
    ... at halving steps) and the entry of one order less beside it."""
    previous: list[Any] = []
    for j, estimate in enumerate(estimates):
        row = [estimate]
        for k in range(1, j + 1):
            row.append(row[k - 1] + (row[k - 1] - previous[k - 1]) / (4.0**k - 1))
        previous = row
    return previous[-1], previous[-2] if len(previous) > 1 else previous[-1]


def _extrapolate(
    estimates: list[NDArray[np.floating]], noise: float, first: NDArray[np.floating]
) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """The extrapolated Hessian and its error: the distance to the extrapolant of one
    order less, plus f's rounding (``noise``) through each level's second differences
    (4 noise / (h_i h_j)) and the extrapolation weights."""
    last, below = _romberg(estimates)
    levels = len(estimates)
    weights, _ = _romberg(list(np.eye(levels)))
    amplification = float(np.sum(np.abs(weights) * 4.0 ** np.arange(levels)))
    rounding = 4 * noise * amplification / np.outer(first, first)
    return last, np.abs(last - below) + rounding


@across_libraries(same=("v", "grad"), functions=("f", "grad"))
def hessian_vector_product(
    f: Callable[[Any], object] | None,
    x: ArrayLike,
    v: ArrayLike,
    h: Step | None = None,
    *,
    grad: Callable[[Any], object] | None = None,
    method: str = "richardson",
    gradient_method: str = "richardson",
    full_output: bool = False,
) -> Any:
    """The product H(x) v of f's Hessian with v, without forming H.

    The derivative of the gradient along v: the Jacobian of ``t -> grad(x + t v)`` at
    t = 0, by ``method`` (any method of :func:`~gradwalk.numerical_jacobian`; with
    "central", the classic ``(grad(x + h v) - grad(x - h v)) / 2h``). The gradient is
    the user's ``grad`` when given (f is then not needed), else
    ``numerical_gradient(f, ·, method=gradient_method)``.

    Parameters
    ----------
    f : callable or None
        The scalar function; may be None when ``grad`` is given.
    x : array_like
        The point.
    v : array_like
        The direction: x's shape.
    h : float or "auto", optional
        The step in t (as for numerical_jacobian's ``h``).
    grad : callable, optional
        ``grad(x) -> array`` of x's shape: an analytic gradient.
    method, gradient_method : str
        The method in t, and the method of the numerical gradient.
    full_output : bool
        Return the :class:`~gradwalk.JacobianResult` of the derivative in t (its ``jac``
        has x's shape).

    Returns
    -------
    ndarray or JacobianResult
        H(x) v, x's shape.

    Raises
    ------
    ValueError
        v does not have x's shape, or is not finite; neither f nor grad given.
    TypeError
        f or grad is not callable; grad returns something other than x's shape.

    Warns
    -----
    NonFiniteWarning
        The gradient was not finite at some points along v: those entries are nan.
    PrecisionWarning, IgnoredInputWarning
        As for :func:`~gradwalk.numerical_gradient`, from the numerical gradient or
        from the derivative in t.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: x[0] ** 2 * x[1]                       # H = [[2 x1, 2 x0], [2 x0, 0]]
    >>> hv = hessian_vector_product(f, [1.0, 3.0], [1.0, 0.0])
    >>> bool(np.allclose(hv, [6.0, 2.0], atol=1e-9))
    True
    >>> hessian_vector_product(None, [1.0, 3.0], [1.0, 0.0], grad=lambda x: np.array(
    ...     [2 * x[0] * x[1], x[0] ** 2]), method="central", h=1e-3)
    array([6., 2.])
    """
    point = np.array(working_array(x)[0], copy=True)
    direction = np.asarray(v)
    if direction.dtype.kind not in "fiu" or direction.shape != point.shape:
        raise ValueError(
            f"v must be a real array of x's shape {point.shape}, got "
            f"{'shape ' + str(direction.shape) if direction.dtype.kind in 'fiu' else repr(v)}"
            f" (dtype {direction.dtype}): one direction component per element of x."
        )
    if not np.all(np.isfinite(direction)):
        raise ValueError("v must be finite: it holds inf or nan.")
    direction = direction.astype(point.dtype)
    if grad is not None:
        if not callable(grad):
            raise TypeError(f"grad must be a callable returning the gradient, got {grad!r}.")
        user_grad = grad

        def along(t: NDArray[Any]) -> NDArray[Any]:
            value = np.asarray(user_grad(point + t * direction))
            if value.dtype.kind == "c":  # the complex step in t: a complex-safe grad
                return analytic_gradient(value.real, point.shape, "grad(x)") + 1j * value.imag
            return analytic_gradient(value, point.shape, "grad(x)")

    elif f is not None and callable(f):
        if method_named(method).complex_points:
            raise ValueError(
                f"method={method!r} moves x along v by a complex t, which a numerical "
                "gradient cannot follow; pass grad= (an analytic gradient written with "
                "complex-safe operations), or method='richardson'."
            )
        scalar_f = f

        def along(t: NDArray[Any]) -> NDArray[Any]:
            return numerical_gradient(scalar_f, point + t * direction, method=gradient_method)

    else:
        raise TypeError(f"f must be a callable (or pass grad=, an analytic gradient), got f={f!r}.")
    options = check_options(False, None, None, False)
    with warnings.catch_warnings():
        # a gradient that does not change along v is zero curvature, not an f ignoring x
        warnings.simplefilter("ignore", IgnoredInputWarning)
        result = differentiate(
            along,
            np.zeros((), dtype=point.dtype),
            h,
            method,
            options,
            vector=True,
            value_shape=point.shape,
        )
    jacobian = jacobian_result(result, 0)
    return jacobian if full_output else jacobian.jac
