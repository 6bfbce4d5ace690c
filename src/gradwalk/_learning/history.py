"""What a training run records: :class:`TrainingHistory`, with the book's names."""

from __future__ import annotations

from dataclasses import dataclass, field

from gradwalk._common.html import Tone, card, table
from gradwalk._common.language import gettext as _

__all__ = ["EPOCHS_SHOWN", "TrainingHistory"]

#: Epochs listed in a notebook display (half the first, half the last).
EPOCHS_SHOWN = 20

#: The colour of each status in a notebook.
_TONES: dict[str, Tone] = {
    "trained": "good",
    "diverged": "bad",
    "stalled": "warn",
    "stopped": "warn",
}


@dataclass
class TrainingHistory:
    """What a training run recorded, with the book's names.

    Attributes
    ----------
    train_loss_list : list of float
        The mini-batch loss after each iteration (Figure 4-11).
    train_acc_list, test_acc_list : list of float
        Accuracy on the whole training and test data once per epoch, from the first
        iteration on (Figure 4-12); test_acc_list is empty without test data.
    iterations : int
        Iterations completed.
    epochs : int
        Accuracy records made (the book records at iterations 0, e, 2e, ... for an epoch
        of e iterations).
    iter_per_epoch : int
        Iterations per epoch: train_size / batch_size, rounded, at least 1.
    wall_time : float
        Seconds the run took.
    loss_evaluations : int
        Evaluations of the loss on a mini-batch spent on gradients: 1 per iteration for
        backprop (its backward pass costs about two more), 2 per parameter for central
        differences, 2 per direction for SPSA.
    elapsed, evaluations : list
        Seconds and cumulative loss_evaluations after each iteration (to plot the loss
        against time and against cost).
    gradient : str
        "backprop", "numerical" or "spsa".
    stopped : str or None
        None when all iterations ran; else why the run stopped early (Ctrl-C, a loss
        that became nan).
    status : {"trained", "diverged", "stalled", "stopped"}
        How the run went, judged on the loss over a fixed part of the training data
        before and after: it fell; it rose (or became nan or inf); it barely changed;
        the run was stopped early (Ctrl-C, the callback). "running" while it runs.
    message : str
        The run in one or two plain sentences; for a diverged or stalled run, what the
        learning rate had to do with it (as :func:`~gradwalk.descend` explains it).
    blas_threads : int or None
        The BLAS threads the numerical gradient ran with, where :func:`train` chose them
        by measuring (None: left as they were).

    Examples
    --------
    >>> from gradwalk import TwoLayerNet, train
    >>> from gradwalk.datasets import make_moons
    >>> x, t = make_moons(100, seed=0)
    >>> history = train(TwoLayerNet(2, 8, 2, weight_init_std=1.0, seed=0), x, t,
    ...                 iters_num=50, batch_size=20, learning_rate=0.5, seed=0, progress=False)
    >>> history.status, history.epochs, len(history.train_loss_list)
    ('trained', 10, 50)
    """

    gradient: str
    iter_per_epoch: int
    train_loss_list: list[float] = field(default_factory=list)
    train_acc_list: list[float] = field(default_factory=list)
    test_acc_list: list[float] = field(default_factory=list)
    elapsed: list[float] = field(default_factory=list)
    evaluations: list[int] = field(default_factory=list)
    iterations: int = 0
    epochs: int = 0
    wall_time: float = 0.0
    loss_evaluations: int = 0
    stopped: str | None = None
    status: str = "running"
    message: str = ""
    blas_threads: int | None = None

    def __repr__(self) -> str:
        last = (
            f", loss {self.train_loss_list[-1]:.4g}, train acc {self.train_acc_list[-1]:.4f}"
            if self.train_acc_list
            else ""
        )
        test = f", test acc {self.test_acc_list[-1]:.4f}" if self.test_acc_list else ""
        stop = f", stopped: {self.stopped}" if self.stopped else ""
        return (
            f"TrainingHistory(gradient={self.gradient!r}, {self.iterations} iterations, "
            f"{self.epochs} epochs{last}{test}, {self.loss_evaluations} loss evaluations, "
            f"{self.wall_time:.2f} s{stop})"
        )

    def _repr_html_(self) -> str:
        """The notebook display: the status coloured, the message, the accuracy per epoch."""
        iterations = _("{iterations} ({epochs} epochs of {size})").format(
            iterations=self.iterations, epochs=self.epochs, size=self.iter_per_epoch
        )
        fields = [
            (_("gradient"), self.gradient),
            (_("iterations"), iterations),
            (_("loss evaluations for gradients"), str(self.loss_evaluations)),
            (_("wall time"), f"{self.wall_time:.2f} s"),
        ]
        if self.train_loss_list:
            fields.insert(2, (_("last mini-batch loss"), f"{self.train_loss_list[-1]:.4g}"))
        rows: list[tuple[object, ...]] = [
            (
                epoch,
                epoch * self.iter_per_epoch,
                f"{train:.4f}",
                f"{self.test_acc_list[epoch]:.4f}" if epoch < len(self.test_acc_list) else "",
            )
            for epoch, train in enumerate(self.train_acc_list)
        ]
        if len(rows) > EPOCHS_SHOWN:  # the first ones and the last ones
            half = EPOCHS_SHOWN // 2
            rows = [*rows[:half], ("…", "", "", ""), *rows[-half:]]
        header = ("epoch", _("iteration"), _("train"), _("test"))
        sections = [(_("accuracy per epoch"), table(header, rows))]
        return card(
            "TrainingHistory",
            fields,
            verdict=self.status,
            tone=_TONES.get(self.status, "plain"),
            message=self.message or self.stopped,
            sections=sections if rows else [],
        )
