"""Mini-batch learning by the gradient method, the book's section 4.5.

:func:`train` is the book's ``train_neuralnet.py`` loop with its names: random
mini-batches, a gradient, an optimizer step, the loss recorded per iteration and the
train and test accuracy once per epoch. The gradient comes from backpropagation, from
gradwalk's numerical gradient, or from :class:`SPSA` (two evaluations of the loss per
estimate, whatever the number of parameters).

>>> from gradwalk.datasets import make_spiral
>>> from gradwalk.nets import TwoLayerNet
>>> x, t = make_spiral(300, 3, seed=0)
>>> net = TwoLayerNet(2, 30, 3, weight_init_std=1.0, seed=0)
>>> history = train(net, x, t, iters_num=300, optimizer="Adam", learning_rate=0.05,
...                 seed=0, progress=False)
>>> history.iterations, history.epochs, len(history.train_loss_list)
(300, 100, 300)
>>> history.train_acc_list[-1] > history.train_acc_list[0]
True
"""

from __future__ import annotations

import math
import numbers
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from functools import partial
from typing import Any, Protocol

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.progress import progress_bar, write_above
from gradwalk._common.rng import make_rng
from gradwalk._common.terminal import write_line
from gradwalk._common.validate import choice_hint, keyword_hints
from gradwalk._common.warnings import NonFiniteWarning, TrainingWarning, issue_warning
from gradwalk.optimizers import OPTIMIZERS, Optimizer

from .feedback import NumericalCost, judge_run, judged_loss, numerical_cost
from .history import TrainingHistory

__all__ = ["GRADIENTS", "SPSA", "TrainingHistory", "train"]

#: A stalled run is warned about from this many iterations on (a shorter one may simply
#: not have had the time to move the loss; its status still says "stalled").
WARNED_STALL = 50

#: The ways :func:`train` can compute a gradient.
GRADIENTS = ("backprop", "numerical", "spsa")


class Network(Protocol):
    """What :func:`train` needs of a network (the interface of the book's TwoLayerNet)."""

    params: dict[str, NDArray[np.float64]]

    def loss(self, x: ArrayLike, t: ArrayLike) -> float: ...
    def accuracy(self, x: ArrayLike, t: ArrayLike) -> float: ...
    def gradient(self, x: ArrayLike, t: ArrayLike) -> dict[str, NDArray[np.float64]]: ...
    def numerical_gradient(
        self, x: ArrayLike, t: ArrayLike, *, full_output: bool = ..., **options: Any
    ) -> dict[str, Any]: ...


class SPSA:
    """Simultaneous perturbation gradient estimate (Spall 1992).

    Each direction Δ draws ±1 for every parameter at once; the estimate is
    ``(L(θ + cΔ) - L(θ - cΔ)) / (2c) · Δ``, averaged over ``directions`` draws: 2
    evaluations of the loss per direction, whatever the number of parameters. Its
    expectation is the gradient (up to O(c²)); its variance grows with the number of
    parameters, which is what the cheap estimate gives up.

    Parameters
    ----------
    directions : int
        Random directions averaged per estimate (>= 1).
    c : float
        Size of the perturbation of every parameter (the book's h = 1e-4 by default).
    seed : int or numpy.random.Generator, optional
        For reproducible directions.

    Raises
    ------
    TypeError, ValueError
        directions not a whole number >= 1, c not a finite number > 0.

    References
    ----------
    J. C. Spall, "Multivariate stochastic approximation using a simultaneous perturbation
    gradient approximation", IEEE Trans. Automatic Control 37(3), 1992.

    Examples
    --------
    >>> params = {"w": np.array([1.0, -2.0, 3.0])}
    >>> spsa = SPSA(directions=2000, seed=0)
    >>> grads = spsa.gradient(lambda: float(np.sum(params["w"] ** 2)), params)
    >>> np.round(grads["w"], 0)  # the gradient 2w, from 4000 evaluations
    array([ 2., -4.,  6.])
    """

    def __init__(
        self,
        directions: int = 1,
        c: float = 1e-4,
        *,
        seed: int | np.random.Generator | None = None,
    ) -> None:
        self.directions = check_count(directions, "directions")
        self.c = check_positive(c, "c")
        self.rng = make_rng(seed)

    def __repr__(self) -> str:
        return f"SPSA(directions={self.directions}, c={self.c:g})"

    @property
    def evaluations(self) -> int:
        """Evaluations of the loss per estimate: 2 per direction."""
        return 2 * self.directions

    def gradient(
        self, loss: Callable[[], float], params: Mapping[str, NDArray[np.floating]]
    ) -> dict[str, NDArray[np.float64]]:
        """The estimate, perturbing every array of ``params`` in place and restoring it.

        ``loss()`` reads the parameters itself (like the book's ``lambda w: net.loss(x,
        t)``). The arrays are restored bit for bit, also when loss raises.
        """
        originals = {name: np.array(array, copy=True) for name, array in params.items()}
        grads = {name: np.zeros(array.shape) for name, array in params.items()}
        try:
            for _direction in range(self.directions):
                signs = {
                    name: self.rng.integers(0, 2, array.shape) * 2.0 - 1.0
                    for name, array in originals.items()
                }
                for name, array in params.items():
                    np.add(originals[name], self.c * signs[name], out=array)
                plus = float(loss())
                for name, array in params.items():
                    np.subtract(originals[name], self.c * signs[name], out=array)
                minus = float(loss())
                slope = (plus - minus) / (2 * self.c)
                for name in grads:
                    grads[name] += slope * signs[name]
        finally:
            for name, array in params.items():
                array[...] = originals[name]
        for name in grads:
            grads[name] /= self.directions
        return grads


