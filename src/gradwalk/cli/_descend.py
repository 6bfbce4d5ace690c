"""``gradwalk descend``: gradient descent from the command line, with its path drawn."""

from __future__ import annotations

import argparse
import inspect
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._common.language import ngettext
from gradwalk._common.terminal import fill
from gradwalk.optimizers import OPTIMIZERS

from ._args import (
    add_function_argument,
    add_gradient_options,
    check_complex_safe,
    choice_type,
    gradient_settings,
    is_constant,
    parse_function,
    parse_point,
    plot_file,
    shown,
)
from ._command import (
    Interrupted,
    Output,
    Subcommand,
    UsageError,
    continued,
    count_type,
    labelled,
    number_type,
    save_figure,
)


def optimizer_help() -> str:
    """The --optimizer help: each optimizer of the registry, read now, with what it does."""
    each = "; ".join(f"{name}: {_(cls.summary)}" for name, cls in OPTIMIZERS.items())
    return _("{optimizers} (default: sgd)").format(optimizers=each)


def _descend_arguments(parser: argparse.ArgumentParser) -> None:
    add_function_argument(parser)
    parser.add_argument("--from", dest="start", metavar="X0,X1,...", help=_("the starting point"))
    parser.add_argument(
        "--lr",
        type=number_type("--lr", positive=True),
        help=_(
            "the learning rate (default: the test function's own; for a formula the "
            "optimizer's book default, 0.01 for sgd)"
        ),
    )
    parser.add_argument(
        "--steps",
        type=count_type("--steps", least=1),
        help=_("the most steps to take (default: the test function's own; 100 for a formula)"),
    )
    parser.add_argument(
        "--gtol",
        type=number_type("--gtol", least=0.0),
        help=_("stop as converged once the gradient's norm is below this (default: never)"),
    )
    parser.add_argument(
        "--optimizer",
        default="sgd",
        type=choice_type(OPTIMIZERS),
        help=optimizer_help(),
    )
    parser.add_argument(
        "--plot", metavar="FILE.png", help=_("draw the path into a file (two variables only)")
    )
    add_gradient_options(parser)


