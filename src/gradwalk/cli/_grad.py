"""``gradwalk grad``: the numerical gradient of a formula or test function at a point."""

from __future__ import annotations

import argparse

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._derivatives.gradient import numerical_gradient
from gradwalk._engine.display import bars_text

from ._args import (
    add_function_argument,
    add_gradient_options,
    check_complex_safe,
    gradient_settings,
    is_constant,
    parse_function,
    parse_point,
    shown,
)
from ._command import ComputationFailed, Output, Subcommand, continued, labelled


def _grad_arguments(parser: argparse.ArgumentParser) -> None:
    add_function_argument(parser)
    parser.add_argument(
        "--at",
        required=True,
        metavar="X0,X1,...",
        help=_("the point, numbers separated by commas"),
    )
    add_gradient_options(parser)


def _steps_used(steps: NDArray[np.floating]) -> str:
    """``h = 0.0001`` when every element used the same step, else the range of steps."""
    low, high = f"{float(np.min(steps)):.3g}", f"{float(np.max(steps)):.3g}"
    if low == high:
        return f"h = {low}"
    return _("steps {low} to {high} (each element's step of the estimate kept)").format(
        low=low, high=high
    )


def _run_grad(args: argparse.Namespace, out: Output) -> int:
    target = parse_function(args.function)
    x = parse_point(args.at, "--at", target)
    check_complex_safe(target, args.method)
    settings = gradient_settings(args)
    out(labelled("f(x)", target.name))
    out(labelled("x", shown(x)))
    if is_constant(target):
        out(labelled(_("f at x"), f"{float(np.asarray(target.f(x))):.12g}"))
        out(labelled(_("gradient"), shown(np.zeros_like(x))))
        out(continued(_("(the formula uses no variable, so its gradient is 0 everywhere)")))
        return 0
    result = numerical_gradient(target.f, x, full_output=True, **settings)
    out(labelled(_("f at x"), f"{float(np.asarray(target.f(x))):.12g}"))
    out(labelled(_("gradient"), shown(result.grad)))
    if not np.all(np.isnan(result.error)):
        out(labelled(_("error"), bars_text(result.error)))
        out(continued(_("(estimated absolute error of each element)")))
    method = _("{method}, {steps}, {count} evaluations of f").format(
        method=result.method, steps=_steps_used(result.step), count=result.nfev
    )
    out(labelled(_("method"), method))
    if not np.all(np.isfinite(result.grad)):
        raise ComputationFailed(
            _(
                "the gradient is not finite at this point: f is not finite at or next to it "
                "(see the warning); choose a point inside the domain of f."
            )
        )
    return 0


GRAD = Subcommand(
    name="grad",
    summary=N_("print the numerical gradient of a formula at a point"),
    description=N_(
        "Print the numerical gradient of FUNCTION at a point, with its error estimate when "
        "the method gives one."
    ),
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
        ("x0**2", "--at", "1", "--order", "3"),
        ("x0**2", "--at", "1", "--order", "0"),
        ("x0**2", "--at", "1", "--method", "complex", "--order", "2"),
        ("x0**2", "--at", "1", "--gtol", "1"),
        ("", "--at", "1"),
        ("5", "--at", "1,2"),
        ("9**9**9**9", "--at", "1"),
    ),
    point_options=("--at",),
)