def check_count(value: object, name: str, least: int = 1) -> int:
    """A whole number >= least, or an error that names it and what to pass."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= {least}, got {value!r}.")
    if value < least:
        raise ValueError(f"{name} must be a whole number >= {least}, got {name}={value!r}.")
    return int(value)


def check_positive(value: object, name: str, hint: str = "") -> float:
    """A finite number > 0, or an error that names it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {value!r}.")
    if not math.isfinite(float(value)) or float(value) <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {name}={value!r}.{hint}")
    return float(value)


def _optimizer(optimizer: str | Optimizer, learning_rate: float) -> Optimizer:
    """A fresh optimizer from a name (any case) or an instance."""
    if isinstance(optimizer, Optimizer):
        if learning_rate != optimizer.lr:
            raise ValueError(
                f"learning_rate={learning_rate!r} disagrees with {optimizer!r}; pass "
                "learning_rate with an optimizer name, or build the instance with that rate."
            )
        return optimizer.fresh()
    if isinstance(optimizer, str) and optimizer.lower() in OPTIMIZERS:
        return OPTIMIZERS[optimizer.lower()](lr=learning_rate)
    names = ", ".join(cls.__name__ for cls in OPTIMIZERS.values())
    hint = choice_hint(optimizer, OPTIMIZERS)[1]
    raise ValueError(f"optimizer={optimizer!r} is not known; choose one of {names}.{hint}")


def _data(
    net: Any, x: ArrayLike, t: ArrayLike, names: tuple[str, str]
) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """x and t checked against the network once, before any training."""
    if hasattr(net, "check_inputs") and hasattr(net, "check_targets"):
        xs = net.check_inputs(x, names[0])
        return xs, net.check_targets(t, xs.shape[0], names[1])
    xs = np.asarray(x, dtype=np.float64)
    labels = np.asarray(t)
    if labels.ndim == 2:
        labels = labels.argmax(axis=1)
    if xs.shape[:1] != labels.shape[:1]:
        raise ValueError(f"{names[0]} and {names[1]} hold different numbers of samples.")
    return xs, labels.astype(np.intp)


