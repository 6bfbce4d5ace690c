"""Richardson extrapolation on its own: its weights, its levels and its honesty.

Driven by the tests' own evaluator (plan_driver.drive), so what is tested is the plan.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from plan_driver import drive, exp_sin, exp_sin_grad

from gradwalk._richardson import (
    RICHARDSON_LEVELS,
    _asymptotic,
    _richardson_weights,
    _shrinking,
)

X = np.array([0.3, -1.2, 2.5])


def test_richardson_weights_are_consistent_and_cancel_the_even_powers() -> None:
    weights = _richardson_weights(RICHARDSON_LEVELS)
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
    got = _shrinking(column, noise).tolist()
    assert got[:2] == [True, True], "shrinking by 4 (h²) or 16 (h⁴) is asymptotic"
    assert got[2:5] == [False, False, False], "not shrinking, flipping sign or collapsing is not"
    assert got[5], "differences at rounding level count as asymptotic"
    assert _shrinking(column[:2], noise[:2]).tolist() == [False] * 5 + [True], (
        "with two levels only differences at rounding level can be judged"
    )


def test_asymptotic_looks_at_the_levels_around_the_best_one() -> None:
    shrinking = np.array([False, False, True, True, False, True, True, True, False])[:, None]
    shrinking = np.repeat(shrinking, 3, axis=1)
    best = np.array([3, 4, 6])
    last = np.array([8, 8, 8])
    assert _asymptotic(shrinking, best, last).tolist() == [False, False, True], (
        "best level 3 needs levels 2-4 (4 fails), 4 needs 3-5, 6 needs 5-7"
    )
    assert _asymptotic(shrinking, np.array([6, 6, 6]), np.array([5, 6, 7])).all(), (
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
