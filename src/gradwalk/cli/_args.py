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
from gradwalk._common.language import gettext as _
from gradwalk._common.language import ngettext, sentences
from gradwalk._common.validate import closest
from gradwalk._engine.methods import METHODS
from gradwalk._formulas import Expression, ExpressionError, ascii_spelling, parse_expression
from gradwalk.testfunctions import TestFunction

from ._command import UsageError, count_type, number_type


def did_you_mean(text: str, choices: Iterable[str]) -> str:
    """The hint "Did you mean 'central'?" for the choice closest to ``text``, or ""."""
    close = closest(text, choices)
    return _("Did you mean {name}?").format(name=repr(close)) if close else ""


__all__ = [
    "Target",
    "add_function_argument",
    "add_gradient_options",
    "check_complex_safe",
    "choice_type",
    "did_you_mean",
    "formula_help",
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
        message = _("{option} takes numbers separated by commas, like {option} 3,4; got {text}.")
        if spelled != text:
            message = _(
                "{option} takes numbers separated by commas, like {option} 3,4; got {text}; it "
                "was typed with full-width characters: type {option} {spelled}."
            )
        raise UsageError(message.format(option=option, text=repr(text), spelled=spelled)) from None
    if not all(np.isfinite(values)):
        raise UsageError(
            _("{option} takes finite numbers; got {text}.").format(option=option, text=repr(text))
        )
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
            hint = did_you_mean(key, testfunctions.FUNCTIONS)
            message = _("{text} is neither a test function ({names}) nor a formula.").format(
                text=repr(text.strip()), names=", ".join(testfunctions.FUNCTIONS)
            )
            raise UsageError(
                sentences(message, hint or _("As a formula: {error}").format(error=error))
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
            _("{name} is a function of x0 and x1").format(name=target.known.name)
            if target.known is not None
            else _("{name} uses {variables}").format(
                name=repr(target.name), variables=variables_of(target)
            )
        )
        takes = ngettext(
            "{what}, so {option} takes {size} number; got {got} ({text}).",
            "{what}, so {option} takes {size} numbers; got {got} ({text}).",
            target.size,
        )
        raise UsageError(
            takes.format(what=what, option=option, size=target.size, got=x.size, text=repr(text))
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
        raise UsageError(
            _("--plot must name a .png, .svg or .pdf file; got {text}.").format(text=repr(text))
        )
    if not path.parent.is_dir():
        raise UsageError(
            _("cannot write {text}: the folder {folder} does not exist.").format(
                text=repr(text), folder=repr(str(path.parent))
            )
        )
    if path.is_dir():
        raise UsageError(
            _("--plot {text} is a folder; name a file, such as {example}.").format(
                text=repr(text), example=f"{text}/plot.png"
            )
        )
    return path


def choice_type(choices: Iterable[str]) -> Callable[[str], str]:
    """An argparse ``type`` for one of ``choices`` (any case), with did-you-mean."""
    names = tuple(choices)

    def parse(text: str) -> str:
        if text.strip().lower() in names:
            return text.strip().lower()
        raise argparse.ArgumentTypeError(
            sentences(
                _("expected one of {choices}; got {text}.").format(
                    choices=", ".join(map(repr, names)), text=repr(text.strip())
                ),
                did_you_mean(text, names),
            )
        )

    return parse


def step_type(text: str) -> float | str:
    if text.strip().lower() == "auto":
        return "auto"
    try:
        return number_type("--h", positive=True)(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            _("expected a step > 0, like --h 1e-6, or 'auto'; got {text}").format(
                text=repr(text.strip())
            )
        ) from None


def formula_help() -> str:
    """What FUNCTION may be: a test function (the registry, read now) or a formula."""
    return _(
        "FUNCTION is the name of a test function ({names}) or a formula in x0, x1, ... (or "
        "x, y) with numbers, + - * / **, and NumPy functions such as sin, cos, exp, log, "
        "sqrt, abs; quote it for the shell. A point has as many numbers as the function has "
        "variables: 2 for a test function, and for a formula one more than its largest "
        "variable index (x0 + x2 takes 3)."
    ).format(names=", ".join(testfunctions.FUNCTIONS))


def add_function_argument(parser: argparse.ArgumentParser) -> None:
    """The FUNCTION argument of grad, descend and field, and what it may be in the help."""
    parser.add_argument(
        "function", metavar="FUNCTION", help=_("a test function's name or a formula")
    )
    parser.description = f"{(parser.description or '').strip()} {formula_help()}".strip()


def add_gradient_options(parser: argparse.ArgumentParser) -> None:
    """--method, --order and --h, for every subcommand that computes numerical gradients."""
    parser.add_argument(
        "--method",
        default="central",
        type=choice_type(METHODS),
        help=_("one of {methods} (default: central, the book's)").format(
            methods=", ".join(METHODS)
        ),
    )
    orders = "; ".join(
        f"{name}: {', '.join(map(str, method.orders))}"
        for name, method in METHODS.items()
        if method.orders
    )
    parser.add_argument(
        "--order",
        type=count_type("--order", least=1),
        help=_("order of the stencil ({orders}; default: the method's own)").format(orders=orders),
    )
    parser.add_argument(
        "--h",
        type=step_type,
        help=_(
            "the step: a number > 0 or 'auto' (default: the method's own, the book's 1e-4 "
            "for central, forward and backward, a step per order for --order)"
        ),
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
                _(
                    "--method {method} takes no --order (it chooses its own); --order is for "
                    "--method {having}."
                ).format(method=args.method, having=", ".join(having))
                if not method.orders
                else _(
                    "--order {order} is not an order of --method {method}; choose one of {orders}."
                ).format(
                    order=args.order,
                    method=args.method,
                    orders=", ".join(map(str, method.orders)),
                )
            ) from None
    if args.h is not None:
        settings["h"] = args.h
    return settings


def check_complex_safe(target: Target, method: str) -> None:
    """The complex step refuses, before any work, a formula it cannot differentiate."""
    if method == "complex" and isinstance(target.f, Expression) and target.f.complex_unsafe:
        raise UsageError(
            _(
                "--method complex evaluates f at complex points, and in {formula} {unsafe}: "
                "use --method richardson, as accurate without complex numbers."
            ).format(formula=repr(target.name), unsafe=" and ".join(target.f.complex_unsafe))
        )
