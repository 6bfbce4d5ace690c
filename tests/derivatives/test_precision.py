"""The precise methods through the public API: h="auto", "richardson", "complex".

Golden values are analytic gradients. The battery (gradwalk._batteries) is the one
benchmarks/accuracy.py measures, so the honesty rate asserted here is the one it reports.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import (
    GradientResult,
    GradientStatus,
    IgnoredInputWarning,
    NonFiniteWarning,
    PrecisionWarning,
    numerical_diff,
    numerical_gradient,
)
from gradwalk import _batteries as bench
from gradwalk._engine.methods import METHODS as _REGISTRY
from gradwalk.functions import sigmoid

METHODS = list(_REGISTRY)
REAL_METHODS = [name for name, method in _REGISTRY.items() if not method.complex_points]


def exp_sin(x: Any) -> Any:
    return np.sum(np.exp(x) * np.sin(x))


def exp_sin_grad(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(x) * (np.sin(x) + np.cos(x)))


def relative_error(grad: np.ndarray, true: np.ndarray) -> np.ndarray:
    return np.asarray(np.abs(grad - true) / np.abs(true))


# --- the honesty of the error estimates, on the whole battery ---------------------------


def battery_run(
    method: str, dtype: type[np.floating] = np.float64
) -> tuple[np.ndarray, np.ndarray, float]:
    """Relative errors, honesty flags and evaluations per coordinate over the battery."""
    errors, honest, nfev, coordinates = [], [], 0, 0
    for case, x in bench.battery_points(n=5, count=4):
        x = x.astype(dtype)
        with warnings.catch_warnings():  # float32: some elements are limited, and say so
            warnings.simplefilter("ignore", PrecisionWarning)
            result = numerical_gradient(case.f, x, "auto", method=method, full_output=True)
        assert result.grad.dtype == dtype
        grad = result.grad.astype(np.float64)
        true = case.grad(x.astype(np.float64))
        errors.append(relative_error(grad, true))
        honest.append(np.abs(grad - true) <= result.error)
        nfev += result.nfev
        coordinates += x.size
    return np.concatenate(errors), np.concatenate(honest), nfev / coordinates


def test_richardson_error_estimates_are_honest_on_the_battery() -> None:
    errors, honest, per_coordinate = battery_run("richardson")
    assert honest.size >= 500, "the battery is too small to measure honesty"
    assert honest.mean() >= 0.95, f"only {honest.mean():.1%} of error estimates cover the error"
    assert np.median(errors) <= 1e-12, f"median relative error {np.median(errors):.1e}"
    # at most 10 for the ladder, and one value per element off its grid (aliasing)
    assert per_coordinate <= 11, f"{per_coordinate:.2f} evaluations per coordinate"


@pytest.mark.parametrize("s", bench.FEATURE_SCALES)
def test_richardson_is_honest_for_functions_varying_on_a_small_scale(s: float) -> None:
    # At |x| ~ s the first step, eps**(1/13) * max(1, |x|) ~ 0.06, is many times s: the
    # early levels of the ladder are far from asymptotic and may agree by chance.
    errors, honest, nfev, coordinates = [], [], 0, 0
    for case, x in bench.feature_points(n=5, count=6, scales=(s,), seed=3):
        result = numerical_gradient(case.f, x, "auto", method="richardson", full_output=True)
        true = case.grad(x)
        errors.append(relative_error(result.grad, true))
        honest.append(np.abs(result.grad - true) <= result.error)
        nfev += result.nfev
        coordinates += x.size
    errors_all, honest_all = np.concatenate(errors), np.concatenate(honest)
    assert honest_all.size >= 200, "the small-scale battery is too small to measure honesty"
    assert honest_all.mean() >= 0.95, (
        f"at feature scale {s:g} only {honest_all.mean():.1%} of error estimates cover the error"
    )
    assert np.median(errors_all) <= 1e-12, f"median relative error {np.median(errors_all):.1e}"
    assert errors_all.max() <= 1e-9, f"worst relative error {errors_all.max():.1e} at s={s:g}"
    assert nfev / coordinates <= 2 * 20, "more evaluations than the ladder has levels"


def test_richardson_is_honest_for_a_small_scale_in_float32_too() -> None:
    # float32's first step is eps**(1/13) ~ 0.29: thirty times s = 1e-2.
    honest = []
    for case, x in bench.feature_points(n=5, count=6, scales=(1e-2,), seed=3):
        x32 = x.astype(np.float32)
        result = numerical_gradient(case.f, x32, "auto", method="richardson", full_output=True)
        true = case.grad(x32.astype(np.float64))
        honest.append(np.abs(result.grad.astype(np.float64) - true) <= result.error)
    rate = np.concatenate(honest).mean()
    assert rate >= 0.95, f"only {rate:.1%} of float32 estimates hold at feature scale 1e-2"


@pytest.mark.parametrize(
    "options", [{}, {"order": 4}, {"method": "richardson"}], ids=["book", "order 4", "richardson"]
)
def test_a_derivative_from_subnormal_values_of_f_is_right_to_its_bar_or_flagged(
    options: dict[str, Any],
) -> None:
    # f's values are subnormal (about 2.2e-316, spaced 4.9e-324 apart: some 8 digits).
    # Their rounding was modelled as 8 eps·|f|, which underflows to 0 there: the book's
    # central difference passed 5 digits as CONVERGED, and order 4 and "richardson"
    # blamed a kink or a scale finer than their steps instead of f's rounding.
    def f(t: float) -> float:
        return float(np.exp(0.3 * t) * 2.2e-316)

    truth = 0.3 * math.exp(0.15) * 2.2e-316
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = numerical_diff(f, 0.5, full_output=True, **options)
    messages = [str(w.message) for w in caught if issubclass(w.category, PrecisionWarning)]
    assert result.status == GradientStatus.ROUNDING_LIMITED and messages, (
        f"{options}: {result.grad} ± {result.error} (status {result.status}) against the "
        f"true {truth}: the rounding of f's subnormal values was not seen as such"
    )
    assert math.isnan(result.error) or abs(result.grad - truth) <= result.error, (
        f"{options}: {result.grad} ± {result.error} against the true {truth}"
    )


def test_richardson_does_not_stop_on_levels_that_agree_by_chance() -> None:
    # log(x² + s²) near x = s = 1e-3: eight halvings of the first step (0.06) end near
    # 5e-4, still comparable to s; two of those levels agree to 0.04 while both are
    # about 10 (1%) off. The ladder must go on to steps where it is asymptotic.
    x = np.array([1.0723e-3])
    true = 2 * x / (x**2 + 1e-6)  # 997.569
    result = numerical_gradient(
        lambda w: np.sum(np.log(w**2 + 1e-6)), x, "auto", method="richardson", full_output=True
    )
    error = abs(result.grad[0] - true[0])
    assert error <= result.error[0], (
        f"true error {error:.1e} above the estimate {result.error[0]:.1e}"
    )
    assert error / true[0] < 1e-10, f"relative error {error / true[0]:.1e}"
    assert result.step[0] < 1e-4, (
        f"kept step {result.step[0]:.1e}: the estimate should come from steps well below s"
    )


@pytest.mark.parametrize("method", ["richardson", "complex"])
def test_error_estimates_are_honest_in_float32_too(method: str) -> None:
    errors, honest, _ = battery_run(method, np.float32)
    assert honest.mean() >= 0.95, f"only {honest.mean():.1%} of float32 estimates hold"
    assert np.median(errors) <= 1e-5, f"float32 median relative error {np.median(errors):.1e}"


def test_complex_step_is_exact_to_rounding_with_one_evaluation_per_coordinate() -> None:
    # one evaluation per element, and one per gradient for the check that f is analytic
    # (the battery's points have 5 elements)
    errors, honest, per_coordinate = battery_run("complex")
    assert per_coordinate == 1.2, f"{per_coordinate} evaluations per coordinate, not 1 + 1/5"
    assert np.median(errors) <= 1e-15, f"median relative error {np.median(errors):.1e}"
    assert honest.mean() >= 0.95, f"only {honest.mean():.1%} of error estimates cover the error"


def test_the_complex_step_at_tiny_or_extreme_x_is_honest_through_the_public_api() -> None:
    # x**3 at 1e-110: the truncation h² = 1e-40 dwarfs 3x² = 3e-220; it must be in the bar.
    calls = []

    def cube(x: np.ndarray) -> Any:
        calls.append(x.copy())
        return np.sum(x**3)

    result = numerical_gradient(cube, np.array([1e-110]), method="complex", full_output=True)
    assert isinstance(result, GradientResult)
    assert abs(result.grad[0] - 3e-220) <= result.error[0], (
        f"{result.grad[0]} ± {result.error[0]} does not cover the true 3e-220"
    )
    steps = sorted(float(x[0].imag) for x in calls if x[0].imag != 0)
    assert steps == [1e-20, 2e-20] and result.nfev == len(calls), (
        f"imaginary steps {steps}, nfev {result.nfev} for {len(calls)} calls: "
        "h and 2h, each counted, expected"
    )
    # sigmoid at +710 is 1 to the last bit; sigma' = e^-710 / (1 + e^-710)² = 4.476e-309.
    # Its change is lost in its rounding at every step: whether it is analytic cannot be
    # checked, and a warning says so, besides the underflow.
    with pytest.warns(PrecisionWarning) as record:
        slope = numerical_diff(sigmoid, 710.0, method="complex")
    messages = [str(warning.message) for warning in record]
    assert any("underflowed" in message for message in messages), messages
    assert any("could not be checked" in message for message in messages), messages
    true = math.exp(-710) / (1 + math.exp(-710)) ** 2
    assert abs(slope - true) <= 1e-6 * true, f"sigmoid'(710) = {slope}, true {true}"


@pytest.mark.parametrize("scale", bench.SCALES)
def test_central_auto_is_accurate_at_every_scale_with_two_evaluations(scale: float) -> None:
    errors, nfev, coordinates, calls = [], 0, 0, 0
    for case, x in bench.battery_points(n=5, count=2, scales=(scale,)):
        result = numerical_gradient(case.f, x, "auto", full_output=True)
        errors.append(relative_error(result.grad, case.grad(x)))
        nfev += result.nfev
        coordinates += x.size
        calls += 1
    # Plus f(x) once per call at most, where f changes sign next to x (a pole or a zero?).
    assert 2 * coordinates <= nfev <= 2 * coordinates + calls, (
        "central differences take two evaluations per element"
    )
    median = np.median(np.concatenate(errors))
    assert median <= 1e-9, f"median relative error {median:.1e} at scale {scale:g}"


# --- the examples ---------------------------------------------------------------


def test_auto_fixes_the_cube_near_1e_minus_3_where_the_books_step_fails() -> None:
    x = np.array([1e-3, -2e-3, 1.5e-3])

    def f(w: Any) -> Any:
        return np.sum((1e3 * w) ** 3)

    true = 3e9 * x**2
    book = relative_error(numerical_gradient(f, x), true).max()
    auto = relative_error(numerical_gradient(f, x, "auto"), true).max()
    assert book > 1e-3, f"the book's step should fail here (error {book:.1e})"
    assert auto < book / 100, f"h='auto' gives {auto:.1e}, the book's step {book:.1e}"
    assert relative_error(numerical_gradient(f, x, "auto", method="richardson"), true).max() < 1e-12


def test_rosenbrock_near_1e3() -> None:
    x = np.array([1.2e3, -0.8e3, 1.1e3])
    true = bench.BATTERY_BY_NAME["rosenbrock"].grad(x)
    f = bench.BATTERY_BY_NAME["rosenbrock"].f
    for method, bound in [("central", 1e-8), ("richardson", 1e-12), ("complex", 1e-15)]:
        worst = relative_error(numerical_gradient(f, x, "auto", method=method), true).max()
        assert worst < bound, f"{method} at |x| ~ 1e3: relative error {worst:.1e}"


def test_float32_auto_needs_no_warning_and_stays_float32() -> None:
    x = np.array([3.0, 4.0], dtype=np.float32)
    for method in METHODS:
        grad = numerical_gradient(lambda w: np.sum(w**2), x, "auto", method=method)
        assert grad.dtype == np.float32, f"{method} returned {grad.dtype}"
        np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-3, err_msg=method)


def test_float32_with_the_books_step_still_warns() -> None:
    with pytest.warns(PrecisionWarning, match="h='auto'"):
        numerical_gradient(lambda w: np.sum(w**2), np.array([3.0, 4.0], dtype=np.float32))


# --- full_output ------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_full_output_reports_method_cost_steps_and_error(method: str) -> None:
    x = np.array([[0.3, -1.2], [2.5, 0.1]])
    result = numerical_gradient(exp_sin, x, "auto", method=method, full_output=True)
    assert isinstance(result, GradientResult)
    assert result.method == method
    assert result.grad.shape == result.error.shape == result.step.shape == x.shape
    assert np.all(result.step > 0)
    assert result.nfev >= x.size
    if method in ("richardson", "complex"):
        true_error = np.abs(result.grad - exp_sin_grad(x))
        assert np.all(true_error <= result.error), f"{method}: error estimate too small"
    else:
        assert np.all(np.isnan(result.error)), f"{method} cannot estimate its error: nan"
    text = repr(result)
    assert f"method={method!r}" in text and "grad=" in text and "error=" in text


def test_richardson_takes_a_number_as_its_first_step() -> None:
    result = numerical_gradient(
        exp_sin, np.array([0.5]), 0.25, method="richardson", full_output=True
    )
    assert 0 < result.step[0] < 0.25, "later levels must halve the given first step"
    assert abs(result.grad[0] - exp_sin_grad(np.array([0.5]))[0]) <= result.error[0]


@pytest.mark.parametrize("method", METHODS)
def test_numerical_diff_takes_every_method(method: str) -> None:
    value = numerical_diff(np.sin, 1.0, "auto", method=method)
    assert abs(value - math.cos(1.0)) < 1e-7, f"{method}: d/dx sin at 1 gave {value}"
    result = numerical_diff(np.sin, 1.0, "auto", method=method, full_output=True)
    assert result.method == method and result.grad.shape == ()


# --- bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["Central", "richardsn", "complex-step", "", 3])
def test_unknown_methods_name_the_value_and_the_choices(method: Any) -> None:
    with pytest.raises(ValueError, match=rf"method={method!r}.*'richardson', 'complex'"):
        numerical_gradient(exp_sin, np.ones(2), method=method)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("h", [0, -1e-4, math.nan, math.inf])
def test_non_positive_or_non_finite_steps_are_refused(method: str, h: float) -> None:
    with pytest.raises(ValueError, match=r"h must be a positive finite number"):
        numerical_gradient(exp_sin, np.ones(2), h, method=method)


@pytest.mark.parametrize("method", METHODS)
def test_a_string_step_other_than_auto_names_auto(method: str) -> None:
    x = np.ones(2)
    with pytest.raises(ValueError, match=r"h='best'.*h='auto'"):
        numerical_gradient(exp_sin, x, "best", method=method)
    assert np.array_equal(x, np.ones(2))


# --- the foundation's semantics hold for every method ------------------------------------


@pytest.mark.parametrize("method", REAL_METHODS)
def test_real_methods_perturb_the_callers_array_in_place(method: str) -> None:
    x = np.array([0.3, -1.2, 2.5])
    seen = []

    def f(w: Any) -> Any:
        seen.append(w is x)
        return exp_sin(w)

    numerical_gradient(f, x, "auto", method=method)
    assert all(seen), f"{method} called f with something other than the caller's array"


@pytest.mark.parametrize("method", METHODS)
def test_x_is_restored_bit_for_bit_when_f_raises(method: str) -> None:
    x = np.array([0.1, 0.2, 0.3])
    before = x.copy()
    calls = []

    def f(w: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("boom")
        return exp_sin(w)

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(f, x, "auto", method=method)
    assert np.array_equal(x, before) and x.tobytes() == before.tobytes(), f"{method} left x changed"


@pytest.mark.parametrize("method", METHODS)
def test_integer_input_is_not_truncated(method: str) -> None:
    grad = numerical_gradient(lambda w: np.sum(w**2), [3, 4], "auto", method=method)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-7, err_msg=method)


@pytest.mark.parametrize("method", METHODS)
def test_a_strided_view_is_differentiated_and_its_base_left_alone(method: str) -> None:
    base = np.linspace(-1.0, 2.0, 12).reshape(3, 4)
    before = base.copy()
    view = base[:, ::2]
    grad = numerical_gradient(exp_sin, view, "auto", method=method)
    np.testing.assert_allclose(grad, exp_sin_grad(before[:, ::2]), rtol=1e-6, err_msg=method)
    assert np.array_equal(base, before), f"{method} changed the base array"


@pytest.mark.parametrize("method", ["central", "backward", "richardson"])
def test_non_finite_values_warn_and_give_nan(method: str) -> None:
    x = np.array([1.0, 1e-12])  # log(x1 - h) is undefined for any auto step
    with np.errstate(invalid="ignore"), pytest.warns(NonFiniteWarning, match=r"x\[1\]"):
        grad = numerical_gradient(lambda w: np.sum(np.log(w)), x, "auto", method=method)
    assert np.isnan(grad[1]) and np.isfinite(grad[0])


def test_the_complex_step_needs_no_room_on_either_side() -> None:
    x = np.array([1.0, 1e-12])  # x + ih stays in the domain of log: no difference taken
    grad = numerical_gradient(lambda w: np.sum(np.log(w)), x, "auto", method="complex")
    np.testing.assert_allclose(grad, 1 / x, rtol=1e-15)


@pytest.mark.parametrize("method", REAL_METHODS)
def test_a_closure_that_ignores_x_warns(method: str) -> None:
    other = np.array([1.0, 2.0])
    with pytest.warns(IgnoredInputWarning, match="ignores its argument"):
        grad = numerical_gradient(lambda w: np.sum(other**2), np.array([1.0, 2.0]), method=method)
    assert not grad.any()


def test_the_books_closure_with_the_complex_step_warns_that_f_gets_a_copy() -> None:
    weights = np.array([0.5, -1.0, 2.0])
    before = weights.copy()

    def loss(w: Any) -> Any:  # the book's pattern: ignores w, reads weights
        return np.sum(weights**2)

    with pytest.warns(IgnoredInputWarning, match=r"method='complex'.*complex copy"):
        grad = numerical_gradient(loss, weights, method="complex")
    assert not grad.any()
    assert np.array_equal(weights, before), "the complex step must never touch x"
    # the same closure is fine with a real method, in place
    np.testing.assert_allclose(
        numerical_gradient(loss, weights, "auto", method="richardson"), 2 * before
    )


def test_the_complex_step_evaluates_f_on_a_complex_copy() -> None:
    x = np.array([0.3, -1.2])
    seen = []

    def f(w: Any) -> Any:
        seen.append((w is x, w.dtype))
        return exp_sin(w)

    numerical_gradient(f, x, method="complex")
    assert seen and all(not same and dtype == np.complex128 for same, dtype in seen)


@pytest.mark.parametrize(
    ("f", "error", "match"),
    [
        (lambda w: np.sum(np.abs(w) ** 2), ValueError, "not analytic"),
        (lambda w: np.sum(w.real**2), ValueError, "not analytic"),
        (lambda w: np.sum(np.asarray(w, dtype=float) ** 2), ValueError, "cast one to a real"),
        (lambda w: float(np.sum(w**2)), ValueError, "cast one to a real"),
        (lambda w: math.sin(w[0]), ValueError, "cast one to a real"),
        (lambda w: math.sin(w.tolist()[0]), TypeError, "accept complex numbers"),
        (lambda w: np.sum(w * np.conj(w)), ValueError, "rounding level"),
        (lambda w: np.sum(w[:2] ** 2) + np.abs(w[2]), ValueError, r"element\(s\) 2 "),
    ],
    ids=["abs", "real", "astype", "float", "math.sin", "math.sin of complex", "conj", "abs of one"],
)
def test_complex_step_never_returns_garbage_when_f_drops_the_imaginary_part(
    f: Any, error: type[Exception], match: str
) -> None:
    x = np.array([0.3, -1.2, 2.5])
    with pytest.raises(error, match=match):
        numerical_gradient(f, x, method="complex")
    assert np.array_equal(x, [0.3, -1.2, 2.5])


def test_complex_step_passes_fs_own_errors_through() -> None:
    with pytest.raises(TypeError, match="must return a real scalar"):
        numerical_gradient(lambda w: "text", np.ones(2), method="complex")


def test_complex_step_at_a_chosen_step_does_not_claim_to_know_its_error() -> None:
    # Im exp(x + ih) / h = exp(x) sin(h) / h: a truncation error of h²/6 relative.
    result = numerical_gradient(
        lambda w: np.sum(np.exp(w)), [1.0], 1e-4, method="complex", full_output=True
    )
    assert abs(result.grad[0] / math.e - 1) > 1e-10, "h=1e-4 should show its h² error"
    assert np.isnan(result.error[0]), "the complex step cannot know its truncation error"


def test_default_step_gives_richardson_and_complex_their_own_rule() -> None:
    f = lambda w: np.sum(np.exp(w) * np.sin(w))  # noqa: E731
    x = np.array([0.5, 2.0])
    for method in ("richardson", "complex"):
        default = numerical_gradient(f, x, method=method, full_output=True)
        auto = numerical_gradient(f, x, "auto", method=method, full_output=True)
        np.testing.assert_array_equal(
            default.grad, auto.grad, err_msg=f"{method} with the default h should use 'auto'"
        )
        explicit = numerical_gradient(f, x, 1e-4, method=method, full_output=True)
        assert np.all(explicit.step <= 1e-4), f"an explicit h for {method} must be used as given"
        if method == "richardson":
            assert np.all(default.step > 1e-4), "Richardson's own steps are larger than 1e-4"
    book = numerical_gradient(f, x, method="central", full_output=True)
    assert np.all(book.step == 1e-4), "the book's central default must stay h = 1e-4"