@keyword_hints
def train(
    net: Network,
    x_train: ArrayLike,
    t_train: ArrayLike,
    *,
    iters_num: int = 10000,
    batch_size: int = 100,
    learning_rate: float = 0.1,
    optimizer: str | Optimizer = "SGD",
    gradient: str | SPSA = "backprop",
    gradient_options: Mapping[str, Any] | None = None,
    x_test: ArrayLike | None = None,
    t_test: ArrayLike | None = None,
    seed: int | np.random.Generator | None = None,
    progress: bool = True,
    verbose: bool = False,
    callback: Callable[[TrainingHistory], object] | None = None,
) -> TrainingHistory:
    """Train ``net`` by mini-batch gradient descent, the book's section 4.5 loop.

    Each iteration draws ``batch_size`` random samples (with replacement, as the book's
    ``np.random.choice``), computes the gradient of the loss on them, lets the optimizer
    update ``net.params`` in place, and records the mini-batch loss. Every epoch
    (train_size / batch_size iterations), starting at the first, the accuracy on all the
    training data and on the test data is recorded.

    Parameters
    ----------
    net : TwoLayerNet or a network with its interface
        Trained in place.
    x_train, t_train : array_like
        Samples (N, features) and labels (N,) or one-hot rows (N, classes).
    iters_num, batch_size : int
        Iterations and mini-batch size (the book's 10000 and 100); batch_size <= N.
    learning_rate : float
        The optimizer's rate (the book's 0.1).
    optimizer : str or Optimizer
        "SGD" (the book's update), "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"
        (any case), or an instance (its own rate must equal learning_rate).
    gradient : {"backprop", "numerical", "spsa"} or SPSA
        Backpropagation (``net.gradient``), gradwalk's numerical gradient
        (``net.numerical_gradient``), or a simultaneous perturbation estimate.
    gradient_options : mapping, optional
        For "numerical": options of :func:`gradwalk.numerical_gradient` (``method``,
        ``h``, ``vectorized``, ``batch_size``, ``workers``); an int ``workers`` starts one
        process pool for the whole run. For "spsa": ``directions`` and ``c`` of
        :class:`SPSA`.
    x_test, t_test : array_like, optional
        Test data, both or neither.
    seed : int or numpy.random.Generator, optional
        For reproducible mini-batches (and SPSA directions).
    progress : bool
        Show a progress bar of the iterations (a widget in a notebook, with ipywidgets),
        its postfix the last loss and accuracies. A numerical gradient that takes more
        than 2 s per iteration is first timed and its cost told up front (per iteration
        and for iters_num), and the bar then counts the evaluations of the loss, inside
        each iteration.
    verbose : bool
        Print the book's line ``train acc, test acc | 0.0987, 0.098`` each epoch (as its
        ``train_neuralnet.py`` does), and at the end how the run went.
    callback : callable, optional
        ``callback(history)`` after every iteration. Raising KeyboardInterrupt in it stops
        the run like Ctrl-C.

    Returns
    -------
    TrainingHistory
        The book's lists and the run's cost, and ``status`` and ``message``: how the
        run went and why. Ctrl-C (KeyboardInterrupt) or a loss that becomes nan or inf
        stops the run and returns what was recorded so far, with the reason in
        ``stopped``.

    Notes
    -----
    The numerical gradient (evaluated in this process) runs its matrix products on one
    BLAS thread when one thread was measured faster than the default (see
    :func:`gradwalk._engine.threads.faster_blas_threads`): on a busy machine the default
    threads can make each iteration many times slower. ``history.blas_threads`` says
    which was used.

    Raises
    ------
    ValueError, TypeError
        Before any training: data that do not fit the network (features, classes, labels
        out of range, sample counts), batch_size larger than the data, iters_num or
        batch_size not a whole number >= 1, a learning rate that is not a finite number
        > 0, an unknown optimizer or gradient, options that do not fit the gradient.

    Warns
    -----
    NonFiniteWarning
        The loss became nan or inf and training stopped; the message says what the
        learning rate had to do with it.
    TrainingWarning
        The run diverged (the loss rose) or stalled (it barely changed over at least
        :data:`WARNED_STALL` iterations), unless ``verbose`` printed it: the message
        quotes the stable learning rate 2/λmax where plain SGD was used, as
        :func:`~gradwalk.descend` does.

    Examples
    --------
    >>> from gradwalk import TwoLayerNet
    >>> from gradwalk.datasets import make_moons
    >>> x, t = make_moons(200, seed=0)
    >>> net = TwoLayerNet(2, 10, 2, weight_init_std=1.0, seed=0)
    >>> history = train(net, x, t, iters_num=300, batch_size=50, learning_rate=0.5,
    ...                 seed=0, progress=False)
    >>> history.iter_per_epoch, history.epochs, len(history.train_loss_list)
    (4, 75, 300)
    >>> history.train_loss_list[-1] < history.train_loss_list[0]
    True
    """
    iters = check_count(iters_num, "iters_num")
    batch = check_count(batch_size, "batch_size")
    lr = check_positive(learning_rate, "learning_rate", " The book uses 0.1.")
    xs, ts = _data(net, x_train, t_train, ("x_train", "t_train"))
    if (x_test is None) != (t_test is None):
        raise ValueError("pass both x_test and t_test, or neither.")
    test = None
    if x_test is not None and t_test is not None:
        test = _data(net, x_test, t_test, ("x_test", "t_test"))
    train_size = xs.shape[0]
    if batch > train_size:
        raise ValueError(
            f"batch_size={batch} is larger than the training data ({train_size} samples); "
            f"pass batch_size <= {train_size}."
        )
    options = dict(gradient_options or {})
    estimator: SPSA | None = None
    rng = make_rng(seed)
    if isinstance(gradient, SPSA):
        estimator, name = gradient, "spsa"
    elif gradient == "spsa":
        unknown = set(options) - {"directions", "c"}
        if unknown:
            raise ValueError(f"gradient='spsa' takes directions and c, not {sorted(unknown)}.")
        estimator, name = SPSA(**options, seed=rng), "spsa"
    elif gradient in ("backprop", "numerical"):
        name = str(gradient)
        if gradient == "backprop" and options:
            raise ValueError(f"gradient='backprop' takes no options, got {sorted(options)}.")
    else:
        hint = choice_hint(gradient, GRADIENTS)[1]
        raise ValueError(f"gradient={gradient!r} is not known; choose one of {GRADIENTS}.{hint}")
    updater = _optimizer(optimizer, lr)

    history = TrainingHistory(gradient=name, iter_per_epoch=max(round(train_size / batch), 1))
    initial = {key: np.array(value, copy=True) for key, value in net.params.items()}
    with np.errstate(over="ignore", invalid="ignore"):
        start_loss = judged_loss(net, xs, ts)
    with ExitStack() as stack:
        workers = options.get("workers")
        if name == "numerical" and isinstance(workers, int) and not isinstance(workers, bool):
            options["workers"] = stack.enter_context(
                ProcessPoolExecutor(check_count(workers, "workers"))
            )
        cost = None
        if name == "numerical":
            cost = numerical_cost(net, xs[:batch], ts[:batch], options)
            history.blas_threads = cost.blas_threads
            if cost.blas_threads is not None:
                from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

                stack.enter_context(threadpool_limits(limits=cost.blas_threads))
        display = stack.enter_context(_Display(iters, name, progress, verbose, cost))
        if cost is not None and cost.slow:
            options["progress"] = display.evaluated
        start = time.perf_counter()
        try:  # overflow is reported once, as a nan or inf loss that stops the run
            with np.errstate(over="ignore", invalid="ignore"):
                _loop(
                    net,
                    xs,
                    ts,
                    test,
                    (iters, batch),
                    rng,
                    updater,
                    estimator,
                    options,
                    history,
                    display,
                    start,
                    callback,
                )
        except KeyboardInterrupt:
            history.stopped = _("interrupted (Ctrl-C) after {iterations} iterations").format(
                iterations=history.iterations
            )
        finally:
            history.wall_time = time.perf_counter() - start
        # the loop stops at a loss that is no longer finite: the run diverged
        blew_up = bool(history.train_loss_list) and not math.isfinite(history.train_loss_list[-1])
        history.status, history.message = judge_run(
            net,
            xs,
            ts,
            initial,
            start_loss,
            updater,
            history.iterations,
            history.stopped,
            blew_up,
        )
        if verbose:
            display.write(history.message)
    if blew_up:
        issue_warning(
            _("training stopped. {message}").format(message=history.message), NonFiniteWarning
        )
    elif not verbose and (
        history.status == "diverged"
        or (history.status == "stalled" and history.iterations >= WARNED_STALL)
    ):
        issue_warning(
            _("training {status}: {message}").format(
                status=history.status, message=history.message
            ),
            TrainingWarning,
        )
    return history


