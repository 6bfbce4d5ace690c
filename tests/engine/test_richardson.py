"""Richardson extrapolation: its weights, its levels, its honesty, and its edges (f's
domain, f's own rounding, the accuracy controls); expected values are analytic.

Driven by the tests' own evaluator (tests.support.plan_driver.drive), so what is tested is the plan.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import (
    GradientStatus,
    PrecisionWarning,
    check_gradient,
    numerical_diff,
    numerical_gradient,
)
from gradwalk._engine.ladder import differences_shrinking, ladder_asymptotic, richardson_weights
from gradwalk._engine.richardson import RICHARDSON_LEVELS
from tests.support.plan_driver import drive, exp_sin, exp_sin_grad

X = np.array([0.3, -1.2, 2.5])


def levels_of(batches: list[Any]) -> list[Any]:
    """The batches of the ladder's levels: x ± h for each element, in pairs (the last
    batch, one point per element off the ladder's grid, is not a level)."""
    return [p for p in batches if p.index.size % 2 == 0 and np.all(p.index[0::2] == p.index[1::2])]


def test_richardson_weights_are_consistent_and_cancel_the_even_powers() -> None:
    weights = richardson_weights(RICHARDSON_LEVELS)
    for j in range(RICHARDSON_LEVELS):
        row = weights[j, : j + 1]
        assert np.isclose(row.sum(), 1.0), f"T[{j}][{j}] is not consistent (weights sum to 1)"
        steps = 2.0 ** -np.arange(j + 1)
        for power in range(1, j + 1):
            residual = row @ steps ** (2 * power)
            assert abs(residual) < 1e-12, f"T[{j}][{j}] keeps an h^{2 * power} error term"


def test_richardson_halves_the_step_of_each_element_from_level_to_level() -> None:
    _estimate, batches = drive("richardson", exp_sin, X, 0.25)
    assert len(batches) >= 3, "Richardson stopped before extrapolating twice"
    # and one value per element off the grid of its finest level, 1/√2 of its step away
    probe = batches[-1]
    assert sorted(probe.index.tolist()) == [0, 1, 2], "no value off the ladder's grid"
    batches = levels_of(batches[:-1])
    for level, points in enumerate(batches):
        plus = points.value[0::2]
        minus = points.value[1::2]
        center = X[points.index[0::2]]
        np.testing.assert_array_equal(points.index[0::2], points.index[1::2])
        np.testing.assert_allclose(plus - center, 0.25 / 2**level, rtol=1e-12)
        np.testing.assert_allclose(center - minus, 0.25 / 2**level, rtol=1e-12)
    sizes = [len(points.index) for points in batches]
    assert sizes == sorted(sizes, reverse=True), f"active elements grew back: {sizes}"


def test_richardson_is_accurate_and_its_error_estimate_covers_the_true_error() -> None:
    estimate, _ = drive("richardson", exp_sin, X, "auto")
    true_error = np.abs(estimate.grad - exp_sin_grad(X))
    assert np.all(true_error / np.abs(exp_sin_grad(X)) < 1e-12), f"errors {true_error}"
    assert np.all(true_error <= estimate.error), "the error estimate is below the true error"
    assert np.all(estimate.error < 1e-9 * np.abs(exp_sin_grad(X))), "estimate far too loose"


def test_richardson_stops_each_element_when_its_estimate_stops_improving() -> None:
    # x0**2 is exact at the first level; sin(3 x1) needs several extrapolations.
    def f(x: Any) -> Any:
        return x[0] ** 2 + np.sin(3 * x[1])

    estimate, batches = drive("richardson", f, np.array([0.7, 0.4]), "auto")
    batches = levels_of(batches)
    levels = [sum(np.count_nonzero(p.index[0::2] == i) for p in batches) for i in (0, 1)]
    assert levels[0] < levels[1], f"levels per element {levels}: the quadratic should stop first"
    assert levels[0] <= 3, f"an exact quadratic took {levels[0]} levels"
    assert levels[1] < RICHARDSON_LEVELS, "sin(3x) ran to the last level"
    np.testing.assert_allclose(estimate.grad, [1.4, 3 * np.cos(1.2)], rtol=1e-12)


def test_richardson_keeps_going_when_the_first_step_is_far_too_large() -> None:
    estimate, _batches = drive("richardson", lambda x: np.sum(np.sin(20 * x)), X, 1.0)
    true_error = np.abs(estimate.grad - 20 * np.cos(20 * X))
    assert np.all(true_error <= estimate.error), "estimate dishonest after a bad first step"


def test_shrinking_differences_are_told_from_pre_asymptotic_ones() -> None:
    # Columns: D_0, D_1, D_2 of six elements, built from chosen differences d_1, d_2.
    d1 = np.array([4.0, 16.0, 1.0, -4.0, 100.0, 1e-15])
    d2 = np.array([1.0, 1.0, 1.0, 1.0, 1.0, 1e-15])
    column = np.stack([np.zeros(6), d1, d1 + d2])
    noise = np.full((3, 6), 1e-14)
    got = differences_shrinking(column, noise).tolist()
    assert got[:2] == [True, True], "shrinking by 4 (h²) or 16 (h⁴) is asymptotic"
    assert got[2:5] == [False, False, False], "not shrinking, flipping sign or collapsing is not"
    assert got[5], "differences at rounding level count as asymptotic"
    assert differences_shrinking(column[:2], noise[:2]).tolist() == [False] * 5 + [True], (
        "with two levels only differences at rounding level can be judged"
    )


