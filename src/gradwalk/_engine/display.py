"""The notebook display of a numerical derivative: its values, error bars and status codes.

:func:`derivative_html` is what ``GradientResult._repr_html_`` (and the Jacobian's)
return: the method and cost, a verdict from the status codes (every element CONVERGED,
or which are not and why), and a table of the elements with value, error bar, step and
status.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from gradwalk._common.html import Tone, array_block, card, table

from .inputs import element_name
from .status_codes import GradientStatus

__all__ = ["ROWS_SHOWN", "bars_text", "derivative_html", "status_verdict"]

#: Elements listed in the table of a display; a larger x shows its first ones.
ROWS_SHOWN = 20

#: Codes whose element holds no usable value (nan, or points outside the bounds).
_UNUSABLE = {GradientStatus.NONFINITE, GradientStatus.OUT_OF_BOUNDS}


def bars_text(error: ArrayLike, prefix: str = "", threshold: int = 20) -> str:
    """Error bars as text, each to two significant figures (``8.5e-04``), whatever the
    size of the values they belong to; a bar of exactly 0 prints ``0``.

    >>> bars_text(np.array([8.509e-4, 0.0, np.inf, np.nan, 2.0]))
    '[8.5e-04, 0, inf, nan, 2.0e+00]'
    """

    def bar(value: np.floating[Any]) -> str:
        return "0" if value == 0 else f"{value:.1e}"

    with np.printoptions(threshold=threshold, edgeitems=3):
        return np.array2string(
            np.asarray(error, dtype=np.float64),
            separator=", ",
            prefix=prefix,
            formatter={"float": bar},
        )


def status_verdict(status: NDArray[np.int8], shape: tuple[int, ...]) -> tuple[str, Tone]:
    """One line on the status codes, and its tone.

    >>> status_verdict(np.array([0, 3, 0], dtype=np.int8), (3,))
    ('1 of 3 elements not CONVERGED: ROUNDING_LIMITED at x[1]', 'warn')
    """
    flat = np.asarray(status).reshape(-1)
    total = flat.size
    if not np.any(flat):
        every = "the element" if total == 1 else f"all {total} elements"
        return f"{every} CONVERGED", "good"
    kinds = []
    for code in sorted({int(c) for c in flat if c}):
        where = np.flatnonzero(flat == code)
        names = ", ".join(element_name(shape, int(i)) for i in where[:3])
        more = f" and {where.size - 3} more" if where.size > 3 else ""
        kinds.append(f"{GradientStatus(code).name} at {names}{more}")
    bad = int(np.count_nonzero(flat))
    tone: Tone = "bad" if any(GradientStatus(int(c)) in _UNUSABLE for c in flat) else "warn"
    return f"{bad} of {total} elements not CONVERGED: " + "; ".join(kinds), tone


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.10g}"


def derivative_html(
    title: str,
    values: NDArray[Any],
    error: NDArray[Any],
    step: NDArray[Any],
    status: NDArray[np.int8],
    method: str,
    nfev: int,
) -> str:
    """The display of a gradient (values with x's shape) or, with more axes, a Jacobian.

    A gradient gets a table, one row per element (the first :data:`ROWS_SHOWN`); values
    with more dimensions than the status (a Jacobian's outputs) are shown as an array.
    """
    shape = np.shape(status)
    verdict, tone = status_verdict(status, shape)
    fields = [("method", method), ("evaluations of f", str(nfev))]
    if np.ndim(values) == len(shape):
        flat_status = np.asarray(status).reshape(-1)
        flat_values = np.asarray(values).reshape(-1)
        flat_error = np.broadcast_to(error, np.shape(values)).reshape(-1)
        flat_step = np.broadcast_to(step, np.shape(values)).reshape(-1)
        rows = [
            (
                element_name(shape, i),
                _number(float(np.real(flat_values[i]))),
                _number(float(flat_error[i])),
                f"{float(flat_step[i]):.3g}",
                GradientStatus(int(flat_status[i])).name,
            )
            for i in range(min(flat_values.size, ROWS_SHOWN))
        ]
        body = table(("element", "value", "± error", "step", "status"), rows)
        if flat_values.size > ROWS_SHOWN:
            body += f"<div>… and {flat_values.size - ROWS_SHOWN} more elements</div>"
        sections = [("elements", body)]
    else:
        worst = float(np.nanmax(error)) if np.any(~np.isnan(error)) else math.nan
        fields.append(("largest error bar", _number(worst)))
        sections = [("values", array_block(values))]
    return card(title, fields, verdict=verdict, tone=tone, sections=sections)
