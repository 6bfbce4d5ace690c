"""How a run of descend ended, in words: the record of the run and its explanation.

:class:`Run` is what the descent loop recorded; :func:`explain_end` reads it and says
whether the run converged, diverged, stalled or ran out of steps, and why, quoting the
stable learning rate 2/λmax where that is what went wrong.

>>> steps_in_words(1), steps_in_words(3)
('1 step', '3 steps')
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.language import ngettext, sentences
from gradwalk._common.warnings import NonFiniteWarning, PrecisionWarning
from gradwalk._engine.inputs import real_value
from gradwalk.optimizers import SGD, Optimizer

from ._lr_bound import Gradient, largest_eigenvalue, stable_rate

__all__ = [
    "Counts",
    "Run",
    "Status",
    "explain_end",
    "explain_safely",
    "grad_advice",
    "learning_rate_advice",
    "rose_at_once",
    "steps_in_words",
    "unexplained",
    "vanishing",
]

Status = Literal["converged", "max_steps", "diverged", "stalled", "stopped"]

#: f must end more than this many times above its starting size for a run to be "diverged".
_GROWTH = 1e3
#: A relative change of f at most this small means the run "barely changed" f.
_BARELY = 1e-3
#: A run that froze with its gradient norm below this fraction of the first converged.
_FLOOR = 1e-6
#: A learning rate this many times below the stable bound is "far below" it.
_FAR_BELOW = 1e-2
#: A run "bounces" when f rose at more than this share of its last quarter of steps.
_BOUNCES = 0.25
#: A run "was still falling" when its gradient norm is still above this share of the first
#: one, or when its last quarter of steps still gave this share of the whole fall of f.
_STILL_STEEP = 1e-3
#: Most power iterations per pass spent on the learning-rate bound inside a diagnosis.
DIAGNOSIS_ITERATIONS = 50
#: Most gradients a diagnosis spends on that bound (two passes of two gradients per iteration).
DIAGNOSIS_GRADIENTS = 4 * DIAGNOSIS_ITERATIONS


@dataclass
class Counts:
    """Evaluations spent so far: of f, and of the gradient (numerical or analytic)."""

    nfev: int = 0
    gradients: int = 0


@dataclass
class Run:
    """What the descent loop recorded, for the diagnosis."""

    gradient: Gradient
    counts: Counts
    optimizer: Optimizer
    steps: int
    gtol: float | None
    h: float | None
    path: list[NDArray[np.floating]]
    values: list[Any]
    norms: list[float]
    grad: NDArray[np.floating] | None = None
    end: str = "steps"
    zero_since: int | None = None
    #: The gradient at the last point was zero because f returned the same value at every
    #: point (it probably ignores its argument), so a zero gradient proves nothing.
    ignored: bool = False


def vanishing(x: NDArray[np.floating], h: float | None) -> NDArray[np.bool_]:
    """Where x ± h rounds back to x, so the difference there is exactly zero."""
    if h is None:
        return np.zeros(x.shape, dtype=bool)
    return np.asarray((x + h == x) | (x - h == x))


def steps_in_words(count: int) -> str:
    """A number of steps in words: 1 step, 2 steps."""
    return ngettext("{count} step", "{count} steps", count).format(count=count)


def _number(value: float) -> str:
    """A value for a message: 3 significant digits."""
    return f"{value:.3g}"


def _bound_at(run: Run, point: NDArray[np.floating]) -> tuple[float | None, str]:
    """The stable learning rate of plain SGD at a point, or None and why it is not quoted.

    The estimate spends at most as many gradients as the run itself did (and at most
    ``DIAGNOSIS_GRADIENTS``); it is skipped when that is too few for two power
    iterations, and not quoted when it did not settle within them. The reason is ""
    when there is nothing to tell (not plain SGD, no positive curvature, f failed).
    """
    if not isinstance(run.optimizer, SGD):
        return None, ""
    spent = run.counts.gradients
    budget = min(DIAGNOSIS_GRADIENTS, spent)
    if budget < 4:  # two iterations of two gradients: the fewest that can settle
        return None, " " + _(
            "(the stable learning rate was not estimated: that takes at least 4 gradients, "
            "more than the run's own {spent}; learning_rate_bound gives it)"
        ).format(spent=spent)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            largest, settled = largest_eigenvalue(
                run.gradient, point, DIAGNOSIS_ITERATIONS, 1e-4, total=budget // 2
            )
    except Exception:  # a diagnosis must never turn a finished run into an error
        return None, ""
    if not settled:
        return None, " " + _(
            "(the stable learning rate was not estimated: it did not settle within the {more} "
            "more gradients a diagnosis may spend after a run of {spent}; learning_rate_bound "
            "gives it)"
        ).format(more=run.counts.gradients - spent, spent=spent)
    bound = stable_rate(largest)
    return (bound, "") if math.isfinite(bound) and bound > 0 else (None, "")


def learning_rate_advice(run: Run, *, stuck: bool = False) -> str:
    """What the learning rate has to do with it (``stuck``: f barely changed).

    For plain SGD it quotes the stable bound 2/λmax at ``run.path[0]``, estimated with at
    most as many gradients as the run spent (``run.counts.gradients``); the training
    loop of section 4.5 asks it too, with its network's parameters as one flat x.
    """
    lr = run.optimizer.lr
    bound, why_not = _bound_at(run, run.path[0])
    if bound is None:
        advice = _("a larger learning rate may help") if stuck else _("try a smaller learning rate")
        return advice + why_not
    where = _("the stable bound of about {bound:.2g} here (2/λmax at the start)").format(
        bound=bound
    )
    if stuck and lr < _FAR_BELOW * bound:
        return _("lr = {lr:g} is far below {where}; try lr = {half:.2g}").format(
            lr=lr, where=where, half=bound / 2
        )
    if stuck and lr >= (1 - _BARELY) * bound:
        return _(
            "lr = {lr:g} is at or above {where}, so x swings across the minimum without getting "
            "closer; try lr = {half:.2g}"
        ).format(lr=lr, where=where, half=bound / 2)
    if stuck:
        return _("f changes slowly here: x may be on a plateau or near a minimum")
    if lr > bound:
        return _("lr = {lr:g} is above {where}, so every step overshot further").format(
            lr=lr, where=where
        )
    return _(
        "try a smaller learning rate: lr = {lr:g} is below {where}, but that bound holds only "
        "near the start"
    ).format(lr=lr, where=where)


def _bouncing(run: Run) -> str | None:
    """Why f stopped falling late in a run that otherwise fell, or None when it didn't."""
    quarter = run.steps // 4
    if quarter < 4:
        return None
    values = np.asarray(run.values, dtype=np.float64)
    recent = values[-(quarter + 1) :]
    noise = 4 * np.finfo(np.float64).eps * float(np.max(np.abs(recent)))
    rises = int(np.count_nonzero(np.diff(recent) > noise))
    best = int(np.argmin(values))
    stale = best < len(values) - 1 - quarter
    if not stale and rises <= _BOUNCES * quarter:
        return None
    lr = run.optimizer.lr
    bound, why_not = _bound_at(run, run.path[best])
    if bound is not None and lr > bound:
        advice = _(
            "lr = {lr:g} is above the stable bound of about {bound:.2g} where f was lowest "
            "(2/λmax there), so x bounces across the valley instead of settling"
        ).format(lr=lr, bound=bound)
    else:
        advice = (
            _("x bounces around instead of settling; a smaller learning rate settles closer")
            + why_not
        )
    if stale:
        return _("but it was lowest ({value}) at step {step}, not since: {advice}").format(
            value=_number(values[best]), step=best, advice=advice
        )
    return _("but it rose again at {rises} of the last {quarter} steps: {advice}").format(
        rises=rises, quarter=quarter, advice=advice
    )