def test_asymptotic_looks_at_the_levels_around_the_best_one() -> None:
    shrinking = np.array([False, False, True, True, False, True, True, True, False])[:, None]
    shrinking = np.repeat(shrinking, 3, axis=1)
    best = np.array([3, 4, 6])
    last = np.array([8, 8, 8])
    assert ladder_asymptotic(shrinking, best, last).tolist() == [False, False, True], (
        "best level 3 needs levels 2-4 (4 fails), 4 needs 3-5, 6 needs 5-7"
    )
    assert ladder_asymptotic(shrinking, np.array([6, 6, 6]), np.array([5, 6, 7])).all(), (
        "levels not yet evaluated are not needed"
    )


def test_richardson_goes_below_steps_too_large_for_f_and_restarts_there() -> None:
    # log(x² + s²) at x ~ s = 1e-3: the first step is 0.06, sixty times s. The early
    # levels are useless; extrapolating over them gives 1007 instead of 997.6.
    s, x = 1e-3, np.array([1.0723e-3, -0.4e-3, 2.5e-3])
    true = 2 * x / (x**2 + s**2)
    estimate, batches = drive("richardson", lambda w: np.sum(np.log(w**2 + s**2)), x, "auto")
    assert 8 < len(batches) < RICHARDSON_LEVELS, f"{len(batches)} levels"
    relative = np.abs(estimate.grad - true) / np.abs(true)
    assert np.all(relative < 1e-11), f"relative errors {relative}"
    assert np.all(np.abs(estimate.grad - true) <= estimate.error), "error estimate too small"
    assert np.all(estimate.step < s / 10), f"estimates kept at steps {estimate.step}"


@pytest.mark.parametrize("x", [1e6, 1e4])
def test_f_varying_below_the_steps_is_not_taken_for_noise(x: float) -> None:
    # sin(x) + x**2 at x = 1e6: every level's step is far above 1, where sin varies, and
    # sin's share of each difference (at most 1/h) looked like noise: 1999999.99997 ±
    # 8.5e-4, CONVERGED, against 2e6 + cos(1e6). Two small steps tell.
    true = 2 * x + np.cos(x)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = richardson(lambda w: np.sum(np.sin(w) + w**2), [x])
    right = bool(np.abs(result.grad[0] - true) <= result.error[0])
    assert right or result.status[0] != GradientStatus.CONVERGED, (
        f"{result.grad[0]} ± {result.error[0]} was called converged against the true {true}"
    )
    if not right:
        assert any(issubclass(w.category, PrecisionWarning) for w in caught), (
            "a wrong value was flagged without a warning"
        )


def test_noise_in_f_still_gets_a_bar_that_covers_it() -> None:
    # noise 1e-9 of f's magnitude (below "noise seen") on a smooth f: the small steps
    # show the noise again, so the ladder's bar, which allows for it, stands
    rng = np.random.default_rng(7)
    x = np.array([0.7, 1.3, -2.1])
    result = richardson(lambda w: np.sum(np.exp(w)) * (1 + 1e-10 * rng.standard_normal()), x)
    wrong = np.abs(result.grad - np.exp(x)) > result.error
    converged = result.status == GradientStatus.CONVERGED
    assert not np.any(wrong & converged), f"{result.grad} ± {result.error} against {np.exp(x)}"


# --- f's domain, f's own rounding, accuracy controls ---------------------------------


def richardson(f: Any, x: Any, **options: Any) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"):
        return numerical_gradient(
            f, np.asarray(x, dtype=float), method="richardson", full_output=True, **options
        )


@pytest.mark.parametrize(
    ("f", "x", "true"),
    [
        (np.log, [0.05, 1e-3, 2.0], lambda x: 1 / x),
        (np.sqrt, [0.01, 1e-4], lambda x: 0.5 / np.sqrt(x)),
        (np.arcsin, [0.99, -0.995, 0.99999], lambda x: 1 / np.sqrt(1 - x**2)),
        (np.arccos, [-0.999], lambda x: -1 / np.sqrt(1 - x**2)),
        (lambda x: np.log1p(-x), [0.97], lambda x: -1 / (1 - x)),
    ],
    ids=["log", "sqrt", "arcsin", "arccos", "log1p(-x)"],
)
def test_a_first_step_outside_the_domain_shrinks_until_f_is_finite(
    f: Any, x: Any, true: Any
) -> None:
    result = richardson(lambda w: np.sum(f(w)), x)
    expected = true(np.asarray(x))
    error = np.abs(result.grad - expected)
    assert np.all(error <= result.error), f"true error {error} above the error bar {result.error}"
    assert np.all(error <= 1e-8 * np.abs(expected)), f"relative error {error / np.abs(expected)}"
    shrunk = result.status == GradientStatus.STEP_SHRUNK
    assert shrunk.any(), f"status {result.status} does not say the step shrank"
    assert np.all(result.step[shrunk] < 0.0625), "the reported step is not the smaller one"


