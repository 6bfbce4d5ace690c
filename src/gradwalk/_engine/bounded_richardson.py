"""Richardson extrapolation within bounds: central ladders where they fit, one-sided
stencils at the bounds, merged into one estimate."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .points import (
    OWN_X,
    UNPERTURBED,
    Estimate,
    PlanGenerator,
    Points,
    Region,
    Step,
    element_of,
    own_x,
    wide_dtype,
)
from .richardson import richardson
from .status_codes import UNKNOWN_STATUS
from .stencil import stencil_plan
from .steps import representable_step, step_sizes

#: Order of the one-sided stencil that Richardson uses for an element at a bound.
NEAR_BOUND_ORDER = 6


def on_elements(plan: PlanGenerator, elements: NDArray[np.intp]) -> PlanGenerator:
    """``plan``, made for ``x0[elements]``, run on the whole of x: its indices mapped back."""
    try:
        points = next(plan)
        while True:
            own = points.index <= OWN_X  # f(x) as an element's own problem
            mapped = elements[np.maximum(element_of(points.index), 0)]
            index = np.where(points.index >= 0, mapped, UNPERTURBED)
            index = np.where(own, own_x(mapped), index)
            points = plan.send((yield Points(index.astype(np.intp), points.value)))
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


def bounded_richardson(
    x0: NDArray[np.floating],
    h: Step,
    order: int,
    region: Region,
    elementwise: bool = False,
    **accuracy: Any,
) -> PlanGenerator:
    """Richardson extrapolation that never leaves the bounds.

    An element whose first step does not fit starts from half its room to the nearer
    bound instead: no level then leaves the bounds, as the steps only shrink, and the
    ladder follows f down as it does from any step (an f singular at the bound, such as
    log(x) near 0, varies on the scale of that room). An element at a bound, or with a
    step_direction of ±1, takes the one-sided stencil of order :data:`NEAR_BOUND_ORDER`
    with its error bar, at that stencil's fixed step. ``order`` is unused: Richardson
    chooses its own. ``accuracy`` (rtol, atol, max_levels) goes to :func:`richardson`;
    ``elementwise`` (one problem per element) to the one-sided stencil.
    """
    del order
    first = step_sizes(x0, h, "richardson")
    x = x0.astype(wide_dtype(x0.dtype))
    room = np.minimum(x - region.lower, region.upper - x)
    central = (region.direction == 0) & (room > 0)
    halfway = representable_step(x0, np.minimum(room / 2, first).astype(x0.dtype))
    limit = np.where(room < first, halfway, first)
    if central.all():
        return (yield from richardson(x0, h, limit, **accuracy))
    inside = np.flatnonzero(central)
    near = np.flatnonzero(~central)
    parts = []
    if inside.size:
        plan = richardson(x0[inside], h, limit[inside], **accuracy)
        parts.append((inside, (yield from on_elements(plan, inside))))
    one_sided = stencil_plan(x0[near], h, NEAR_BOUND_ORDER, 0, region.subset(near), elementwise)
    parts.append((near, (yield from on_elements(one_sided, near))))
    return _merged(x0.size, parts)


def _merged(n: int, parts: list[tuple[NDArray[np.intp], Estimate]]) -> Estimate:
    """One estimate from estimates of disjoint sets of elements."""
    like = parts[-1][1]
    merged = Estimate(
        grad=np.empty((n, *like.grad.shape[1:]), dtype=like.grad.dtype),
        error=np.empty((n, *like.error.shape[1:]), dtype=like.error.dtype),
        step=np.empty((n, *like.grad.shape[1:]), dtype=np.float64),  # per output, if per output
        vanished=np.empty(n, dtype=bool),
    )
    # a part without its own status leaves UNKNOWN_STATUS: the driver reads those from f
    status = np.full(n, UNKNOWN_STATUS, dtype=np.int8)
    for elements, estimate in parts:
        merged.grad[elements] = estimate.grad
        merged.error[elements] = estimate.error
        step = estimate.step.reshape(
            estimate.step.shape + (1,) * (like.grad.ndim - estimate.step.ndim)
        )
        merged.step[elements] = step
        merged.vanished[elements] = estimate.vanished
        if estimate.status is not None:
            status[elements] = estimate.status
    if any(estimate.status is not None for _, estimate in parts):
        return dataclasses.replace(merged, status=status)
    return merged
