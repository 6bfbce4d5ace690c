"""Stencils of any order (``order=``), their error bars, bounds and step directions.

Golden values are analytic derivatives; the battery (gradwalk._batteries) is the one
benchmarks/accuracy.py measures.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import GradientStatus, numerical_diff, numerical_gradient
from gradwalk import _batteries as bench
from gradwalk._engine.stencil import CENTRAL_ORDERS, ONE_SIDED_ORDERS, stencil

#: Every (method, order) that order= accepts.
ORDERS = [("central", p) for p in CENTRAL_ORDERS] + [
    (method, p) for method in ("forward", "backward") for p in ONE_SIDED_ORDERS
]


def exp_sin(x: Any) -> Any:
    return np.sum(np.exp(x) * np.sin(x))


def exp_sin_grad(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(x) * (np.sin(x) + np.cos(x)))


class Recorded:
    """f that remembers every point it was evaluated at."""

    def __init__(self, f: Any) -> None:
        self.f = f
        self.points: list[np.ndarray] = []

    def __call__(self, x: np.ndarray) -> Any:
        self.points.append(np.array(x, dtype=np.float64, copy=True))
        return self.f(x)

    def span(self) -> tuple[np.ndarray, np.ndarray]:
        stacked = np.stack(self.points)
        return stacked.min(axis=0), stacked.max(axis=0)


# --- the formulas ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("side", "order"),
    [(0, p) for p in CENTRAL_ORDERS] + [(s, p) for s in (1, -1) for p in ONE_SIDED_ORDERS],
)
def test_a_stencil_of_order_p_differentiates_polynomials_up_to_degree_p_exactly(
    side: int, order: int
) -> None:
    formula = stencil(side, order)
    x, h = 0.3, 0.125
    for degree in range(order + 1):
        values = (x + formula.offsets * h) ** degree
        estimate = float(formula.weights @ values) / h
        true = degree * x ** (degree - 1) if degree else 0.0
        assert abs(estimate - true) <= 1e-12 * max(1.0, abs(true)), (
            f"side {side} order {order}: d/dx x^{degree} gave {estimate}, not {true}"
        )
    values = (x + formula.offsets * h) ** (order + 1)
    missed = abs(float(formula.weights @ values) / h - (order + 1) * x**order)
    assert missed > 1e-10, f"side {side} order {order} is exact beyond its order"


@pytest.mark.parametrize(("method", "order"), ORDERS)
def test_the_error_shrinks_as_h_to_the_order(method: str, order: int) -> None:
    x = np.array([0.7])  # every derivative of exp is exp(x): no term of the error vanishes
    true = np.exp(0.7)
    h = 0.1 if order <= 4 else 0.4
    coarse = numerical_gradient(np.exp, x, h, method=method, order=order)[0] - true
    fine = numerical_gradient(np.exp, x, h / 2, method=method, order=order)[0] - true
    ratio = coarse / fine
    assert 0.5 * 2**order <= ratio <= 2.0 * 2**order, (
        f"{method} order {order}: halving h divided the error by {ratio:.3g}, not ~{2**order}"
    )


# --- through numerical_gradient ----------------------------------------------------------

#: Relative error each (method, order) reaches with h=None on exp(x) sin(x), n = 6.
REACHES = {1: 1e-6, 2: 3e-9, 3: 1e-9, 4: 1e-10, 6: 1e-11, 8: 1e-11}


@pytest.mark.parametrize(("method", "order"), ORDERS)
def test_each_order_reaches_its_accuracy_at_its_cost(method: str, order: int) -> None:
    x = np.array([0.3, -1.2, 2.0, 0.01, -0.6, 1.5])
    result = numerical_gradient(exp_sin, x, method=method, order=order, full_output=True)
    true = exp_sin_grad(x)
    relative = np.max(np.abs(result.grad - true) / np.abs(true))
    assert relative <= REACHES[order], f"{method} order {order}: relative error {relative:.1e}"
    lowest = order == (2 if method == "central" else 1)
    # order evaluations per element, f(x) once wherever there is an order below (the
    # one-sided stencils use it, the central ones check f's smoothness with it), and
    # order more for an element its first step does not verify (at most two here)
    first = order * x.size + (not lowest)
    extra = result.nfev - first
    assert extra >= 0 and extra % order == 0 and extra <= 2 * order, (
        f"{result.nfev} evaluations, expected {first} and a few elements again"
    )
    assert np.isnan(result.error).all() == lowest, (
        "only the lowest order of each side lacks a stencil below it for its error bar"
    )


@pytest.mark.parametrize(
    ("method", "order"), [(m, p) for m, p in ORDERS if p != (2 if m == "central" else 1)]
)
def test_the_lower_order_error_bar_covers_the_true_error_on_the_battery(
    method: str, order: int
) -> None:
    honest, errors = [], []
    for case, x in bench.battery_points(n=4, count=2):
        result = numerical_gradient(case.f, x, method=method, order=order, full_output=True)
        true = case.grad(x)
        honest.append(np.abs(result.grad - true) <= result.error)
        errors.append(np.abs(result.grad - true) / np.abs(true))
    share = np.concatenate(honest).mean()
    assert share >= 0.95, f"{method} order {order}: the error bar held for only {share:.1%}"


def test_order_6_central_reaches_1e_13_on_the_battery_at_6_evaluations() -> None:
    errors, nfev, coordinates = [], 0, 0
    for case, x in bench.battery_points(n=5, count=2):
        result = numerical_gradient(case.f, x, method="central", order=6, full_output=True)
        errors.append(np.abs(result.grad - case.grad(x)) / np.abs(case.grad(x)))
        nfev += result.nfev
        coordinates += x.size
    median = np.median(np.concatenate(errors))
    assert median <= 2e-13, f"median relative error {median:.1e}"
    # six per element, f(x) once per gradient, and six more for an element whose first
    # step does not verify its bar
    assert nfev / coordinates <= 6.4, f"{nfev / coordinates:.2f} evaluations per element"


def test_the_books_central_difference_is_unchanged_and_order_asks_for_its_own_step() -> None:
    x = np.array([3.0, -0.5])
    h = 1e-4
    book = np.array([(exp_sin(x + h * e) - exp_sin(x - h * e)) / (2 * h) for e in np.eye(2)])
    default = numerical_gradient(exp_sin, x.copy(), full_output=True)
    assert np.array_equal(default.grad, book), "the book's digits changed"
    assert np.all(default.step == 1e-4), "h=None without order is the book's 1e-4"
    second = numerical_gradient(exp_sin, x.copy(), method="central", order=2, full_output=True)
    auto_step = np.finfo(np.float64).eps ** (1 / 3) * np.maximum(1, np.abs(x))
    assert np.allclose(second.step, auto_step, rtol=1e-6), (
        f"order=2 with h=None should use the order-2 step rule, got {second.step}"
    )


def test_numerical_diff_takes_order_and_bounds() -> None:
    value = numerical_diff(np.sin, 1.0, method="central", order=6, bounds=(1.0, 2.0))
    assert abs(value - np.cos(1.0)) <= 1e-11, f"d sin at its lower bound: {value}"


def test_every_evaluation_mode_gives_the_same_bits() -> None:
    x = np.array([0.0, 0.5, 1.0, 0.999])
    options = dict(method="central", order=6, bounds=(0.0, 1.0))
    in_place = numerical_gradient(exp_sin, x.copy(), **options)  # type: ignore[arg-type]
    batched = numerical_gradient(
        lambda X: np.sum(np.exp(X) * np.sin(X), axis=1),
        x.copy(),
        vectorized=True,
        **options,  # type: ignore[arg-type]
    )
    assert np.array_equal(in_place, batched), "vectorized evaluation changed the result"


# --- float32 ------------------------------------------------------------------------------

FLOAT32_CASES = [
    (np.exp, np.exp, 0.65),
    (np.sin, np.cos, 1.3),
    (np.cos, lambda x: -np.sin(x), -0.4),
    (np.tanh, lambda x: 1 / np.cosh(x) ** 2, 0.2),
    (lambda x: x**3, lambda x: 3 * x**2, 2.5),
    (np.log1p, lambda x: 1 / (1 + x), 3.0),
]


@pytest.mark.parametrize(("method", "order"), [(m, p) for m, p in ORDERS if p >= 2])
def test_float32_differences_of_order_2_and_more_reach_sqrt_eps(method: str, order: int) -> None:
    limit = float(np.sqrt(np.finfo(np.float32).eps))
    for f, derivative, point in FLOAT32_CASES:
        value = numerical_diff(f, np.float32(point), h="auto", method=method, order=order)
        assert value.dtype == np.float32, f"float32 in, {value.dtype} out"
        true = float(derivative(np.float64(point)))
        relative = abs(float(value) - true) / abs(true)
        assert relative <= limit, (
            f"{method} order {order} at {point}: relative error {relative:.1e} > {limit:.1e}"
        )


def test_the_first_order_backward_difference_in_float32_is_what_order_fixes() -> None:
    first = numerical_diff(np.exp, np.float32(0.65), h="auto", method="backward")
    second = numerical_diff(np.exp, np.float32(0.65), h="auto", method="backward", order=2)
    true = np.exp(0.65)
    assert abs(first - true) / true > 3e-4, "order 1 is expected to miss √eps(float32)"
    assert abs(second - true) / true < 1e-4, f"order 2 gave {second}"


# --- bounds and step directions -------------------------------------------------------------

BOUNDED = [("central", None), ("central", 4), ("central", 8), ("forward", 3), ("backward", 4)]


@pytest.mark.parametrize(("method", "order"), [*BOUNDED, ("richardson", None)])
def test_no_point_leaves_the_bounds_and_elements_at_them_stay_accurate(
    method: str, order: int | None
) -> None:
    lower = np.array([0.0, 0.0, -1.0, 0.5])
    upper = np.array([1.0, 1.0, 2.0, 0.5 + 1e-3])
    x = np.array([0.0, 1.0, 0.3, 0.5005])  # at the lower bound, the upper, inside, narrow
    f = Recorded(exp_sin)
    result = numerical_gradient(
        f, x, method=method, order=order, bounds=(lower, upper), full_output=True
    )
    low, high = f.span()
    assert np.all(low >= lower) and np.all(high <= upper), (
        f"evaluated from {low} to {high}, outside bounds {lower} .. {upper}"
    )
    true = exp_sin_grad(x)
    relative = np.abs(result.grad - true) / np.abs(true)
    reach = {None: 1e-5, 3: 1e-8, 4: 1e-9, 8: 1e-9}[order]
    assert np.all(relative[:3] <= reach), f"{method} order {order}: {relative}"
    assert relative[3] <= 1e-5, f"the element between narrow bounds: {relative[3]:.1e}"
    known = ~np.isnan(result.error)  # one-sided order 1 and central order 2 have no bar
    assert np.all(np.abs(result.grad - true)[known] <= result.error[known]), "a bar failed"


def test_richardson_keeps_its_accuracy_at_a_bound() -> None:
    x = np.array([0.0, 1.0, 0.5])
    f = Recorded(exp_sin)
    result = numerical_gradient(f, x, method="richardson", bounds=(0.0, 1.0), full_output=True)
    low, high = f.span()
    assert np.all(low >= 0.0) and np.all(high <= 1.0), f"evaluated on [{low}, {high}]"
    error = np.abs(result.grad - exp_sin_grad(x))
    assert np.all(error <= result.error), f"error {error} above its bar {result.error}"
    assert np.all(error / np.abs(exp_sin_grad(x)) <= 1e-11), f"relative error {error}"


def test_richardson_follows_f_down_near_a_bound_where_f_is_singular() -> None:
    x = np.array([1e-3, 1e-6, 1.0])
    f = Recorded(lambda w: np.sum(np.log(w)))
    result = numerical_gradient(f, x, method="richardson", bounds=(0.0, np.inf), full_output=True)
    assert np.all(np.stack(f.points) > 0), "log was evaluated at or below its bound 0"
    error = np.abs(result.grad - 1 / x)
    assert np.all(error <= result.error), f"error {error} above its bar {result.error}"
    assert np.all(error * x <= 1e-10), f"relative error {error * x}"


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_step_direction_chooses_the_side_per_element(method: str) -> None:
    x = np.array([0.4, 0.4, 0.4])
    f = Recorded(exp_sin)
    grad = numerical_gradient(
        f, x, method=method, order=4 if method == "central" else None, step_direction=[1, -1, 0]
    )
    low, high = f.span()
    assert low[0] == x[0] and high[1] == x[1], f"element 0 went below x or 1 above: {low}, {high}"
    assert low[2] < x[2] < high[2], "the element with direction 0 stays central"
    assert np.allclose(grad, exp_sin_grad(x), rtol=1e-9, atol=0), f"{grad}"


def test_a_step_direction_into_a_bound_gives_way_to_the_bound() -> None:
    f = Recorded(np.sin)
    value = numerical_diff(f, 1.0, method="central", order=4, bounds=(0.0, 1.0), step_direction=1)
    assert max(float(p) for p in f.points) <= 1.0, "stepped past the upper bound"
    assert abs(value - np.cos(1.0)) <= 1e-10, f"d sin at its upper bound: {value}"


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "order", "named"),
    [
        ("forward", 6, "choose one of 1, 2, 3, 4"),
        ("central", 3, "choose one of 2, 4, 6, 8"),
        ("richardson", 4, "takes no order="),
        ("complex", 2, "takes no order="),
    ],
)
def test_an_order_the_method_lacks_is_refused_with_the_choices(
    method: str, order: int, named: str
) -> None:
    with pytest.raises(ValueError, match=f"order={order}") as raised:
        numerical_gradient(exp_sin, [1.0], method=method, order=order)
    assert named in str(raised.value), str(raised.value)


def test_an_order_that_is_not_an_integer_is_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"order must be an integer.*'4'"):
        numerical_gradient(exp_sin, [1.0], order="4")  # type: ignore[arg-type]


@pytest.mark.parametrize("method", ["forward", "backward", "complex"])
def test_step_direction_is_refused_where_it_means_nothing(method: str) -> None:
    with pytest.raises(ValueError, match=r"step_direction.*'central' or 'richardson'"):
        numerical_gradient(exp_sin, [1.0], method=method, step_direction=1)


def test_the_complex_step_respects_any_bounds_as_its_points_stay_at_x() -> None:
    x = np.array([0.0, 1.0])
    grad = numerical_gradient(exp_sin, x, method="complex", bounds=(0.0, 1.0))
    assert np.allclose(grad, exp_sin_grad(x), rtol=1e-14), f"{grad}"


def test_an_element_squeezed_by_its_bounds_is_marked_out_of_bounds() -> None:
    x = np.array([0.3, 0.5005])  # the second element has 5e-4 of room on either side
    lower, upper = np.array([-1.0, 0.5]), np.array([2.0, 0.5 + 1e-3])
    result = numerical_gradient(
        exp_sin, x, method="central", order=6, bounds=(lower, upper), full_output=True
    )
    codes = [GradientStatus(code).name for code in result.status]
    assert codes == ["CONVERGED", "OUT_OF_BOUNDS"], f"statuses {codes}"
    free = numerical_gradient(exp_sin, x, method="central", order=6, full_output=True)
    assert result.step[1] < free.step[1], "the squeezed element kept the step it had no room for"
    assert result.step[0] == free.step[0], "an element with room had its step changed"
    relative = abs(result.grad[1] - exp_sin_grad(x)[1]) / abs(exp_sin_grad(x)[1])
    assert relative < 1e-8, f"the squeezed element is off by {relative:.1e}"
