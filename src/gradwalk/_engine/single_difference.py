"""The single differences of section 4.3: central, forward and backward, one step per
element, no error estimate."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .points import (
    UNPERTURBED,
    Estimate,
    PlanGenerator,
    Points,
    Step,
    no_error_estimate,
    own_x,
    per_element,
    wide_dtype,
)
from .steps import step_sizes

#: The book's step (section 4.3): the own step of the single differences.
BOOK_STEP = 1e-4


def central_difference(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    """The book's central difference: (f(x + h e_i) - f(x - h e_i)) / (2h).

    With h="auto" the quotient divides by the distance between the two points actually
    evaluated (2h wherever x ± h is exact).
    """
    step: float | NDArray[np.floating] = h if isinstance(h, float) else step_sizes(x0, h, "central")
    plus = x0 + step
    minus = x0 - step
    n = x0.size
    index = np.repeat(np.arange(n, dtype=np.intp), 2)
    value = np.empty(2 * n, dtype=x0.dtype)
    value[0::2] = plus
    value[1::2] = minus
    f_values = yield Points(index, value)
    if isinstance(step, float):
        width: float | NDArray[np.floating] = 2 * step
    else:
        width = plus.astype(wide_dtype(x0.dtype)) - minus.astype(wide_dtype(x0.dtype))
    grad = np.subtract(f_values[0::2], f_values[1::2])
    grad /= per_element(width, f_values)  # in place: one array of n × outputs, not two
    return Estimate(
        grad=grad,
        error=no_error_estimate(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=(plus == x0) | (minus == x0),
    )


def one_sided_difference(
    x0: NDArray[np.floating], h: Step, sign: float, elementwise: bool = False
) -> PlanGenerator:
    """Forward (sign +1) or backward (sign -1) difference: ±(f(x ± h e_i) - f(x)) / h.

    The quotient divides by the step actually taken, (x ± h) - x (where x ± h rounded
    back to x, f did not change and the element is 0). For an ``elementwise`` f (one
    problem per element) f(x) is asked for as each element's own value
    (:func:`~gradwalk._engine.points.own_x`).
    """
    step: float | NDArray[np.floating] = (
        h if isinstance(h, float) else step_sizes(x0, h, "one-sided")
    )
    moved = x0 + sign * step
    n = x0.size
    elements = np.arange(n, dtype=np.intp)
    at_x = own_x(elements) if elementwise else np.array([UNPERTURBED], dtype=np.intp)
    index = np.concatenate([at_x, elements]).astype(np.intp)
    value = np.concatenate([x0 if elementwise else [0], moved]).astype(x0.dtype)
    f_values = yield Points(index, value)
    f_at_x = f_values[: at_x.size]
    # the step actually taken, (x ± h) - x: the book's digits are not at stake here
    width = moved.astype(wide_dtype(x0.dtype)) - x0.astype(wide_dtype(x0.dtype))
    width[width == 0] = sign * np.asarray(step)[()] if isinstance(step, float) else 1.0
    grad = (f_values[at_x.size :] - f_at_x) / per_element(width, f_values)
    return Estimate(
        grad=grad,
        error=no_error_estimate(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=moved == x0,
    )


def forward_difference(
    x0: NDArray[np.floating], h: Step, elementwise: bool = False
) -> PlanGenerator:
    return one_sided_difference(x0, h, 1.0, elementwise)


def backward_difference(
    x0: NDArray[np.floating], h: Step, elementwise: bool = False
) -> PlanGenerator:
    return one_sided_difference(x0, h, -1.0, elementwise)
