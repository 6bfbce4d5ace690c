"""The ``gradwalk`` command: the tour of section 4.4, gradients, descent and pictures.

Adding a subcommand
-------------------
A subcommand lives in its own module as a :class:`~gradwalk._command.Subcommand` record
(name, one-line summary, description, examples, ``add_arguments(parser)``,
``run(args, out)``, ``hostile`` argument lists) and is registered by importing it here
and adding it to :data:`SUBCOMMANDS`. Every subcommand then gets, without more code:

- its parser, help with an "examples:" section, did-you-mean for mistyped options;
- :func:`~gradwalk._command.run_guarded` around ``run``: raise
  :class:`~gradwalk._command.UsageError` for bad arguments (one line, exit 2; check
  them before any work), :class:`~gradwalk._command.ComputationFailed` when the work
  could not give a result (exit 1); Ctrl-C prints one line and exits 130; warnings are
  collected and printed after the run, one line per kind, NumPy's in gradwalk's words.
  Any other exception is a bug and is not caught;
- advice in messages worded for the command line (``pass gtol=...`` becomes
  ``pass --gtol ...`` when the subcommand has that option);
- the test that runs each ``hostile`` argument list and requires a clean message (no
  traceback, no raw NumPy text, no flood of warnings), and the test that every option
  a message recommends exists in the parser.

``run`` prints with ``out`` (flushed line by line); argument types for numbers come from
:func:`~gradwalk._command.number_type` and :func:`~gradwalk._command.count_type`.
"""

from __future__ import annotations

import argparse
import difflib
import inspect
import os
import re
import sys
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from . import __version__
from ._choices import _choice_hint
from ._command import (
    EXIT_FAILED,
    EXIT_USAGE,
    ComputationFailed,
    Interrupted,
    Output,
    Subcommand,
    UsageError,
    count_type,
    number_type,
    run_guarded,
    save_figure,
)
from ._expr import Expression, ExpressionError, parse_expression
from ._gradient import numerical_gradient
from ._plan import PLANS
from ._tour import DEFAULT_OUT, run_tour
from .optimizers import OPTIMIZERS
from .testfunctions import FUNCTIONS, TestFunction

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

_FORMULA_HELP = (
    "FUNCTION is the name of a test function ("
    + ", ".join(FUNCTIONS)
    + ") or a formula in x0, x1, ... (or x, y) with numbers, + - * / **, and NumPy "
    "functions such as sin, cos, exp, log, sqrt, abs; quote it for the shell. A point "
    "has as many numbers as the function has variables: 2 for a test function, and for "
    "a formula one more than its largest variable index (x0 + x2 takes 3)."
)


# --- what the subcommands share -------------------------------------------------------


