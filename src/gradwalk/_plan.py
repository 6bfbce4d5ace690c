"""The methods: one record per method, and the plans of the single differences.

A plan is a generator (see :mod:`gradwalk._points`): it yields the points it needs, gets
f's values at them and returns an :class:`~gradwalk._points.Estimate`. Each method is
one :class:`Method` in :data:`METHODS`: its plan, whether it evaluates f at complex
points, its own step, its order and its cost. A method is added there and nowhere else;
the command line and the docs list methods from it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ._complex_step import complex_step
from ._points import (
    ROUNDING_ULPS,
    UNKNOWN_STATUS,
    UNPERTURBED,
    Estimate,
    PlanFactory,
    PlanGenerator,
    Points,
    Region,
    Step,
    per_element,
    unknown_error,
    wide_dtype,
)
from ._richardson import richardson
from ._stencil import CENTRAL_ORDERS, ONE_SIDED_ORDERS, stencil_plan
from ._steps import RICHARDSON_ORDER, check_step, representable_step, step_sizes
from ._validate import choice_hint

__all__ = ["METHODS", "ROUNDING_ULPS", "Method", "method_named", "resolve_step"]

#: The book's step (section 4.3): the own step of the single differences.
BOOK_STEP = 1e-4


def _central(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
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
    grad = (f_values[0::2] - f_values[1::2]) / per_element(width, f_values)
    return Estimate(
        grad=grad,
        error=unknown_error(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=(plus == x0) | (minus == x0),
    )


def _one_sided(x0: NDArray[np.floating], h: Step, sign: float) -> PlanGenerator:
    """Forward (sign +1) or backward (sign -1) difference: ±(f(x ± h e_i) - f(x)) / h.

    The quotient divides by the step actually taken, (x ± h) - x (where x ± h rounded
    back to x, f did not change and the element is 0).
    """
    step: float | NDArray[np.floating] = (
        h if isinstance(h, float) else step_sizes(x0, h, "one-sided")
    )
    moved = x0 + sign * step
    n = x0.size
    index = np.concatenate([[UNPERTURBED], np.arange(n, dtype=np.intp)]).astype(np.intp)
    value = np.concatenate([[0], moved]).astype(x0.dtype)
    f_values = yield Points(index, value)
    f_at_x = f_values[0]
    # the step actually taken, (x ± h) - x: the book's digits are not at stake here
    width = moved.astype(wide_dtype(x0.dtype)) - x0.astype(wide_dtype(x0.dtype))
    width[width == 0] = sign * np.asarray(step)[()] if isinstance(step, float) else 1.0
    grad = (f_values[1:] - f_at_x) / per_element(width, f_values)
    return Estimate(
        grad=grad,
        error=unknown_error(grad),
        step=np.broadcast_to(np.asarray(step, dtype=np.float64), (n,)).copy(),
        vanished=moved == x0,
    )


def _forward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, 1.0)


def _backward(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
    return _one_sided(x0, h, -1.0)


#: Order of the one-sided stencil that Richardson uses for an element at a bound.
NEAR_BOUND_ORDER = 6


def on_elements(plan: PlanGenerator, elements: NDArray[np.intp]) -> PlanGenerator:
    """``plan``, made for ``x0[elements]``, run on the whole of x: its indices mapped back."""
    try:
        points = next(plan)
        while True:
            index = np.where(points.index >= 0, elements[np.maximum(points.index, 0)], UNPERTURBED)
            points = plan.send((yield Points(index.astype(np.intp), points.value)))
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


def bounded_richardson(
    x0: NDArray[np.floating], h: Step, order: int, region: Region, **accuracy: Any
) -> PlanGenerator:
    """Richardson extrapolation that never leaves the bounds.

    An element whose first step does not fit starts from half its room to the nearer
    bound instead: no level then leaves the bounds, as the steps only shrink, and the
    ladder follows f down as it does from any step (an f singular at the bound, such as
    log(x) near 0, varies on the scale of that room). An element at a bound, or with a
    step_direction of ±1, takes the one-sided stencil of order :data:`NEAR_BOUND_ORDER`
    with its error bar, at that stencil's fixed step. ``order`` is unused: Richardson
    chooses its own. ``accuracy`` (rtol, atol, max_levels) goes to :func:`richardson`.
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
    one_sided = stencil_plan(x0[near], h, NEAR_BOUND_ORDER, 0, region.subset(near))
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


#: A plan factory parameterised by order and region: ``variant(x0, h, order, region)``.
Variant = Callable[[NDArray[np.floating], Step, int, Region | None], PlanGenerator]


def _stencil_on(side: int) -> Variant:
    """The stencil plans of one side (0 central, +1 forward, -1 backward), any order."""

    def variant(
        x0: NDArray[np.floating], h: Step, order: int, region: Region | None
    ) -> PlanGenerator:
        return stencil_plan(x0, h, order, side, region)

    return variant


def _richardson_within(
    x0: NDArray[np.floating], h: Step, order: int, region: Region | None
) -> PlanGenerator:
    if region is None:
        return richardson(x0, h)
    return bounded_richardson(x0, h, order, region)


def _complex_anywhere(
    x0: NDArray[np.floating], h: Step, order: int, region: Region | None
) -> PlanGenerator:
    """The complex step within any bounds: its points' real part is x itself."""
    return complex_step(x0, h)


