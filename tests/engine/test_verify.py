"""The verification stage's tests, one by one, on values of known functions; f's value
grid (rounding.value_grid); the complex step's cross-check (complex_check)."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk._engine.complex_check import directional_move, disagrees, non_analytic
from gradwalk._engine.rounding import measured_precision, value_grid
from gradwalk._engine.status_codes import GradientStatus
from gradwalk._engine.verify import (
    THRESHOLDS,
    default_tolerance,
    kink_like,
    noise_level,
    shrinks_as_predicted,
    steady,
    verdict,
)

STEPS = 0.1 / 2.0 ** np.arange(4)


def central(f: object, x: float, h: np.ndarray) -> np.ndarray:
    return np.asarray((f(x + h) - f(x - h)) / (2 * h))  # type: ignore[operator]


def successive(values: np.ndarray) -> tuple[float, float]:
    return float(abs(values[1] - values[0])), float(abs(values[2] - values[1]))


def test_central_differences_of_a_smooth_f_shrink_as_their_order_predicts() -> None:
    older, newer = successive(central(np.sin, 1.0, STEPS))
    assert shrinks_as_predicted(older, newer, 0, 0, ratio=2, order=2)


def test_central_differences_across_a_jump_do_not() -> None:
    step = lambda t: np.where(t >= 0, 1.0, 0.0)  # noqa: E731
    older, newer = successive(central(step, 0.0, STEPS))
    assert not shrinks_as_predicted(older, newer, 0, 0, ratio=2, order=2), "D grows like 1/h"


def test_a_distance_at_noise_level_counts_as_agreement() -> None:
    assert shrinks_as_predicted(1.0, 1e-15, 1e-15, 1e-15, ratio=2, order=2)


def test_a_kink_shows_in_the_even_part_and_a_smooth_f_does_not() -> None:
    def even(f: object, x: float) -> np.ndarray:
        return np.asarray(f(x + STEPS) + f(x - STEPS))  # type: ignore[operator]

    relu = lambda t: np.maximum(t - 1e-12, 0.0)  # noqa: E731 - kink 1e-12 from x
    kinked = even(relu, 0.0)
    assert kink_like(kinked[0] - kinked[1], kinked[1] - kinked[2], 1e-16)
    smooth = even(np.cos, 0.3)
    assert not kink_like(smooth[0] - smooth[1], smooth[1] - smooth[2], 1e-16), "cos: 4, not 2"


def test_a_jump_keeps_f_plus_minus_f_minus_and_a_slope_halves_it() -> None:
    step = lambda t: np.where(t >= 0.0, 1.0, 0.0) + t  # noqa: E731
    assert steady(step(0.1) - step(-0.1), step(0.05) - step(-0.05), 1e-16)
    assert not steady(np.sin(0.1) - np.sin(-0.1), np.sin(0.05) - np.sin(-0.05), 1e-16)


def test_noise_is_found_at_its_level_and_a_smooth_f_shows_none() -> None:
    offsets = (-2.0, -1.0, 0.0, 1.0, 2.0)
    points = 1.0 + 1e-3 * np.array(offsets)
    smooth = np.sin(points)[:, None]
    assert float(noise_level(smooth, offsets)[0]) == 0.0
    levels = []
    for seed in range(200):
        noise = 1e-8 * np.random.default_rng(seed).standard_normal((5, 1))
        levels.append(float(noise_level(smooth + noise, offsets)[0]))
    found = np.array([level for level in levels if level > 0])
    assert found.size >= 100, f"noise of 1e-8 was seen in only {found.size} of 200 samples"
    assert 1e-9 < np.median(found) < 1e-7, f"median level {np.median(found):.1e}, not ~1e-8"


def test_the_verdict_follows_its_order_of_precedence() -> None:
    estimate = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    error = np.array([1e-12, 1e-12, 1e-12, 1.0, 1.0, 1e-12])
    judged = verdict(
        estimate,
        error,
        asymptotic=np.array([True, False, True, True, True, True]),
        noisy=np.array([False, False, False, True, False, False]),
        kink=np.array([False, False, True, False, False, False]),
        slope_jump=0.5,
        jump=np.array([False, False, False, False, False, True]),
    )
    names = [GradientStatus(int(code)).name for code in judged.status]
    assert names == [
        "CONVERGED",
        "STEP_TOO_LARGE",
        "NONSMOOTH",
        "NOISY",
        "ROUNDING_LIMITED",
        "NONSMOOTH",
    ]
    assert judged.error[1] == np.inf and judged.error[5] == np.inf, "nothing verifies them"
    assert judged.error[2] == pytest.approx(0.5 + 1e-12), "the kink's bar holds both slopes"


def test_a_verified_truncation_error_above_the_tolerance_is_not_rounding() -> None:
    judged = verdict(np.array([2.0]), np.array([1.0]), limited_part=np.array([1e-14]))
    assert judged.status[0] == GradientStatus.CONVERGED, "the bar is honest, and not rounding's"


def test_the_default_tolerance_is_relative_with_a_floor_beside_the_largest() -> None:
    tolerance = default_tolerance(np.array([2.0, 0.0]), np.dtype(np.float64))
    assert tolerance[0] == pytest.approx(1e-4 * 2 + 2 * np.finfo(float).eps ** (1 / 3))
    assert tolerance[1] > 0, "an element at 0 beside others is resolved once small beside them"


def test_every_threshold_says_what_it_decides() -> None:
    assert all(
        isinstance(value, float) and len(meaning) > 20 for value, meaning in THRESHOLDS.values()
    )


def test_float32_inside_f_with_a_float64_constant_lies_on_a_grid() -> None:
    x = np.random.default_rng(3).uniform(0.5, 1.5, 8)
    loss = 1e3 + (x.astype(np.float32) ** 2).astype(np.float64)
    assert value_grid(loss) > 0, "float32 values shifted by 1e3 lie on float32's grid"
    assert value_grid(1e3 + x**2) == 0.0, "a float64 f lies on no grid"
    assert measured_precision(loss, np.dtype(np.float64)).rounding(1e3) > 1e-9


def test_an_f_counting_something_has_no_grid() -> None:
    assert value_grid(np.array([3.0, 4.0, 7.0, 12.0])) == 0.0


def test_the_cross_check_finds_x_abs_x_and_passes_an_analytic_f() -> None:
    x = np.array([2.0, -3.0])
    move = directional_move(x)
    f = lambda v: np.sum(v * np.abs(v))  # noqa: E731
    complex_grad = np.abs(x)  # what the complex step gives for x * abs(x)
    assert disagrees(complex_grad, move, f(x + move), f(x))
    g = lambda v: np.sum(v**3)  # noqa: E731
    assert not disagrees(3 * x**2, move, g(x + move), g(x))


def test_an_element_is_non_analytic_only_where_real_differences_disagree_beyond_their_bar() -> None:
    flagged = non_analytic(np.array([2.0, 4.0]), np.array([4.0, 4.0]), np.array([1e-9, 1e-9]))
    assert flagged.tolist() == [True, False]
