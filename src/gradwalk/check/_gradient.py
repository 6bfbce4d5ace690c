"""Gradient checking: compare a hand-written gradient with the numerical one, and explain.

:func:`check_gradient` compares the analytic gradient of f at x with
:func:`~gradwalk.numerical_gradient`, element by element (``mode="full"``) or along a few
random directions (``mode="directional"``, at a cost independent of the size of x).
:func:`check_gradients` does the same for a model with several parameter arrays, and
:func:`assert_gradient_close` turns a check into an assertion for tests.

A value fails when the analytic and numerical values differ by more than the tolerance
plus a few times the numerical value's own error bar. Each failing value is then
diagnosed by repeating the difference at larger and smaller steps: a discrepancy that
stays put while the numerical values agree with each other is a wrong analytic gradient;
one that shrinks like h² is truncation; one that grows as h shrinks is rounding in f;
one-sided differences that keep disagreeing mean f has a kink there.

>>> import numpy as np
>>> f = lambda x: np.sum(x**3)
>>> x = np.array([1.0, -2.0, 0.5])
>>> check_gradient(f, x, 3 * x**2).passed
True
>>> report = check_gradient(f, x, 3 * x**2 + [0.0, 0.0, 1e-3])
>>> report.failures[0].label, report.failures[0].diagnosis
('x[2]', 'wrong')
"""

from __future__ import annotations

import unittest
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.validate import check_callable
from gradwalk._engine.inputs import InputModifiedError, changed_elements, names, working_array
from gradwalk._engine.methods import COMPLEX_METHODS

from ._compare import COARSE as COARSE
from ._compare import (
    analytic_array,
)
from ._conclude import run_check
from ._report import ERROR_BAR_FACTOR as ERROR_BAR_FACTOR
from ._report import SCALE_FLOOR as SCALE_FLOOR
from ._report import GradientCheck, Mode


def check_gradient(
    f: Callable[[Any], object],
    x: ArrayLike,
    grad: ArrayLike | Callable[[Any], ArrayLike],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: str = "richardson",
    mode: Mode = "full",
    h: float | str | None = None,
    k: int = 3,
    seed: int | None = None,
    diagnose: int | None = 10,
    **gradient_options: Any,
) -> GradientCheck:
    """Check an analytic gradient of f at x against the numerical one, and explain.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. As in the book, f may ignore its argument and read x itself
        (``lambda w: net.loss(x, t)`` with ``x=net.W``): x is perturbed in place.
    x : array_like
        The point. Integer and list input is checked on a float copy; x is never left
        modified.
    grad : array_like or callable
        The analytic gradient at x (x's shape), or a function ``grad(x)`` returning it.
    rtol, atol : float, optional
        A value fails when ``|a - n| > atol + rtol * max(|a|, |n|, floor)`` plus
        ERROR_BAR_FACTOR times the numerical value's error bar (floor: SCALE_FLOOR times
        the largest value compared). Default rtol: ``sqrt(eps)`` of x's dtype when the
        method gives error bars (1.5e-8 in float64), ``eps**(1/4)`` when it gives none;
        default atol: 0.
    method : str
        Numerical method; "richardson" (default) estimates each element's error.
        "complex" (the complex step) works in full mode only.
    mode : {"full", "directional"}
        "full" compares every element (2 or more evaluations of f per element);
        "directional" compares ``k`` random directional derivatives ``grad · v``, at a
        cost independent of the size of x.
    h : float or "auto", optional
        The numerical step (default: the method's own). In directional mode it is the
        step in t along each direction, element i moving by about ``h * max(1, |x_i|)``.
    k : int
        Number of random directions in directional mode.
    seed : int, optional
        Seed of the random directions; the report gives the seed used, to repeat it.
    diagnose : int or None
        Diagnose at most this many failing values, worst first (None: all). Each
        diagnosis costs about 25 evaluations of f.
    **gradient_options
        Passed on to :func:`~gradwalk.numerical_gradient` in full mode (e.g.
        ``vectorized``, ``workers``).

    Returns
    -------
    GradientCheck
        ``print()`` it for the report; ``.passed`` says whether every value agreed.

    Raises
    ------
    TypeError
        f is not callable; grad (or what grad(x) returns) is not a real numeric array;
        an option has the wrong type (rtol, atol, k, seed, diagnose).
    ValueError
        grad's shape differs from x's; x is empty; mode is unknown; rtol, atol, k, seed
        or diagnose is out of range; the complex step in directional mode; an unknown
        method or a bad step (from :func:`~gradwalk.numerical_gradient`).
    InputModifiedError
        f or grad changed x (x is restored first).

    Warns
    -----
    NonFiniteWarning
        f is inf or nan within a step of x.
    PrecisionWarning
        x ± h rounds back to x for some element, or the step is below what x can resolve.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([0.5, -1.0])
    >>> check = check_gradient(lambda x: np.sum(np.exp(x)), x, np.exp(x))
    >>> check.passed, check.checked, check.failed
    (True, 2, 0)
    >>> check = check_gradient(lambda x: np.sum(np.exp(x)), x, lambda x: np.exp(x) * 1.01)
    >>> check.passed, check.failed, check.failures[0].diagnosis
    (False, 2, 'wrong')
    """
    check_callable(f, "f", "taking an array")
    work, _ = working_array(x)
    if callable(grad):
        before = work.copy()
        try:
            value = grad(work)
        finally:
            changed = changed_elements(work, before)
            np.copyto(work, before)
        if changed.size:
            raise InputModifiedError(
                f"grad(x) modified x ({names(work.shape, changed)} changed); x has been "
                "restored. If grad must modify its input, give it a copy: "
                "lambda w: grad(w.copy()).",
                int(changed[0]),
            )
        analytic = analytic_array(value, work.shape, "the gradient returned by grad(x)", "x")
    else:
        analytic = analytic_array(grad, work.shape, "grad", "x")
    if gradient_options.get("vectorized"):

        def call() -> object:
            return np.asarray(f(work[np.newaxis]))[0]
    else:

        def call() -> object:
            return f(work)

    return run_check(
        call,
        lambda _name: f,
        {"x": work},
        {"x": analytic},
        rtol=rtol,
        atol=atol,
        method=method,
        mode=mode,
        h=h,
        k=k,
        seed=seed,
        diagnose=diagnose,
        options=gradient_options,
    )


