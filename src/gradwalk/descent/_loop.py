"""Gradient descent: the book's ``gradient_descent``, and ``descend``, which records and explains.

``gradient_descent`` is the book's function and returns the last point. ``descend`` runs
the same steps (or any optimizer of :mod:`gradwalk.optimizers`), records the whole path,
stops on convergence or failure, and says in plain words how the run ended and why.
``learning_rate_bound`` tells which learning rates are stable before guessing.

>>> import numpy as np
>>> gradient_descent(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, step_num=100)
array([-6.11110793e-10,  8.14814391e-10])
>>> result = descend(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=0.1, gtol=1e-6)
>>> result.status, result.steps_taken
('converged', 73)
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import sentences
from gradwalk._common.validate import (
    check_callable,
    check_count,
    check_keywords,
    check_learning_rate,
    check_positive,
    check_tolerance,
    choice_hint,
    keywords_checked_first,
)
from gradwalk._common.warnings import (
    IgnoredInputWarning,
    PrecisionWarning,
    TrainingWarning,
    issue_warning,
    reemit_first,
)
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.inputs import analytic_gradient, real_value, working_array
from gradwalk._engine.methods import resolve_step
from gradwalk.optimizers import SGD, Optimizer, optimizer_for

from ._explain import (
    Counts,
    Run,
    Status,
    explain_safely,
    grad_advice,
    rose_at_once,
    steps_in_words,
    unexplained,
    vanishing,
)
from ._lr_bound import Gradient, largest_eigenvalue, stable_rate
from ._result import DescentResult
from ._start import COPY_MESSAGE, copy_message, reads_callers_array, start_array

__all__ = ["DescentResult", "descend", "gradient_descent", "learning_rate_bound"]

#: The options of the numerical gradient that descend and learning_rate_bound pass on.
GRADIENT_OPTIONS = [
    name
    for name, parameter in inspect.signature(numerical_gradient).parameters.items()
    if parameter.kind is inspect.Parameter.KEYWORD_ONLY or name == "h"
]
#: descend's own options.
_DESCEND_OPTIONS = ["lr", "steps", "optimizer", "grad", "gtol", "callback", "in_place"]


def _reemit_once(caught: Sequence[warnings.WarningMessage], steps: Sequence[int]) -> None:
    """Re-emit the first warning of each category seen during a run, with how often."""

    def describe(first: int, count: int, message: str) -> str:
        shown = f" (warned at {count} steps in all; shown once)" if count > 1 else ""
        return f"at step {steps[first]}: {message}{shown}"

    reemit_first(caught, describe)


#: gradient_descent's parameters after f and init_x, for its "did you mean" hint.
_GRADIENT_DESCENT_OPTIONS = ["lr", "step_num", "in_place", "history"]


def _check_gradient_descent_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword gradient_descent does not take, with the closest it does."""
    unknown = [name for name in keywords if name not in ("f", "init_x", *_GRADIENT_DESCENT_OPTIONS)]
    if unknown:
        name = unknown[0]
        quoted = choice_hint(None, _GRADIENT_DESCENT_OPTIONS)[0]
        _, hint = choice_hint(name, ["f", "init_x", *_GRADIENT_DESCENT_OPTIONS])
        raise TypeError(
            f"gradient_descent() got an unexpected keyword argument {name!r}.{hint} It "
            f"takes f, init_x and {quoted}."
        )


