"""``gradwalk train``: section 4.5's training loop from the command line."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm  # type: ignore[import-untyped]

from . import datasets
from .nets import TwoLayerNet
from .optimizers import OPTIMIZERS
from .training import GRADIENTS, TrainingHistory, check_count, check_positive, train

DATASETS = ("spiral", "moons", "circles", "digits", "mnist", "fashion-mnist")


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


def add_train_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``gradwalk train`` on the subcommands of the main parser."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "train",
        help="train the book's TwoLayerNet (section 4.5) on generated or real data",
        description=(
            "Train TwoLayerNet by mini-batch gradient descent and print one line per epoch "
            "(loss, train and test accuracy). The default data set is the generated "
            "spiral: it needs no network. digits needs scikit-learn "
            '(pip install "gradwalk[digits]"); mnist and fashion-mnist download once '
            '(pip install "gradwalk[data]").'
        ),
        epilog=(
            "examples:\n  gradwalk train\n  gradwalk train --dataset digits --plot digits.png\n"
            "  gradwalk train --gradient numerical --vectorized --iters 200\n"
            "  gradwalk train --gradient spsa --directions 8"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--dataset", choices=DATASETS, default="spiral")
    parser.add_argument("--hidden", type=int, default=50, help="hidden units (default 50)")
    parser.add_argument("--iters", type=int, help="iterations (default by data set)")
    parser.add_argument("--batch-size", type=int, default=100, help="mini-batch size (100)")
    parser.add_argument("--lr", type=float, help="learning rate (default by data set)")
    parser.add_argument(
        "--optimizer", type=str.lower, choices=list(OPTIMIZERS), help="(default by data set)"
    )
    parser.add_argument("--gradient", choices=GRADIENTS, default="backprop")
    parser.add_argument("--workers", type=int, help="processes for --gradient numerical")
    parser.add_argument(
        "--vectorized", action="store_true", help="batched loss for --gradient numerical"
    )
    parser.add_argument("--directions", type=int, help="directions for --gradient spsa (1)")
    parser.add_argument("--seed", type=int, default=0, help="seed of weights and batches (0)")
    parser.add_argument("--plot", type=Path, help="save the figures to this .png/.svg/.pdf")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    return parser


def _load(name: str) -> tuple[Any, Any, Any, Any]:
    """Train and test data of a data set by its command-line name."""
    makers = {
        "spiral": datasets.make_spiral,
        "moons": datasets.make_moons,
        "circles": datasets.make_circles,
    }
    if name in makers:
        x, t = makers[name](300, seed=0)
        x_test, t_test = makers[name](300, seed=1)
        return x, t, x_test, t_test
    loader = {
        "digits": datasets.load_digits,
        "mnist": datasets.load_mnist,
        "fashion-mnist": datasets.load_fashion_mnist,
    }[name]
    (x, t), (x_test, t_test) = loader()
    return x, t, x_test, t_test


def _check_arguments(args: argparse.Namespace) -> None:
    """Every argument checked before any data is loaded, named by its flag.

    Raises
    ------
    ValueError, TypeError
        A count below 1, a learning rate that is not a finite number > 0, an option of
        another gradient than the one chosen, or a --plot file that cannot be written.
    """
    check_count(args.hidden, "--hidden")
    check_count(args.batch_size, "--batch-size")
    if args.iters is not None:
        check_count(args.iters, "--iters")
    if args.lr is not None:
        check_positive(args.lr, "--lr", " The book uses 0.1.")
    given = {
        "--workers": ("numerical", args.workers is not None),
        "--vectorized": ("numerical", args.vectorized),
        "--directions": ("spsa", args.directions is not None),
    }
    for flag, (gradient, used) in given.items():
        if used and args.gradient != gradient:
            raise ValueError(
                f"{flag} applies to --gradient {gradient}, not to --gradient {args.gradient}; "
                f"add --gradient {gradient} or leave {flag} out."
            )
    if args.workers is not None:
        check_count(args.workers, "--workers")
    if args.directions is not None:
        check_count(args.directions, "--directions")
    if args.plot is not None:
        _check_plot_path(args.plot)


def _check_plot_path(path: Path) -> None:
    if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise ValueError(f"--plot must name a .png, .svg or .pdf file; got {str(path)!r}.")
    if not path.parent.is_dir():
        raise ValueError(
            f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist."
        )


def run_train(args: argparse.Namespace) -> int:
    """Run ``gradwalk train``; return the exit status (0, or 2 for bad input)."""
    _check_arguments(args)
    kind = "generated" if args.dataset in ("spiral", "moons", "circles") else args.dataset
    defaults = DEFAULTS["mnist" if kind == "fashion-mnist" else kind]
    try:
        x, t, x_test, t_test = _load(args.dataset)
    except ImportError as error:
        print(f"gradwalk train: error: {error}", file=sys.stderr)
        return 2
    if args.batch_size > x.shape[0]:
        raise ValueError(
            f"--batch-size {args.batch_size} is larger than the {args.dataset} training data "
            f"({x.shape[0]} samples); pass --batch-size {x.shape[0]} or less."
        )
    classes = int(max(t.max(), t_test.max())) + 1
    net = TwoLayerNet(x.shape[1], args.hidden, classes, defaults.weight_init_std, seed=args.seed)
    options: dict[str, Any] = {}
    if args.gradient == "numerical":
        options = {"vectorized": args.vectorized}
        if args.workers is not None:
            options["workers"] = args.workers
    elif args.gradient == "spsa":
        options = {"directions": 1 if args.directions is None else args.directions}
    iters = defaults.iters if args.iters is None else args.iters
    lr = defaults.lr if args.lr is None else args.lr
    optimizer = args.optimizer or defaults.optimizer
    print(
        f"{net!r} on {args.dataset}: {x.shape[0]} training, {x_test.shape[0]} test samples; "
        f"{optimizer}, lr {lr:g}, {iters} iterations of {args.batch_size}, {args.gradient}"
    )
    shown = {"every": 0}

    def report(history: TrainingHistory) -> None:
        i = history.iterations - 1
        if i % history.iter_per_epoch:
            return
        epoch = history.epochs - 1
        if not shown["every"]:
            shown["every"] = max(1, -(-iters // history.iter_per_epoch) // 20)
            if shown["every"] > 1:
                tqdm.write(f"(one line every {shown['every']} epochs)")
        last = history.iterations == iters
        if epoch % shown["every"] and not last:
            return
        test = f"  test acc {history.test_acc_list[-1]:.4f}" if history.test_acc_list else ""
        tqdm.write(
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
    print(
        f"final: train acc {net.accuracy(x, t):.4f}, test acc {net.accuracy(x_test, t_test):.4f}; "
        f"{history.iterations} iterations, {history.loss_evaluations} loss evaluations for "
        f"gradients, {history.wall_time:.2f} s"
    )
    if history.stopped:
        print(f"stopped early: {history.stopped}")
    if args.plot is not None:
        _plot(args.plot, history, net, x, t, two_d=x.shape[1] == 2)
    return 0


def _plot(
    path: Path, history: TrainingHistory, net: TwoLayerNet, x: Any, t: Any, two_d: bool
) -> None:
    from .plot import plot_decision_boundary, plot_training

    _check_plot_path(path)  # again: the folder may have gone during training
    figure = plot_training(history, title=f"{history.gradient}: loss and accuracy")
    figure.savefig(path, dpi=100)
    print(f"wrote {path}")
    if two_d:
        boundary = path.with_name(f"{path.stem}-boundary{path.suffix}")
        plot_decision_boundary(net, x, t).savefig(boundary, dpi=100)
        print(f"wrote {boundary}")
