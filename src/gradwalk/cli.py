"""The ``gradwalk`` command: the tour of section 4.4, gradients, descent and pictures."""

from __future__ import annotations

import argparse
import os
import re
import sys
import textwrap
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._cli_train import add_train_parser, run_train
from ._expr import Expression, ExpressionError, parse_expression
from ._gradient import numerical_gradient
from ._plan import METHODS
from ._tour import DEFAULT_OUT, run_tour
from .explore import add_explore_parser, run_explore
from .testfunctions import FUNCTIONS, TestFunction

__all__ = ["main"]

#: Options whose value is a list of numbers that may start with a minus sign.
_POINT_OPTIONS = ("--at", "--from", "--xlim", "--ylim")
_NUMBER_LIST = re.compile(r"-[0-9.][0-9.eE+\-]*(,\s*[-+]?[0-9.][0-9.eE+\-]*)*")

_FORMULA_HELP = (
    "FUNCTION is the name of a test function ("
    + ", ".join(FUNCTIONS)
    + ") or a formula in x0, x1 (or x, y) with numbers, + - * / **, and NumPy functions "
    "such as sin, cos, exp, log, sqrt, abs; quote it for the shell."
)


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradwalk",
        description="Numerical gradients, gradient checking and gradient descent, from "
        "section 4.4 of Deep Learning from Scratch.",
        epilog=_examples(
            "gradwalk tour",
            'gradwalk grad "x0**2 + x1**2" --at 3,4',
            "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
            "gradwalk field rosenbrock --plot field.png",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    tour = commands.add_parser(
        "tour",
        help="replay section 4.4 of the book, with the book's printed values and figures",
        description="Replay section 4.4 'Gradient' of Deep Learning from Scratch: each "
        "computation, gradwalk's result, the book's printed value, and what it shows; "
        "then draw the section's figures (4-9, 4-10 and the learning-rate comparison) "
        "and a page, index.html, that shows the text and the pictures together.",
        epilog=_examples(
            "gradwalk tour                   # text, and figures in ./gradwalk-tour/",
            "gradwalk tour --out pictures    # figures and index.html in ./pictures",
            "gradwalk tour --no-figures      # the text only",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    tour.add_argument(
        "--out",
        type=Path,
        default=Path(DEFAULT_OUT),
        metavar="DIR",
        help=f"folder for the figures and index.html (default: ./{DEFAULT_OUT}/)",
    )
    tour.add_argument("--no-figures", action="store_true", help="print the text only")

    methods = ", ".join(METHODS)
    grad = commands.add_parser(
        "grad",
        help="print the numerical gradient of a formula at a point",
        description="Print the numerical gradient of FUNCTION at a point, with its error "
        "estimate when the method gives one. " + _FORMULA_HELP,
        epilog=_examples(
            'gradwalk grad "x0**2 + x1**2" --at 3,4',
            'gradwalk grad "sin(x) * exp(-y**2)" --at 1,0.5 --method forward',
            'gradwalk grad "x0**2 + x1**2" --at 3,4 --h 1e-6',
            "gradwalk grad rosenbrock --at=-1,2",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grad.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    grad.add_argument(
        "--at", required=True, metavar="X0,X1,...", help="the point, numbers separated by commas"
    )
    grad.add_argument("--method", default="central", help=f"one of {methods} (default: central)")
    orders = "; ".join(
        f"{n}: {', '.join(map(str, m.orders))}" for n, m in METHODS.items() if m.orders
    )
    grad.add_argument("--order", type=int, help=f"order of the stencil ({orders})")
    grad.add_argument(
        "--h",
        help="the step: a number or 'auto' (default: the book's 1e-4 for central, forward "
        "and backward; 'auto' for richardson and complex)",
    )

    descend = commands.add_parser(
        "descend",
        help="run gradient descent and print (and draw) where it went",
        description="Run gradient descent on FUNCTION from a starting point; print the "
        "last point, f there, the status and what it means; optionally draw the path "
        "over the contour lines of f. For a test function the start, learning rate and "
        "number of steps default to ones that work; for a formula --from is needed and "
        "the book's lr = 0.01 and 100 steps are the defaults. " + _FORMULA_HELP,
        epilog=_examples(
            "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
            "gradwalk descend sphere --from -3,4 --lr 10      # too large: diverges",
            "gradwalk descend rosenbrock --optimizer adam --lr 0.05 --steps 2000",
            'gradwalk descend "x**2 + 3*y**2" --from 2,1 --lr 0.1 --steps 50',
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    descend.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    descend.add_argument("--from", dest="start", metavar="X0,X1,...", help="the starting point")
    descend.add_argument("--lr", type=float, help="the learning rate")
    descend.add_argument("--steps", type=int, help="the number of steps")
    descend.add_argument(
        "--optimizer",
        default="sgd",
        help="sgd (plain gradient descent, default), momentum, nesterov, adagrad, rmsprop or adam",
    )
    descend.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the path into a file")

    field = commands.add_parser(
        "field",
        help="draw the negative gradient of a function as arrows (Figure 4-9)",
        description="Draw the field of negative gradients of FUNCTION (the book's Figure "
        "4-9 for x0**2 + x1**2). Without --plot it is printed as arrows in the terminal. "
        + _FORMULA_HELP,
        epilog=_examples(
            'gradwalk field "x0**2 + x1**2" --plot fig-4-9.png',
            "gradwalk field himmelblau --plot himmelblau.png --normalize",
            'gradwalk field "sin(x) * exp(-y**2)" --xlim=-3,3 --ylim=-2,2',
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    field.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    field.add_argument("--plot", type=Path, metavar="FILE.png", help="draw the field into a file")
    field.add_argument("--xlim", metavar="LOW,HIGH", help="the x0 range (default: the book's -2,2)")
    field.add_argument("--ylim", metavar="LOW,HIGH", help="the x1 range (default: the book's -2,2)")
    field.add_argument(
        "--normalize", action="store_true", help="arrows of equal length: directions only"
    )
    add_explore_parser(commands)
    add_train_parser(commands)
    return parser


class _UsageError(Exception):
    """Bad input on the command line: printed as one line, exit status 2."""


def _numbers(text: str, option: str) -> NDArray[np.float64]:
    """Numbers separated by commas, such as ``-3,4``."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise _UsageError(
            f"{option} takes numbers separated by commas, like {option} 3,4; got {text!r}."
        ) from None
    if not all(np.isfinite(values)):
        raise _UsageError(f"{option} takes finite numbers; got {text!r}.")
    return np.array(values, dtype=np.float64)


def _limits(text: str | None, option: str) -> tuple[float, float] | None:
    if text is None:
        return None
    values = _numbers(text, option)
    if values.size != 2 or not values[0] < values[1]:
        raise _UsageError(f"{option} takes two numbers LOW,HIGH with LOW < HIGH; got {text!r}.")
    return float(values[0]), float(values[1])


def _function(text: str) -> tuple[Callable[[Any], Any], TestFunction | None, str]:
    """A test function by name, or a checked formula; and how to call it in messages."""
    key = text.strip().lower()
    if key in FUNCTIONS:
        known = FUNCTIONS[key]
        return known, known, f"{known.name}: {known.formula}"
    try:
        expression = parse_expression(text)
    except ExpressionError as error:
        if re.fullmatch(r"[A-Za-z_]\w*", text.strip()):
            raise _UsageError(
                f"{text!r} is neither a test function ({', '.join(FUNCTIONS)}) nor a "
                f"formula: {error}"
            ) from None
        raise _UsageError(str(error)) from None
    return expression, None, expression.text


def _two_variables(f: Callable[[Any], Any]) -> None:
    """Pictures and descent from the command line are for functions of x0 and x1."""
    if isinstance(f, Expression) and f.size > 2:
        raise _UsageError(
            f"{f.text!r} uses {f.variables[-1]}; the pictures show two variables: write "
            "the formula in x0 and x1 (or x and y)."
        )


def _report_warnings(caught: list[warnings.WarningMessage], err: Callable[[str], object]) -> None:
    for record in caught:
        err(textwrap.fill(f"warning: {record.message}", width=88, subsequent_indent="  "))


def _shown(array: NDArray[Any]) -> str:
    return np.array2string(np.asarray(array), separator=", ", precision=10)


def _steps_used(steps: NDArray[np.floating]) -> str:
    """``h = 0.0001`` when every element used the same step, else the range of steps."""
    low, high = f"{float(np.min(steps)):.3g}", f"{float(np.max(steps)):.3g}"
    if low == high:
        return f"h = {low}"
    return f"steps {low} to {high} (each element's step of the estimate kept)"


def _run_grad(args: argparse.Namespace, out: Callable[[str], object]) -> int:
    f, _, name = _function(args.function)
    x = _numbers(args.at, "--at")
    size = f.size if isinstance(f, Expression) else 2
    if x.size < size:
        raise _UsageError(
            f"{name!r} needs a point with {size} coordinates; --at {args.at} has {x.size}."
        )
    h: float | str | None = None
    if args.h is not None:
        try:
            h = float(args.h)
        except ValueError:
            h = args.h
    result = numerical_gradient(f, x, h, method=args.method, order=args.order, full_output=True)
    out(f"f(x)      {name}")
    out(f"x         {_shown(x)}")
    out(f"f at x    {float(np.asarray(f(x))):.12g}")
    out(f"gradient  {_shown(result.grad)}")
    if not np.all(np.isnan(result.error)):
        out(f"error     {np.array2string(result.error, separator=', ', precision=2)}")
        out("          (estimated absolute error of each element)")
    out(f"method    {result.method}, {_steps_used(result.step)}, {result.nfev} evaluations of f")
    return 0


def _window(path: NDArray[np.float64]) -> tuple[tuple[float, float], tuple[float, float]]:
    """The book's window when the path fits in it, else a box around the path."""
    from .plot import BOOK_DESCENT_XLIM, BOOK_DESCENT_YLIM

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


def _run_descend(args: argparse.Namespace, out: Callable[[str], object]) -> int:
    from .descent import descend

    f, known, name = _function(args.function)
    _two_variables(f)
    if args.start is not None:
        start = _numbers(args.start, "--from")
    elif known is not None:
        start = np.array(known.start, dtype=np.float64)
    else:
        raise _UsageError("a formula needs a starting point: add --from X0,X1, e.g. --from -3,4.")
    if known is None and start.size != 2:
        raise _UsageError(f"--from needs two numbers (x0, x1) for a picture; got {args.start!r}.")
    lr = args.lr if args.lr is not None else (known.lr if known is not None else 0.01)
    steps = args.steps if args.steps is not None else (known.steps if known is not None else 100)
    result = descend(f, start, lr=lr, steps=steps, optimizer=args.optimizer)
    out(f"f(x)      {name}")
    out(f"start     {_shown(start)}, at most {steps} steps of {result.optimizer}")
    out(f"x         {_shown(result.x)}")
    out(f"f at x    {float(np.asarray(result.values)[-1]):.12g}")
    out(f"steps     {result.steps_taken} taken, {result.nfev} evaluations of f")
    out(f"status    {result.status}")
    out(textwrap.fill(f"message   {result.message}", width=88, subsequent_indent="          "))
    if args.plot is not None:
        from .plot import plot_descent

        path = np.asarray(result.path, dtype=np.float64)
        if known is not None:
            xlim, ylim = known.domain
        else:
            xlim, ylim = _window(path)
        figure = plot_descent(result, f, xlim=xlim, ylim=ylim, title=f"{name}, {result.optimizer}")
        _save(figure, args.plot, out)
    return 0


def _save(figure: Any, path: Path, out: Callable[[str], object]) -> None:
    if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise _UsageError(f"--plot must name a .png, .svg or .pdf file; got {str(path)!r}.")
    if not path.parent.is_dir():
        raise _UsageError(
            f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist."
        )
    figure.savefig(path, dpi=100)
    out(f"wrote     {path}")


#: Arrows for the eight directions, counter-clockwise from east.
_ARROWS = "→↗↑↖←↙↓↘"


def _terminal_field(
    grads: NDArray[np.float64], xs: NDArray[np.float64], ys: NDArray[np.float64]
) -> list[str]:
    """The negative gradient as a grid of arrows, x1 growing upwards."""
    lines = []
    for row in range(len(ys) - 1, -1, -1):
        cells = []
        for column in range(len(xs)):
            u, v = -grads[row, column]
            if not (np.isfinite(u) and np.isfinite(v)):
                cells.append("?")
            elif u == 0 and v == 0:
                cells.append("·")
            else:
                octant = int(np.round(np.arctan2(v, u) / (np.pi / 4))) % 8
                cells.append(_ARROWS[octant])
        lines.append(f"{ys[row]:7.2f}  " + " ".join(cells))
    lines.append(f"  x1 ↑   x0 from {xs[0]:g} (left) to {xs[-1]:g} (right)")
    return lines


def _run_field(args: argparse.Namespace, out: Callable[[str], object]) -> int:
    f, known, name = _function(args.function)
    _two_variables(f)
    xlim = _limits(args.xlim, "--xlim") or (known.domain[0] if known else (-2.0, 2.0))
    ylim = _limits(args.ylim, "--ylim") or (known.domain[1] if known else (-2.0, 2.0))
    if args.plot is not None:
        from .plot import plot_gradient_field

        figure = plot_gradient_field(
            f, xlim=xlim, ylim=ylim, normalize=args.normalize, title=f"-gradient of {name}"
        )
        _save(figure, args.plot, out)
        return 0
    xs, ys = np.linspace(*xlim, 13), np.linspace(*ylim, 9)
    grads = np.array(
        [[numerical_gradient(f, np.array([x, y])) for x in xs] for y in ys], dtype=np.float64
    )
    out(f"the negative gradient of {name} (the direction of steepest descent):")
    for line in _terminal_field(grads, xs, ys):
        out(line)
    out("Draw it with --plot field.png.")
    return 0


def _joined_points(argv: Sequence[str]) -> list[str]:
    """``--from -3,4`` as ``--from=-3,4``, so that a leading minus is not read as an option."""
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] in _POINT_OPTIONS and _NUMBER_LIST.fullmatch(item):
            joined[-1] = f"{joined[-1]}={item}"
        else:
            joined.append(item)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    >>> main(["grad", "x0**2 + x1**2", "--at", "3,4"])  # doctest: +ELLIPSIS
    f(x)      x0**2 + x1**2
    x         [3., 4.]
    f at x    25
    gradient  [6., 8.]
    method    central, h = 0.0001, 4 evaluations of f
    0
    """
    args = _build_parser().parse_args(_joined_points(sys.argv[1:] if argv is None else argv))
    out: Callable[[str], object] = print

    def err(line: str) -> None:
        print(line, file=sys.stderr)

    commands = {"grad": _run_grad, "descend": _run_descend, "field": _run_field}
    commands["explore"] = lambda args, out: run_explore(args)
    commands["train"] = lambda args, out: run_train(args)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if args.command == "tour":
                status = 0 if run_tour(out=None if args.no_figures else args.out) else 1
            else:
                status = commands[args.command](args, out)
    except BrokenPipeError:  # the reader stopped early (gradwalk ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (_UsageError, ExpressionError, ValueError, TypeError, OSError) as error:
        _report_warnings(caught, err)
        err(f"gradwalk {args.command}: error: {error}")
        return 2
    _report_warnings(caught, err)
    return status


if __name__ == "__main__":
    sys.exit(main())
