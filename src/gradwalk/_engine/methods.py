"""The methods: one record per method, and the plans of the single differences.

A plan is a generator (see :mod:`gradwalk._engine.points`): it yields the points it needs, gets
f's values at them and returns an :class:`~gradwalk._engine.points.Estimate`. Each method is
one :class:`Method` in :data:`METHODS`: its plan, whether it evaluates f at complex
points, its own step, its order and its cost. A method is added there and nowhere else;
the command line and the docs list methods from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.validate import choice_hint

from .bounded_richardson import bounded_richardson
from .complex_step import complex_step
from .points import (
    PlanFactory,
    PlanGenerator,
    Region,
    Step,
)
from .richardson import richardson
from .single_difference import (
    BOOK_STEP,
    backward_difference,
    central_difference,
    forward_difference,
)
from .stencil import CENTRAL_ORDERS, ONE_SIDED_ORDERS, stencil_plan
from .steps import RICHARDSON_ORDER, check_step

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
        step directions (:class:`~gradwalk._engine.points.Region`).
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
            central_difference,
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
            forward_difference,
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
            backward_difference,
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
    :func:`gradwalk._engine.steps.step_sizes`; the steps a gradient actually used are in
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


def method_table() -> str:
    """The docs' table of methods (docs/precision.md), from :data:`METHODS`.

    >>> method_table().splitlines()[2].split(" | ")[:5]
    ['| `"central"`', '2', '0.0001', '2', '2, 4, 6, 8']
    """
    rows = [
        "| `method=` | f evaluations per element | own step | order | `order=` | what |",
        "|---|---|---|---|---|---|",
    ]
    for method in METHODS.values():
        orders = ", ".join(map(str, method.orders)) or "—"
        step = (
            f'"{method.own_step}"' if isinstance(method.own_step, str) else f"{method.own_step:g}"
        )
        rows.append(
            f'| `"{method.name}"` | {method.evaluations} | {step} | {method.order} | {orders} '
            f"| {method.summary} |"
        )
    return "\n".join(rows)
