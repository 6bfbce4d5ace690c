"""The learning view's computation: a TwoLayerNet trained step by step on generated data.

A training session holds a network, its data, its optimizer and what it has recorded; the
page starts one (:meth:`Sessions.start`) and then asks for a few steps at a time
(:meth:`Sessions.step`), drawing the decision boundary and the loss and accuracy curves
after each answer, so that training can be paused, resumed or advanced by one step.
Each step is the book's update ``optimizer.update(net.params, grads)`` on the whole
dataset, with grads from backpropagation, gradwalk's numerical gradient, or SPSA
(:class:`gradwalk.training.SPSA`).
"""

from __future__ import annotations

import secrets
import threading
import time
import warnings
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._learning import datasets
from gradwalk._learning.feedback import judge_run, judged_loss
from gradwalk._learning.nets import TwoLayerNet
from gradwalk._learning.training import SPSA, WARNED_STALL
from gradwalk.optimizers import OPTIMIZERS, Optimizer

from ._requests import LIMITS, Limits, RequestError, choice, integer, number

__all__ = ["BOUNDARY", "DATASETS", "GRADIENTS", "Sessions"]

#: The generated datasets the page offers, with their number of classes.
DATASETS: Mapping[str, tuple[Callable[..., Any], int]] = {
    "spiral": (datasets.make_spiral, 3),
    "moons": (datasets.make_moons, 2),
    "circles": (datasets.make_circles, 2),
}
#: How the gradient of the loss is computed.
GRADIENTS = ("backprop", "numerical", "spsa")
#: Grid points along each axis of the decision boundary.
BOUNDARY = 64
#: Most noise of a generated dataset.
MOST_NOISE = 2.0
#: Steps after which a run is judged (diverged, stalled) for the learning-rate hint.
JUDGED_AFTER = 20


@dataclass
class _Session:
    """One network in training, and what the page has been told so far."""

    net: TwoLayerNet
    x: NDArray[np.float64]
    t: NDArray[np.intp]
    x_test: NDArray[np.float64]
    t_test: NDArray[np.intp]
    optimizer: Optimizer
    gradient: str
    spsa: SPSA
    window: tuple[tuple[float, float], tuple[float, float]]
    iteration: int = 0
    evaluations: int = 0
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: The parameters and the loss before the first step, to judge the run against.
    start: dict[str, NDArray[np.float64]] = field(default_factory=dict)
    start_loss: float = float("nan")
    #: What the learning rate did, once the run diverged or stalled ("" until then).
    hint: str = ""


def _window(x: NDArray[np.float64]) -> tuple[tuple[float, float], tuple[float, float]]:
    """A square-ish window around the data with a margin of 10%."""
    low, high = x.min(axis=0), x.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-9)
    return (
        (float(low[0] - margin[0]), float(high[0] + margin[0])),
        (float(low[1] - margin[1]), float(high[1] + margin[1])),
    )


