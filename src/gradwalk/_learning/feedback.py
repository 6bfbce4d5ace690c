"""What :func:`~gradwalk.train` tells a learner: a numerical gradient's cost before it
starts, the BLAS threads it runs with, and how the run went and why.

Section 4.5's numerical gradient of the book's 784-50-10 network costs 79,520
evaluations of the loss per iteration: :func:`numerical_cost` times one evaluation
(under the BLAS threads found faster by measuring) and says up front what an iteration
and the whole run will take. :func:`judge_run` compares the loss on a fixed part of the
training data before and after, and explains a run that diverged or stalled with the
learning-rate advice of :func:`~gradwalk.descend` (the stable bound 2/λmax, estimated at
the network's starting parameters).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.language import sentences
from gradwalk._engine.methods import method_named
from gradwalk._engine.threads import faster_blas_threads
from gradwalk.descent._explain import DIAGNOSIS_GRADIENTS, Counts, Run, learning_rate_advice
from gradwalk.optimizers import Optimizer

__all__ = [
    "JUDGED_SAMPLES",
    "SLOW_ITERATION",
    "NumericalCost",
    "judge_run",
    "judged_loss",
    "numerical_cost",
]

#: Seconds per iteration above which a numerical gradient's cost is told up front, and
#: its progress shown evaluation by evaluation.
SLOW_ITERATION = 2.0

#: Training samples the run is judged on (the first ones: the same before and after).
JUDGED_SAMPLES = 500

#: The loss must end this many times above where it started for a run to have diverged.
_ROSE = 1.1

#: A relative change of the loss at most this small: the run stalled.
_BARELY = 1e-3


def _duration(seconds: float) -> str:
    """Seconds in the largest unit that keeps the number readable."""
    units = ((N_("{count:.2g} days"), 86400.0), (N_("{count:.2g} hours"), 3600.0))
    for unit, size in (*units, ("{count:.2g} min", 60.0), ("{count:.2g} s", 1.0)):
        if seconds >= size:
            return _(unit).format(count=seconds / size)
    return f"{seconds * 1e3:.2g} ms"


@dataclass(frozen=True)
class NumericalCost:
    """The measured cost of one iteration of a numerical gradient.

    Attributes
    ----------
    parameters : int
        Parameters of the network.
    evaluations : int
        Evaluations of the loss per iteration (the method's per parameter, times them).
    seconds_per_loss : float
        One evaluation of the loss on a mini-batch, as measured.
    blas_threads : int or None
        1 where one BLAS thread was measured faster (the run uses it), else None.
    backprop_seconds : float or None
        One backpropagation on the same mini-batch, as measured (None: no ``gradient``).
    """

    parameters: int
    evaluations: int
    seconds_per_loss: float
    blas_threads: int | None
    backprop_seconds: float | None

    @property
    def seconds_per_iteration(self) -> float:
        return self.evaluations * self.seconds_per_loss

    @property
    def slow(self) -> bool:
        """Whether an iteration takes more than :data:`SLOW_ITERATION` seconds."""
        return self.seconds_per_iteration > SLOW_ITERATION

    def message(self, iterations: int) -> str:
        """What an iteration and ``iterations`` of them will take, and what to do instead."""
        text = (
            _(
                "numerical gradient: {parameters:,} parameters, {evaluations:,} evaluations of "
                "the loss per iteration at about {each} each on one BLAS thread (measured "
                "faster): about {iteration} per iteration, {run} for iters_num={iterations}."
            )
            if self.blas_threads == 1
            else _(
                "numerical gradient: {parameters:,} parameters, {evaluations:,} evaluations of "
                "the loss per iteration at about {each} each: about {iteration} per iteration, "
                "{run} for iters_num={iterations}."
            )
        ).format(
            parameters=self.parameters,
            evaluations=self.evaluations,
            each=_duration(self.seconds_per_loss),
            iteration=_duration(self.seconds_per_iteration),
            run=_duration(self.seconds_per_iteration * iterations),
            iterations=iterations,
        )
        if self.backprop_seconds is not None:
            text = sentences(
                text,
                _(
                    "gradient='backprop' gives the same gradient in about {seconds} (the book's "
                    "chapter 5); the numerical one is for checking it on a few samples."
                ).format(seconds=_duration(self.backprop_seconds)),
            )
        return text


def numerical_cost(
    net: Any, x: NDArray[Any], t: NDArray[Any], options: Mapping[str, Any]
) -> NumericalCost:
    """The cost of one numerical gradient of ``net`` on the mini-batch (x, t).

    Times the loss (under the BLAS threads :func:`faster_blas_threads` finds faster,
    unless ``options`` runs it on workers) and one backpropagation.
    """
    parameters = sum(int(np.size(p)) for p in net.params.values())
    method = method_named(str(options.get("method", "central")))
    evaluations = parameters * method.evaluations

    def loss() -> object:
        return net.loss(x, t)

    if options.get("workers") is None:
        threads, seconds = faster_blas_threads(loss)
    else:
        threads, seconds = None, min(_seconds(loss) for _ in range(3))
    backprop = None
    if callable(getattr(net, "gradient", None)):
        with ExitStack() as stack:
            if threads is not None:
                from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

                stack.enter_context(threadpool_limits(limits=threads))
            backprop = min(_seconds(lambda: net.gradient(x, t)) for _ in range(3))
    return NumericalCost(parameters, evaluations, seconds, threads, backprop)


def _seconds(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def judged_loss(net: Any, x: NDArray[Any], t: NDArray[Any]) -> float:
    """The loss on the first :data:`JUDGED_SAMPLES` training samples (nan if it fails)."""
    try:
        with np.errstate(all="ignore"):
            return float(net.loss(x[:JUDGED_SAMPLES], t[:JUDGED_SAMPLES]))
    except (ArithmeticError, ValueError):
        return math.nan


def _flat_gradient(
    net: Any, x: NDArray[Any], t: NDArray[Any], names: list[str]
) -> Callable[[NDArray[np.floating]], NDArray[np.floating]]:
    """The network's backprop gradient as a function of all its parameters in one array."""
    shapes = [np.shape(net.params[name]) for name in names]
    sizes = [int(np.prod(shape)) for shape in shapes]
    clone = copy.copy(net)

    def gradient(theta: NDArray[np.floating]) -> NDArray[np.floating]:
        pieces = np.split(np.asarray(theta, dtype=np.float64), np.cumsum(sizes)[:-1])
        clone.params = {
            name: piece.reshape(shape)
            for name, piece, shape in zip(names, pieces, shapes, strict=True)
        }
        grads = clone.gradient(x, t)
        return np.concatenate([np.ravel(grads[name]) for name in names])

    return gradient


def judge_run(
    net: Any,
    x: NDArray[Any],
    t: NDArray[Any],
    start: Mapping[str, NDArray[Any]],
    start_loss: float,
    optimizer: Optimizer,
    iterations: int,
    stopped: str | None,
    blew_up: bool = False,
) -> tuple[str, str]:
    """How a run went ("trained", "diverged", "stalled", "stopped") and why, in words.

    ``start`` holds the parameters before the first iteration and ``start_loss`` the
    loss on the judged samples there; ``stopped`` says why the run stopped early, and
    ``blew_up`` that it stopped because the loss was no longer finite (it diverged). A
    run that diverged or stalled is explained with
    the learning-rate advice of :func:`~gradwalk.descend`: for plain SGD the stable bound
    2/λmax of the loss on the judged samples at the starting parameters, estimated by
    power iteration on backpropagated gradients (at most as many as the run spent).
    """
    end_loss = judged_loss(net, x, t)
    if stopped is not None and not blew_up:
        return "stopped", _("The run stopped early: {reason}.").format(reason=stopped)
    samples = min(JUDGED_SAMPLES, len(x))
    numbers = {"first": start_loss, "last": end_loss, "samples": samples, "count": iterations}
    shown = dict(numbers, first=_apart(start_loss, end_loss), last=_apart(end_loss, start_loss))
    if stopped is not None or not math.isfinite(end_loss) or end_loss > _ROSE * start_loss:
        advice = _advice(net, x, t, start, optimizer, iterations, stuck=False)
        if stopped is not None or not math.isfinite(end_loss):
            what = stopped or _("the loss became {last} (on {samples} training samples)").format(
                **numbers
            )
            return "diverged", _("Training diverged: {what}: {advice}.").format(
                what=what, advice=advice
            )
        return "diverged", _(
            "The loss rose from {first} to {last} (on {samples} training samples) in "
            "{count} iterations instead of falling: {advice}."
        ).format(advice=advice, **shown)
    if abs(end_loss - start_loss) <= _BARELY * abs(start_loss):
        advice = _advice(net, x, t, start, optimizer, iterations, stuck=True)
        return "stalled", _(
            "The loss barely changed in {count} iterations (from {first:.6g} to {last:.6g}, on "
            "{samples} training samples): {advice}."
        ).format(advice=advice, **numbers)
    return "trained", _(
        "The loss fell from {first} to {last} (on {samples} training samples) in "
        "{count} iterations."
    ).format(**shown)


def _apart(value: float, other: float) -> str:
    """``value`` with 3 significant digits, or as many more as tell it from ``other``.

    >>> _apart(1.1042, 1.0987), _apart(1.1042, 2.5)
    ('1.104', '1.1')
    """
    for digits in range(3, 18):
        text = f"{value:.{digits}g}"
        if text != f"{other:.{digits}g}":
            return text
    return f"{value:.17g}"


def _advice(
    net: Any,
    x: NDArray[Any],
    t: NDArray[Any],
    start: Mapping[str, NDArray[Any]],
    optimizer: Optimizer,
    iterations: int,
    *,
    stuck: bool,
) -> str:
    """descend's learning-rate advice for the run, at the starting parameters."""
    names = list(start)
    if not callable(getattr(net, "gradient", None)):
        return _("try a larger learning rate") if stuck else _("try a smaller learning rate")
    theta0 = np.concatenate([np.ravel(start[name]) for name in names]).astype(np.float64)
    gradient = _flat_gradient(net, x[:JUDGED_SAMPLES], t[:JUDGED_SAMPLES], names)
    run = Run(
        gradient=gradient,
        # backprop gradients on a few samples are cheap: the estimate may take its fill
        counts=Counts(gradients=max(iterations, DIAGNOSIS_GRADIENTS)),
        optimizer=optimizer,
        steps=iterations,
        gtol=None,
        h=None,
        path=[theta0],
        values=[],
        norms=[],
    )
    with np.errstate(all="ignore"):
        return learning_rate_advice(run, stuck=stuck)