def _numbers(text: str, option: str) -> NDArray[np.float64]:
    """Numbers separated by commas, such as ``-3,4``."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise UsageError(
            f"{option} takes numbers separated by commas, like {option} 3,4; got {text!r}."
        ) from None
    if not all(np.isfinite(values)):
        raise UsageError(f"{option} takes finite numbers; got {text!r}.")
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class _Target:
    """The function typed on the command line."""

    f: Callable[[Any], Any]
    known: TestFunction | None
    name: str
    #: How many coordinates a point has: 2 for a test function, the formula's size
    #: (0 for a formula that uses no variable).
    size: int


def _function(text: str) -> _Target:
    """A test function by name, or a checked formula."""
    key = text.strip().lower()
    if key in FUNCTIONS:
        known = FUNCTIONS[key]
        return _Target(known, known, f"{known.name}: {known.formula}", 2)
    try:
        expression = parse_expression(text.strip())
    except ExpressionError as error:
        if re.fullmatch(r"[A-Za-z_]\w*", text.strip()):
            _, hint = _choice_hint(key, FUNCTIONS)
            raise UsageError(
                f"{text.strip()!r} is neither a test function ({', '.join(FUNCTIONS)}) nor a "
                "formula." + (hint or f" As a formula: {error}")
            ) from None
        raise
    return _Target(expression, None, expression.text, expression.size)


def _variables(target: _Target) -> str:
    if isinstance(target.f, Expression):
        return ", ".join(target.f.variables)
    return "x0, x1"


def _point(text: str, option: str, target: _Target) -> NDArray[np.float64]:
    """A point with exactly as many coordinates as the function has variables."""
    x = _numbers(text, option)
    if target.size and x.size != target.size:
        what = (
            f"{target.known.name} is a function of x0 and x1"
            if target.known is not None
            else f"{target.name!r} uses {_variables(target)}"
        )
        raise UsageError(
            f"{what}, so {option} takes {target.size} number{'s' * (target.size > 1)}; "
            f"got {x.size} ({text!r})."
        )
    return x


def _constant(target: _Target) -> bool:
    return target.size == 0


#: Advice in the library's words (``pass gtol``, ``h='auto'``, ``try lr = 0.5``).
_ADVICE = re.compile(
    r"\b(?P<verb>[Pp]ass|[Tt]ry|[Uu]se)\s+(?P<name>[a-z_]+)"
    r"(?:\s*=\s*(?P<value>'[^']*'|[-+\w.]+))?"
)


def _reworder(parser: argparse.ArgumentParser) -> Callable[[str], str]:
    """A function rewording library advice into this parser's options."""
    options = {
        action.dest: action.option_strings[-1]
        for action in parser._actions
        if action.option_strings and action.dest != "help"
    }

    def reword(message: str) -> str:
        def option(match: re.Match[str]) -> str:
            flag = options.get(match["name"])
            if flag is None:
                return match.group(0)
            value = match["value"]
            shown = f" {value.strip(chr(39))}" if value is not None else ""
            return f"{match['verb']} {flag}{shown}"

        return _ADVICE.sub(option, message)

    return reword


def _shown(array: NDArray[Any]) -> str:
    return np.array2string(np.asarray(array), separator=", ", precision=10)


def _plot_file(text: str | None) -> Path | None:
    """The --plot file, checked before any work is done."""
    if text is None:
        return None
    path = Path(text)
    if path.suffix.lower() not in {".png", ".svg", ".pdf"}:
        raise UsageError(f"--plot must name a .png, .svg or .pdf file; got {text!r}.")
    if not path.parent.is_dir():
        raise UsageError(f"cannot write {text!r}: the folder {str(path.parent)!r} does not exist.")
    if path.is_dir():
        raise UsageError(f"--plot {text!r} is a folder; name a file, such as {text}/plot.png.")
    return path


def _method(text: str) -> str:
    if text.strip().lower() in PLANS:
        return text.strip().lower()
    choices, hint = _choice_hint(text, PLANS)
    raise argparse.ArgumentTypeError(f"expected one of {choices}; got {text.strip()!r}.{hint}")


def _step(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return number_type("--h", positive=True)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a step > 0, like --h 1e-6, or 'auto'; got {text.strip()!r}"
        ) from None


def _optimizer(text: str) -> str:
    if text.strip().lower() in OPTIMIZERS:
        return text.strip().lower()
    choices, hint = _choice_hint(text, OPTIMIZERS)
    raise argparse.ArgumentTypeError(f"expected one of {choices}; got {text.strip()!r}.{hint}")


# --- gradwalk tour ----------------------------------------------------------------------


def _tour_folder(text: str) -> Path:
    """The tour's folder, created now, or a usage error that says what to do."""
    if not text.strip():
        raise UsageError("--out needs a folder name, such as --out pictures; or use --no-figures.")
    folder = Path(text)
    if folder.exists() and not folder.is_dir():
        raise UsageError(
            f"--out {text!r} is a file, not a folder: name a new or existing folder, such "
            "as --out pictures."
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".gradwalk-write-test"
        probe.touch()
        probe.unlink()
    except OSError as error:
        raise UsageError(
            f"cannot write the figures into {text!r} ({error.strerror}): run the tour from "
            "a folder you can write to, name one with --out DIR, or print the text only "
            "with --no-figures."
        ) from None
    return folder


def _tour_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out",
        default=DEFAULT_OUT,
        metavar="DIR",
        help=f"folder for the figures and index.html (default: ./{DEFAULT_OUT}/)",
    )
    parser.add_argument("--no-figures", action="store_true", help="print the text only")


