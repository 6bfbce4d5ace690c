"""Jacobian checking: :func:`~gradwalk.check_gradient`'s comparison, report and diagnosis
applied to every entry of a hand-written Jacobian."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gradwalk._common.validate import check_callable, check_count, check_tolerance
from gradwalk._derivatives.boundary import across_libraries
from gradwalk._derivatives.jacobian import numerical_jacobian
from gradwalk._engine.inputs import working_array
from gradwalk._engine.steps import step_sizes

from ._compare import Group, Line, as_float64
from ._conclude import conclude_check
from ._report import GradientCheck

__all__ = ["check_jacobian"]


@across_libraries(same=("jac",), functions=("f", "jac"), results=False)
def check_jacobian(
    f: Callable[[Any], object],
    x: ArrayLike,
    jac: ArrayLike | Callable[[Any], ArrayLike],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: str = "richardson",
    h: float | str | None = None,
    diagnose: int | None = 10,
    **jacobian_options: Any,
) -> GradientCheck:
    """Check a hand-written Jacobian of f at x against the numerical one, and explain.

    Every entry ``J[k, i]`` (the derivative of output k with respect to element i) is
    compared with :func:`~gradwalk.numerical_jacobian` and judged, reported and
    diagnosed as :func:`~gradwalk.check_gradient` judges an element of a gradient: a
    failing entry is repeated at larger and smaller steps along element i, reading
    output k, to tell a wrong Jacobian from truncation, rounding or a kink.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape.
    x : array_like
        The point (never left modified).
    jac : array_like or callable
        The analytic Jacobian at x, shape ``f(x).shape + x.shape``, or a function
        ``jac(x)`` returning it.
    rtol, atol, method, h, diagnose
        As for :func:`~gradwalk.check_gradient` (full mode).
    **jacobian_options
        Passed on to :func:`~gradwalk.numerical_jacobian` (``vectorized``, ``workers``).

    Returns
    -------
    GradientCheck
        Its ``subject`` is "Jacobian"; entries are labelled ``J[k, i]`` (output index,
        then x's index).

    Raises
    ------
    TypeError
        f or jac is not callable / not a real numeric array; an option has the wrong type.
    ValueError
        jac's shape is not ``f(x).shape + x.shape``; x is empty; an option is out of
        range; an unknown method or a bad step.
    InputModifiedError
        f changed x (x is restored first).

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        As for :func:`~gradwalk.numerical_jacobian`.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], np.sin(x[0])])
    >>> x = np.array([0.5, 2.0])
    >>> J = np.array([[x[1], x[0]], [np.cos(x[0]), 0.0]])
    >>> check_jacobian(f, x, J).passed
    True
    >>> J[1, 0] = 1.0
    >>> print(check_jacobian(f, x, J).verdict)
    Jacobian check FAILED: the analytic Jacobian is wrong at J[1, 0] (1 of 4 elements failed).
    """
    check_callable(f, "f", "taking an array")
    rtol_given = check_tolerance(rtol, "rtol")
    atol_value = check_tolerance(atol, "atol") or 0.0
    most = check_count(diagnose, "diagnose", least=0, none_ok=True)
    work, _ = working_array(x)
    if not work.size:
        raise ValueError("x has no elements: there is nothing to check.")
    result = numerical_jacobian(f, work, h, method=method, full_output=True, **jacobian_options)
    analytic_value = jac(work.copy()) if callable(jac) else jac
    analytic = np.asarray(analytic_value)
    if analytic.dtype.kind not in "fiu":
        raise TypeError(
            f"jac must be a real numeric array, got dtype {analytic.dtype} "
            f"({type(analytic_value).__name__}); pass the Jacobian as a float array."
        )
    if analytic.shape != result.jac.shape:
        out = result.jac.shape[: result.jac.ndim - work.ndim]
        raise ValueError(
            f"jac has shape {analytic.shape}, but a Jacobian of f at x has shape "
            f"f(x).shape + x.shape = {out} + {work.shape} = {result.jac.shape}: "
            "jac[k][i] is the derivative of output k with respect to element i."
        )
    n = work.size
    outputs = result.jac.size // n
    start = work.reshape(-1).copy()
    vectorized = bool(jacobian_options.get("vectorized"))

    def line(entry: int) -> Line:
        k, i = divmod(entry, n)
        direction = np.zeros(work.shape, dtype=work.dtype)
        direction.flat[i] = 1

        def output() -> object:
            value = f(work[np.newaxis])[0] if vectorized else f(work)  # type: ignore[index]
            return np.asarray(value).reshape(-1)[k]

        return Line(output, [work], [direction])

    def every_output(entry: int) -> Line:
        direction = np.zeros(work.shape, dtype=work.dtype)
        direction.flat[entry % n] = 1

        def every() -> object:
            value = f(work[np.newaxis])[0] if vectorized else f(work)  # type: ignore[index]
            return np.asarray(value).reshape(-1)

        return Line(every, [work], [direction])

    group = Group(
        name="J",
        shape=result.jac.shape,
        analytic=as_float64(analytic).reshape(-1),
        numerical=as_float64(result.jac).reshape(-1),
        error=as_float64(result.error).reshape(-1),
        step=as_float64(result.step).reshape(-1),
        best_step=np.tile(as_float64(step_sizes(start, "auto", "central")), outputs),
        line=line,
        anchor=np.tile(start, outputs),
        t_dtype=work.dtype,
        method=method,
        h=h,
        outputs=every_output,  # (no status: the Jacobian's is per element, not per entry)
    )
    eps = float(np.finfo(work.dtype).eps)
    return conclude_check(
        [group],
        result.nfev,
        eps,
        rtol=rtol_given,
        atol=atol_value,
        most=most,
        mode="full",
        method=method,
        seed=None,
        subject="Jacobian",
    )
