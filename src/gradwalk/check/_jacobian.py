"""Jacobian checking: :func:`~gradwalk.check_gradient`'s comparison, report and diagnosis
applied to every entry of a hand-written Jacobian."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.optional import scipy_sparse
from gradwalk._common.validate import check_callable, check_count, check_tolerance
from gradwalk._derivatives.boundary import across_libraries
from gradwalk._derivatives.jacobian import JacobianResult, numerical_jacobian
from gradwalk._engine.evaluators.options import Options, check_options
from gradwalk._engine.inputs import working_array
from gradwalk._engine.steps import step_sizes

from ._compare import Group, Line, as_float64
from ._conclude import conclude_check
from ._jacobian_directional import directional_jacobian_check
from ._report import GradientCheck, Mode

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
    mode: Mode = "full",
    k: int = 2,
    seed: int | None = None,
    **jacobian_options: Any,
) -> GradientCheck:
    """Check a hand-written Jacobian of f at x against the numerical one, and explain.

    ``mode="full"``: every entry ``J[k, i]`` (the derivative of output k with respect to
    element i) is compared with :func:`~gradwalk.numerical_jacobian` and judged,
    reported and diagnosed as :func:`~gradwalk.check_gradient` judges an element of a
    gradient: a failing entry is repeated at larger and smaller steps along element i,
    reading output k, to tell a wrong Jacobian from truncation, rounding or a kink.

    ``mode="directional"``, for large Jacobians: J·v along ``k`` random directions
    (:func:`~gradwalk.jacobian_vector_product`, at most 13 evaluations each with
    Richardson, whatever the size of x), each output compared on its own scale
    ``sum_j |J[i, j] v_j|`` with a tolerance of ``rtol`` (default 1e3·eps: the analytic
    product's rounding) plus 4 error bars, so that an error of 1e-3 in an entry of 1e7
    shows. A row with a wrong entry fails in every direction; the second direction is
    the first one with its components scaled by a code of their column, so the ratio
    of a row's two discrepancies names the column; the entry is then computed on its own
    (one more derivative, along that element) and compared on its own scale |J[i, j]|.
    A single wrong entry in a 2000 × 2000 Jacobian is found and named in about 40
    evaluations.

    Parameters
    ----------
    f : callable
        ``f(x) -> array`` of any fixed shape.
    x : array_like
        The point (never left modified).
    jac : array_like, scipy.sparse matrix or callable
        The analytic Jacobian at x, shape ``f(x).shape + x.shape`` (or (outputs,
        elements), flattened; a scipy.sparse matrix has that shape), or a function
        ``jac(x)`` returning it.
    rtol, atol, method, h, diagnose
        As for :func:`~gradwalk.check_gradient` (diagnose: full mode).
    mode : {"full", "directional"}
        Every entry, or ``k`` random directions with the wrong entries then named.
    k : int
        Directional mode: how many random directions (at least 2 find the column of a
        wrong entry without more evaluations).
    seed : int, optional
        Directional mode: the seed of the directions (reported; pass it to repeat them).
    **jacobian_options
        Passed on to :func:`~gradwalk.numerical_jacobian` (``vectorized``, ``workers``,
        ``sparsity``, ...; directional mode: the evaluation options only).

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
    if mode not in ("full", "directional"):
        raise ValueError(
            f"mode={mode!r} is not a mode; choose 'full' (every entry) or 'directional' "
            "(k random directions, for large Jacobians)."
        )
    work, _ = working_array(x)
    if not work.size:
        raise ValueError("x has no elements: there is nothing to check.")
    if mode == "directional":
        directions = check_count(k, "k", least=1)
        seed_value = check_count(seed, "seed", least=0, none_ok=True)
        if seed_value is None:
            seed_value = int(np.random.SeedSequence().entropy % 2**32)  # type: ignore[operator]
        return directional_jacobian_check(
            f,
            np.array(work, copy=True),
            jac,
            rtol=rtol_given,
            atol=atol_value,
            method=method,
            h=h,
            k=int(directions or 2),
            seed=seed_value,
            options=_evaluation_options(jacobian_options),
        )
    result = numerical_jacobian(f, work, h, method=method, full_output=True, **jacobian_options)
    analytic_value = jac(work.copy()) if callable(jac) else jac
    if _is_sparse(analytic_value):
        analytic_value = analytic_value.toarray()  # type: ignore[union-attr]
    analytic = np.asarray(analytic_value)
    if result.colours is not None:  # sparsity= given: every entry, zeros outside the pattern
        result = _dense(result, analytic.shape, work.shape)
    flattened = (result.jac.size // work.size, work.size)
    if analytic.shape == flattened and analytic.size == result.jac.size:
        analytic = analytic.reshape(result.jac.shape)  # (outputs, elements), flattened
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


def _is_sparse(value: object) -> bool:
    """Whether ``value`` is a scipy.sparse matrix (without importing SciPy otherwise)."""
    if isinstance(value, np.ndarray) or not hasattr(value, "toarray"):
        return False
    return bool(scipy_sparse("check_jacobian with a sparse jac").issparse(value))


def _dense(
    result: JacobianResult, shape: tuple[int, ...], x_shape: tuple[int, ...]
) -> JacobianResult:
    """A sparse Jacobian's result with dense arrays of f(x).shape + x.shape (read from
    the analytic Jacobian's ``shape`` where it ends with x's shape, else (outputs,
    elements)): entries outside the pattern are 0 with no error."""
    outputs, elements = result.jac.shape
    ends = len(shape) >= len(x_shape) and shape[len(shape) - len(x_shape) :] == x_shape
    full = shape if ends and math.prod(shape) == outputs * elements else (outputs, *x_shape)

    def dense(matrix: Any) -> NDArray[Any]:
        return np.asarray(matrix.toarray()).reshape(full)

    return JacobianResult(
        jac=dense(result.jac),
        error=dense(result.error),
        nfev=result.nfev,
        step=dense(result.step),
        method=result.method,
        status=result.status,
    )


#: The options of numerical_jacobian that say how f is evaluated (directional mode's).
_EVALUATION = ("vectorized", "batch_size", "workers", "progress", "worker_threads")


def _evaluation_options(given: dict[str, Any]) -> Options:
    """The evaluation options among ``given``; any other is an error naming it."""
    other = sorted(set(given) - set(_EVALUATION))
    if other:
        raise ValueError(
            f"mode='directional' takes only the evaluation options of numerical_jacobian "
            f"({', '.join(_EVALUATION)}), not {', '.join(other)}: its derivatives are "
            "along directions. Use mode='full' for those options."
        )
    return check_options(**given)