def _run_tour(args: argparse.Namespace, out: Output) -> int:
    folder = None if args.no_figures else _tour_folder(args.out)
    try:
        agrees = run_tour(out, out=folder)
    except OSError as error:
        raise ComputationFailed(
            f"could not write into {args.out!r}: {error.strerror} ({error.filename})."
        ) from None
    return 0 if agrees else EXIT_FAILED


TOUR = Subcommand(
    name="tour",
    summary="replay section 4.4 of the book, with the book's printed values and figures",
    description="Replay section 4.4 'Gradient' of Deep Learning from Scratch: each "
    "computation, gradwalk's result, the book's printed value, and what it shows; then "
    "draw the section's figures (4-9, 4-10 and the learning-rate comparison) and a page, "
    "index.html, that shows the text and the pictures together.",
    examples=(
        "gradwalk tour                   # text, and figures in ./gradwalk-tour/",
        "gradwalk tour --out pictures    # figures and index.html in ./pictures",
        "gradwalk tour --no-figures      # the text only",
    ),
    add_arguments=_tour_arguments,
    run=_run_tour,
    hostile=(("--out", ""), ("--out", "a-file.txt"), ("--out", "a-file.txt/sub")),
)


# --- gradwalk grad ----------------------------------------------------------------------


def _gradient_options(parser: argparse.ArgumentParser) -> None:
    """--method and --h, for every subcommand that computes numerical gradients."""
    parser.add_argument(
        "--method",
        default="central",
        type=_method,
        help=f"one of {', '.join(PLANS)} (default: central, the book's)",
    )
    parser.add_argument(
        "--h",
        type=_step,
        help="the step: a number > 0 or 'auto' (default: the book's 1e-4 for central, "
        "forward and backward; the method's own rule for richardson and complex)",
    )