class _Display:
    """What a run shows while it runs: the progress bar (its postfix: loss and accuracy),
    the book's line per epoch (``verbose``), and a slow numerical gradient's cost up
    front and its progress evaluation by evaluation."""

    def __init__(
        self, iters: int, name: str, progress: bool, verbose: bool, cost: NumericalCost | None
    ) -> None:
        self.iters, self.verbose, self.cost = iters, verbose, cost
        self.inner = cost is not None and cost.slow
        per_iteration = cost.evaluations if cost is not None else 1
        self.bar = progress_bar(
            total=iters * per_iteration if self.inner else iters,
            disable=not progress,
            unit="f" if self.inner else "iter",
            unit_scale=self.inner,
            desc=_("train ({gradient})").format(gradient=name),
            dynamic_ncols=True,
        )
        self.shown = progress or verbose
        if cost is not None and cost.slow and self.shown:
            self.write(cost.message(iters))

    def __enter__(self) -> _Display:
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.close()

    def write(self, line: str) -> None:
        """A line above the bar (or printed, without one)."""
        if self.bar.disable:
            write_line(line)
        else:
            write_above(line)

    def evaluated(self, count: int) -> None:
        """Evaluations of the loss done inside an iteration (a slow numerical gradient)."""
        self.bar.update(count)

    def iteration(self, history: TrainingHistory) -> None:
        """An iteration is done: the bar, its postfix and, at an epoch, the book's line."""
        if self.inner and self.cost is not None:
            self.bar.update(history.iterations * self.cost.evaluations - self.bar.n)
        else:
            self.bar.update(1)
        new_epoch = (history.iterations - 1) % history.iter_per_epoch == 0
        if not self.bar.disable:
            postfix = f"loss {history.train_loss_list[-1]:.4g}"
            if history.train_acc_list:
                postfix += f", train acc {history.train_acc_list[-1]:.4f}"
            if history.test_acc_list:
                postfix += f", test acc {history.test_acc_list[-1]:.4f}"
            if self.inner:
                postfix = (
                    _("iteration {done}/{total}").format(done=history.iterations, total=self.iters)
                    + ", "
                    + postfix
                )
            self.bar.set_postfix_str(postfix, refresh=new_epoch)
        if self.verbose and new_epoch:
            # the line of the book's train_neuralnet.py, its numbers as str() prints them
            line = "train acc, test acc | " if history.test_acc_list else "train acc | "
            numbers = [history.train_acc_list[-1], *history.test_acc_list[-1:]]
            self.write(line + ", ".join(str(number) for number in numbers))