def check_gradients(
    loss: Callable[[Any], object],
    params: Mapping[str, NDArray[np.floating]],
    grads: Mapping[str, ArrayLike],
    *,
    rtol: float | None = None,
    atol: float | None = None,
    method: str = "richardson",
    mode: Mode = "full",
    h: float | str | None = None,
    k: int = 3,
    seed: int | None = None,
    diagnose: int | None = 10,
    **gradient_options: Any,
) -> GradientCheck:
    """Check the gradients of a model with several parameter arrays, in one report.

    Parameters
    ----------
    loss : callable
        ``loss(params) -> float``, called with the ``params`` mapping itself. Like the
        book's ``lambda w: net.loss(x, t)``, it may ignore its argument and read the
        model's arrays: they are the very arrays of ``params``, perturbed in place.
    params : mapping of str to ndarray
        The parameter arrays by name (e.g. ``net.params`` with W1, b1, W2, b2): writable
        float arrays, left exactly as they were.
    grads : mapping of str to array_like
        The analytic gradient of each parameter, with the same names and shapes (e.g.
        the result of ``net.gradient(x, t)``).
    rtol, atol, method, mode, h, k, seed, diagnose, **gradient_options
        As for :func:`check_gradient`. In directional mode each direction moves all
        parameters at once.

    Returns
    -------
    GradientCheck
        One report for all parameters; elements are named like ``W1[0, 3]``.

    Raises
    ------
    TypeError
        loss is not callable; params or grads is not a mapping; a parameter is not a
        writable float ndarray; a gradient is not a real numeric array.
    ValueError
        params and grads name different arrays, or a gradient's shape differs from its
        parameter's; params is empty; ``vectorized``, ``workers`` or the complex step is
        asked for; an option is out of range (as for :func:`check_gradient`).
    InputModifiedError
        the loss changed a parameter (the parameters are restored first).

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        As for :func:`check_gradient`.

    Examples
    --------
    >>> import numpy as np
    >>> params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}
    >>> x = np.array([1.0, -1.0])
    >>> def loss(p):
    ...     return np.sum((x @ params["W"] + params["b"]) ** 2)
    >>> y = x @ params["W"] + params["b"]
    >>> grads = {"W": 2 * np.outer(x, y), "b": 2 * y}
    >>> check_gradients(loss, params, grads).passed
    True
    >>> grads["b"] = 2 * y + [0.0, 1e-4]
    >>> print(check_gradients(loss, params, grads).verdict)
    Gradient check FAILED: the analytic gradient is wrong at b[1] (1 of 6 elements failed).
    """
    check_callable(loss, "loss", "taking the params mapping")
    if not isinstance(params, Mapping) or not isinstance(grads, Mapping):
        raise TypeError(
            "params and grads must be mappings of names to arrays (such as net.params and "
            f"net.gradient(x, t)), got {type(params).__name__} and {type(grads).__name__}."
        )
    missing = [name for name in params if name not in grads]
    extra = [name for name in grads if name not in params]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"no gradient for {', '.join(map(repr, missing))}")
        if extra:
            parts.append(f"grads has {', '.join(map(repr, extra))}, which params lacks")
        raise ValueError(f"params and grads must have the same names: {'; '.join(parts)}.")
    if not params:
        raise ValueError("params is empty: there is nothing to check.")
    copies = [name for name in ("vectorized", "workers") if gradient_options.get(name)]
    if method in COMPLEX_METHODS:
        copies.append(f"method={method!r}")
    if copies:
        raise ValueError(
            f"check_gradients does not take {' or '.join(copies)}: the loss reads the "
            "model's own arrays, which are perturbed in place, and those options hand f "
            "copies instead. Use check_gradient with an f that computes from its argument."
        )
    arrays: dict[str, NDArray[np.floating]] = {}
    analytic: dict[str, NDArray[np.float64]] = {}
    for name, array in params.items():
        if not (
            isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.flags.writeable
        ):
            got = (
                f"a read-only {array.dtype} array"
                if isinstance(array, np.ndarray) and array.dtype.kind == "f"
                else f"{type(array).__name__}"
                + (f" of dtype {array.dtype}" if isinstance(array, np.ndarray) else "")
            )
            raise TypeError(
                f"params[{name!r}] is {got}: the loss reads the parameters in place, so each "
                "must be a writable float ndarray. Convert it in the model itself, e.g. "
                f"params[{name!r}] = np.array(params[{name!r}], dtype=float)."
            )
        arrays[str(name)] = array
        analytic[str(name)] = analytic_array(
            grads[name], array.shape, f"grads[{name!r}]", f"params[{name!r}]"
        )
    return run_check(
        lambda: loss(params),
        lambda _name: lambda _w: loss(params),
        arrays,
        analytic,
        rtol=rtol,
        atol=atol,
        method=method,
        mode=mode,
        h=h,
        k=k,
        seed=seed,
        diagnose=diagnose,
        options=gradient_options,
    )


