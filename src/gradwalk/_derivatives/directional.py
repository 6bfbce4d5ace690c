"""Jacobian-vector products: the derivative of f along a direction, J(x)·v, without
forming J, and the Jacobian as a ``scipy.sparse.linalg.LinearOperator`` for Krylov
solvers.

J·v is the derivative of ``t -> f(x + t·d)`` at t = 0, computed by the engine's driver
with every method; d is v scaled so that a step of t moves no element of x by more than
t·max(1, |x_i|), as a step of ``h="auto"`` would. For Richardson extrapolation d is also
rounded so that every point x ± t·d of its ladder is exact (the points of a dense
direction are otherwise rounded, and that rounding, amplified by a stiff Jacobian, is
noise that no ladder of steps can see); the tiny remainder v/s - d is added back as its
own central difference.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.validate import check_callable
from gradwalk._engine.driver import differentiate, value_at_x
from gradwalk._engine.evaluators.options import Options, Workers, check_options
from gradwalk._engine.inputs import scale, working_array
from gradwalk._engine.methods import method_named
from gradwalk._engine.points import Step
from gradwalk._engine.richardson import RICHARDSON_LEVELS
from gradwalk._engine.steps import step_sizes

from .boundary import across_libraries
from .jacobian_result import JacobianResult, jacobian_result

__all__ = [
    "directional_derivative",
    "exact_direction",
    "jacobian_operator",
    "jacobian_vector_product",
]

#: Octaves of steps below Richardson's first step (beyond its levels) over which the
#: points x ± t·d stay exact: room for its first step to shrink into f's domain.
_SPARE_OCTAVES = 4

#: The share of the remainder's contribution added to the error bar (the remainder is
#: a central difference, good to far better than this).
_REMAINDER_SHARE = 1e-3


@dataclass(frozen=True)
class _Line:
    """f along a direction: ``t -> f(x + t·d)`` (a class, so that it pickles for workers).

    Vectorized, t is a batch of k numbers and f gets the k points stacked."""

    f: Callable[[Any], object]
    x: NDArray[Any]
    direction: NDArray[Any]
    vectorized: bool

    def __call__(self, t: NDArray[Any]) -> object:
        if self.vectorized:
            steps = np.asarray(t).reshape((-1,) + (1,) * self.x.ndim)
            return self.f(self.x[np.newaxis] + steps * self.direction[np.newaxis])
        return self.f(self.x + np.asarray(t).reshape(()) * self.direction)


def _direction(x: NDArray[Any], v: ArrayLike) -> NDArray[Any]:
    """v as a real, finite array of x's shape and dtype, or an error that says what is wrong."""
    direction = np.asarray(v)
    if direction.dtype.kind not in "fiu" or direction.shape != x.shape:
        got = f"shape {direction.shape}" if direction.dtype.kind in "fiu" else repr(v)
        raise ValueError(
            f"v must be a real array of x's shape {x.shape}, got {got} (dtype "
            f"{direction.dtype}): one direction component per element of x."
        )
    if not np.all(np.isfinite(direction)):
        raise ValueError("v must be finite: it holds inf or nan.")
    return direction.astype(x.dtype)


def _unit(x: NDArray[Any], v: NDArray[Any]) -> tuple[float, NDArray[Any]]:
    """v = size·unit with size a power of two (so the division is exact) and no
    component of unit above max(1, |x_i|) (1 and v itself for v = 0)."""
    ratio = float(np.max(np.abs(v) / scale(x), initial=0.0))
    if ratio == 0 or not math.isfinite(ratio):  # J·0 = 0 (inf: v overflows beside x)
        return 1.0, v
    size = 2.0 ** math.ceil(math.log2(ratio))
    return size, (v / size).astype(x.dtype)


def _first_step(dtype: np.dtype[Any]) -> float:
    """Richardson's first step in t: its "auto" step at 0, rounded down to a power of two
    (so that every step of its ladder, and each step times d, is exact)."""
    auto = float(step_sizes(np.zeros(1, dtype=dtype), "auto", "richardson")[0])
    return 2.0 ** math.floor(math.log2(auto))


