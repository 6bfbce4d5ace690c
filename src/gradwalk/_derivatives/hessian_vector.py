"""Hessian-vector products: H(x) v without forming H.

From f alone (the default), each element is a mixed second difference along e_i and v,
``(H v)_i = d²f / dx_i dv``, on the Hessian's own adaptive ladder
(:mod:`~gradwalk._derivatives.second_differences`): 4 evaluations per element and level
plus the axis points, so far fewer than the full Hessian's 2n² per level, each element
with an error bar and a status. From an analytic gradient (``grad=``), or with
``gradient_method=``, it is the derivative of the gradient along v, the Jacobian of
``t -> grad(x + t v)`` at t = 0.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.warnings import IgnoredInputWarning
from gradwalk._engine.driver import differentiate
from gradwalk._engine.evaluators.options import check_options
from gradwalk._engine.inputs import (
    InputModifiedError,
    analytic_gradient,
    changed_elements,
    modified_message,
    names,
    scale,
    working_array,
)
from gradwalk._engine.methods import method_named
from gradwalk._engine.points import Step
from gradwalk._engine.steps import check_step

from .boundary import across_libraries
from .gradient import numerical_gradient
from .hessian import FIRST_STEP, HESSIAN_METHODS, first_steps, run_ladder, warn_entries
from .jacobian_result import JacobianResult, jacobian_result
from .second_difference_points import PointEvaluator
from .second_differences import LEVELS

__all__ = ["hessian_vector_product"]


@across_libraries(same=("v", "grad"), functions=("f", "grad"))
def hessian_vector_product(
    f: Callable[[Any], object] | None,
    x: ArrayLike,
    v: ArrayLike,
    h: Step | None = None,
    *,
    grad: Callable[[Any], object] | None = None,
    method: str = "richardson",
    gradient_method: str | None = None,
    full_output: bool = False,
) -> Any:
    """The product H(x) v of f's Hessian with v, without forming H.

    From f (no ``grad``, no ``gradient_method``) with ``method`` "richardson" (the
    default) or "central": element i is the mixed second difference of f along e_i
    and v (Abramowitz & Stegun 25.3.26), on the Hessian's adaptive ladder: the same
    error bar, status and warnings as :func:`~gradwalk.numerical_hessian`, at about
    6n evaluations per level instead of 2n². Otherwise it is the derivative of the
    gradient along v, the Jacobian of ``t -> grad(x + t v)`` at t = 0 by ``method``
    (any method of :func:`~gradwalk.numerical_jacobian`; with "central", the classic
    ``(grad(x + h v) - grad(x - h v)) / 2h``); the gradient is the user's ``grad``
    when given (f is then not needed), else ``numerical_gradient(f, ·,
    method=gradient_method)``.

    Parameters
    ----------
    f : callable or None
        The scalar function; may be None when ``grad`` is given.
    x : array_like
        The point (a float array is perturbed in place and restored bit for bit).
    v : array_like
        The direction: x's shape.
    h : float or "auto", optional
        The first step along v (as a multiple of v); None or "auto": chosen so that no
        element moves by more than about 0.17·max(1, |x_i|) ("richardson").
    grad : callable, optional
        ``grad(x) -> array`` of x's shape: an analytic gradient.
    method : str
        "richardson" or "central" for the second differences of f; with ``grad`` or
        ``gradient_method``, the method of the derivative in t.
    gradient_method : str, optional
        Differentiate ``numerical_gradient(f, ·, method=gradient_method)`` along v
        instead of taking second differences of f.
    full_output : bool
        Return a :class:`~gradwalk.JacobianResult` (its ``jac`` has x's shape, with
        ``error``, ``status`` and ``nfev``: the evaluations of f, or of ``grad``).

    Returns
    -------
    ndarray or JacobianResult
        H(x) v, x's shape.

    Raises
    ------
    ValueError
        v does not have x's shape, or is not finite; a complex-step method without
        ``grad``.
    TypeError
        f or grad is not callable (and neither is given); grad returns something other
        than x's shape.
    InputModifiedError
        f modified x (x is restored).

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        As for :func:`~gradwalk.numerical_hessian` (an element that is not CONVERGED),
        or from the derivative in t.

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
    work, is_callers = working_array(x)
    direction = np.asarray(v)
    if direction.dtype.kind not in "fiu" or direction.shape != work.shape:
        raise ValueError(
            f"v must be a real array of x's shape {work.shape}, got "
            f"{'shape ' + str(direction.shape) if direction.dtype.kind in 'fiu' else repr(v)}"
            f" (dtype {direction.dtype}): one direction component per element of x."
        )
    if not np.all(np.isfinite(direction)):
        raise ValueError("v must be finite: it holds inf or nan.")
    direction = direction.astype(work.dtype)
    if grad is not None or gradient_method is not None or method not in HESSIAN_METHODS:
        point = np.array(work, copy=True)
        return _along_gradient(f, point, direction, h, grad, method, gradient_method, full_output)
    if f is None or not callable(f):
        raise TypeError(f"f must be a callable (or pass grad=, an analytic gradient), got f={f!r}.")
    step_given = check_step("auto" if h is None else h)
    snapshot = work.copy()
    x0 = snapshot.reshape(-1)
    n = x0.size
    first = np.empty(n + 1)
    first[:n] = first_steps(x0, "auto", method, None)
    flat_v = direction.reshape(-1).astype(np.float64)
    if isinstance(step_given, str):
        reach = np.abs(flat_v) / scale(x0)  # how far v moves each element, per unit of x
        largest = float(reach.max()) if n else 0.0
        factor = float(np.finfo(work.dtype).eps) ** FIRST_STEP[method]
        first[n] = factor / largest if largest > 0 else 1.0
    else:
        first[n] = float(step_given)
    evaluator = PointEvaluator(f, work, check_options(False, None, None, False), direction)
    accuracy = {"max_levels": LEVELS if method == "richardson" else 1}
    p = np.arange(n, dtype=np.intp)
    q = np.full(n, n, dtype=np.intp)
    try:
        result = run_ladder(evaluator, first, p, q, work.dtype, accuracy)
        changed = changed_elements(work, snapshot)
        if changed.size:
            raise InputModifiedError(modified_message(work.shape, changed), int(changed[0]))
    finally:
        if is_callers:
            np.copyto(work, snapshot)
    shape = work.shape
    warn_entries(result, lambda e: f"(H v) at {names(shape, p[e])}", "(H v)_i")
    dtype = np.result_type(work.dtype, np.float16)
    error = np.full(n, np.nan) if method == "central" else result.error
    answer = JacobianResult(
        jac=result.value.astype(dtype).reshape(shape),
        error=error.astype(dtype).reshape(shape),
        nfev=evaluator.nfev,
        step=result.step.astype(dtype).reshape(shape),
        method=method,
        status=result.status.reshape(shape),
    )
    return answer if full_output else answer.jac


def _along_gradient(
    f: Callable[[Any], object] | None,
    point: NDArray[np.floating],
    direction: NDArray[np.floating],
    h: Step | None,
    grad: Callable[[Any], object] | None,
    method: str,
    gradient_method: str | None,
    full_output: bool,
) -> Any:
    """H v as the Jacobian in t of an analytic or numerical gradient along v; nfev
    counts the evaluations of grad, or of f inside the numerical gradients."""
    inner_nfev = [0]
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
        inner = gradient_method or "richardson"

        def along(t: NDArray[Any]) -> NDArray[Any]:
            result = numerical_gradient(
                scalar_f, point + t * direction, method=inner, full_output=True
            )
            inner_nfev[0] += result.nfev
            return result.grad

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
    if grad is None:
        jacobian = dataclasses.replace(jacobian, nfev=inner_nfev[0])
    return jacobian if full_output else jacobian.jac
