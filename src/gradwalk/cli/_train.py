"""``gradwalk train``: section 4.5's training loop from the command line."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.language import sentences
from gradwalk._common.progress import above_the_bars
from gradwalk._learning import datasets
from gradwalk._learning.idx import IDXError
from gradwalk._learning.nets import TwoLayerNet
from gradwalk._learning.training import GRADIENTS, TrainingHistory, train
from gradwalk.optimizers import OPTIMIZERS

from ._args import choice_type, plot_file
from ._command import (
    ComputationFailed,
    Interrupted,
    Output,
    Subcommand,
    UsageError,
    count_type,
    number_type,
    save_figure,
)

__all__ = ["DATASETS", "DEFAULTS", "TRAIN", "Defaults"]

DATASETS = ("spiral", "moons", "circles", "digits", "mnist", "fashion-mnist")
#: The data sets made on the spot, 300 training and 300 test samples each.
_GENERATED = {
    "spiral": datasets.make_spiral,
    "moons": datasets.make_moons,
    "circles": datasets.make_circles,
}


@dataclass(frozen=True)
class Defaults:
    """Settings that train a data set well when the command line does not choose."""

    iters: int
    lr: float
    optimizer: str
    weight_init_std: float


#: Generated 2-D data learn quickly with Adam and unit-scale weights; digits with SGD;
#: MNIST with the book's own settings.
DEFAULTS = {
    "generated": Defaults(iters=1000, lr=0.05, optimizer="adam", weight_init_std=1.0),
    "digits": Defaults(iters=3000, lr=0.5, optimizer="sgd", weight_init_std=0.1),
    "mnist": Defaults(iters=10000, lr=0.1, optimizer="sgd", weight_init_std=0.01),
}


def _train_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dataset",
        type=choice_type(DATASETS),
        default="spiral",
        help=_("one of {choices} (default: {default})").format(
            choices=", ".join(DATASETS), default="spiral"
        ),
    )
    parser.add_argument(
        "--hidden", type=count_type("--hidden", least=1), default=50, help=_("hidden units (50)")
    )
    parser.add_argument(
        "--iters",
        type=count_type("--iters", least=1),
        help=_("iterations (default by data set)"),
    )
    parser.add_argument(
        "--batch-size",
        type=count_type("--batch-size", least=1),
        default=100,
        help=_("mini-batch size (100)"),
    )
    parser.add_argument(
        "--lr",
        type=number_type("--lr", positive=True),
        help=_("learning rate (default by data set)"),
    )
    parser.add_argument(
        "--optimizer",
        type=choice_type(OPTIMIZERS),
        help=_("one of {choices} (default by data set)").format(choices=", ".join(OPTIMIZERS)),
    )
    parser.add_argument(
        "--gradient",
        type=choice_type(GRADIENTS),
        default="backprop",
        help=_("one of {choices} (default: {default})").format(
            choices=", ".join(GRADIENTS), default="backprop"
        ),
    )
    parser.add_argument(
        "--workers",
        type=count_type("--workers", least=1),
        help=_("processes for --gradient numerical"),
    )
    parser.add_argument(
        "--vectorized", action="store_true", help=_("batched loss for --gradient numerical")
    )
    parser.add_argument(
        "--directions",
        type=count_type("--directions", least=1),
        help=_("random directions per step for --gradient spsa (default: 1)"),
    )
    parser.add_argument(
        "--seed",
        type=count_type("--seed", least=0),
        default=0,
        help=_("seed of weights and batches"),
    )
    parser.add_argument(
        "--plot",
        metavar="FILE.png",
        help=_(
            "save the loss and accuracy (and for 2-D data the decision boundary, as "
            "FILE-boundary.png) to a .png, .svg or .pdf file"
        ),
    )
    parser.add_argument("--no-progress", action="store_true", help=_("no progress bar"))


def _gradient_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options of the chosen gradient; an option of another gradient is an error."""
    given = {
        "--workers": args.workers is not None,
        "--vectorized": args.vectorized,
        "--directions": args.directions is not None,
    }
    belongs = {"--workers": "numerical", "--vectorized": "numerical", "--directions": "spsa"}
    for option, gradient in belongs.items():
        if given[option] and args.gradient != gradient:
            raise UsageError(
                _(
                    "{option} applies to --gradient {gradient} only, and this run uses "
                    "--gradient {used}: add --gradient {gradient} or leave out {option}."
                ).format(option=option, gradient=gradient, used=args.gradient)
            )
    if args.gradient == "numerical":
        options: dict[str, Any] = {"vectorized": args.vectorized}
        if args.workers is not None:
            options["workers"] = args.workers
        return options
    if args.gradient == "spsa":
        return {"directions": args.directions or 1}
    return {}


def _load(name: str) -> tuple[Any, Any, Any, Any]:
    """Train and test data of a data set by its command-line name."""
    if name in _GENERATED:
        x, t = _GENERATED[name](300, seed=0)
        x_test, t_test = _GENERATED[name](300, seed=1)
        return x, t, x_test, t_test
    loader = {
        "digits": datasets.load_digits,
        "mnist": datasets.load_mnist,
        "fashion-mnist": datasets.load_fashion_mnist,
    }[name]
    try:
        (x, t), (x_test, t_test) = loader()
    except ImportError as error:
        raise UsageError(
            sentences(
                str(error),
                _(
                    "On the command line: --dataset spiral (the default), moons or circles "
                    "need nothing installed."
                ),
            )
        ) from None
    except (OSError, IDXError) as error:
        raise ComputationFailed(
            _("could not load {name}: {error}").format(name=name, error=error)
        ) from None
    return x, t, x_test, t_test


