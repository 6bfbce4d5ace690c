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

import contextlib
import unittest
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from gradwalk._common.trees import is_tree
from gradwalk._common.validate import check_callable
from gradwalk._derivatives.boundary import across_libraries
from gradwalk._engine.arrays import is_torch_module
from gradwalk._engine.inputs import InputModifiedError, changed_elements, names, working_array
from gradwalk._engine.methods import COMPLEX_METHODS

from ._compare import COARSE as COARSE
from ._compare import (
    analytic_array,
)
from ._conclude import run_check
from ._parameters import Parameters
from ._report import ERROR_BAR_FACTOR as ERROR_BAR_FACTOR
from ._report import SCALE_FLOOR as SCALE_FLOOR
from ._report import GradientCheck, Mode


@across_libraries(same=("grad",), functions=("f", "grad"), results=False)
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
    if is_tree(x) or is_torch_module(x):
        return check_gradients(
            f,
            x,
            grad,
            rtol=rtol,
            atol=atol,
            method=method,
            mode=mode,
            h=h,
            k=k,
            seed=seed,
            diagnose=diagnose,
            **gradient_options,
        )
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
    params: Any,
    grads: Any = None,
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
        ``loss(params) -> float``, called with ``params`` itself. Like the book's
        ``lambda w: net.loss(x, t)``, it may ignore its argument and read the model's
        arrays: they are the very arrays of ``params``, perturbed in place (JAX arrays,
        which cannot change, are replaced in a new tree: such a loss must read its
        argument).
    params : mapping, tree of arrays, or torch.nn.Module
        The parameter arrays by name (e.g. ``net.params`` with W1, b1, W2, b2), or a
        tree of them: nested dicts, lists and tuples (JAX pytrees, flax and optax
        parameter dicts, PyTorch state dicts); NumPy arrays must be writable floats;
        arrays of other libraries (PyTorch, JAX, CuPy, ...) are given to the loss as
        they are. Left exactly as they were. A ``torch.nn.Module``: its parameters that
        require grad, named as ``named_parameters()`` names them; the loss gets the
        module. Its buffers (a BatchNorm's running statistics, which every call in
        train mode moves) and training flags are put back as they were after the check.
    grads : mapping or tree of arrays, optional
        The analytic gradient of each parameter, in params' structure, library and
        device (e.g. the result of ``net.gradient(x, t)``). For a module it may be left
        out: the parameters' own ``.grad`` are checked (zeros for a parameter without one
        while others have one, if the loss does not depend on it; if it does, a
        ValueError names it), or, where none has one yet, the gradients of
        ``torch.autograd.grad(loss(module), parameters)`` (no ``.grad`` is set).
    rtol, atol, method, mode, h, k, seed, diagnose, **gradient_options
        As for :func:`check_gradient`. In directional mode each direction moves all
        parameters at once.

    Returns
    -------
    GradientCheck
        One report for all parameters; elements are named like ``W1[0, 3]`` (a flat
        mapping), ``fc1.weight[0, 3]`` (a module) or by their path in a tree,
        ``params['dense_1']['kernel'][2, 3]``.

    Raises
    ------
    TypeError
        loss is not callable; params or grads is not a mapping or tree; a NumPy
        parameter is not a writable float array; a gradient is not a real numeric array,
        or of another library than its parameter.
    ValueError
        params and grads name different arrays, or a gradient's shape or device differs
        from its parameter's; params is empty; ``vectorized``, ``workers`` or the complex step is
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
    copies = [name for name in ("vectorized", "workers") if gradient_options.get(name)]
    if method in COMPLEX_METHODS:
        copies.append(f"method={method!r}")
    if copies:
        raise ValueError(
            f"check_gradients does not take {' or '.join(copies)}: the loss reads the "
            "model's own arrays, which are perturbed in place, and those options hand f "
            "copies instead. Use check_gradient with an f that computes from its argument."
        )
    parameters = Parameters(loss, params, grads)
    try:
        check = run_check(
            parameters.call,
            lambda _name: lambda _w: parameters.call(),
            parameters.arrays,
            parameters.analytic,
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
    except BaseException:
        with contextlib.suppress(InputModifiedError):
            parameters.restore()
        raise
    parameters.restore()
    return check


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
    x: Any,
    grad: Any,
    **options: Any,
) -> None:
    """Check a gradient in a test: return if it passes, fail if it is wrong, skip if it
    cannot be checked here.

    With an array x this is :func:`check_gradient`; with a mapping or tree of parameter
    arrays, or a ``torch.nn.Module``, it is :func:`check_gradients` (f is then the loss
    and grad the gradients in the same structure). The options are theirs.

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
    >>> import warnings
    >>> step = lambda x: float(np.sum(np.where(x >= 0, 1.0, 0.0) + x**2))  # jumps at 0
    >>> with warnings.catch_warnings():  # (the numerical gradient warns of the jump too)
    ...     warnings.simplefilter("ignore")
    ...     assert_gradient_close(step, np.array([0.0, 0.5]), np.array([0.0, 1.0]))
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    gradwalk.check._gradient.GradientNotCheckable: Gradient check could not check x[0] ...
    """
    if is_tree(x) or is_torch_module(x):
        check = check_gradients(f, x, grad, **options)
    else:
        check = check_gradient(f, x, grad, **options)
    if check.outcome == "failed":
        raise AssertionError(str(check))
    if check.outcome == "not checkable":
        raise GradientNotCheckable(str(check))
