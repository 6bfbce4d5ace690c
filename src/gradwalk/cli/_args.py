"""What the subcommands grad, descend and field share: the function, points, options."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk import testfunctions
from gradwalk._common.validate import choice_hint
from gradwalk._engine.methods import METHODS
from gradwalk._formulas import Expression, ExpressionError, ascii_spelling, parse_expression
from gradwalk.testfunctions import TestFunction

from ._command import UsageError, count_type, number_type

__all__ = [
    "Target",
    "add_function_argument",
    "add_gradient_options",
    "check_complex_safe",
    "choice_type",
    "gradient_settings",
    "is_constant",
    "parse_function",
    "parse_numbers",
    "parse_point",
    "plot_file",
    "shown",
    "step_type",
    "variables_of",
]


def parse_numbers(text: str, option: str) -> NDArray[np.float64]:
    """Numbers separated by commas, such as ``-3,4``."""
    text = text.strip()  # a value starting with "-" comes with a space in front (_prepared)
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        spelled = ascii_spelling(text)
        typed = (
            f"; it was typed with full-width characters: type {option} {spelled}"
            if spelled != text
            else ""
        )
        raise UsageError(
            f"{option} takes numbers separated by commas, like {option} 3,4; got {text!r}{typed}."
        ) from None
    if not all(np.isfinite(values)):
        raise UsageError(f"{option} takes finite numbers; got {text!r}.")
    return np.array(values, dtype=np.float64)


@dataclass(frozen=True)
class Target:
    """The function typed on the command line."""

    f: Callable[[Any], Any]
    known: TestFunction | None
    name: str
    #: How many coordinates a point has: 2 for a test function, the formula's size
    #: (0 for a formula that uses no variable).
    size: int


def parse_function(text: str) -> Target:
    """A test function by name, or a checked formula."""
    key = text.strip().lower()
    if key in testfunctions.FUNCTIONS:
        known = testfunctions.FUNCTIONS[key]
        return Target(known, known, f"{known.name}: {known.formula}", 2)
    try:
        expression = parse_expression(text.strip())
    except ExpressionError as error:
        if re.fullmatch(r"[A-Za-z_]\w*", text.strip()):
            _, hint = choice_hint(key, testfunctions.FUNCTIONS)
            raise UsageError(
                f"{text.strip()!r} is neither a test function "
                f"({', '.join(testfunctions.FUNCTIONS)}) nor a formula."
                + (hint or f" As a formula: {error}")
            ) from None
        raise
    return Target(expression, None, expression.text, expression.size)


def variables_of(target: Target) -> str:
    if isinstance(target.f, Expression):
        return ", ".join(target.f.variables)
    return "x0, x1"


def parse_point(text: str, option: str, target: Target) -> NDArray[np.float64]:
    """A point with exactly as many coordinates as the function has variables."""
    x = parse_numbers(text, option)
    if target.size and x.size != target.size:
        what = (
            f"{target.known.name} is a function of x0 and x1"
            if target.known is not None
            else f"{target.name!r} uses {variables_of(target)}"
        )
        raise UsageError(
            f"{what}, so {option} takes {target.size} number{'s' * (target.size > 1)}; "
            f"got {x.size} ({text!r})."
        )
    return x


def is_constant(target: Target) -> bool:
    return target.size == 0


def shown(array: NDArray[Any]) -> str:
    return np.array2string(np.asarray(array), separator=", ", precision=10)


def plot_file(text: str | None) -> Path | None:
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


def choice_type(choices: Iterable[str]) -> Callable[[str], str]:
    """An argparse ``type`` for one of ``choices`` (any case), with did-you-mean."""
    names = tuple(choices)

    def parse(text: str) -> str:
        if text.strip().lower() in names:
            return text.strip().lower()
        quoted, hint = choice_hint(text, names)
        raise argparse.ArgumentTypeError(f"expected one of {quoted}; got {text.strip()!r}.{hint}")

    return parse


def step_type(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return number_type("--h", positive=True)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a step > 0, like --h 1e-6, or 'auto'; got {text.strip()!r}"
        ) from None


def formula_help() -> str:
    """What FUNCTION may be: a test function (the registry, read now) or a formula."""
    names = ", ".join(testfunctions.FUNCTIONS)
    return (
        f"FUNCTION is the name of a test function ({names}) or a formula in "
        "x0, x1, ... (or x, y) with numbers, + - * / **, and NumPy functions such as sin, "
        "cos, exp, log, sqrt, abs; quote it for the shell. A point has as many numbers as "
        "the function has variables: 2 for a test function, and for a formula one more than "
        "its largest variable index (x0 + x2 takes 3)."
    )


def add_function_argument(parser: argparse.ArgumentParser) -> None:
    """The FUNCTION argument of grad, descend and field, and what it may be in the help."""
    parser.add_argument("function", metavar="FUNCTION", help="a test function's name or a formula")
    parser.description = f"{(parser.description or '').strip()} {formula_help()}".strip()


def add_gradient_options(parser: argparse.ArgumentParser) -> None:
    """--method, --order and --h, for every subcommand that computes numerical gradients."""
    parser.add_argument(
        "--method",
        default="central",
        type=choice_type(METHODS),
        help=f"one of {', '.join(METHODS)} (default: central, the book's)",
    )
    orders = "; ".join(
        f"{name}: {', '.join(map(str, method.orders))}"
        for name, method in METHODS.items()
        if method.orders
    )
    parser.add_argument(
        "--order",
        type=count_type("--order", least=1),
        help=f"order of the stencil ({orders}; default: the method's own)",
    )
    parser.add_argument(
        "--h",
        type=step_type,
        help="the step: a number > 0 or 'auto' (default: the method's own, the book's 1e-4 "
        "for central, forward and backward, a step per order for --order)",
    )


def gradient_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The keywords of numerical_gradient that --method, --order and --h set, checked."""
    settings: dict[str, Any] = {"method": args.method}
    if args.order is not None:
        method = METHODS[args.method]
        try:
            settings["order"] = method.check_order(args.order)
        except ValueError:
            having = [name for name, m in METHODS.items() if m.orders]
            raise UsageError(
                f"--method {args.method} takes no --order (it chooses its own); --order is "
                f"for --method {', '.join(having)}."
                if not method.orders
                else f"--order {args.order} is not an order of --method {args.method}; "
                f"choose one of {', '.join(map(str, method.orders))}."
            ) from None
    if args.h is not None:
        settings["h"] = args.h
    return settings


def check_complex_safe(target: Target, method: str) -> None:
    """The complex step refuses, before any work, a formula it cannot differentiate."""
    if method == "complex" and isinstance(target.f, Expression) and target.f.complex_unsafe:
        raise UsageError(
            f"--method complex evaluates f at complex points, and in {target.name!r} "
            f"{' and '.join(target.f.complex_unsafe)}: use --method richardson, as accurate "
            "without complex numbers."
        )
