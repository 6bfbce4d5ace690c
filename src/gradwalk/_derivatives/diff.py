"""The numerical derivative of a function of one variable, as in section 4.3 of the book."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._engine.driver import differentiate
from gradwalk._engine.evaluators.options import Progress, Workers, check_options
from gradwalk._engine.points import Step

from .boundary import across_libraries

__all__ = ["numerical_diff"]


@dataclass(frozen=True)
class _ScalarArgument:
    """f called with the number its 0-d array holds (a class, so that it pickles)."""

    f: Callable[[Any], object]

    def __call__(self, w: NDArray[Any]) -> object:
        return self.f(w.reshape(())[()])


@across_libraries(lenient=("bounds", "step_direction"))
def numerical_diff(
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
) -> Any:
    """Numerical derivative of a function of one variable, as in section 4.3 of the book.

    At one point, or at every point of an array: f is then taken to be elementwise
    (``f(x)[i]`` depends on ``x[i]`` only, as NumPy's ufuncs), each point is its own
    problem with its own step and error estimate, and a vectorized f is called with one
    array per round of points (two calls per level of central differences or Richardson,
    whatever the number of points).

    Parameters
    ----------
    f : callable
        ``f(x) -> float`` for a scalar x (it receives a NumPy scalar); with
        ``vectorized=True``, f takes an array of points and returns one value per
        point: at one point a 1-D array of k points (shape (k,)), at an array of points
        an array of x's shape.
    x : float or array_like
        The point, or an array of points of any shape.
    h, method, order, bounds, step_direction, full_output, vectorized, batch_size, workers
        As for :func:`numerical_gradient`; also progress, worker_threads, rtol, atol,
        max_levels (``bounds`` and ``step_direction`` broadcast against x; ``workers`` only at one
        point).

    Returns
    -------
    numpy.floating, ndarray or GradientResult
        The derivative (x's shape at an array of points).

    Raises
    ------
    ValueError
        ``workers`` with an array of points; f at an array of points not elementwise
        (its values do not have x's shape); as for :func:`numerical_gradient`: an
        unknown method; an order the method does not have; bounds with lower >= upper,
        not broadcasting to x's shape, or not holding x; a step direction other than
        -1, 0, 1, or one given to a method without sides; rtol, atol or max_levels with
        a method other than "richardson", or out of range.
    TypeError
        f is not callable or does not return a real number (one per point when
        vectorized); order is not an integer; bounds are not numbers; rtol, atol or
        max_levels of the wrong type.
    InputModifiedError
        f modified the array of points it was given.

    Warns
    -----
    NonFiniteWarning
        f was inf or nan where a point needs it: that derivative is nan (status
        NONFINITE).
    PrecisionWarning
        x ± h rounded back to x, the step taken differs from a fixed h, f's values
        differ only by rounding, or Richardson did not reach the rtol/atol asked for
        (statuses STEP_VANISHED, STEP_INEXACT, ROUNDING_LIMITED, LEVEL_LIMIT); also a
        float32 or float16 x with a fixed h.
    IgnoredInputWarning
        f returned the same value at every point tried: it probably ignores its
        argument.

    Examples
    --------
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5)
    np.float64(0.1999999999990898)
    >>> numerical_diff(lambda x: 0.01 * x**2 + 0.1 * x, 5, "auto", method="richardson")
    np.float64(0.2)

    At many points, with one call of f per round of points:

    >>> numerical_diff(np.sin, [0.0, np.pi / 3], method="complex", vectorized=True)
    array([1. , 0.5])
    """
    array = np.asarray(x)
    options = check_options(vectorized, batch_size, workers, progress, worker_threads)
    accuracy = {"rtol": rtol, "atol": atol, "max_levels": max_levels}
    if array.size != 1:
        if options.workers is not None:
            raise ValueError(
                f"workers={workers!r} is not available for numerical_diff at an array of "
                f"points (x has shape {array.shape}); pass vectorized=True for one call "
                "of f per round of points, or call numerical_diff per point."
            )
        elementwise = replace(options, elementwise=True)
        result = differentiate(
            f, x, h, method, elementwise, order, bounds, step_direction, accuracy
        )
        return result if full_output else result.grad

    scalar_f = f if options.vectorized else _ScalarArgument(f)
    point = x if isinstance(x, np.ndarray) and x.ndim == 0 else array.reshape(())
    result = differentiate(
        scalar_f, point, h, method, options, order, bounds, step_direction, accuracy
    )
    if full_output:
        return result
    return result.grad.reshape(())[()]