def _run_train(args: argparse.Namespace, out: Output) -> int:
    plot = plot_file(args.plot)
    options = _gradient_options(args)
    kind = "generated" if args.dataset in _GENERATED else args.dataset
    defaults = DEFAULTS["mnist" if kind == "fashion-mnist" else kind]
    x, t, x_test, t_test = _load(args.dataset)
    if args.batch_size > x.shape[0]:
        raise UsageError(
            _(
                "--batch-size {batch} is larger than the {size} training samples of "
                "{dataset}: choose at most {size}."
            ).format(batch=args.batch_size, size=x.shape[0], dataset=args.dataset)
        )
    classes = int(max(t.max(), t_test.max())) + 1
    net = TwoLayerNet(x.shape[1], args.hidden, classes, defaults.weight_init_std, seed=args.seed)
    iters = defaults.iters if args.iters is None else args.iters
    lr = defaults.lr if args.lr is None else args.lr
    optimizer = args.optimizer or defaults.optimizer
    out(
        _(
            "{net} on {dataset}: {train} training, {test} test samples; {optimizer}, lr {lr:g}, "
            "{iters} iterations of {batch}, {gradient}"
        ).format(
            net=repr(net),
            dataset=args.dataset,
            train=x.shape[0],
            test=x_test.shape[0],
            optimizer=optimizer,
            lr=lr,
            iters=iters,
            batch=args.batch_size,
            gradient=args.gradient,
        )
    )
    every = 0

    def show(line: str) -> None:
        with above_the_bars():  # above the progress bar, not through it
            out(line)

    def report(history: TrainingHistory) -> None:
        nonlocal every
        if (history.iterations - 1) % history.iter_per_epoch:
            return
        epoch = history.epochs - 1
        if not every:
            every = max(1, -(-iters // history.iter_per_epoch) // 20)
            if every > 1:
                show(_("(one line every {every} epochs)").format(every=every))
        if epoch % every and history.iterations != iters:
            return
        test = f"  test acc {history.test_acc_list[-1]:.4f}" if history.test_acc_list else ""
        show(
            f"epoch {epoch:4d}  iter {history.iterations:6d}  loss "
            f"{history.train_loss_list[-1]:.4f}  train acc {history.train_acc_list[-1]:.4f}"
            f"{test}"
        )

    history = train(
        net, x, t, iters_num=iters, batch_size=args.batch_size, learning_rate=lr,
        optimizer=optimizer, gradient=args.gradient, gradient_options=options,
        x_test=x_test, t_test=t_test, seed=args.seed, progress=not args.no_progress,
        callback=report,
    )  # fmt: skip
    final = _("train acc {train:.4f}, test acc {test:.4f}; {iterations} iterations").format(
        train=net.accuracy(x, t), test=net.accuracy(x_test, t_test), iterations=history.iterations
    )
    if args.gradient == "backprop":  # no loss evaluated for a gradient: one pass each
        line = _("final: {final}, {passes} backprop passes (forward and backward), {seconds:.2f} s")
        out(line.format(final=final, passes=history.iterations, seconds=history.wall_time))
    else:
        out(
            _(
                "final: {final}, {evaluations} loss evaluations for gradients, {seconds:.2f} s"
            ).format(final=final, evaluations=history.loss_evaluations, seconds=history.wall_time)
        )
    if plot is not None and history.iterations:  # what the run reached, also when stopped
        _plot(plot, history, net, x, t, out)
    if history.status == "stopped":  # by Ctrl-C
        raise Interrupted(_("stopped after {final}").format(final=final))
    if history.stopped:
        raise ComputationFailed(history.stopped)
    return 0


def _plot(
    path: Path, history: TrainingHistory, net: TwoLayerNet, x: Any, t: Any, out: Output
) -> None:
    from gradwalk.plot._learning import plot_decision_boundary, plot_training

    save_figure(
        plot_training(history, title=f"{history.gradient}: loss and accuracy"), path, out
    )  # the figure's own text stays English (its font has no Chinese or Japanese glyphs)
    if x.shape[1] == 2:
        boundary = path.with_name(f"{path.stem}-boundary{path.suffix}")
        save_figure(plot_decision_boundary(net, x, t), boundary, out)


TRAIN = Subcommand(
    name="train",
    summary=N_("train the book's TwoLayerNet (section 4.5) on generated or real data"),
    description=N_(
        "Train TwoLayerNet by mini-batch gradient descent and print one line per epoch (loss, "
        "train and test accuracy). The default data set is the generated spiral: it needs no "
        'network. digits needs scikit-learn (pip install "gradwalk[digits]"); mnist and '
        'fashion-mnist download once (pip install "gradwalk[data]"). Ctrl-C stops the run and '
        "prints (and draws) what it reached."
    ),
    examples=(
        "gradwalk train",
        "gradwalk train --dataset digits --plot digits.png",
        "gradwalk train --gradient numerical --vectorized --iters 200",
        "gradwalk train --gradient spsa --directions 8",
    ),
    add_arguments=_train_arguments,
    run=_run_train,
    hostile=(
        ("--batch-size", "500", "--no-progress"),
        ("--batch-size", "0"),
        ("--lr", "-1"),
        ("--lr", "nan"),
        ("--iters", "0"),
        ("--iters", "2.5"),
        ("--hidden", "0"),
        ("--seed", "-1"),
        ("--dataset", "spirl"),
        ("--optimizer", "adma"),
        ("--gradient", "numerik"),
        ("--workers", "2"),
        ("--vectorized",),
        ("--directions", "4"),
        ("--gradient", "numerical", "--workers", "0"),
        ("--gradient", "spsa", "--directions", "0"),
        ("--plot", "p.txt"),
        ("--plot", "no/such/folder/p.png"),
        ("--plot", "a-file.txt/sub.png"),
    ),
)