def _check_descend_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword descend does not take, with the closest it does."""
    own = ["f", "x0", *_DESCEND_OPTIONS]
    check_keywords(list(keywords), "descend", own, GRADIENT_OPTIONS)


def _check_bound_keywords(keywords: dict[str, object]) -> None:
    """Refuse a keyword learning_rate_bound does not take, with the closest it does."""
    own = ["f", "x", "grad", "iterations", "rtol"]
    check_keywords(list(keywords), "learning_rate_bound", own, GRADIENT_OPTIONS)


@overload
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = ...,
    step_num: int = ...,
    *,
    in_place: bool = ...,
    history: Literal[False] = ...,
    **unknown: object,
) -> NDArray[np.floating]: ...


@overload
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = ...,
    step_num: int = ...,
    *,
    in_place: bool = ...,
    history: Literal[True],
    **unknown: object,
) -> tuple[NDArray[np.floating], NDArray[np.floating]]: ...


@keywords_checked_first(_check_gradient_descent_keywords)
def gradient_descent(
    f: Callable[[Any], object],
    init_x: ArrayLike,
    lr: float = 0.01,
    step_num: int = 100,
    *,
    in_place: bool = False,
    history: bool = False,
    **unknown: object,
) -> NDArray[np.floating] | tuple[NDArray[np.floating], NDArray[np.floating]]:
    """Minimise f by ``step_num`` steps of ``x -= lr * numerical_gradient(f, x)``.

    The book's function, with its results bit for bit, except that ``init_x`` is not
    modified unless ``in_place=True`` (the book's version always changes it in place).
    Warnings from the gradient (for example x ± h rounding back to x once x is huge) are
    shown once per run, not once per step.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    init_x : array_like
        Starting point (copied).
    lr : float
        Learning rate, finite and > 0.
    step_num : int
        Number of steps, >= 0.
    in_place : bool
        Update ``init_x`` itself, as the book does (it must be a writable float
        ndarray): the book's closure ``lambda w: net.loss(x, t)`` with ``net.W`` needs it.
    history : bool
        Also return ``x_history``, the point before each step, shape ``(step_num,
        *x.shape)``: what the book's repository's ``ch04/gradient_method.py`` returns
        beside x, and plots as Figure 4-10.

    Returns
    -------
    ndarray, or (ndarray, ndarray) with ``history=True``
        The last point (and x_history).

    Raises
    ------
    TypeError
        lr is not a number, or step_num is not a whole number; ``in_place=True`` with an
        init_x that is not a writable float ndarray; a keyword it does not take (the
        message suggests the closest, such as step_num for step_nums).
    ValueError
        lr is not finite and > 0, or step_num < 0; f ignores the copy it works on but
        reads init_x itself (the book's closure without ``in_place=True``), before the
        first step.

    Warns
    -----
    PrecisionWarning
        x ± h rounds back to x (the gradient there is exactly zero); once per run, with
        the step it first happened at.
    NonFiniteWarning
        f is inf or nan next to x; once per run.
    TrainingWarning
        The run diverged (|x| grew more than a thousandfold), or f did not fall with lr
        at or above the stable bound 2/λmax at init_x (x swings across the minimum, as
        lr=1.0 on function_2 does); each names the stable bound.

    Examples
    --------
    >>> from gradwalk.book import function_2
    >>> gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=100)
    array([-6.11110793e-10,  8.14814391e-10])
    >>> x, x_history = gradient_descent(function_2, [-3.0, 4.0], lr=0.1, step_num=20,
    ...                                 history=True)
    >>> x_history.shape, x_history[1]
    ((20, 2), array([-2.4,  3.2]))
    """
    _check_gradient_descent_keywords(unknown)
    rate = check_learning_rate(lr)
    count = check_count(step_num, "step_num")
    x, callers = start_array(init_x, in_place)
    start = x.copy()
    first_value = _value_or_none(f, x) if count else None
    x_history: list[NDArray[np.floating]] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        steps: list[int] = []
        for step in range(count):
            if history:
                x_history.append(x.copy())
            before = len(caught)
            grad = numerical_gradient(f, x)
            steps.extend([step] * (len(caught) - before))
            if (
                step == 0
                and not grad.any()
                and _ignored(caught[before:])
                and reads_callers_array(f, callers, real_value(f(x)))
            ):
                raise ValueError(copy_message("gradient_descent", "init_x"))
            x -= rate * grad
    _reemit_once(caught, steps)
    if count and not _warn_if_diverged(f, start, x, rate, count):
        _warn_if_swinging(f, start, x, rate, count, first_value)
    if history:
        return x, np.array(x_history).reshape(count, *x.shape)
    return x


#: How far the largest |x| must grow, beyond max(1, |init_x|), for gradient_descent to
#: call its run diverged.
_DIVERGED_GROWTH = 1e3


def _warn_if_diverged(
    f: Callable[[Any], object],
    start: NDArray[Any],
    end: NDArray[np.floating],
    rate: float,
    steps: int,
) -> bool:
    """Warn that gradient_descent diverged and that lr is the cause, with the stable bound;
    return whether it did.

    The book's function returns only x, so a warning is the one way to say it; warnings
    about the step h during such a run (x ± h rounding back to x once x is huge) follow
    from the divergence, and this warning says so.
    """
    first = float(np.max(np.abs(start), initial=0.0)) if np.size(start) else 0.0
    last = float(np.max(np.abs(end), initial=0.0)) if end.size else 0.0
    if np.all(np.isfinite(end)) and last <= _DIVERGED_GROWTH * max(1.0, first):
        return False
    bound = _bound_at_start(f, start)
    if math.isfinite(bound) and bound > 0:
        advice = _(
            "lr = {lr:g} is above the stable bound of about {bound:.2g} here (2/λmax at "
            "init_x), so every step overshot further; pass a smaller lr, such as {half:.2g}."
        ).format(lr=rate, bound=bound, half=bound / 2)
    else:
        advice = _(
            "lr = {lr:g} is too large for f here; pass a smaller lr "
            "(learning_rate_bound(f, init_x) gives the stable one)."
        ).format(lr=rate)
    issue_warning(
        sentences(
            _(
                "gradient_descent diverged: the largest |x| grew from {first:.3g} to "
                "{last:.3g} in {steps} steps."
            ).format(first=first, last=last, steps=steps),
            advice,
            _(
                "Warnings about the step h during this run come from x growing so large, "
                "not from h."
            ),
        ),
        TrainingWarning,
    )
    return True


def _bound_at_start(f: Callable[[Any], object], start: NDArray[Any]) -> float:
    """The stable bound 2/λmax at ``start`` (inf where it cannot be estimated)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return learning_rate_bound(f, start.astype(np.float64), iterations=50)
    except Exception:  # a diagnosis must never turn a finished run into an error
        return math.inf


def _value_or_none(f: Callable[[Any], object], x: NDArray[Any]) -> float | None:
    """f(x) as a finite float, or None where f fails there or is not finite (then the
    gradient's own checks speak)."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            value = float(real_value(f(x)))
    except Exception:  # a diagnosis must never change which error a run raises
        return None
    return value if math.isfinite(value) else None


#: f must fall by more than this share of max(|f(init_x)|, |f(x)|) for a run that did
#: not diverge to count as getting closer (the share descend calls "barely changed").
_SWING_FALL = 1e-3


def _warn_if_swinging(
    f: Callable[[Any], object],
    start: NDArray[Any],
    end: NDArray[np.floating],
    rate: float,
    steps: int,
    first_value: float | None,
) -> None:
    """Warn that gradient_descent swung across the minimum without getting closer.

    That is a run whose f did not fall (by more than :data:`_SWING_FALL`) with lr at or
    above the stable bound 2/λmax at init_x: on function_2 with lr = 1 each step maps x
    to -x. A run whose f barely fell because lr is tiny is not warned about (the book's
    lr=1e-10 example shows that on purpose), nor one that fell.
    """
    if first_value is None or not np.all(np.isfinite(end)):
        return
    last_value = _value_or_none(f, end)
    if last_value is None:
        return
    scale = max(abs(first_value), abs(last_value), float(np.finfo(np.float64).tiny))
    if first_value - last_value > _SWING_FALL * scale:
        return  # f fell: the run got closer
    bound = _bound_at_start(f, start)
    if not (math.isfinite(bound) and bound > 0 and rate >= (1 - _SWING_FALL) * bound):
        return
    if last_value - first_value > _SWING_FALL * scale:  # f rose, less than a divergence
        advice = _(
            "lr = {lr:g} is above the stable bound of about {bound:.2g} here (2/λmax at "
            "init_x), so every step overshot further; pass a smaller lr, such as {half:.2g}."
        )
    else:
        advice = _(
            "lr = {lr:g} is at or above the stable bound of about {bound:.2g} here "
            "(2/λmax at init_x), so x swings across the minimum without getting closer; "
            "pass a smaller lr, such as {half:.2g}."
        )
    issue_warning(
        sentences(
            _(
                "gradient_descent did not get closer: f went from {first:.6g} to {last:.6g} "
                "in {steps} steps instead of falling."
            ).format(first=first_value, last=last_value, steps=steps),
            advice.format(lr=rate, bound=bound, half=bound / 2),
        ),
        TrainingWarning,
    )


def _ignored(caught: Sequence[warnings.WarningMessage]) -> bool:
    """Whether the numerical gradient warned that f ignores its argument."""
    return any(issubclass(w.category, IgnoredInputWarning) for w in caught)


def _gradient_of(
    f: Callable[[Any], object],
    grad: Callable[[Any], object] | None,
    shape: tuple[int, ...],
    options: dict[str, Any],
    counts: Counts,
) -> Gradient:
    """The gradient to descend with: ``grad`` (checked) or the numerical gradient of f.

    Every call is added to ``counts``.
    """
    if grad is None:
        if "full_output" in options:
            raise TypeError(
                "full_output is not a gradient option here: descend and learning_rate_bound "
                "need the bare gradient. Pass method=..., h=... and the like."
            )

        def numerical(x: NDArray[np.floating]) -> NDArray[np.floating]:
            counts.gradients += 1
            result = numerical_gradient(f, x, full_output=True, **options)
            counts.nfev += result.nfev
            return result.grad

        return numerical
    check_callable(grad, "grad", "returning the gradient of f at x")
    if options:
        raise TypeError(
            f"gradient options {sorted(options)} only apply to the numerical gradient, but "
            "an analytic grad was given; drop one or the other."
        )

    def analytic(x: NDArray[np.floating]) -> NDArray[np.floating]:
        counts.gradients += 1
        return analytic_gradient(grad(x), shape, "the gradient returned by grad(x)", "x")

    return analytic


def _fixed_h(options: dict[str, Any]) -> float | None:
    """The numerical gradient's step when it is a fixed number, else None."""
    h = resolve_step(options.get("h"), options.get("method", "central"))
    return None if isinstance(h, str) else h


@keywords_checked_first(_check_bound_keywords)
def learning_rate_bound(
    f: Callable[[Any], object],
    x: ArrayLike,
    *,
    grad: Callable[[Any], object] | None = None,
    iterations: int = 100,
    rtol: float = 1e-6,
    **gradient_options: Any,
) -> float:
    """The largest stable learning rate of plain gradient descent near x: 2 / λmax.

    Near x, a step ``x -= lr * grad`` multiplies the component along each Hessian
    eigenvector by ``1 - lr * λ``; it shrinks only when ``0 < lr * λ < 2``. λmax is
    estimated by power iteration on Hessian-vector products (central differences of the
    gradient), so the cost is two gradients per iteration, never the full Hessian.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    x : array_like
        Where to measure the curvature (not modified).
    grad : callable, optional
        Analytic gradient of f; by default the numerical gradient.
    iterations : int
        Most power iterations per pass (there are two passes when x is a saddle).
    rtol : float
        Stop when the eigenvalue estimate changes by less than this, relatively.
    **gradient_options
        Passed on to :func:`gradwalk.numerical_gradient` (``method``, ``h``, ...).

    Returns
    -------
    float
        ``2 / λmax``; ``inf`` when f has no positive curvature at x (no lr is too
        large near x, though f may fall without bound).

    Raises
    ------
    TypeError
        f or grad is not callable; iterations is not a whole number; rtol is not a
        number; ``full_output`` is passed, or gradient options come with an analytic grad.
    ValueError
        iterations < 1; rtol is not finite and > 0; grad returns the wrong shape; the
        gradient is not finite near x.

    Warns
    -----
    PrecisionWarning
        The power iteration did not settle (the bound is then approximate), or the
        numerical gradient's own precision warnings.
    NonFiniteWarning
        f is inf or nan next to x.

    Examples
    --------
    >>> import numpy as np
    >>> round(learning_rate_bound(lambda x: np.sum(x**2), np.array([-3.0, 4.0])), 6)
    1.0
    """
    check_callable(f, "f", "taking an array")
    check_keywords(
        gradient_options, "learning_rate_bound", ["grad", "iterations", "rtol"], GRADIENT_OPTIONS
    )
    count = check_count(iterations, "iterations", least=1)
    tolerance = check_positive(rtol, "rtol", " For example 1e-6.")
    point, _copied = working_array(x)
    point = point.copy()
    gradient = _gradient_of(f, grad, point.shape, dict(gradient_options), Counts())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        largest, settled = largest_eigenvalue(gradient, point, count, tolerance)
    _reemit_once(caught, [0] * len(caught))
    if not settled:
        issue_warning(
            _(
                "the power iteration did not settle in {count} iterations (the two largest "
                "Hessian eigenvalues are close); the bound is approximate. Pass a larger "
                "iterations= for a closer estimate."
            ).format(count=count),
            PrecisionWarning,
        )
    return stable_rate(largest)


@keywords_checked_first(_check_descend_keywords)
def descend(
    f: Callable[[Any], object],
    x0: ArrayLike,
    *,
    lr: float | None = None,
    steps: int = 100,
    optimizer: str | Optimizer = "sgd",
    grad: Callable[[Any], object] | None = None,
    gtol: float | None = None,
    callback: Callable[[int, NDArray[np.floating], Any, NDArray[np.floating]], object]
    | None = None,
    in_place: bool = False,
    **gradient_options: Any,
) -> DescentResult:
    """Gradient descent that records its path and explains how it ended.

    With the default plain ``"sgd"`` optimizer each step is the book's
    ``x -= lr * numerical_gradient(f, x)``, so the points are bit for bit those of
    :func:`gradient_descent`. The run stops early when the gradient norm falls below
    ``gtol``, when f or the gradient stops being finite, when x stops moving, or when
    ``callback`` returns True. Warnings of the numerical gradient (x ± h rounding back
    to x, inf or nan values) become part of the result's message when they explain the
    outcome; any other warning is shown once, not once per step.

    When plain SGD diverges, climbs, barely moves or bounces, the message quotes the stable
    learning rate 2/λmax (see :func:`learning_rate_bound`). Estimating it spends extra
    gradients after the run: at most as many as the run itself computed, and never more
    than 200, so at worst it about doubles the evaluations of f. When that allowance
    is too small for the estimate to settle, the message says the bound was not estimated
    instead of quoting a guess. The result's ``nfev`` counts every evaluation of f,
    the diagnosis's included.

    Parameters
    ----------
    f : callable
        Scalar function of an array.
    x0 : array_like
        Starting point (never modified).
    lr : float, optional
        Learning rate, finite and > 0. Left out, the optimizer's own default (the
        book's: 0.001 for Adam, 0.01 for the others) or an instance's own rate.
    steps : int
        Most updates to make, >= 0.
    optimizer : str or Optimizer
        ``"sgd"`` (the book's gradient descent), ``"momentum"``, ``"nesterov"``,
        ``"adagrad"``, ``"rmsprop"``, ``"adam"``, or an instance such as
        ``Momentum(lr=0.01, momentum=0.8)`` (used through a fresh copy).
    grad : callable, optional
        ``grad(x)``: the analytic gradient, with x's shape. By default the numerical
        gradient.
    gtol : float, optional
        Stop as converged once the gradient's 2-norm is below this.
    callback : callable, optional
        ``callback(step, x, value, grad)``, called at every point with copies; return
        True to stop.
    in_place : bool
        Update x0 itself, step by step, as the book's ``gradient_descent`` does (x0 must
        be a writable float ndarray). This is what the book's closure pattern
        ``descend(lambda w: net.loss(x, t), net.W, in_place=True)`` needs: f reads
        ``net.W``, so only ``net.W`` itself can move it. By default x0 is never modified,
        and an f whose value ignores the copy descend works on is an error at once.
    **gradient_options
        Passed on to :func:`gradwalk.numerical_gradient` (``method``, ``h``, ...).

    Returns
    -------
    DescentResult

    Raises
    ------
    TypeError
        An unknown option (``step_num``: the message names ``steps``), before any work;
        f, grad or callback is not callable; lr is not a number; steps is not a whole
        number; gtol is not a number; gradient options come with an analytic grad; grad
        returns a non-real array; ``in_place=True`` with an x0 that is not a writable
        float ndarray.
    ValueError
        lr is not finite and > 0, or disagrees with an optimizer instance's rate; steps
        < 0; gtol < 0 or not finite; the optimizer name is unknown (the message suggests
        the closest); grad returns an array of the wrong shape; f ignores the copy
        descend works on but reads x0 itself (the book's closure without
        ``in_place=True``), before the first step.
    BaseException
        Whatever f, grad or callback raise, and KeyboardInterrupt (Ctrl-C), are raised
        again with the run so far attached as ``error.result`` (a DescentResult with
        status "stopped") and a note saying so.

    Warns
    -----
    PrecisionWarning, NonFiniteWarning
        Warnings of the numerical gradient that the result's message does not already
        explain, each shown once with the step it first happened at.

    Examples
    --------
    >>> import numpy as np
    >>> result = descend(lambda x: np.sum(x**2), np.array([-3.0, 4.0]), lr=10)
    >>> result.status, result.steps_taken
    ('diverged', 10)
    >>> result.x
    array([-2.58983747e+13, -1.29524862e+12])
    >>> result.nfev  # f and 4 more for the gradient at each of 11 points, 16 to diagnose
    71
    """
    check_callable(f, "f", "taking an array")
    check_keywords(gradient_options, "descend", _DESCEND_OPTIONS, GRADIENT_OPTIONS)
    update = optimizer_for(optimizer, lr)
    count = check_count(steps, "steps")
    tolerance = check_tolerance(gtol, "gtol", " For example 1e-6.")
    if callback is not None:
        check_callable(callback, "callback", "(step, x, value, grad) -> bool")
    x, callers = start_array(x0, in_place)
    options = dict(gradient_options)
    counts = Counts()
    run = Run(
        gradient=_gradient_of(f, grad, x.shape, options, counts),
        counts=counts,
        optimizer=update,
        steps=count,
        gtol=tolerance,
        h=_fixed_h(options) if grad is None else None,
        path=[x.copy()],
        values=[],
        norms=[],
    )
    vanish_steps: set[int] = set()
    params = {"x": x}
    warning_steps: list[int] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        def settle(step: int) -> None:
            """Date every warning not yet dated (f's, the gradient's, the update's, the
            callback's) to ``step``."""
            warning_steps.extend([step] * (len(caught) - len(warning_steps)))

        step = 0
        try:
            for step in range(count + 1):
                settle(step - 1)
                value = real_value(f(x))
                counts.nfev += 1
                finite = bool(np.isfinite(value))
                before = len(caught)
                g = run.gradient(x) if finite else None
                ignored = _ignored(caught[before:])
                if vanishing(x, run.h).any():
                    vanish_steps.add(step)
                run.values.append(value)
                run.norms.append(float(np.linalg.norm(g)) if g is not None else math.nan)
                run.grad = g
                if g is None or g.any():
                    run.zero_since = None
                elif run.zero_since is None:
                    run.zero_since = step
                run.ignored = ignored and g is not None and not g.any()
                if run.ignored and step == 0 and reads_callers_array(f, callers, value):
                    raise ValueError(COPY_MESSAGE)
                if g is None:
                    run.end = "value"
                    break
                if not math.isfinite(run.norms[-1]):
                    run.end = "gradient"
                    break
                if callback is not None and callback(step, x.copy(), value, g.copy()):
                    run.end = "callback"
                    break
                if tolerance is not None and run.norms[-1] < tolerance:
                    run.end = "gtol"
                    break
                if step == count:
                    break
                with np.errstate(over="ignore", invalid="ignore"):
                    update.update(params, {"x": g})
                if np.array_equal(x, run.path[-1]) and (isinstance(update, SGD) or not g.any()):
                    run.end = "frozen"
                    break
                run.path.append(x.copy())
        except BaseException as error:  # a run is never lost: attach what it has so far
            settle(step)
            if isinstance(error, ValueError) and str(error) == COPY_MESSAGE:
                raise
            partial = _partial_result(run, update, error)
            error.add_note(
                f"descend: the run so far ({steps_in_words(partial.steps_taken)}, f = "
                f"{partial.value:.6g}) is attached to this error as .result"
            )
            error.result = partial  # type: ignore[attr-defined]
            raise
        settle(step)
    status, message, explains_h = explain_safely(run)
    if grad is not None and rose_at_once(run):
        message = sentences(message, grad_advice(f, run, counts))
    kept, kept_steps = unexplained(
        caught, warning_steps, status, vanish_steps if explains_h else set()
    )
    _reemit_once(kept, kept_steps)
    return _result(run, update, status, message)


def _partial_result(run: Run, update: Optimizer, error: BaseException) -> DescentResult:
    """The run up to an exception or Ctrl-C, status "stopped"."""
    size = len(run.path)
    run.values = (run.values + [math.nan] * size)[:size]
    run.norms = (run.norms + [math.nan] * size)[:size]
    step = size - 1
    reason = "Ctrl-C" if isinstance(error, KeyboardInterrupt) else type(error).__name__
    message = (
        _("The run was interrupted at step {step} by {reason}: {error}.")
        if str(error)
        else _("The run was interrupted at step {step} by {reason}.")
    ).format(step=step, reason=reason, error=error)
    return _result(run, update, "stopped", message)


def _result(run: Run, update: Optimizer, status: Status, message: str) -> DescentResult:
    """The DescentResult of a run."""
    x = run.path[-1]
    return DescentResult(
        x=x.copy(),
        path=np.stack(run.path),
        values=np.asarray(run.values, dtype=np.result_type(x.dtype, np.float64)),
        grad_norms=np.asarray(run.norms, dtype=np.float64),
        status=status,
        message=message,
        steps_taken=len(run.path) - 1,
        optimizer=repr(update),
        nfev=run.counts.nfev,
    )
