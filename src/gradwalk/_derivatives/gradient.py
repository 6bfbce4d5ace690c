"""The numerical gradient of a scalar function, as in section 4.4 of the book."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, Unpack, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._engine.driver import GradientResult, differentiate
from gradwalk._engine.evaluators.options import Progress, Workers, check_options
from gradwalk._engine.points import Step

from .boundary import across_libraries
from .keywords import GradientKeywords

__all__ = ["GradientResult", "numerical_gradient"]


@overload
def numerical_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[False] = ...,
    **options: Unpack[GradientKeywords],
) -> NDArray[np.floating]: ...


@overload
def numerical_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    h: Step | None = ...,
    *,
    full_output: Literal[True],
    **options: Unpack[GradientKeywords],
) -> GradientResult: ...


@across_libraries(lenient=("bounds", "step_direction"), trees=True)
def numerical_gradient(
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
) -> NDArray[np.floating] | GradientResult:
    """Numerical gradient of a scalar function f at x, as in section 4.4 of the book.

    Each element of x is perturbed in turn **in place**, on the caller's own array, and
    f is called with that same array; the element is restored afterwards, bit for bit,
    also when f raises. That is what makes the book's pattern
    ``numerical_gradient(lambda w: net.loss(x, t), net.W)`` work.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``; must return a real scalar (a number or an array of size 1).
    x : array_like, an array of another library, or a tree of arrays
        Point of any shape. Integer, bool, list, scalar and read-only input is computed
        on a float64 copy (never truncated); float32 stays float32. An array of a
        library with the array API (PyTorch, JAX, CuPy; the ``arrays`` extra) is
        perturbed as its library allows, f gets arrays of that library, dtype and
        device, and the gradient comes back as one (docs/frameworks.md). A tree (nested
        dicts, lists, tuples of arrays) gives a tree of gradients, f getting the whole
        tree; warnings name elements by path (``x['dense']['kernel'][0, 1]``).
    h : float, "auto" or None
        Step of the difference (the first, largest step for "richardson"; the imaginary
        step for "complex"). None, the default, is the method's own step: the book's
        1e-4 for "central", "forward" and "backward", ``"auto"`` for "richardson" and
        "complex" (1e-4 is too small a first step for Richardson, whose rounding error
        it would limit to about 1e-12, and too large an imaginary step, error about
        1e-9). A value you pass is always used as given. ``"auto"`` gives each element
        its own step relative to ``max(1, |x|)`` and sized from the precision of x's
        dtype, ``eps**(1/3) * max(1, |x|)`` for central differences, adjusted so that
        x ± h is exact: right for float32 as well as float64. The steps used are in
        ``GradientResult.step``.
    method : {"central", "forward", "backward", "richardson", "complex"}
        "central" is the book's difference (2 evaluations of f per element),
        "forward"/"backward" one-sided ones (1 per element, plus f(x)).
        "richardson" repeats central differences at halving steps and extrapolates
        them, refining each element until its error estimate stops improving (about
        10 evaluations per element, relative error near 1e-13 with ``h="auto"``).
        "complex" is the complex step, Im f(x + ih) / h: one evaluation per element
        and accurate to rounding, for an f written with operations that accept complex
        numbers; f then receives a complex *copy* of x (see Notes).
    order : int, optional
        Order of the stencil (truncation error O(h^order)): 2, 4, 6 or 8 for "central"
        (order evaluations per element), 1 to 4 for "forward" and "backward" (order per
        element, plus f(x) once). None, the default, is the book's formula. With an order
        and ``h=None`` the step is that order's own, ``eps**(1/(order+1)) * max(1, |x|)``;
        ``error`` is then the distance to the stencil of the order below on the same
        points plus f's rounding (nan for central 2 and one-sided 1). "richardson" and
        "complex" choose their own order.
    bounds : (lower, upper), optional
        f is never evaluated outside ``lower <= x <= upper`` (numbers or arrays that
        broadcast to x's shape; ±inf for no bound). An element whose stencil would leave
        them uses a one-sided stencil of the same order (with a smaller step where none
        fits); "richardson" starts such an element from half its room to the bound, or
        uses the one-sided stencil of order 6 at the bound; "complex" stays at x.
    step_direction : array_like of {-1, 0, 1}, optional
        Per element (broadcast to x's shape), for "central" and "richardson": 0 central,
        +1 forward, -1 backward, as in SciPy. Bounds override it.
    full_output : bool
        Return a :class:`GradientResult` (gradient, error estimate, evaluation count)
        instead of the bare gradient. Its ``error`` is nan for the single differences
        ("central", "forward", "backward"): one difference carries no information about
        its own truncation error. "richardson" estimates it from successive levels plus
        the rounding error of f (it covered the true error for more than 99% of the
        elements of the accuracy benchmark); "complex" with ``h="auto"`` reports its
        rounding error, 8 eps |grad|, which assumes f is analytic and evaluated to full
        precision (with a numeric h its O(h²) truncation error is unknown: nan).
    vectorized : bool
        f takes a batch of points, an array of shape ``(k, *x.shape)``, and returns shape
        ``(k,)``: one call evaluates up to ``batch_size`` perturbed points.
    batch_size : int, optional
        Points per call of a vectorized f (default: as many copies of x as fit in
        16 MiB). With ``workers`` and a scalar f: points per task (default: the points
        split into 4 tasks per worker).
    workers : int, Executor or callable, optional
        Evaluate in parallel: an int starts a process pool of that size (shut down
        afterwards; f must be picklable, e.g. a module-level function); any
        ``concurrent.futures.Executor`` (threads, processes, a Dask
        ``client.get_executor()``) or a map-like ``workers(func, iterable)`` is used as
        given; a Dask ``Client`` runs on its executor, with tasks sized for the
        cluster's threads. Each task evaluates a chunk of points on its own copy of x.
        ``workers=n`` first times f on two points in this process and starts no pool
        when the rest would take under 0.3 s serially (a pool costs about 0.15 s to start
        and stop); its processes share the cores for BLAS (see ``worker_threads``).
    progress : bool or callable
        Show a tqdm progress bar of the evaluations of f; or a function, called with
        the number of evaluations each time some are done (to drive a progress display
        of your own, as :func:`~gradwalk.train` does).
    worker_threads : int, optional
        BLAS/OpenMP threads in each process of ``workers=n`` (default: the cores divided
        by n, at least 1, so that the pool never runs more threads than there are cores).
        For your own executor or cluster, call :func:`gradwalk.limit_blas_threads` in
        its workers.
    rtol, atol : float, optional
        "richardson" only: stop refining an element once its error estimate is at most
        ``atol + rtol·|grad|`` (a missing one counts as 0). By default it refines until
        its estimate stops improving. An element that does not get there is reported in
        ``GradientResult.status``.
    max_levels : int, optional
        "richardson" only: the most levels (step halvings, 2 evaluations each), 1 to
        30; default 20.

    Returns
    -------
    ndarray or GradientResult
        The gradient, with x's shape and a floating dtype.

    Raises
    ------
    ValueError
        An unknown method; an order the method does not have; bounds with lower >= upper
        or not broadcasting to x's shape; x outside its bounds; a step direction other
        than -1, 0, 1, or one given to a method without sides; rtol, atol or max_levels
        with a method other than "richardson", or out of range.
    TypeError
        f is not callable; order is not an integer; bounds are not numbers; rtol, atol
        or max_levels of the wrong type.
    InputModifiedError
        f modified x.

    Warns
    -----
    NonFiniteWarning
        f was inf or nan where an element needs it (status NONFINITE).
    PrecisionWarning
        x ± h rounded back to x, the step taken differs from a fixed h, f's values
        differ only by rounding, or Richardson did not reach the rtol/atol asked for
        (statuses STEP_VANISHED, STEP_INEXACT, ROUNDING_LIMITED, LEVEL_LIMIT); also
        float32 or float16 x with a fixed h.
    IgnoredInputWarning
        f returned the same value everywhere: it probably ignores its argument.

    Notes
    -----
    With ``vectorized`` or ``workers``, f receives perturbed *copies* of x, never the
    caller's array, and x is not touched at all. The book's closure pattern, where f
    ignores its argument and reads ``net.W``, needs the default in-place mode. Every
    method gives bit-identical results in every mode whenever f returns the same
    values: only the evaluation differs, never the points or how they combine. With
    threads, f is called concurrently on separate copies and must be thread-safe. An
    exception in a worker is raised again with its own type and message; on an error
    or Ctrl-C, the process pool that ``workers=n`` started is stopped at once.

    ``method="complex"`` cannot write x + ih into a real array, so it always evaluates f
    on a complex copy of x: the book's closure pattern cannot see that copy (an
    IgnoredInputWarning says so). When f drops the imaginary part (``abs``, ``.real``,
    ``float()``, ``conj``, casting to a real array) the complex step raises an error
    instead of returning zeros.

    Examples
    --------
    >>> import numpy as np
    >>> numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]))
    array([6., 8.])
    >>> numerical_gradient(lambda x: np.sum(x**2), [3, 4])  # ints are not truncated
    array([6., 8.])

    Richardson extrapolation and the complex step, with their error estimates:

    >>> f = lambda x: np.sum(np.exp(x) * np.sin(x))
    >>> result = numerical_gradient(f, [0.5, 2.0], "auto", method="richardson",
    ...                             full_output=True)
    >>> true = np.exp([0.5, 2.0]) * (np.sin([0.5, 2.0]) + np.cos([0.5, 2.0]))
    >>> bool(np.all(np.abs(result.grad - true) <= result.error)), bool(result.nfev <= 24)
    (True, True)
    >>> numerical_gradient(f, [0.5, 2.0], method="complex", h="auto") - true
    array([0., 0.])

    A vectorized f evaluates a whole batch of perturbed points in one call:

    >>> numerical_gradient(lambda X: np.sum(X**2, axis=1), np.array([3.0, 4.0]),
    ...                    vectorized=True)
    array([6., 8.])
    """
    options = check_options(vectorized, batch_size, workers, progress, worker_threads)
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    result = differentiate(f, x, h, method, options, order, bounds, step_direction, accuracy)
    return result if full_output else result.grad