def _exact_direction(x: NDArray[Any], d: NDArray[Any], max_levels: int | None) -> NDArray[Any]:
    """d rounded so that x ± t·d is exact for every power-of-two t from Richardson's first
    step at 0 down its levels (+ spare octaves): each component a multiple of the spacing
    of floats at |x| + first·|d| over the smallest such t (|x + t·d| stays within that
    spacing's range, where such multiples are floats; a point that crosses a power of two
    away from x, at the largest steps, may still round)."""
    first = _first_step(x.dtype)
    levels = RICHARDSON_LEVELS if max_levels is None else int(max_levels)
    smallest = first * 2.0 ** -(levels + _SPARE_OCTAVES)
    quantum = np.spacing(np.abs(x) + first * np.abs(d)) / smallest
    exact: NDArray[Any] = (np.round(d / quantum) * quantum).astype(x.dtype)
    return exact


def exact_direction(x: ArrayLike, v: ArrayLike, max_levels: int | None = None) -> NDArray[Any]:
    """v rounded (by about 1e-8 of each component, relatively) so that Richardson's
    points x ± t·v along it are exact: J·v along it needs no remainder's evaluations.

    >>> import numpy as np
    >>> v = exact_direction([0.3, 2.0], [0.7, -1.1])
    >>> bool(np.allclose(v, [0.7, -1.1], rtol=1e-7)), bool(np.all(v != [0.7, -1.1]))
    (True, True)
    """
    point = np.array(working_array(x)[0], copy=True)
    size, unit = _unit(point, _direction(point, v))
    exact: NDArray[Any] = _exact_direction(point, unit, max_levels) * size
    return exact


@across_libraries(same=("v",))
def jacobian_vector_product(
    f: Callable[[Any], object],
    x: ArrayLike,
    v: ArrayLike,
    h: Step | None = None,
    *,
    method: str = "richardson",
    order: int | None = None,
    full_output: bool = False,
    vectorized: bool = False,
    batch_size: int | None = None,
    workers: Workers | None = None,
    progress: bool = False,
    worker_threads: int | None = None,
    rtol: float | None = None,
    atol: float | None = None,
    max_levels: int | None = None,
) -> Any:
    """The product J(x)·v of f's Jacobian with a direction v, without forming J.

    The derivative of ``t -> f(x + t·v)`` at t = 0 by any method: a cost independent of
    the size of x (Richardson: about 10 to 15 evaluations with an error bar; "central":
    2; "complex": 1, for a complex-safe f). Forward-mode automatic differentiation gives
    the same product exactly; this is its finite-difference counterpart for a black-box f.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape; with ``vectorized=True``, f takes
        ``(k, *x.shape)`` and returns ``(k, *f(x).shape)``.
    x : array_like
        The point (never modified: f receives new arrays x + t·v).
    v : array_like
        The direction, x's shape.
    h : float or "auto", optional
        The step along v (points x ± h·v). None or "auto": a step relative to x, the
        method's "auto" step for the scale of v (no element moves by more than that
        step times max(1, |x_i|)).
    method, order, vectorized, batch_size, workers, progress, worker_threads
        As for :func:`~gradwalk.numerical_jacobian`.
    rtol, atol, max_levels
        As for :func:`~gradwalk.numerical_gradient` ("richardson" only).
    full_output : bool
        Return a :class:`~gradwalk.JacobianResult` (``jac`` is J·v, with ``error``,
        ``nfev``, ``step`` along v and ``status``).

    Returns
    -------
    ndarray or JacobianResult
        J(x)·v, with f(x)'s shape (float64, or x's floating dtype).

    Raises
    ------
    ValueError
        v does not have x's shape or is not finite; an unknown method or order.
    TypeError
        f is not callable or returns something other than a real array.

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        As for :func:`~gradwalk.numerical_jacobian`, about the derivative along v.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], np.sin(x[0])])      # J = [[x1, x0], [cos x0, 0]]
    >>> jv = jacobian_vector_product(f, [0.5, 2.0], [1.0, -1.0])
    >>> bool(np.allclose(jv, [2.0 - 0.5, np.cos(0.5)], rtol=1e-12))
    True
    >>> jacobian_vector_product(f, [0.5, 2.0], [1.0, -1.0], method="complex")
    array([1.5       , 0.87758256])
    """
    options = check_options(vectorized, batch_size, workers, progress, worker_threads)
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    result = directional_derivative(f, x, v, h, method, options, order, accuracy)
    return result if full_output else result.jac