def _window(path: NDArray[np.float64]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The book's window when the path fits in it, else a box around the path."""
    from gradwalk.plot._gradients import BOOK_DESCENT_XLIM, BOOK_DESCENT_YLIM

    finite = path[np.all(np.isfinite(path), axis=1)]
    low, high = finite.min(axis=0), finite.max(axis=0)
    if (
        low[0] >= BOOK_DESCENT_XLIM[0]
        and high[0] <= BOOK_DESCENT_XLIM[1]
        and low[1] >= BOOK_DESCENT_YLIM[0]
        and high[1] <= BOOK_DESCENT_YLIM[1]
    ):
        return BOOK_DESCENT_XLIM, BOOK_DESCENT_YLIM
    margin = np.maximum(0.1 * (high - low), 0.5)
    return (
        (float(low[0] - margin[0]), float(high[0] + margin[0])),
        (float(low[1] - margin[1]), float(high[1] + margin[1])),
    )


def _book_lr(optimizer: str) -> float:
    """The optimizer's own default learning rate (the book's: 0.01 for SGD, 0.001 for Adam)."""
    return float(inspect.signature(OPTIMIZERS[optimizer]).parameters["lr"].default)


def _run_descend(args: argparse.Namespace, out: Output) -> int:
    from gradwalk.descent._loop import descend

    target = parse_function(args.function)
    if is_constant(target):
        raise UsageError(
            _(
                "the formula {formula} uses no variable, so there is nothing to descend: "
                "write it in x0, x1, ... (or x and y)."
            ).format(formula=repr(target.name))
        )
    known = target.known
    if args.start is not None:
        start = parse_point(args.start, "--from", target)
    elif known is not None:
        start = np.array(known.start, dtype=np.float64)
    else:
        example = ",".join(["1"] * target.size)
        raise UsageError(
            ngettext(
                "a formula needs a starting point: add --from with {size} number, e.g. "
                "--from {example}.",
                "a formula needs a starting point: add --from with {size} numbers, e.g. "
                "--from {example}.",
                target.size,
            ).format(size=target.size, example=example)
        )
    check_complex_safe(target, args.method)
    settings = gradient_settings(args)
    plot = plot_file(args.plot)
    if plot is not None and start.size != 2:
        raise UsageError(
            ngettext(
                "--plot draws the path in the plane of x0 and x1, and {name} has {size} "
                "variable: leave out --plot.",
                "--plot draws the path in the plane of x0 and x1, and {name} has {size} "
                "variables: leave out --plot.",
                start.size,
            ).format(name=repr(target.name), size=start.size)
        )
    lr = args.lr
    if lr is None:
        lr = known.lr if known is not None else _book_lr(args.optimizer)
    steps = args.steps if args.steps is not None else (known.steps if known is not None else 100)
    reached: list[tuple[int, NDArray[Any], float]] = []

    def record(step: int, x: NDArray[Any], value: float, grad: NDArray[Any]) -> bool:
        reached[:] = [(step, x, value)]
        return False

    try:
        out(labelled("f(x)", target.name))
        result = descend(
            target.f,
            start,
            lr=lr,
            steps=steps,
            optimizer=args.optimizer,
            gtol=args.gtol,
            **settings,
            callback=record,
        )
    except KeyboardInterrupt:
        if not reached:
            raise Interrupted(_("stopped before the first step")) from None
        step, x, value = reached[0]
        raise Interrupted(
            _("stopped at step {step} of {steps}: x = {x}, f = {value:.6g}").format(
                step=step, steps=steps, x=shown(x), value=value
            )
        ) from None
    start_line = _("{start}, at most {steps} steps of {optimizer}").format(
        start=shown(start), steps=steps, optimizer=result.optimizer
    )
    out(labelled(_("start"), start_line))
    out(labelled("x", shown(result.x)))
    out(labelled(_("f at x"), f"{float(np.asarray(result.values)[-1]):.12g}"))
    taken = _("{taken} taken, {count} evaluations of f").format(
        taken=result.steps_taken, count=result.nfev
    )
    out(labelled(_("steps"), taken))
    out(labelled(_("status"), result.status))
    out(fill(result.message, 88, labelled(_("message"), ""), continued("")))
    if plot is not None:
        from gradwalk.plot._gradients import plot_descent

        path = np.asarray(result.path, dtype=np.float64)
        xlim, ylim = known.domain if known is not None else _window(path)
        figure = plot_descent(
            result, target.f, xlim=xlim, ylim=ylim, title=f"{target.name}, {result.optimizer}"
        )
        save_figure(figure, plot, out)
    return 0


DESCEND = Subcommand(
    name="descend",
    summary=N_("run gradient descent and print (and draw) where it went"),
    description=N_(
        "Run gradient descent on FUNCTION from a starting point; print the last point, f "
        "there, the status and what it means; optionally draw the path over the contour "
        "lines of f. For a test function the start, learning rate and number of steps "
        "default to ones that work; for a formula --from is needed, and the book's lr = "
        "0.01 and 100 steps are the defaults. Ctrl-C stops the run and prints where it got."
    ),
    examples=(
        "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
        "gradwalk descend sphere --from -3,4 --lr 10      " + N_("# too large: diverges"),
        "gradwalk descend rosenbrock --from -2,2 --lr 1e-3 --gtol 1e-4",
        "gradwalk descend rosenbrock --optimizer adam --lr 0.05 --steps 2000",
        'gradwalk descend "x**2 + 3*y**2" --from 2,1 --lr 0.1 --steps 50',
        'gradwalk descend "(x - 1)**2" --from 3 --lr 0.1',
    ),
    add_arguments=_descend_arguments,
    run=_run_descend,
    hostile=(
        ("x**2", "--from", "2"),
        ("sphere", "--from", "1,2,3", "--plot", "p.png"),
        ("x0 + x2", "--from", "1,2,3", "--plot", "p.png"),
        ("sphere", "--from", "1e308,1e308"),
        ("exp(x0**2)", "--from", "30", "--lr", "1"),
        ("sphere", "--lr", "-1"),
        ("sphere", "--lr", "inf"),
        ("sphere", "--steps", "0"),
        ("sphere", "--steps", "2.5"),
        ("sphere", "--gtol", "-1"),
        ("sphere", "--optimizer", "adma"),
        ("sphere", "--plot", "p.txt"),
        ("sphere", "--plot", "no/such/folder/p.png"),
        ("5", "--from", "1"),
        ("log(x0)", "--from", "-1"),
        ("x0**2 + x1**2",),
    ),
    point_options=("--from",),
)