def _gradient_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of numerical_gradient that --method and --h set."""
    settings: dict[str, Any] = {"method": args.method}
    if args.h is not None:
        settings["h"] = args.h
    return settings


def _complex_safe(target: _Target, method: str) -> None:
    """The complex step refuses, before any work, a formula it cannot differentiate."""
    if method == "complex" and isinstance(target.f, Expression) and target.f.complex_unsafe:
        raise UsageError(
            f"--method complex evaluates f at complex points, and in {target.name!r} "
            f"{' and '.join(target.f.complex_unsafe)}: use --method richardson, as accurate "
            "without complex numbers."
        )


def _grad_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    parser.add_argument(
        "--at", required=True, metavar="X0,X1,...", help="the point, numbers separated by commas"
    )
    _gradient_options(parser)


def _steps_used(steps: NDArray[np.floating]) -> str:
    """``h = 0.0001`` when every element used the same step, else the range of steps."""
    low, high = f"{float(np.min(steps)):.3g}", f"{float(np.max(steps)):.3g}"
    if low == high:
        return f"h = {low}"
    return f"steps {low} to {high} (each element's step of the estimate kept)"


def _run_grad(args: argparse.Namespace, out: Output) -> int:
    target = _function(args.function)
    x = _point(args.at, "--at", target)
    _complex_safe(target, args.method)
    out(f"f(x)      {target.name}")
    out(f"x         {_shown(x)}")
    if _constant(target):
        out(f"f at x    {float(np.asarray(target.f(x))):.12g}")
        out(f"gradient  {_shown(np.zeros_like(x))}")
        out("          (the formula uses no variable, so its gradient is 0 everywhere)")
        return 0
    result = numerical_gradient(target.f, x, full_output=True, **_gradient_settings(args))
    out(f"f at x    {float(np.asarray(target.f(x))):.12g}")
    out(f"gradient  {_shown(result.grad)}")
    if not np.all(np.isnan(result.error)):
        out(f"error     {np.array2string(result.error, separator=', ', precision=2)}")
        out("          (estimated absolute error of each element)")
    out(f"method    {result.method}, {_steps_used(result.step)}, {result.nfev} evaluations of f")
    if not np.all(np.isfinite(result.grad)):
        raise ComputationFailed(
            "the gradient is not finite at this point: f is not finite at or next to it "
            "(see the warning); choose a point inside the domain of f."
        )
    return 0


GRAD = Subcommand(
    name="grad",
    summary="print the numerical gradient of a formula at a point",
    description="Print the numerical gradient of FUNCTION at a point, with its error "
    "estimate when the method gives one. " + _FORMULA_HELP,
    examples=(
        'gradwalk grad "x0**2 + x1**2" --at 3,4',
        'gradwalk grad "sin(x) * exp(-y**2)" --at 1,0.5 --method forward',
        'gradwalk grad "x0**2 + x1**2" --at 3,4 --h 1e-6',
        'gradwalk grad "-x**2" --at -1',
        "gradwalk grad rosenbrock --at=-1,2",
    ),
    add_arguments=_grad_arguments,
    run=_run_grad,
    hostile=(
        ("hypot(x0, x1)", "--at", "3,4", "--method", "complex"),
        ("arctan2(x0, x1)", "--at", "3,4", "--method", "complex"),
        ("abs(x)", "--at", "1", "--method", "complex"),
        ("-x0**2", "--at", "1"),
        ("x^2", "--at", "1"),
        ("2x0", "--at", "1"),
        ("sni(x)", "--at", "1"),
        ("rosenbrok", "--at", "1,1"),
        ("sphere", "--at", "1,2,3"),
        ("x + y", "--at", "1,2,3"),
        ("rosenbrock", "--at=-1,2,3"),
        ("x0**2", "--at", "1e308"),
        ("exp(x0)", "--at", "1000"),
        ("1/x0", "--at", "0"),
        ("log(x0)", "--at", "-1"),
        ("x0**2", "--at", "nan"),
        ("x0**2", "--at", ""),
        ("x0**2", "--at", "1", "--h", "0"),
        ("x0**2", "--at", "1", "--h", "1e400"),
        ("x0**2", "--at", "1", "--method", "centrl"),
        ("x0**2", "--at", "1", "--gtol", "1"),
        ("", "--at", "1"),
        ("5", "--at", "1,2"),
        ("9**9**9**9", "--at", "1"),
    ),
    point_options=("--at",),
)


# --- gradwalk descend -------------------------------------------------------------------


def _descend_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    parser.add_argument("--from", dest="start", metavar="X0,X1,...", help="the starting point")
    parser.add_argument(
        "--lr",
        type=number_type("--lr", positive=True),
        help="the learning rate (default: the test function's own; for a formula the "
        "optimizer's book default, 0.01 for sgd)",
    )
    parser.add_argument(
        "--steps",
        type=count_type("--steps", least=1),
        help="the most steps to take (default: the test function's own; 100 for a formula)",
    )
    parser.add_argument(
        "--gtol",
        type=number_type("--gtol", least=0.0),
        help="stop as converged once the gradient's norm is below this (default: never)",
    )
    parser.add_argument(
        "--optimizer",
        default="sgd",
        type=_optimizer,
        help="sgd (plain gradient descent, default), momentum, nesterov, adagrad, rmsprop or adam",
    )
    parser.add_argument(
        "--plot", metavar="FILE.png", help="draw the path into a file (two variables only)"
    )
    _gradient_options(parser)


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


def _book_lr(optimizer: str) -> float:
    """The optimizer's own default learning rate (the book's: 0.01 for SGD, 0.001 for Adam)."""
    return float(inspect.signature(OPTIMIZERS[optimizer]).parameters["lr"].default)


def _run_descend(args: argparse.Namespace, out: Output) -> int:
    from .descent import descend

    target = _function(args.function)
    if _constant(target):
        raise UsageError(
            f"the formula {target.name!r} uses no variable, so there is nothing to descend: "
            "write it in x0, x1, ... (or x and y)."
        )
    known = target.known
    if args.start is not None:
        start = _point(args.start, "--from", target)
    elif known is not None:
        start = np.array(known.start, dtype=np.float64)
    else:
        example = ",".join(["1"] * target.size)
        raise UsageError(
            f"a formula needs a starting point: add --from with {target.size} number"
            f"{'s' * (target.size > 1)}, e.g. --from {example}."
        )
    _complex_safe(target, args.method)
    plot = _plot_file(args.plot)
    if plot is not None and start.size != 2:
        raise UsageError(
            f"--plot draws the path in the plane of x0 and x1, and {target.name!r} has "
            f"{start.size} variable{'s' * (start.size > 1)}: leave out --plot."
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
        out(f"f(x)      {target.name}")
        result = descend(
            target.f,
            start,
            lr=lr,
            steps=steps,
            optimizer=args.optimizer,
            gtol=args.gtol,
            **_gradient_settings(args),
            callback=record,
        )
    except KeyboardInterrupt:
        if not reached:
            raise Interrupted("stopped before the first step") from None
        step, x, value = reached[0]
        raise Interrupted(
            f"stopped at step {step} of {steps}: x = {_shown(x)}, f = {value:.6g}"
        ) from None
    out(f"start     {_shown(start)}, at most {steps} steps of {result.optimizer}")
    out(f"x         {_shown(result.x)}")
    out(f"f at x    {float(np.asarray(result.values)[-1]):.12g}")
    out(f"steps     {result.steps_taken} taken, {result.nfev} evaluations of f")
    out(f"status    {result.status}")
    out(
        textwrap.fill(
            f"message   {result.message}",
            width=88,
            subsequent_indent="          ",
            break_on_hyphens=False,
        )
    )
    if plot is not None:
        from .plot import plot_descent

        path = np.asarray(result.path, dtype=np.float64)
        xlim, ylim = known.domain if known is not None else _window(path)
        figure = plot_descent(
            result, target.f, xlim=xlim, ylim=ylim, title=f"{target.name}, {result.optimizer}"
        )
        save_figure(figure, plot, out)
    return 0


DESCEND = Subcommand(
    name="descend",
    summary="run gradient descent and print (and draw) where it went",
    description="Run gradient descent on FUNCTION from a starting point; print the last "
    "point, f there, the status and what it means; optionally draw the path over the "
    "contour lines of f. For a test function the start, learning rate and number of "
    "steps default to ones that work; for a formula --from is needed, and the book's "
    "lr = 0.01 and 100 steps are the defaults. Ctrl-C stops the run and prints where it "
    "got. " + _FORMULA_HELP,
    examples=(
        "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
        "gradwalk descend sphere --from -3,4 --lr 10      # too large: diverges",
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


# --- gradwalk field ---------------------------------------------------------------------


def _field_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    parser.add_argument("--plot", metavar="FILE.png", help="draw the field into a file")
    window = "(default: the test function's own domain; -2,2 for a formula, as in the book)"
    parser.add_argument("--xlim", metavar="LOW,HIGH", help=f"the x0 range {window}")
    parser.add_argument("--ylim", metavar="LOW,HIGH", help=f"the x1 range {window}")
    parser.add_argument(
        "--normalize", action="store_true", help="arrows of equal length: directions only"
    )
    _gradient_options(parser)


def _limits(text: str | None, option: str, points: int) -> tuple[float, float] | None:
    if text is None:
        return None
    values = _numbers(text, option)
    if values.size != 2 or not values[0] < values[1]:
        raise UsageError(f"{option} takes two numbers LOW,HIGH with LOW < HIGH; got {text!r}.")
    low, high = float(values[0]), float(values[1])
    with np.errstate(all="ignore"):
        width = high - low
        grid = np.linspace(low, high, points)
    if not np.isfinite(width) or np.unique(grid).size < points:
        raise UsageError(
            f"{option} {text!r} is too {'wide' if not np.isfinite(width) else 'narrow'} to "
            f"draw: the {points} grid points would not be distinct finite numbers; choose "
            "a range such as -2,2."
        )
    return low, high


#: The arrows of the terminal field: 13 columns and 9 rows; a plot: 17 by 17.
_TERMINAL_GRID = (13, 9)
_PLOT_GRID = 17

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


def _run_field(args: argparse.Namespace, out: Output) -> int:
    target = _function(args.function)
    if target.size > 2:
        raise UsageError(
            f"{target.name!r} uses {_variables(target)}; the field is drawn in the plane of "
            "x0 and x1: write the formula in x0 and x1 (or x and y)."
        )
    _complex_safe(target, args.method)
    settings = _gradient_settings(args)
    plot = _plot_file(args.plot)
    columns, rows = (_PLOT_GRID, _PLOT_GRID) if plot is not None else _TERMINAL_GRID
    known = target.known
    xlim = _limits(args.xlim, "--xlim", columns) or (known.domain[0] if known else (-2.0, 2.0))
    ylim = _limits(args.ylim, "--ylim", rows) or (known.domain[1] if known else (-2.0, 2.0))
    xs, ys = np.linspace(*xlim, columns), np.linspace(*ylim, rows)
    if plot is not None and xlim == (-2.0, 2.0) and ylim == (-2.0, 2.0):
        from .plot import BOOK_FIELD_GRID

        xs, ys = BOOK_FIELD_GRID, BOOK_FIELD_GRID
    if _constant(target):
        out(f"the formula {target.name!r} uses no variable: its gradient is 0 everywhere.")
        grads = np.zeros((len(ys), len(xs), 2))
    else:
        grads = np.array(
            [[numerical_gradient(target.f, np.array([x, y]), **settings) for x in xs] for y in ys],
            dtype=np.float64,
        )
        if not np.isfinite(grads).all(axis=-1).any():
            raise ComputationFailed(
                f"the gradient of {target.name!r} is not finite anywhere in the window x0 "
                f"from {xlim[0]:g} to {xlim[1]:g}, x1 from {ylim[0]:g} to {ylim[1]:g}: f "
                "overflows or is undefined there; choose another window with --xlim and "
                "--ylim."
            )
    if plot is not None:
        from .plot import plot_gradient_field

        figure = plot_gradient_field(
            target.f,
            xlim=xlim,
            ylim=ylim,
            grid=(xs, ys),
            gradient=lambda points: grads.reshape(-1, 2),
            normalize=args.normalize,
            title=f"-gradient of {target.name}",
        )
        save_figure(figure, plot, out)
        return 0
    out(f"the negative gradient of {target.name} (the direction of steepest descent):")
    for line in _terminal_field(grads, xs, ys):
        out(line)
    out("Draw it with --plot field.png.")
    return 0


FIELD = Subcommand(
    name="field",
    summary="draw the negative gradient of a function as arrows (Figure 4-9)",
    description="Draw the field of negative gradients of FUNCTION (the book's Figure 4-9 "
    "for x0**2 + x1**2). Without --plot it is printed as arrows in the terminal. " + _FORMULA_HELP,
    examples=(
        'gradwalk field "x0**2 + x1**2" --plot fig-4-9.png',
        "gradwalk field himmelblau --plot himmelblau.png --normalize",
        'gradwalk field "sin(x) * exp(-y**2)" --xlim=-3,3 --ylim=-2,2',
    ),
    add_arguments=_field_arguments,
    run=_run_field,
    hostile=(
        ("sphere", "--xlim=-1e308,1e308", "--plot", "b.png"),
        ("sphere", "--xlim=-1e200,1e200", "--plot", "b.png"),
        ("sphere", "--xlim=-1e200,1e200"),
        ("sphere", "--xlim=1,1.0000000000000002"),
        ("5",),
        ("5", "--plot", "five.png"),
        ("log(x0)",),
        ("1/x0",),
        ("x0 + x2",),
        ("sphere", "--xlim", "2,1"),
        ("sphere", "--xlim", "1,2,3"),
        ("sphere", "--plot", "field.txt"),
    ),
    point_options=("--xlim", "--ylim"),
)


#: Every subcommand, in the order of ``gradwalk --help``.
SUBCOMMANDS: tuple[Subcommand, ...] = (TOUR, GRAD, DESCEND, FIELD)


# --- the parser and main ----------------------------------------------------------------


def _examples(*lines: str) -> str:
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


class _Parser(argparse.ArgumentParser):
    """argparse with did-you-mean for mistyped options."""

    def error(self, message: str) -> Any:
        unknown = re.match(r"unrecognized arguments: (\S+)", message)
        if unknown:
            option = unknown.group(1).split("=")[0]
            known = [name for action in self._actions for name in action.option_strings]
            close = difflib.get_close_matches(option, known, n=1)
            if close:
                message += f" (did you mean {close[0]}?)"
            elif option.startswith("-"):
                message += f"; '{self.prog} --help' lists the options"
        super().error(message)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The ``gradwalk`` parser and each subcommand's own parser, by name."""
    parser = _Parser(
        prog="gradwalk",
        description="Numerical gradients and gradient descent from section 4.4 of Deep "
        "Learning from Scratch, with pictures. (Gradient checking is in the Python API: "
        "gradwalk.check_gradient.)",
        epilog=_examples(
            "gradwalk tour",
            'gradwalk grad "x0**2 + x1**2" --at 3,4',
            "gradwalk descend sphere --from -3,4 --lr 0.1 --plot path.png",
            "gradwalk field rosenbrock --plot field.png",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gradwalk {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    parsers: dict[str, argparse.ArgumentParser] = {}
    for command in SUBCOMMANDS:
        sub = commands.add_parser(
            command.name,
            help=command.summary,
            description=command.description,
            epilog=_examples(*command.examples),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        command.add_arguments(sub)
        parsers[command.name] = sub
    return parser, parsers


#: A value that is a list of numbers and may start with a minus sign.
_NUMBER_LIST = re.compile(r"-[0-9.][0-9.eE+\-]*(,\s*[-+]?[0-9.][0-9.eE+\-]*)*")
#: What an option looks like; anything else starting with "-" is a formula or a number.
_OPTION = re.compile(r"--?[A-Za-z][\w-]*(=.*)?")


def _prepared(argv: Sequence[str]) -> list[str]:
    """``--from -3,4`` as ``--from=-3,4``, and ``-x0**2`` kept from being read as an option."""
    points = {option for command in SUBCOMMANDS for option in command.point_options}
    joined: list[str] = []
    for item in argv:
        if joined and joined[-1] in points and _NUMBER_LIST.fullmatch(item):
            joined[-1] = f"{joined[-1]}={item}"
        elif item.startswith("-") and item != "--" and not _OPTION.fullmatch(item):
            joined.append(f" {item}")  # a leading space: argparse reads it as a value
        else:
            joined.append(item)
    return joined


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    0: done; 1: the computation failed; 2: bad arguments; 130: stopped by Ctrl-C.

    >>> main(["grad", "x0**2 + x1**2", "--at", "3,4"])
    f(x)      x0**2 + x1**2
    x         [3., 4.]
    f at x    25
    gradient  [6., 8.]
    method    central, h = 0.0001, 4 evaluations of f
    0
    """
    parser, parsers = build_parser()
    try:
        args, extra = parser.parse_known_args(_prepared(sys.argv[1:] if argv is None else argv))
        if extra:
            parsers[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as done:  # --help, --version, or an argparse error (already printed)
        return done.code if isinstance(done.code, int) else EXIT_USAGE
    command = next(command for command in SUBCOMMANDS if command.name == args.command)
    reword = _reworder(parsers[command.name])

    def out(line: str) -> None:
        print(reword(line), flush=True)

    def err(line: str) -> None:
        print(reword(line), file=sys.stderr, flush=True)

    try:
        return run_guarded(command, args, out, err)
    except BrokenPipeError:  # the reader stopped early (gradwalk ... | head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
