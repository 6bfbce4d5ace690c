"""The Jacobian of a vector-valued function: every method and evaluation mode of the
gradient, with f's values carrying trailing axes (see :mod:`gradwalk._engine.points`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Unpack, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._engine.display import derivative_html
from gradwalk._engine.driver import GradientResult, differentiate
from gradwalk._engine.evaluators.options import Progress, Workers, check_options
from gradwalk._engine.points import Step

from .boundary import across_libraries
from .keywords import JacobianKeywords

__all__ = ["JacobianResult", "numerical_jacobian", "outputs_first"]


@dataclass(frozen=True, eq=False)
class JacobianResult:
    """A numerical Jacobian with what it cost and how far it can be trusted.

    Attributes
    ----------
    jac : ndarray
        The Jacobian, shape ``f(x).shape + x.shape``: ``jac[k][i]`` is the derivative of
        output k with respect to element i of x.
    error : ndarray
        Estimated absolute error of each entry (jac's shape), as ``GradientResult.error``:
        nan for the single differences, an estimate for "richardson" and for "complex"
        with ``h="auto"``.
    nfev : int
        Number of evaluations of f (f(x) included).
    step : ndarray
        The step used for each entry (jac's shape).
    method : str
        The method that produced it.
    status : ndarray of int8
        One :class:`~gradwalk.GradientStatus` code per element of x (x's shape): the
        most severe over that element's outputs.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], x[0] + 2 * x[1]])
    >>> result = numerical_jacobian(f, [1.0, 2.0], method="complex", full_output=True)
    >>> result.jac, result.nfev
    (array([[2., 1.],
           [1., 2.]]), 3)
    """

    jac: NDArray[np.floating]
    error: NDArray[np.floating]
    nfev: int
    step: NDArray[np.floating]
    method: str
    status: NDArray[np.int8]

    def __repr__(self) -> str:
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            jac = np.array2string(self.jac, separator=", ", prefix="              ")
        return f"JacobianResult(method={self.method!r}, nfev={self.nfev},\n              jac={jac})"

    def _repr_html_(self) -> str:
        """The notebook display: method, cost, status verdict per element of x, the values."""
        return derivative_html(
            "JacobianResult", self.jac, self.error, self.step, self.status, self.method, self.nfev
        )


def outputs_first(array: NDArray[Any], x_ndim: int) -> NDArray[Any]:
    """An array of shape ``x.shape + out`` rearranged to ``out + x.shape``.

    >>> import numpy as np
    >>> outputs_first(np.zeros((2, 3, 4)), 1).shape
    (3, 4, 2)
    """
    ndim = array.ndim
    return np.transpose(array, (*range(x_ndim, ndim), *range(x_ndim)))


def jacobian_result(result: GradientResult, x_ndim: int) -> JacobianResult:
    """The driver's result (one row per element of x) as a :class:`JacobianResult`."""
    step = np.broadcast_to(
        result.step.reshape(result.step.shape + (1,) * (result.grad.ndim - result.step.ndim)),
        result.grad.shape,
    )
    return JacobianResult(
        jac=outputs_first(result.grad, x_ndim),
        error=outputs_first(result.error, x_ndim),
        nfev=result.nfev,
        step=outputs_first(step, x_ndim).copy(),
        method=result.method,
        status=result.status,
    )


@overload
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[False] = ...,
    **options: Unpack[JacobianKeywords],
) -> NDArray[np.floating]: ...


@overload
def numerical_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[True],
    **options: Unpack[JacobianKeywords],
) -> JacobianResult: ...


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
) -> NDArray[np.floating] | JacobianResult:
    """Numerical Jacobian of a vector-valued f at x.

    The gradient's machinery with f's values carrying their own axes: every method, step
    rule and evaluation mode of :func:`~gradwalk.numerical_gradient`, the same
    evaluations per element (one more: f(x), to learn the shape of its values), and the
    same semantics for the caller's array (perturbed in place and restored bit for bit,
    unless ``vectorized`` or ``workers`` is given).

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
    full_output : bool
        Return a :class:`JacobianResult` (with a per-entry error estimate).

    Returns
    -------
    ndarray or JacobianResult
        The Jacobian, shape ``f(x).shape + x.shape``, x's floating dtype.

    Raises
    ------
    TypeError
        f is not callable, or returns something other than a real numeric array; x is
        not real numeric; h is not a number.
    ValueError
        f returns arrays of a shape other than f(x)'s; unknown method; h not positive.
    InputModifiedError
        f modified x (x is restored).

    Warns
    -----
    NonFiniteWarning
        f was not finite at some points: the affected entries are nan.
    PrecisionWarning, IgnoredInputWarning
        As for :func:`~gradwalk.numerical_gradient`.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], x[0] ** 2])
    >>> numerical_jacobian(f, np.array([3.0, 2.0]), method="complex")
    array([[2., 3.],
           [6., 0.]])
    """
    options = check_options(vectorized, batch_size, workers, progress)
    ndim = np.ndim(x)
    result = jacobian_result(
        differentiate(f, x, h, method, options, order, bounds, step_direction, vector=True), ndim
    )
    return result if full_output else result.jac