def test_only_an_element_that_cannot_be_computed_at_any_step_is_nan() -> None:
    # sqrt at exactly 0: x - h is outside the domain at every step; x[1] is fine
    with pytest.warns(Warning, match=r"x\[0\]"):
        result = richardson(lambda w: np.sum(np.sqrt(w)), [0.0, 4.0])
    assert np.isnan(result.grad[0]) and result.status[0] == GradientStatus.NONFINITE
    assert result.grad[1] == pytest.approx(0.25, rel=1e-10)
    assert result.status[1] == GradientStatus.CONVERGED


def test_check_gradient_passes_the_correct_gradient_of_log_near_zero() -> None:
    with np.errstate(invalid="ignore"):
        check = check_gradient(lambda w: np.sum(np.log(w)), [0.05], [20.0])
    assert check.passed, str(check)


def test_float32_inside_f_gets_an_honest_error_bar_and_passes_the_check() -> None:
    def g(x: Any) -> float:
        return float(np.sum(x.astype(np.float32) ** 2))

    for point in (1.004, 0.37, 3.3, 12.5):
        result = richardson(g, [point])
        error = abs(result.grad[0] - 2 * point)
        assert error <= result.error[0], f"x={point}: error {error:.1e} > bar {result.error[0]:.1e}"
        assert error <= 1e-4 * 2 * point, f"x={point}: relative error {error / (2 * point):.1e}"
    assert check_gradient(g, [1.004], [2.008]).passed
    central = check_gradient(g, [1.004], [2.008], method="central")
    assert all(f.diagnosis in ("rounding", "float32") for f in central.failures), str(central)


def test_a_difference_lost_in_rounding_grows_the_step() -> None:
    # x[0]'s contribution changes f ~ 1e14 by less than f's rounding at the first step
    for x in ([1.0, 1e7], [1.3, 1e7], [0.7, 3e7]):
        result = richardson(lambda w: np.sum(w**2), x)
        error = np.abs(result.grad - 2 * np.array(x))
        assert np.all(error <= result.error), f"x={x}: error {error} above {result.error}"
        assert error[0] <= 0.05, f"x={x}: x[0] is {result.grad[0]}, not 2 x[0]"


@pytest.mark.parametrize("x", [1.0, 0.3, -2.5])
def test_a_linear_f_gets_an_error_bar_near_its_own_rounding(x: float) -> None:
    result = numerical_diff(lambda t: t + 3, x, method="richardson", full_output=True)
    assert result.grad == 1.0
    if x == 1.0:  # f's values are exact there: no rounding to account for
        assert result.error <= 4e-15, f"error bar {result.error:.1e}"
    assert result.error <= 1e-12, f"error bar {result.error:.1e}"


def test_rtol_and_atol_stop_early_and_max_levels_limits() -> None:
    default = numerical_diff(np.sin, 1.0, method="richardson", full_output=True)
    loose = numerical_diff(np.sin, 1.0, method="richardson", rtol=1e-6, full_output=True)
    assert loose.nfev < default.nfev, "rtol=1e-6 did not save evaluations"
    assert abs(loose.grad - np.cos(1.0)) <= max(loose.error, 1e-6 * np.cos(1.0))
    assert loose.error <= 1e-6 * abs(loose.grad) and loose.status == GradientStatus.CONVERGED
    absolute = numerical_diff(np.sin, 1.0, method="richardson", atol=1e-5, full_output=True)
    assert absolute.error <= 1e-5 and absolute.nfev < default.nfev
    with pytest.warns(PrecisionWarning, match="used every step the method may"):
        short = numerical_diff(
            np.sin, 1.0, method="richardson", max_levels=2, rtol=1e-14, full_output=True
        )
    assert short.nfev == 4 and short.status == GradientStatus.LEVEL_LIMIT
    assert abs(short.grad - np.cos(1.0)) <= short.error


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"rtol": 1e-6, "method": "central"}, ValueError, "only to method='richardson'"),
        ({"max_levels": 0, "method": "richardson"}, ValueError, "max_levels"),
        ({"max_levels": 31, "method": "richardson"}, ValueError, "from 1 to 30"),
        ({"rtol": -1.0, "method": "richardson"}, ValueError, "rtol"),
        ({"atol": "small", "method": "richardson"}, TypeError, "atol"),
    ],
)
def test_accuracy_options_are_checked(options: dict[str, Any], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        numerical_gradient(lambda w: np.sum(w**2), [1.0], **options)


def test_no_status_warnings_on_smooth_functions_and_minima() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x in ([3.0, 4.0], [0.0, 0.0], [1e-9, 2.0]):
            result = richardson(lambda w: np.sum(w**2) + np.sum(np.sin(w)), x)
            assert np.all(result.status == GradientStatus.CONVERGED), result.status