def _loop(
    net: Network,
    xs: NDArray[np.float64],
    ts: NDArray[np.intp],
    test: tuple[NDArray[np.float64], NDArray[np.intp]] | None,
    sizes: tuple[int, int],
    rng: np.random.Generator,
    updater: Optimizer,
    estimator: SPSA | None,
    options: dict[str, Any],
    history: TrainingHistory,
    display: _Display,
    start: float,
    callback: Callable[[TrainingHistory], object] | None,
) -> None:
    """The iterations of :func:`train`, recording into ``history``."""
    iters, batch = sizes
    for i in range(iters):
        mask = rng.choice(xs.shape[0], batch)
        x_batch, t_batch = xs[mask], ts[mask]
        if history.gradient == "backprop":
            grads = net.gradient(x_batch, t_batch)
            cost = 1
        elif estimator is not None:
            grads = estimator.gradient(partial(net.loss, x_batch, t_batch), net.params)
            cost = estimator.evaluations
        else:
            results = net.numerical_gradient(x_batch, t_batch, full_output=True, **options)
            grads = {key: result.grad for key, result in results.items()}
            cost = sum(result.nfev for result in results.values())
        updater.update(net.params, grads)
        loss = float(net.loss(x_batch, t_batch))
        history.iterations = i + 1
        history.loss_evaluations += cost
        history.train_loss_list.append(loss)
        history.elapsed.append(time.perf_counter() - start)
        history.evaluations.append(history.loss_evaluations)
        if i % history.iter_per_epoch == 0:
            history.train_acc_list.append(float(net.accuracy(xs, ts)))
            if test is not None:
                history.test_acc_list.append(float(net.accuracy(*test)))
            history.epochs += 1
        display.iteration(history)
        if not math.isfinite(loss):
            history.stopped = _("the loss became {loss} at iteration {iteration}").format(
                loss=loss, iteration=i + 1
            )
            return
        if callback is not None:
            callback(history)