@dataclass(frozen=True)
class Method:
    """Everything gradwalk knows about one method of differentiation.

    Attributes
    ----------
    name : str
        The name passed as ``method=``.
    plan : callable
        ``plan(x0, h)``: the plan generator for the flat array ``x0`` and step ``h``.
    complex_points : bool
        Whether f is evaluated at complex points (on a complex copy of x).
    own_step : float or "auto"
        The step used when ``h`` is left at None.
    order : int
        Order of the truncation error in h (for "richardson": of the extrapolant its
        first step is sized for).
    evaluations : int
        Evaluations of f per element (for "richardson", which refines each element until
        it converges: the typical count; one more for f(x) in the one-sided ones).
    summary : str
        One line for help texts.
    variant : callable
        ``variant(x0, h, order, region)``: the plan for an ``order=`` or for bounds and
        step directions (:class:`~gradwalk._points.Region`).
    orders : tuple of int
        The orders ``order=`` accepts (none: the method has no ``order=``).
    steers : bool
        Whether ``step_direction=`` applies (a central method that can step to one side).
    """

    name: str
    plan: PlanFactory
    complex_points: bool
    own_step: Step
    order: int
    evaluations: int
    summary: str
    variant: Variant
    orders: tuple[int, ...] = ()
    steers: bool = False

    def planner(self, order: object, region: Region | None) -> PlanFactory:
        """The plan factory for ``order`` (None: the method's own) within ``region``.

        With neither, it is :attr:`plan` itself, so the book's central difference keeps
        its digits bit for bit.

        Raises
        ------
        ValueError
            The method does not take ``order=``, or not that order.
        TypeError
            ``order`` is not an integer.

        Examples
        --------
        >>> METHODS["central"].planner(None, None) is METHODS["central"].plan
        True
        >>> METHODS["forward"].planner(6, None)
        Traceback (most recent call last):
        ...
        ValueError: order=6 is not an order of method='forward'; choose one of 1, 2, 3, 4.
        """
        if order is None and region is None:
            return self.plan
        resolved = self.order if order is None else self.check_order(order)

        def plan(x0: NDArray[np.floating], h: Step) -> PlanGenerator:
            return self.variant(x0, h, resolved, region)

        return plan

    def check_order(self, order: object) -> int:
        """``order`` as an int, if this method has it; else an error naming what it has."""
        if not self.orders:
            having = ", ".join(
                f"{name!r} ({', '.join(map(str, m.orders))})"
                for name, m in METHODS.items()
                if m.orders
            )
            raise ValueError(
                f"method={self.name!r} takes no order= (it chooses its own); got "
                f"order={order!r}. Orders are for {having}."
            )
        if isinstance(order, bool) or not isinstance(order, int | np.integer):
            raise TypeError(
                f"order must be an integer, one of {', '.join(map(str, self.orders))} for "
                f"method={self.name!r}; got {order!r} ({type(order).__name__})."
            )
        if int(order) not in self.orders:
            raise ValueError(
                f"order={order!r} is not an order of method={self.name!r}; choose one of "
                f"{', '.join(map(str, self.orders))}."
            )
        return int(order)


#: Every method by name, in the order help texts list them. A method is added here.
METHODS: dict[str, Method] = {
    method.name: method
    for method in (
        Method(
            "central",
            _central,
            False,
            BOOK_STEP,
            2,
            2,
            "the book's central difference; order= 4, 6, 8 for wider stencils",
            _stencil_on(0),
            CENTRAL_ORDERS,
            steers=True,
        ),
        Method(
            "forward",
            _forward,
            False,
            BOOK_STEP,
            1,
            1,
            "one-sided difference, f(x + h); order= up to 4",
            _stencil_on(1),
            ONE_SIDED_ORDERS,
        ),
        Method(
            "backward",
            _backward,
            False,
            BOOK_STEP,
            1,
            1,
            "one-sided difference, f(x - h); order= up to 4",
            _stencil_on(-1),
            ONE_SIDED_ORDERS,
        ),
        Method(
            "richardson",
            richardson,
            False,
            "auto",
            RICHARDSON_ORDER,
            10,
            "central differences at halving steps, extrapolated, with an error estimate",
            _richardson_within,
            steers=True,
        ),
        Method(
            "complex",
            complex_step,
            True,
            "auto",
            2,
            1,
            "the complex step Im f(x + ih) / h",
            _complex_anywhere,
        ),
    )
}

#: The methods that evaluate f at complex points.
COMPLEX_METHODS = frozenset(name for name, method in METHODS.items() if method.complex_points)


def method_named(method: object) -> Method:
    """The record of ``method``, or a ValueError naming the valid choices.

    >>> method_named("richardson").own_step
    'auto'
    """
    if not isinstance(method, str) or method not in METHODS:
        choices, hint = choice_hint(method, METHODS)
        raise ValueError(f"method={method!r} is not a known method; choose one of {choices}.{hint}")
    return METHODS[method]


def resolve_step(h: Step | None, method: object, order: object = None) -> Step:
    """The step ``method`` uses for ``h``: None means the method's own step.

    The own step is the book's 1e-4 for "central", "forward" and "backward" and
    ``"auto"`` (a step per element from |x| and the dtype) for "richardson" and
    "complex". With an ``order`` given, h=None is ``"auto"``: the step rule of that
    order, ``eps**(1/(order+1)) * max(1, |x|)``. A number or "auto" given is used as
    it is, once validated. The per-element steps of "auto" come from
    :func:`gradwalk._steps.step_sizes`; the steps a gradient actually used are in
    ``GradientResult.step``.

    Raises
    ------
    ValueError
        Unknown method, or h not positive and finite (nor "auto").
    TypeError
        h is not a number.

    Examples
    --------
    >>> resolve_step(None, "central"), resolve_step(None, "richardson")
    (0.0001, 'auto')
    >>> resolve_step(1e-6, "complex")
    1e-06
    >>> resolve_step(None, "central", order=6)
    'auto'
    """
    record = method_named(method)
    if h is None:
        return record.own_step if order is None else "auto"
    return check_step(h)