def directional_derivative(
    f: Callable[[Any], object],
    x: ArrayLike,
    v: ArrayLike,
    h: Step | None,
    method: str,
    options: Options,
    order: int | None,
    accuracy: dict[str, Any],
    value_shape: tuple[int, ...] | None = None,
    exact: bool = True,
) -> JacobianResult:
    """J(x)·v as a :class:`JacobianResult` (see :func:`jacobian_vector_product`);
    ``value_shape`` (f(x)'s shape, when known) spares the evaluation of f(x). With
    ``exact`` False the direction is used as given, without the rounding that keeps
    Richardson's points exact (and without the remainder's evaluations)."""
    check_callable(f, "f", "taking an array")
    record = method_named(method)
    point = np.array(working_array(x)[0], copy=True)
    size, unit = _unit(point, _direction(point, v))
    t0 = np.zeros((), dtype=point.dtype)
    if not np.any(unit):  # J·0 = 0, whatever f
        shape = value_shape if value_shape is not None else value_at_x(f, point, options).shape
        zeros = np.zeros(shape, dtype=np.result_type(point.dtype, np.float16))
        status = np.zeros((), dtype=np.int8)
        return JacobianResult(zeros, zeros, int(value_shape is None), zeros, method, status)
    step: Step = "auto" if h is None else h
    if not isinstance(step, str):
        step = float(step) * size
    snapped = unit
    if exact and record.name == "richardson" and isinstance(step, str) and order is None:
        snapped = _exact_direction(point, unit, accuracy.get("max_levels"))
        step = _first_step(point.dtype)
    line = _Line(f, point, snapped, options.vectorized)
    result = jacobian_result(
        differentiate(
            line,
            t0,
            step,
            method,
            options,
            order,
            accuracy=accuracy,
            vector=True,
            value_shape=value_shape,
        ),
        0,
    )
    jac, error, nfev = result.jac, result.error, result.nfev
    remainder = (unit - snapped).astype(np.float64)
    if np.any(remainder):
        share = float(np.max(np.abs(remainder) / scale(point)))
        rest = _Line(f, point, (remainder / share).astype(point.dtype), options.vectorized)
        extra = differentiate(
            rest, t0, "auto", "central", options, vector=True, value_shape=jac.shape
        )
        added = extra.grad * share
        jac = jac + added
        error = error + _REMAINDER_SHARE * np.abs(added)
        nfev += extra.nfev
    return JacobianResult(
        jac=jac * size,
        error=error * size,
        nfev=nfev,
        step=result.step / size,
        method=method,
        status=result.status,
    )


def jacobian_operator(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None,
    method: str,
    options: Options,
    order: int | None,
    accuracy: dict[str, Any],
) -> Any:
    """numerical_jacobian(..., as_linear_operator=True): a LinearOperator of shape
    (outputs, elements) whose matvec is :func:`directional_derivative`; f(x) is
    evaluated once here, for the shape. Its ``nfev`` counts f's evaluations so far."""
    linalg = scipy_sparse("numerical_jacobian(as_linear_operator=True)").linalg
    check_callable(f, "f", "taking an array")
    method_named(method)
    point = np.array(working_array(x)[0], copy=True)
    value = value_at_x(f, point, options)
    value_shape = value.shape
    dtype = np.result_type(point.dtype, np.float16)

    class JacobianOperator(linalg.LinearOperator):  # type: ignore[misc,name-defined]
        """The Jacobian of f at x as a linear operator: matvec is a directional difference."""

        def __init__(self) -> None:
            super().__init__(dtype=dtype, shape=(value.size, point.size))
            self.nfev = 1

        def _matvec(self, v: NDArray[Any]) -> NDArray[Any]:
            result = directional_derivative(
                f,
                point,
                np.asarray(v).reshape(point.shape),
                h,
                method,
                options,
                order,
                accuracy,
                value_shape=value_shape,
            )
            self.nfev += result.nfev
            return np.asarray(result.jac).reshape(-1)

    return JacobianOperator()