class Sessions:
    """The training sessions of one server, the oldest dropped beyond ``limits.sessions``.

    Parameters
    ----------
    limits : Limits
        Most points, hidden units, steps per request, sessions and seconds per request.
    """

    def __init__(self, limits: Limits = LIMITS) -> None:
        self.limits = limits
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._lock = threading.Lock()

    def describe(self) -> dict[str, Any]:
        """What the page needs for its menus."""
        return {
            "datasets": list(DATASETS),
            "gradients": list(GRADIENTS),
            "optimizers": list(OPTIMIZERS),
            "limits": vars(self.limits),
        }

    def start(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Generate the data, build the network; answer the data and the first picture.

        Raises
        ------
        RequestError
            For a field that is missing, of the wrong type or over its limit.
        """
        limits = self.limits
        name = choice(payload, "dataset", list(DATASETS), "spiral")
        size = integer(payload, "size", 200, least=10, most=limits.dataset_size)
        noise = number(payload, "noise", 0.2)
        if not 0 <= noise <= MOST_NOISE:
            raise RequestError(
                "noise",
                _("noise must be from 0 to {most:g}, got {value:g}.").format(
                    most=MOST_NOISE, value=noise
                ),
            )
        hidden = integer(payload, "hidden", 10, least=1, most=limits.hidden_size)
        gradient = choice(payload, "gradient", GRADIENTS, "backprop")
        lr = number(payload, "lr", 1.0, positive=True, what=N_("Try 0.1 to 1."))
        optimizer = choice(payload, "optimizer", list(OPTIMIZERS), "sgd")
        seed = integer(payload, "seed", 0, least=0, most=2**32 - 1)
        directions = integer(payload, "directions", 1, least=1, most=100)
        make, classes = DATASETS[name]
        x, t = make(size, noise=noise, seed=seed)
        # test data: the same distribution, other points (Figure 4-12's test accuracy)
        x_test, t_test = make(max(10, size // 2), noise=noise, seed=seed + 1)
        session = _Session(
            net=TwoLayerNet(2, hidden, classes, weight_init_std=1.0, seed=seed),
            x=np.asarray(x, dtype=np.float64),
            t=np.asarray(t, dtype=np.intp),
            x_test=np.asarray(x_test, dtype=np.float64),
            t_test=np.asarray(t_test, dtype=np.intp),
            optimizer=OPTIMIZERS[optimizer](lr=lr),
            gradient=gradient,
            spsa=SPSA(directions, seed=seed),
            window=_window(np.asarray(x, dtype=np.float64)),
        )
        session.start = {name: p.copy() for name, p in session.net.params.items()}
        session.start_loss = judged_loss(session.net, session.x, session.t)
        key = secrets.token_hex(8)
        with self._lock:
            self._sessions[key] = session
            while len(self._sessions) > limits.sessions:
                self._sessions.popitem(last=False)
        with session.lock:
            answer = self._picture(session, [], [], 0.0)
        answer.update(
            id=key,
            points=np.round(session.x, 5).tolist(),
            labels=session.t.tolist(),
            classes=classes,
            parameters=sum(p.size for p in session.net.params.values()),
        )
        return answer

    def step(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        """Train for up to ``steps`` steps or ``seconds``, whichever ends first.

        Raises
        ------
        RequestError
            For an unknown session or a bad number of steps or seconds.
        """
        key = payload.get("id")
        with self._lock:
            session = self._sessions.get(key) if isinstance(key, str) else None
            if session is not None:
                self._sessions.move_to_end(key)  # type: ignore[arg-type]
        if session is None:
            raise RequestError(
                "id",
                _(
                    "this training session is no longer on the server (it restarted, or more "
                    "than {sessions} sessions were started since); press Reset."
                ).format(sessions=self.limits.sessions),
            )
        steps = integer(payload, "steps", 1, least=1, most=self.limits.steps_per_request)
        budget = number(payload, "seconds", 0.25, positive=True)
        budget = min(budget, self.limits.seconds)
        losses: list[float] = []
        accuracies: list[tuple[float, float]] = []
        with session.lock:
            began = time.perf_counter()
            spent = 0.0
            for _step in range(steps):
                losses.append(self._train_step(session))
                with np.errstate(all="ignore"):
                    accuracies.append(
                        (
                            float(session.net.accuracy(session.x, session.t)),
                            float(session.net.accuracy(session.x_test, session.t_test)),
                        )
                    )
                spent = time.perf_counter() - began
                if spent > budget or not np.isfinite(losses[-1]):
                    break
            self._judge(session, losses)
            return self._picture(session, losses, accuracies, spent)

    def _judge(self, session: _Session, losses: list[float]) -> None:
        """Once the run diverged or stalled, say what the learning rate did (as train does)."""
        if session.hint or session.iteration < JUDGED_AFTER:
            return
        stopped = None
        if losses and not np.isfinite(losses[-1]):
            stopped = _("the loss became {loss} at step {step}").format(
                loss=losses[-1], step=session.iteration
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            status, message = judge_run(
                session.net,
                session.x,
                session.t,
                session.start,
                session.start_loss,
                session.optimizer,
                session.iteration,
                stopped,
                blew_up=stopped is not None,
            )
        if status == "diverged" or (status == "stalled" and session.iteration >= WARNED_STALL):
            session.hint = message

    def _train_step(self, session: _Session) -> float:
        """One update of the whole batch; the loss before it."""
        net, x, t = session.net, session.x, session.t
        began = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loss = float(net.loss(x, t))
            if session.gradient == "backprop":
                grads = net.gradient(x, t)
                evaluations = 0
            elif session.gradient == "numerical":
                results = net.numerical_gradient(x, t, full_output=True)
                grads = {name: r.grad for name, r in results.items()}
                evaluations = sum(r.nfev for r in results.values())
            else:
                grads = session.spsa.gradient(lambda: float(net.loss(x, t)), net.params)
                evaluations = session.spsa.evaluations
        session.optimizer.update(net.params, grads)
        session.seconds += time.perf_counter() - began
        session.evaluations += evaluations
        session.iteration += 1
        return loss

    def _picture(
        self,
        session: _Session,
        losses: list[float],
        accuracies: list[tuple[float, float]],
        spent: float,
    ) -> dict[str, Any]:
        """The new points of the curves, the decision boundary and the cost so far."""
        (x0, x1), (y0, y1) = session.window
        xs, ys = np.linspace(x0, x1, BOUNDARY), np.linspace(y0, y1, BOUNDARY)
        grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 2)
        with np.errstate(all="ignore"):
            probabilities = session.net.predict(grid)
        per_step = session.seconds / session.iteration if session.iteration else None
        return {
            "iteration": session.iteration,
            "loss": [v if np.isfinite(v) else None for v in losses],
            "accuracy": [train for train, _ in accuracies],
            "test_accuracy": [test for _, test in accuracies],
            "test_points": len(session.x_test),
            "hint": session.hint,
            "window": [list(session.window[0]), list(session.window[1])],
            "boundary": {
                "n": BOUNDARY,
                "label": np.argmax(probabilities, axis=1).tolist(),
                "confidence": np.round(np.nan_to_num(np.max(probabilities, axis=1)), 3).tolist(),
            },
            "cost": {
                "gradient": session.gradient,
                "evaluations": session.evaluations,
                "evaluations_per_step": session.evaluations / session.iteration
                if session.iteration
                else None,
                "seconds_per_step": per_step,
                "seconds": spent,
                "steps": len(losses),
            },
            "diverged": bool(losses) and not np.isfinite(losses[-1]),
        }