class GradientNotCheckable(unittest.SkipTest):
    """Raised by :func:`assert_gradient_close` when the gradient could not be checked
    here (a jump or a kink in f, noise or float32 in f, a numerical value as uncertain
    as the value itself); its message is the full report.

    A subclass of :class:`unittest.SkipTest`: pytest and unittest report the test as
    skipped, with the reason, so that correct code never breaks a test suite and an
    unchecked gradient never passes silently. Outside a test runner it is an exception
    like any other; catch it to decide otherwise.
    """


def assert_gradient_close(
    f: Callable[[Any], object],
    x: ArrayLike | Mapping[str, NDArray[np.floating]],
    grad: Any,
    **options: Any,
) -> None:
    """Check a gradient in a test: return if it passes, fail if it is wrong, skip if it
    cannot be checked here.

    With an array x this is :func:`check_gradient`; with a mapping of parameter arrays
    it is :func:`check_gradients` (f is then the loss and grad the mapping of
    gradients). The options are theirs.

    Raises
    ------
    AssertionError
        The check failed (the outcome "failed"): the message is the full report.
    GradientNotCheckable
        The outcome is "not checkable": a :class:`unittest.SkipTest`, so the test is
        reported as skipped with the report as its reason, neither passed nor failed.
    TypeError, ValueError, InputModifiedError
        Bad input, as for :func:`check_gradient` and :func:`check_gradients`.

    Warns
    -----
    NonFiniteWarning, PrecisionWarning
        As for :func:`check_gradient`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.array([1.0, 2.0])
    >>> assert_gradient_close(lambda x: np.sum(x**2), x, 2 * x)
    >>> assert_gradient_close(lambda x: np.sum(x**2), x, 2 * x + [0.0, 0.1])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    AssertionError: Gradient check FAILED: the analytic gradient is wrong at x[1] ...
    >>> step = lambda x: float(np.sum(np.where(x >= 0, 1.0, 0.0) + x**2))  # jumps at 0
    >>> assert_gradient_close(step, np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gradwalk.check._gradient.GradientNotCheckable: Gradient check could not check x[0] ...
    """
    if isinstance(x, Mapping):
        check = check_gradients(f, x, grad, **options)
    else:
        check = check_gradient(f, x, grad, **options)
    if check.outcome == "failed":
        raise AssertionError(str(check))
    if check.outcome == "not checkable":
        raise GradientNotCheckable(str(check))
