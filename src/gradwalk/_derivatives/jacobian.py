"""The Jacobian of a vector-valued function: every method and evaluation mode of the
gradient, with f's values carrying trailing axes (see :mod:`gradwalk._engine.points`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Unpack, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._engine.driver import differentiate
from gradwalk._engine.evaluators.options import Progress, Workers, check_options
from gradwalk._engine.points import Step

from .boundary import across_libraries
from .directional import jacobian_operator
from .jacobian_result import JacobianResult, jacobian_result, outputs_first
from .keywords import JacobianKeywords
from .sparse_jacobian import sparse_jacobian

__all__ = ["JacobianResult", "numerical_jacobian", "outputs_first"]


@overload
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[True],
    sparsity: object = ...,
    **options: Unpack[JacobianKeywords],
) -> JacobianResult: ...


@overload
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[False] = ...,
    sparsity: None = ...,
    as_linear_operator: Literal[False] = ...,
    **options: Unpack[JacobianKeywords],
) -> NDArray[np.floating]: ...


@overload
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[False] = ...,
    sparsity: object = ...,
    as_linear_operator: bool = ...,
    **options: Unpack[JacobianKeywords],
) -> Any: ...


@across_libraries(lenient=("bounds", "step_direction"))
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = None,
    *,
    method: str = "central",
    order: int | None = None,
    bounds: tuple[ArrayLike, ArrayLike] | None = None,
    step_direction: ArrayLike | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: Progress = False,
    worker_threads: int | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
    sparsity: object = None,
    as_linear_operator: bool = False,
) -> Any:
    """Numerical Jacobian of a vector-valued f at x: dense, sparse, or as a linear operator.

    The gradient's machinery with f's values carrying their own axes: every method, step
    rule and evaluation mode of :func:`~gradwalk.numerical_gradient`, the same
    evaluations per element (one more: f(x), to learn the shape of its values), and the
    same semantics for the caller's array (perturbed in place and restored bit for bit,
    unless ``vectorized`` or ``workers`` is given).

    With ``sparsity`` (the entries that may be nonzero), columns that share no row are
    moved together: f is evaluated once per group and point of the method's stencil
    instead of once per element (Curtis, Powell and Reid 1974), each column at its own
    exact step, and the result is a ``scipy.sparse.csr_array`` (needs SciPy: the
    ``sparse`` extra). :func:`~gradwalk.jacobian_sparsity` finds a pattern from f.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape (a scalar gives the gradient); with
        ``vectorized=True``, f takes ``(k, *x.shape)`` and returns ``(k, *f(x).shape)``.
    x : array_like
        Point of any shape, as for :func:`~gradwalk.numerical_gradient`.
    h, method, order, bounds, step_direction, vectorized, batch_size, workers, progress
        As for :func:`~gradwalk.numerical_gradient`. With "richardson" every output of
        an element has its own extrapolation and error estimate over the same
        evaluations; an element is refined while any of its outputs needs it.
    worker_threads, rtol, atol, max_levels
        As for :func:`~gradwalk.numerical_gradient` (rtol, atol and max_levels are
        for "richardson", per entry).
    full_output : bool
        Return a :class:`JacobianResult` (with a per-entry error estimate).
    sparsity : array_like or scipy.sparse matrix, optional
        The entries that may be nonzero: a boolean array (or 0/1) of shape (outputs,
        elements), both flattened, or ``f(x).shape + x.shape``; or any
        ``scipy.sparse`` matrix or array of shape (outputs, elements). Every other
        entry is zero by definition. Every method works with it ("richardson" refines
        each entry on its own ladder; a group is evaluated while any of its entries
        refines). ``JacobianResult.colours`` is the number of groups. Two more
        evaluations verify the result: a central difference along a random half of the
        columns must match the Jacobian's product with that move, row by row (an entry
        missing from the pattern goes, unseen, into an entry of its row whose column
        shares its group: the random half, drawn from a fixed seed, shows it only
        where it moves the two differently and the entry is above 1e-3 of the row's
        move, or where it moves the missing column and none of the row's own, so such
        an entry can go unseen; when the pattern is in doubt, compare with
        :func:`~gradwalk.jacobian_vector_product` along a random direction, or find
        the pattern with :func:`~gradwalk.jacobian_sparsity`). Where f's values show an
        entry outside the pattern, a few more evaluations find its column and a
        :class:`~gradwalk.SparsityWarning` names it; rows that f contradicts get inf
        error bars, and the elements with entries in them (or found to move them) the
        status ``PATTERN_MISSED``.
    as_linear_operator : bool
        Return a ``scipy.sparse.linalg.LinearOperator`` of shape (outputs, elements)
        whose ``matvec(v)`` is :func:`~gradwalk.jacobian_vector_product` with this
        method and step (``h=None``: "auto"), for Krylov solvers such as
        ``scipy.sparse.linalg.gmres``; f(x) is evaluated once, for the shape, and
        ``operator.nfev`` counts f's evaluations so far.

    Returns
    -------
    ndarray, scipy.sparse.csr_array, LinearOperator or JacobianResult
        The Jacobian, shape ``f(x).shape + x.shape``, x's floating dtype; with
        ``sparsity``, a CSR array of shape (outputs, elements).

    Raises
    ------
    TypeError
        f is not callable, or returns something other than a real numeric array; x is
        not real numeric; h is not a number; sparsity is not a boolean array or a
        scipy.sparse matrix.
    ValueError
        f returns arrays of a shape other than f(x)'s; unknown method; h not positive;
        a pattern of the wrong shape; as_linear_operator with full_output, sparsity,
        bounds or step_direction.
    ImportError
        sparsity or as_linear_operator without SciPy installed.
    InputModifiedError
        f modified x (x is restored).

    Warns
    -----
    NonFiniteWarning
        f was not finite at some points: the affected entries are nan.
    PrecisionWarning, IgnoredInputWarning
        As for :func:`~gradwalk.numerical_gradient`.
    SparsityWarning
        f's values show entries that the pattern given lacks (they are zero in the
        result).

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], x[0] ** 2])
    >>> numerical_jacobian(f, np.array([3.0, 2.0]), method="complex")
    array([[2., 3.],
           [6., 0.]])

    A bidiagonal Jacobian from two groups of columns: f(x), 2 × 2 evaluations and 2 that
    verify it, at any size.

    >>> g = lambda u: np.diff(u, prepend=0.0) ** 2
    >>> pattern = np.eye(6, dtype=bool) | np.eye(6, k=-1, dtype=bool)
    >>> result = numerical_jacobian(g, np.arange(6.0), "auto", sparsity=pattern,
    ...                             full_output=True)
    >>> result.colours, result.nfev, result.jac.shape
    (2, 7, (6, 6))
    """
    options = check_options(vectorized, batch_size, workers, progress, worker_threads)
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    if as_linear_operator:
        given = [
            name
            for name, value in (
                ("full_output", full_output),
                ("sparsity", sparsity),
                ("bounds", bounds),
                ("step_direction", step_direction),
            )
            if value is not None and value is not False
        ]
        if given:
            raise ValueError(
                f"as_linear_operator=True returns an operator whose products are "
                f"directional differences, which {' and '.join(given)} do not apply to; "
                "leave them out, or pass as_linear_operator=False for the matrix."
            )
        return jacobian_operator(f, x, h, method, options, order, accuracy)
    if sparsity is not None:
        result = sparse_jacobian(
            f, x, sparsity, h, method, options, order, bounds, step_direction, accuracy
        )
    else:
        result = jacobian_result(
            differentiate(
                f, x, h, method, options, order, bounds, step_direction, accuracy, vector=True
            ),
            np.ndim(x),
        )
    return result if full_output else result.jac
