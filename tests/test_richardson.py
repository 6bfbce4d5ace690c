"""Richardson extrapolation at the edges: f's domain, f's own rounding, accuracy controls.

Every expected value is an analytic derivative.
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
    assert all(f.diagnosis == "rounding" for f in central.failures), str(central)


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
    with pytest.warns(PrecisionWarning, match="used all its levels"):
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
