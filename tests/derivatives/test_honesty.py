"""Right, or flagged: every number is within its error bar, or its status says why not.

The cases the library once got wrong with a small bar and no warning, each with its
analytic answer; and a property over a battery of hostile functions (kinks, jumps,
poles, float32 inside f, large constant parts, domain edges) and every method with an
error bar: each element's true error is within its bar, or its status is not CONVERGED.
Noise in f is random: one noisy value is no bound on the next, so its rate is asserted
over a fixed sample instead.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradwalk import (
    GradientStatus,
    IgnoredInputWarning,
    PrecisionWarning,
    numerical_diff,
    numerical_gradient,
    numerical_jacobian,
)
from gradwalk._hostile_battery import HOSTILE, Hostile, draw

settings.register_profile(
    "honesty", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "honesty-long",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PROFILE = "honesty-long" if os.environ.get("GRADWALK_FUZZ") == "long" else "honesty"

CONVERGED = GradientStatus.CONVERGED


def statuses(result: Any) -> list[str]:
    return [GradientStatus(int(code)).name for code in np.ravel(result.status)]


def caught(call: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as record, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        return call(), list(record)


def messages(record: list[warnings.WarningMessage], kind: type[Warning]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, kind)]


# --- the cases that were wrong and confident ---------------------------------------------


@pytest.mark.parametrize("h", ["auto", None])
def test_the_one_sided_stencil_next_to_a_bound_is_right_to_its_bar_or_flagged(h: Any) -> None:
    # log at 1e-6: the stencil must stay above 0, on a step as large as x itself
    result, record = caught(
        lambda: numerical_diff(np.log, 1e-6, h=h, bounds=(0, np.inf), full_output=True)
    )
    true = 1e6
    if result.status == CONVERGED:
        assert abs(result.grad - true) <= result.error, (
            f"{result.grad} ± {result.error} CONVERGED, but the derivative is {true}"
        )
    else:
        assert messages(record, PrecisionWarning), f"{statuses(result)} without a warning"


def test_the_complex_step_of_x_abs_x_is_flagged_and_given_by_real_differences() -> None:
    result, record = caught(
        lambda: numerical_gradient(
            lambda x: np.sum(x * np.abs(x)), [2.0, -3.0], method="complex", full_output=True
        )
    )
    np.testing.assert_allclose(result.grad, [4.0, 6.0], rtol=1e-8)
    assert np.all(np.abs(result.grad - [4.0, 6.0]) <= result.error)
    assert statuses(result) == ["NON_ANALYTIC"] * 2
    said = messages(record, PrecisionWarning)
    assert said and "not analytic" in said[0] and "abs" in said[0], said


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_an_element_lost_in_a_large_constant_is_rounding_limited(method: str) -> None:
    result, record = caught(
        lambda: numerical_gradient(
            lambda x: 1e20 + np.sum(x**2), [1.0, 2.0], method=method, full_output=True
        )
    )
    assert statuses(result) == ["ROUNDING_LIMITED"] * 2
    assert messages(record, PrecisionWarning), "no warning that rounding limits the elements"
    assert not messages(record, IgnoredInputWarning), "f does not ignore x: its change is lost"
    if method == "richardson":  # its bar covers the true gradient [2, 4]
        assert np.all(np.abs(result.grad - [2.0, 4.0]) <= result.error)


@pytest.mark.parametrize(
    "options", [{}, {"h": "auto"}, {"method": "forward"}], ids=["book", "auto", "forward"]
)
def test_a_large_constant_part_is_no_stationary_point(options: dict[str, Any]) -> None:
    # 1e12 + x**2: every element small beside f, as at a minimum, and garbage (3.05 and
    # 7.26 for 2.78, with no warning); f(x), one more value, shows no minimum there
    x = np.array([1.3880961092540454, -0.7])
    result, record = caught(
        lambda: numerical_gradient(lambda w: 1e12 + np.sum(w**2), x, full_output=True, **options)
    )
    assert statuses(result) == ["ROUNDING_LIMITED"] * 2, (result.grad, statuses(result))
    assert messages(record, PrecisionWarning), "no warning that rounding limits the elements"


def test_a_minimum_beside_a_constant_stays_quiet_at_one_evaluation_more() -> None:
    # 1 + x**2 at 1e-9: the elements are at rounding level, as at any minimum, and f(x)
    # below its neighbours by far more than f's rounding says that is what it is
    result, record = caught(
        lambda: numerical_gradient(
            lambda w: 1 + np.sum(w**2), np.array([1e-9, 2e-9]), full_output=True
        )
    )
    assert statuses(result) == ["CONVERGED"] * 2 and result.nfev == 5, (
        statuses(result),
        result.nfev,
    )
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)


def test_an_f_that_really_ignores_x_still_says_so() -> None:
    result, record = caught(
        lambda: numerical_gradient(lambda x: 1e20, [1.0, 2.0], full_output=True)
    )
    assert messages(record, IgnoredInputWarning), "an f that ignores x went unnoticed"
    assert statuses(result) == ["CONVERGED"] * 2, "a constant f has a zero gradient"


X32 = np.linspace(0, 1, 100).astype(np.float32)
Y32 = np.random.default_rng(0).random(100).astype(np.float32)
TRUE_FLOAT32_LOSS = np.array([-409.6581963268109, -224.9392864510108])


def float32_loss(p: np.ndarray) -> float:
    q = p.astype(np.float32)
    r = q[0] + q[1] * X32 - Y32
    return 1e3 + float(np.sum(r * r))


@pytest.mark.parametrize(
    "options",
    [{}, {"h": "auto"}, {"method": "richardson"}],
    ids=["book", "auto", "richardson"],
)
def test_float32_inside_f_with_a_float64_constant_is_recognised(options: Any) -> None:
    p = np.array([-1.0, -1.0])
    result, record = caught(
        lambda: numerical_gradient(float32_loss, p, full_output=True, **options)
    )
    for i, code in enumerate(statuses(result)):
        if code == "CONVERGED":
            assert abs(result.grad[i] - TRUE_FLOAT32_LOSS[i]) <= result.error[i], (
                f"{options}: x[{i}] = {result.grad[i]} ± {result.error[i]} CONVERGED"
            )
        else:
            assert code == "ROUNDING_LIMITED", f"{options}: x[{i}] {code}"
            assert messages(record, PrecisionWarning), f"{options}: {code} without a warning"


def test_richardson_at_its_level_limit_warns_by_default_with_a_bar_that_covers_it() -> None:
    f = lambda x: np.sin(1e8 * x[0]) + x[1] ** 2  # noqa: E731 - the issue's f
    result, record = caught(
        lambda: numerical_gradient(f, [1e-8, 1.0], method="richardson", full_output=True)
    )
    true = np.array([1e8 * np.cos(1.0), 2.0])
    assert statuses(result)[0] != "CONVERGED"
    assert abs(result.grad[0] - true[0]) <= result.error[0], "the bar must cover what is known"
    assert messages(record, PrecisionWarning), "no warning, and no rtol or max_levels asked"
    assert abs(result.grad[1] - true[1]) <= result.error[1]


def test_an_exact_linear_value_at_a_dyadic_point_is_not_a_false_alarm() -> None:
    result, record = caught(
        lambda: numerical_diff(
            lambda t: 3 * t + 1, 1.0, method="forward", order=3, full_output=True
        )
    )
    assert abs(result.grad - 3.0) <= 1e-10 and statuses(result) == ["CONVERGED"]
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)


@pytest.mark.parametrize("h", [None, "auto"], ids=["book", "auto"])
def test_float32_inside_f_with_a_whole_number_constant_is_rounding_limited(h: Any) -> None:
    # every value of f is 10005.0: float32 swallows x**2's change, and the values are whole
    # numbers, as a counter's are; the joint move that tells an f ignoring x shows float32
    def f(x: np.ndarray) -> float:
        return float(np.sum(x.astype(np.float32) ** 2) + np.float32(1e4))

    result, record = caught(
        lambda: numerical_gradient(f, np.array([1.0, 2.0]), h=h, full_output=True)
    )
    # the derivative is [2, 4]; the book's difference gives [0, 0]
    assert statuses(result) == ["ROUNDING_LIMITED"] * 2, (result.grad, statuses(result))
    said = messages(record, PrecisionWarning)
    assert said and "rounding in f" in said[0], said
    assert not messages(record, IgnoredInputWarning), "f does not ignore x: float32 loses it"


def test_a_counter_constant_near_x_is_a_zero_derivative_not_rounding() -> None:
    # whole numbers that are exact: floor(x) is constant near x, its derivative 0
    result, record = caught(
        lambda: numerical_gradient(
            lambda x: float(np.sum(np.floor(x)) + 7), np.array([1.5, 2.5]), full_output=True
        )
    )
    assert result.grad.tolist() == [0.0, 0.0] and statuses(result) == ["CONVERGED"] * 2
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)
    said = messages(record, IgnoredInputWarning)
    assert said and "step function" in said[0], said


ELEMENTWISE_POINTS = np.array([1.1122359585080832, 0.7079788401653541, 1.2590485397140028, 0.0])


@pytest.mark.parametrize(
    "options",
    [
        {"order": 4},
        {"order": 4, "vectorized": True},
        {"method": "backward", "order": 3},
        {"method": "forward", "order": 2},
        {"bounds": (0, np.inf)},
    ],
    ids=["order 4", "order 4 vectorized", "backward order 3", "forward order 2", "bounds"],
)
def test_an_elementwise_f_at_many_points_keeps_its_own_values_and_rounding(
    options: dict[str, Any],
) -> None:
    # each point's f(x) is its own: a stencil reading f(x) once rounded as if f were its
    # differences from f(x) (0 ± 0 for 1e20 + t**2), and its smaller steps mixed both
    exact, record = caught(
        lambda: numerical_diff(lambda t: 3 * t + 1, ELEMENTWISE_POINTS, full_output=True, **options)
    )
    assert np.all(np.abs(exact.grad - 3.0) <= np.nan_to_num(exact.error, nan=1e-9))
    assert statuses(exact) == ["CONVERGED"] * 4, statuses(exact)
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)
    lost, record = caught(
        lambda: numerical_diff(
            lambda t: 1e20 + t**2, ELEMENTWISE_POINTS, full_output=True, **options
        )
    )
    for i, code in enumerate(statuses(lost)):
        true = 2 * ELEMENTWISE_POINTS[i]
        assert code == "ROUNDING_LIMITED" or abs(lost.grad[i] - true) <= lost.error[i], (
            f"{options}: x[{i}] = {lost.grad[i]} ± {lost.error[i]} {code}, derivative {true}"
        )
    assert messages(record, PrecisionWarning)


@pytest.mark.parametrize(
    ("f", "x", "true"),
    [
        (lambda t: np.sin(1e4 * t), 0.3, 1e4 * np.cos(3e3)),
        (lambda t: t**2 + 1e-6 * np.sin(1e5 * t), 1.0, 2 + 0.1 * np.cos(1e5)),
    ],
    ids=["sin(1e4 t)", "t**2 + 1e-6 sin(1e5 t)"],
)
@pytest.mark.parametrize("order", [4, 6, 8])
def test_a_step_aliased_by_a_fast_oscillation_is_right_to_its_bar_or_flagged(
    f: Any, x: float, true: float, order: int
) -> None:
    # at order 8's step 1e4 t moves by about 29 turns and a bit: the stencil's values are
    # a slow sine, and both orders on them agree (-3.09 ± 1.6e-9, the derivative -9756.8)
    result, record = caught(lambda: numerical_diff(f, x, order=order, full_output=True))
    if statuses(result) == ["CONVERGED"]:
        assert abs(result.grad - true) <= result.error, (
            f"order {order}: {result.grad} ± {result.error} CONVERGED, the derivative {true}"
        )
    else:
        assert messages(record, PrecisionWarning), f"{statuses(result)} without a warning"


def test_a_sine_of_random_frequency_is_right_to_its_bar_or_flagged_at_every_order() -> None:
    # one in ten frequencies aliases at a fixed stencil's step with luck in its phase
    rng = np.random.default_rng(20)
    wrong = []
    for _ in range(60):
        omega, x = 10 ** rng.uniform(1, 6), rng.uniform(0.2, 2)

        def f(t: Any, omega: float = omega) -> Any:
            return np.sin(omega * t)

        for options in ({"order": 4}, {"order": 8}, {"method": "forward", "order": 4}):
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = numerical_diff(f, x, full_output=True, **options)
            true = omega * np.cos(omega * x)
            if result.status == CONVERGED and not abs(result.grad - true) <= result.error:
                wrong.append((options, omega, x, float(result.grad), float(result.error)))
    assert not wrong, f"CONVERGED and wrong: {wrong[:3]}"


@pytest.mark.parametrize("order", [4, 6, 8])
@pytest.mark.parametrize(
    ("f", "grad", "x"),
    [
        (lambda w: np.sum(3 * w + 1), lambda w: 3 + 0 * w, [0.75, -1.0, -0.75]),
        (lambda w: np.sum(3 * w + 1), lambda w: 3 + 0 * w, [-1.0, -1.0, 1.0]),
        (lambda w: np.sum(w**3 - 2 * w), lambda w: 3 * w**2 - 2, [1.28070626, 1.4925488]),
    ],
    ids=["linear, f(x) = 0", "linear, f(x) = 0 again", "cubic"],
)
def test_an_exact_polynomial_raises_no_alarm_even_where_its_terms_cancel(
    f: Any, grad: Any, x: list[float], order: int
) -> None:
    # f(x) = 0 from terms of size 3: f's rounding is theirs, which f's values do not
    # show; it once read as an offset (a jump) or as aliasing
    point = np.array(x)
    result, record = caught(lambda: numerical_gradient(f, point, order=order, full_output=True))
    assert statuses(result) == ["CONVERGED"] * point.size, (order, statuses(result))
    assert np.all(np.abs(result.grad - grad(point)) <= result.error)
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)


@pytest.mark.parametrize(
    "options",
    [
        {"method": "forward", "order": 2},
        {"method": "forward", "order": 3},
        {"method": "backward", "order": 2},
        {"bounds": (0, np.inf)},
    ],
    ids=["forward order 2", "forward order 3", "backward order 2", "bounds"],
)
def test_x_to_the_fourth_at_0_is_no_false_alarm_for_a_one_sided_stencil(
    options: dict[str, Any],
) -> None:
    # the leading terms of the one-sided error vanish at 0: successive steps agree at a
    # higher order than the leading term's, which once never settled (STEP_TOO_LARGE)
    result, record = caught(
        lambda: numerical_gradient(lambda w: np.sum(w**4), np.zeros(2), full_output=True, **options)
    )
    assert statuses(result) == ["CONVERGED"] * 2, statuses(result)
    assert np.all(np.abs(result.grad) <= result.error), (result.grad, result.error)
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)


A, OMEGA = 5.891521439873328e-4, 824988.5561994617


@pytest.mark.parametrize(
    ("f", "x", "true"),
    [
        # 8.2e5 t turns 4.007 times per step of 2**-15: every level from the first down
        # to 2**-17 is a near multiple of the period (-0.31 ± 2.5e-9 CONVERGED)
        (
            lambda t: t**2 + A * np.sin(OMEGA * t),
            0.20535704642180613,
            2 * 0.20535704642180613 + A * OMEGA * np.cos(OMEGA * 0.20535704642180613),
        ),
        # a staircase: at steps of 2**-7 and 2**-8 its counts are 16 and 8 (1024 ± 8e-10)
        (lambda t: np.floor(1e3 * t), 0.9025912816343198, 0.0),
    ],
    ids=["ripple aliased by halving steps", "staircase"],
)
def test_richardson_aliased_by_its_halving_steps_is_right_to_its_bar_or_flagged(
    f: Any, x: float, true: float
) -> None:
    result, record = caught(lambda: numerical_diff(f, x, method="richardson", full_output=True))
    if statuses(result) == ["CONVERGED"]:
        assert abs(result.grad - true) <= result.error, (
            f"{result.grad} ± {result.error} CONVERGED, the derivative {true}"
        )
    else:
        assert messages(record, PrecisionWarning), f"{statuses(result)} without a warning"


@pytest.mark.parametrize("distance", [1.4e-12, 1.0e-10])
def test_a_kink_just_beside_x_behind_a_backward_stencil_is_flagged(distance: float) -> None:
    # the stencil sees the slope on the kink's far side (0.3) and f(x) offset by the
    # kink: the derivative at x is 1.3
    x = 0.3 + distance
    result, record = caught(
        lambda: numerical_diff(
            lambda t: np.maximum(t - 0.3, 0) + 0.5 * t**2,
            x,
            method="backward",
            order=4,
            full_output=True,
        )
    )
    if statuses(result) == ["CONVERGED"]:
        assert abs(result.grad - (1 + x)) <= result.error, (result.grad, result.error)
    else:
        assert messages(record, PrecisionWarning), f"{statuses(result)} without a warning"


def test_the_complex_step_jacobian_costs_one_evaluation_per_element_and_one_more() -> None:
    calls = []

    def f(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.exp(x)

    x = np.array([0.1, 0.2, 0.3, 0.4])
    result = numerical_jacobian(f, x, method="complex", full_output=True)
    np.testing.assert_allclose(result.jac, np.diag(np.exp(x)), rtol=1e-14, atol=0)
    assert result.nfev == len(calls) == x.size + 1, f"{result.nfev} reported, {len(calls)} calls"


def test_a_value_next_to_a_bound_is_printed_with_the_digits_that_tell_them_apart() -> None:
    with pytest.raises(ValueError, match=r"x = 0\.30000000000000004 \(lower 0, upper 0\.3\)"):
        numerical_diff(np.sin, np.nextafter(0.3, 1), bounds=(0, 0.3))


def test_no_numpy_warning_escapes_from_richardsons_steps_outside_the_domain() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        grad = numerical_gradient(
            lambda x: np.sum(np.log(x)), [1e-3, 0.05, 1.0], method="richardson"
        )
    np.testing.assert_allclose(grad, [1e3, 20.0, 1.0], rtol=1e-8)


# --- the property -------------------------------------------------------------------------

#: Every method with an error bar, by name: its options (bounds keep x above 0).
METHODS: dict[str, dict[str, Any]] = {
    "central order 4": {"order": 4},
    "central order 6": {"order": 6},
    "central order 8": {"order": 8},
    "forward order 2": {"method": "forward", "order": 2},
    "forward order 4": {"method": "forward", "order": 4},
    "backward order 3": {"method": "backward", "order": 3},
    "richardson": {"method": "richardson"},
    "complex": {"method": "complex"},
    "central within bounds": {"bounds": (0, np.inf)},
    "central order 4 within bounds": {"order": 4, "bounds": (0, np.inf)},
    "richardson within bounds": {"method": "richardson", "bounds": (0, np.inf)},
}

#: What a one-sided stencil cannot see: f(x) sits at its end, and a kink or jump closer
#: to x than its step resolves on that side shows only as a tiny offset of f(x), below
#: f's curvature over the step (docs/precision.md, "What the verification cannot see").
ONE_SIDED = {"forward order 2", "forward order 4", "backward order 3"}
UNSEEN = {"kink", "jump"}


def applies(method: str, case: Hostile) -> bool:
    """Whether the property covers ``case`` for ``method``."""
    if case.kind == "noise":
        return False  # random: its rate is asserted below
    if method == "complex" and not case.complex_safe:
        return False  # the complex step refuses such an f with an error of its own
    if "bounds" in method and not case.positive and case.near is not None and case.near > 0:
        return False  # the trouble lies where the bounds would put x at the trouble itself
    return not (method in ONE_SIDED and case.kind in UNSEEN)


def check_honest(method: str, case: Hostile, x: np.ndarray) -> None:
    options = METHODS[method]
    if "bounds" in options:
        x = np.abs(x)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        result = numerical_gradient(case.f, x.copy(), full_output=True, **options)
        true = case.grad(x)
    # at the kink, jump or pole itself there is no derivative to compare with
    defined = np.ones(x.shape, dtype=bool) if case.near is None else x != case.near
    # the analytic derivative is itself computed in float64
    slack = (
        16 * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(true[defined]), initial=0)))
    )
    # (a single difference has no bar, nan: it makes no claim of its error to check)
    converged = (result.status == CONVERGED) & defined & ~np.isnan(result.error)
    wrong = converged & ~(np.abs(result.grad - true) <= result.error + slack)
    assert not wrong.any(), (
        f"{method} on {case.name} at x = {x[wrong].tolist()}: {result.grad[wrong].tolist()} "
        f"± {result.error[wrong].tolist()} CONVERGED, but the derivative is "
        f"{true[wrong].tolist()}"
    )


@settings(settings.get_profile(PROFILE))
@given(
    method=st.sampled_from(sorted(METHODS)),
    case=st.sampled_from([case for case in HOSTILE if case.kind != "noise"]),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 4),
)
def test_every_element_is_within_its_error_bar_or_flagged(
    method: str, case: Hostile, seed: int, n: int
) -> None:
    if not applies(method, case):
        return
    check_honest(method, case, draw(case, np.random.default_rng(seed), n))


#: Exact functions (a polynomial's derivative is exact where f's arithmetic is): no method
#: may raise an alarm on them, at generic points, at dyadic ones (where their values are
#: short binary fractions) or at 0 (where the leading terms of an error vanish).
EXACT: dict[str, tuple[Any, Any]] = {
    "linear": (lambda w: np.sum(3 * w + 1), lambda w: 3 + 0 * w),
    "cubic": (lambda w: np.sum(w**3 - 2 * w), lambda w: 3 * w**2 - 2),
    "quartic": (lambda w: np.sum(w**4), lambda w: 4 * w**3),
    "degree 7": (
        lambda w: np.sum(w**7 / 5040 - w**3 / 6 + w),
        lambda w: w**6 / 720 - w**2 / 2 + 1,
    ),
}


@settings(settings.get_profile(PROFILE))
@given(
    method=st.sampled_from(sorted(METHODS)),
    name=st.sampled_from(sorted(EXACT)),
    where=st.sampled_from(["generic", "dyadic", "zero"]),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 4),
)
def test_an_exact_polynomial_raises_no_alarm_with_any_method(
    method: str, name: str, where: str, seed: int, n: int
) -> None:
    rng = np.random.default_rng(seed)
    x = {
        "generic": rng.uniform(-2, 2, n),
        "dyadic": rng.integers(-8, 9, n) / 4.0,
        "zero": np.zeros(n),
    }[where]
    options = METHODS[method]
    if "bounds" in options:
        x = np.abs(x)
    f, grad = EXACT[name]
    result, record = caught(lambda: numerical_gradient(f, x.copy(), full_output=True, **options))
    true = grad(x)
    assert statuses(result) == ["CONVERGED"] * n, f"{method} on {name} at {x}: {statuses(result)}"
    assert not messages(record, PrecisionWarning), messages(record, PrecisionWarning)
    slack = 16 * np.finfo(np.float64).eps * max(1.0, float(np.max(np.abs(true))))
    claimed = ~np.isnan(result.error)  # (a single difference claims no bar)
    within = np.abs(result.grad - true) <= result.error + slack
    assert np.all(within | ~claimed), (
        f"{method} on {name} at {x}: {result.grad} ± {result.error}, derivative {true}"
    )


@pytest.mark.parametrize("method", ["central order 4", "central order 8", "richardson"])
def test_noise_in_f_leaves_at_most_one_element_in_fifty_dishonest(method: str) -> None:
    rng = np.random.default_rng(20)
    honest, total = 0, 0
    for case in (case for case in HOSTILE if case.kind == "noise"):
        for _ in range(40):
            x = draw(case, rng, int(rng.integers(1, 4)))
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                result = numerical_gradient(case.f, x, full_output=True, **METHODS[method])
            covered = np.abs(result.grad - case.grad(x)) <= result.error
            honest += int(np.sum(covered | (result.status != CONVERGED)))
            total += x.size
    assert honest / total >= 0.98, f"{method}: {honest}/{total} honest or flagged under noise"


def _noisy_sine_product(x: Any, rng: np.random.Generator, noise: float) -> float:
    smooth = float(np.sum(np.sin(x) * x**2) + x[0] * x[1])
    return smooth * (1 + noise * float(rng.standard_normal()))


@pytest.mark.parametrize(
    "options",
    [
        {"order": 4},
        {"order": 6},
        {"order": 8},
        {"order": 4, "method": "forward"},
        {"order": 3, "method": "backward"},
    ],
    ids=str,
)
@pytest.mark.parametrize("noise", [1e-9, 1e-6])
def test_noise_in_a_smooth_f_is_never_called_a_kink_or_a_jump(
    options: dict[str, Any], noise: float
) -> None:
    # f(x) is evaluated once and shared by every step: its noise is an offset at x, the
    # same in f's highest difference at both steps, which alone once read as a jump
    x = np.array([0.3, -1.2, 2.5])
    for seed in range(20):
        rng = np.random.default_rng(seed)

        def noisy(t: Any, rng: np.random.Generator = rng) -> float:
            return _noisy_sine_product(t, rng, noise)

        result, record = caught(lambda: numerical_gradient(noisy, x, full_output=True, **options))
        names = statuses(result)
        assert "NONSMOOTH" not in names, (
            f"{options} with {noise:g} relative noise, seed {seed}: the smooth f was called "
            f"non-smooth ({names}); its noise is no kink and no jump"
        )
        assert not any("kink" in str(w.message) for w in record), (
            f"{options} with {noise:g} relative noise, seed {seed}: a warning named a kink "
            f"where f is smooth and noisy: {[str(w.message) for w in record]}"
        )


@pytest.mark.parametrize("order", [4, 6, 8])
def test_a_real_kink_or_jump_beside_noise_free_elements_is_still_nonsmooth(order: int) -> None:
    x = np.array([0.3, -1.2, 2.5])
    kinked = {
        "abs(x - 0.3 - 1e-5)": lambda t: abs(t[0] - 0.3 - 1e-5) + np.sum(np.sin(t[1:])),
        "relu at x": lambda t: max(t[0] - 0.3, 0.0) + np.sum(np.sin(t[1:])),
        "jump at x": lambda t: float(t[0] >= 0.3) + np.sum(np.sin(t[1:])),
    }
    for name, f in kinked.items():
        result, _ = caught(lambda: numerical_gradient(f, x, full_output=True, order=order))  # noqa: B023
        assert statuses(result)[0] == "NONSMOOTH", (
            f"order {order}, {name}: the element at the kink or jump is "
            f"{statuses(result)[0]}, not NONSMOOTH"
        )