def _zero_gradient_reason(run: Run, *, frozen: bool) -> tuple[str, bool] | None:
    """Why the gradient has been exactly zero since ``run.zero_since``, if it has.

    Returns the explanation and whether x ± h rounding back to x is the cause, or None
    when the gradient at the last point is not all zero.
    """
    if run.zero_since is None:
        return None
    x = run.path[-1]
    h = run.h
    after = _("x froze there") if frozen else _("only the optimizer's own state moved x after that")
    vanished = vanishing(x, h)
    if vanished.any():
        magnitude = float(np.max(np.abs(x[vanished])))
        spacing = float(np.spacing(x.dtype.type(magnitude)))
        return (
            _(
                "from step {step} on the numerical gradient was exactly zero: at |x| ≈ "
                "{magnitude:.2g} floats are {spacing:.2g} apart, more than h = {h:g}, so x ± h "
                "rounds back to x and {after}"
            ).format(step=run.zero_since, magnitude=magnitude, spacing=spacing, h=h, after=after),
            True,
        )
    return _("from step {step} on the gradient was exactly zero and {after}").format(
        step=run.zero_since, after=after
    ), False


def _freeze_reason(run: Run) -> tuple[str, bool]:
    """Why x stopped moving at the last point, and whether x ± h rounding explains it."""
    zero = _zero_gradient_reason(run, frozen=True)
    if zero is not None:
        return zero
    x = run.path[-1]
    grad = run.grad if run.grad is not None else np.zeros_like(x)
    largest = float(np.max(np.abs(run.optimizer.lr * grad)))
    spacing = float(np.max(np.spacing(np.abs(x))))
    return (
        _(
            "from step {step} on every update (at most {largest:.2g}) was below half the "
            "spacing of floats at x (up to {spacing:.2g}), so x rounded back to itself"
        ).format(step=len(run.path) - 1, largest=largest, spacing=spacing),
        False,
    )


