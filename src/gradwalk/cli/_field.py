"""``gradwalk field``: the negative gradient as arrows, in the terminal or a picture."""

from __future__ import annotations

import argparse

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.language import gettext as _
from gradwalk._common.language import gettext_noop as N_
from gradwalk._derivatives.gradient import numerical_gradient

from ._args import (
    add_function_argument,
    add_gradient_options,
    check_complex_safe,
    gradient_settings,
    is_constant,
    parse_function,
    parse_numbers,
    plot_file,
    variables_of,
)
from ._command import ComputationFailed, Output, Subcommand, UsageError, save_figure


def _field_arguments(parser: argparse.ArgumentParser) -> None:
    add_function_argument(parser)
    parser.add_argument("--plot", metavar="FILE.png", help=_("draw the field into a file"))
    window = _("(default: the test function's own domain; -2,2 for a formula, as in the book)")
    parser.add_argument(
        "--xlim", metavar="LOW,HIGH", help=_("the x0 range {window}").format(window=window)
    )
    parser.add_argument(
        "--ylim", metavar="LOW,HIGH", help=_("the x1 range {window}").format(window=window)
    )
    parser.add_argument(
        "--normalize", action="store_true", help=_("arrows of equal length: directions only")
    )
    add_gradient_options(parser)


def _limits(text: str | None, option: str, points: int) -> tuple[float, float] | None:
    if text is None:
        return None
    values = parse_numbers(text, option)
    if values.size != 2 or not values[0] < values[1]:
        raise UsageError(
            _("{option} takes two numbers LOW,HIGH with LOW < HIGH; got {text}.").format(
                option=option, text=repr(text)
            )
        )
    low, high = float(values[0]), float(values[1])
    with np.errstate(all="ignore"):
        width = high - low
        grid = np.linspace(low, high, points)
    if not np.isfinite(width) or np.unique(grid).size < points:
        message = (
            _(
                "{option} {text} is too wide to draw: the {points} grid points would not be "
                "distinct finite numbers; choose a range such as -2,2."
            )
            if not np.isfinite(width)
            else _(
                "{option} {text} is too narrow to draw: the {points} grid points would not be "
                "distinct finite numbers; choose a range such as -2,2."
            )
        )
        raise UsageError(message.format(option=option, text=repr(text), points=points))
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
    lines.append(
        "  x1 ↑   "
        + _("x0 from {left:g} (left) to {right:g} (right)").format(left=xs[0], right=xs[-1])
    )
    return lines


def _run_field(args: argparse.Namespace, out: Output) -> int:
    target = parse_function(args.function)
    if target.size > 2:
        raise UsageError(
            _(
                "{name} uses {variables}; the field is drawn in the plane of x0 and x1: write "
                "the formula in x0 and x1 (or x and y)."
            ).format(name=repr(target.name), variables=variables_of(target))
        )
    check_complex_safe(target, args.method)
    settings = gradient_settings(args)
    plot = plot_file(args.plot)
    columns, rows = (_PLOT_GRID, _PLOT_GRID) if plot is not None else _TERMINAL_GRID
    known = target.known
    xlim = _limits(args.xlim, "--xlim", columns) or (known.domain[0] if known else (-2.0, 2.0))
    ylim = _limits(args.ylim, "--ylim", rows) or (known.domain[1] if known else (-2.0, 2.0))
    xs, ys = np.linspace(*xlim, columns), np.linspace(*ylim, rows)
    if plot is not None and xlim == (-2.0, 2.0) and ylim == (-2.0, 2.0):
        from gradwalk.plot._gradients import BOOK_FIELD_GRID

        xs, ys = BOOK_FIELD_GRID, BOOK_FIELD_GRID
    if is_constant(target):
        out(
            _("the formula {formula} uses no variable: its gradient is 0 everywhere.").format(
                formula=repr(target.name)
            )
        )
        grads = np.zeros((len(ys), len(xs), 2))
    else:
        grads = np.array(
            [[numerical_gradient(target.f, np.array([x, y]), **settings) for x in xs] for y in ys],
            dtype=np.float64,
        )
        if not np.isfinite(grads).all(axis=-1).any():
            raise ComputationFailed(
                _(
                    "the gradient of {name} is not finite anywhere in the window x0 from "
                    "{x0:g} to {x1:g}, x1 from {y0:g} to {y1:g}: f overflows or is undefined "
                    "there; choose another window with --xlim and --ylim."
                ).format(name=repr(target.name), x0=xlim[0], x1=xlim[1], y0=ylim[0], y1=ylim[1])
            )
    if plot is not None:
        from gradwalk.plot._gradients import plot_gradient_field

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
    out(
        _("the negative gradient of {name} (the direction of steepest descent):").format(
            name=target.name
        )
    )
    for line in _terminal_field(grads, xs, ys):
        out(line)
    out(_("Draw it with --plot field.png."))
    return 0


FIELD = Subcommand(
    name="field",
    summary=N_("draw the negative gradient of a function as arrows (Figure 4-9)"),
    description=N_(
        "Draw the field of negative gradients of FUNCTION (the book's Figure 4-9 for "
        "x0**2 + x1**2). Without --plot it is printed as arrows in the terminal."
    ),
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