#: Advice at the end of a message, each its own sentence, so that the page can put its own
#: inputs in their place (looked up in the current language).
PASS_GTOL = N_("Pass gtol to stop as converged once the gradient is that small.")
RELATIVE_STEP = N_("Rescale x or pass a step relative to |x| (h='auto').")


def explain_end(run: Run) -> tuple[Status, str, bool]:
    """Status and message of a finished run, and whether the message explains vanished h."""
    step = len(run.path) - 1
    first, last = run.values[0], run.values[-1]
    steps = steps_in_words(step)
    if run.end == "value":
        return (
            "diverged",
            _(
                "f became {value} at step {step}, where |x| reached {size}, so the run stopped "
                "there; {advice}."
            ).format(
                value=last,
                step=step,
                size=_number(float(np.max(np.abs(run.path[-1])))),
                advice=learning_rate_advice(run),
            ),
            False,
        )
    if run.end == "gradient":
        return (
            "diverged",
            _(
                "The gradient became not finite at step {step} (f = {value}; f is inf or nan at "
                "points next to x, or grad returned them), so the run stopped there; {advice}."
            ).format(step=step, value=_number(last), advice=learning_rate_advice(run)),
            False,
        )
    if run.end == "callback":
        return (
            "stopped",
            _("The callback stopped the run at step {step}; f = {value:.6g}.").format(
                step=step, value=last
            ),
            False,
        )
    if run.end == "gtol":
        return (
            "converged",
            _(
                "Converged in {steps}: the gradient norm {norm:.6g} fell below gtol = {gtol:g}; "
                "f = {value:.6g}."
            ).format(steps=steps, norm=run.norms[-1], gtol=run.gtol, value=last),
            False,
        )
    scale = max(abs(first), abs(min(run.values)), float(np.finfo(np.float64).tiny))
    frozen = run.end == "frozen"
    reason, explains_h = _freeze_reason(run) if frozen else ("", False)
    if last - first > _GROWTH * scale:
        numbers = {
            "first": _number(first),
            "last": _number(last),
            "steps": steps,
            "advice": learning_rate_advice(run),
        }
        if first != 0:
            numbers["orders"] = f"{math.log10(abs(last) / abs(first)):.0f}"
            message = _(
                "f grew from {first} to {last}, {orders} orders of magnitude, in {steps}: {advice}."
            ).format(**numbers)
        else:
            message = _("f grew from {first} to {last} in {steps}: {advice}.").format(**numbers)
        zero = (reason, explains_h) if frozen else _zero_gradient_reason(run, frozen=False)
        if zero is not None:
            message = sentences(message, _("Then {reason}.").format(reason=zero[0]))
        return "diverged", message, zero is not None and zero[1]
    if frozen:
        if run.ignored:
            return (
                "stalled",
                _(
                    "x stopped moving at step {step}: f returned exactly the same value at x and "
                    "at every perturbed point, so the gradient is zero, which proves nothing "
                    "about a minimum. f probably ignores its argument (a closure reading another "
                    "array than the one descended); f = {value:.6g}."
                ).format(step=step, value=last),
                False,
            )
        if not explains_h and run.zero_since is not None:
            return (
                "converged",
                _(
                    "The gradient is exactly zero at step {step}, so x cannot move: it is a "
                    "stationary point of f (a minimum, a maximum or a saddle); f = {value:.6g}."
                ).format(step=step, value=last),
                False,
            )
        if not explains_h and last <= first and run.norms[-1] <= _FLOOR * run.norms[0]:
            return (
                "converged",
                _(
                    "Converged to floating-point precision in {steps}: {reason}, and the "
                    "gradient norm had fallen from {first} to {last}; f = {value:.6g}."
                ).format(
                    steps=steps,
                    reason=reason,
                    first=_number(run.norms[0]),
                    last=_number(run.norms[-1]),
                    value=last,
                ),
                False,
            )
        advice = _(RELATIVE_STEP) if explains_h else _("Raise lr or rescale the problem.")
        stopped = _("x stopped moving: {reason}; f = {value:.6g}.").format(
            reason=reason, value=last
        )
        return "stalled", sentences(stopped, advice), explains_h
    if run.steps == 0:
        return (
            "max_steps",
            _("No steps were asked for (steps=0); f = {value:.6g} at x0.").format(value=last),
            False,
        )
    if abs(first - last) <= _BARELY * scale:  # a swing can end a rounding error above f(x0)
        return (
            "max_steps",
            _(
                "f barely changed in {steps} (from {first:.8g} to {last:.8g}, a relative change "
                "of {change:.1g}): {advice}."
            ).format(
                steps=steps,
                first=first,
                last=last,
                change=abs(first - last) / scale,
                advice=learning_rate_advice(run, stuck=True),
            ),
            False,
        )
    if last > first:
        return (
            "max_steps",
            _("f rose from {first} to {last} in {steps} instead of falling; {advice}.").format(
                first=_number(first),
                last=_number(last),
                steps=steps,
                advice=learning_rate_advice(run),
            ),
            False,
        )
    fell = {"first": _number(first), "last": _number(last), "steps": steps}
    bouncing = _bouncing(run)
    if bouncing is not None:
        return (
            "max_steps",
            _("f fell from {first} to {last} in {steps}, {bouncing}.").format(
                bouncing=bouncing, **fell
            ),
            False,
        )
    if last < 0 and -last > _GROWTH * max(abs(first), float(np.finfo(np.float64).tiny)):
        return (
            "max_steps",
            _(
                "f fell from {first} to {last} in {steps} and kept falling: f may be unbounded "
                "below (an open valley or a saddle that descent slides off)."
            ).format(**fell),
            False,
        )
    recent_drop = run.values[-(run.steps // 4 + 2)] - last
    if run.norms[-1] > _STILL_STEEP * run.norms[0] or recent_drop > _STILL_STEEP * (first - last):
        return (
            "max_steps",
            _(
                "f fell from {first} to {last} in {steps} and was still falling: the gradient "
                "norm is {norm} (it was {start} at the start). Allow more steps to go further."
            ).format(norm=_number(run.norms[-1]), start=_number(run.norms[0]), **fell),
            False,
        )
    fell_message = _(
        "f fell from {first} to {last} in {steps}, and the gradient norm from {start} to {norm}."
    ).format(norm=_number(run.norms[-1]), start=_number(run.norms[0]), **fell)
    return "max_steps", sentences(fell_message, _(PASS_GTOL)), False


def unexplained(
    caught: Sequence[warnings.WarningMessage],
    steps: Sequence[int],
    status: Status,
    vanish_steps: set[int],
) -> tuple[list[warnings.WarningMessage], list[int]]:
    """The warnings the message does not already explain, with their steps."""
    kept: list[warnings.WarningMessage] = []
    kept_steps: list[int] = []
    for record, step in zip(caught, steps, strict=True):
        # a diverging run also loses precision as |x| grows: the growth explains both
        blow_up = issubclass(record.category, NonFiniteWarning | RuntimeWarning | PrecisionWarning)
        if status == "diverged" and blow_up:
            continue
        if issubclass(record.category, PrecisionWarning) and step in vanish_steps:
            continue
        kept.append(record)
        kept_steps.append(step)
    return kept, kept_steps


def explain_safely(run: Run) -> tuple[Status, str, bool]:
    """explain_end, which must never turn a finished run into an error."""
    try:
        return explain_end(run)
    except Exception as error:
        step = len(run.path) - 1
        return (
            "stopped",
            _("The run ended after {steps}; f = {value} (its explanation failed: {error}).").format(
                steps=steps_in_words(step),
                value=run.values[-1],
                error=f"{type(error).__name__}: {error}",
            ),
            False,
        )


def rose_at_once(run: Run) -> bool:
    """Whether f rose over the first steps (or stopped being finite)."""
    values = np.asarray(run.values, dtype=np.float64)
    first = values[: min(4, values.size)]
    return values.size > 1 and (not np.all(np.isfinite(first)) or bool(np.all(np.diff(first) > 0)))


def grad_advice(f: Callable[[Any], object], run: Run, counts: Counts) -> str:
    """One directional check of the analytic gradient at x0: its slope along -grad."""
    try:
        x0 = run.path[0]
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            g = np.asarray(run.gradient(x0), dtype=np.float64)
            norm = float(np.linalg.norm(g))
            if not math.isfinite(norm) or norm == 0:
                return ""
            direction = g / norm
            eps = 1e-6 * max(1.0, float(np.max(np.abs(x0))))
            plus = real_value(f(x0 + eps * direction))
            minus = real_value(f(x0 - eps * direction))
            counts.nfev += 2
        slope = (plus - minus) / (2 * eps)
    except Exception:
        return ""
    if not math.isfinite(slope) or abs(slope - norm) <= 1e-2 * max(abs(slope), norm):
        return ""
    disagrees = (
        _(
            "f rose from the first steps, and grad disagrees with f at x0: along grad f changes "
            "at a rate of {slope:.3g}, but grad says {norm:.3g} (the sign is wrong)."
        )
        if slope < 0
        else _(
            "f rose from the first steps, and grad disagrees with f at x0: along grad f changes "
            "at a rate of {slope:.3g}, but grad says {norm:.3g}."
        )
    ).format(slope=slope, norm=norm)
    return sentences(disagrees, _("Check grad, e.g. with check_gradient(f, x0, grad(x0))."))
