"""Semantics of numerical_gradient and numerical_diff (the book's default method)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

from gradwalk import (
    GradientResult,
    GradientStatus,
    IgnoredInputWarning,
    InputModifiedError,
    NonFiniteWarning,
    PrecisionWarning,
    numerical_diff,
    numerical_gradient,
)
from gradwalk._engine.ignored_input import JOINT_MOVES
from gradwalk._engine.methods import METHODS
from gradwalk.book import function_1, function_2


def sum_of_cubes(x: Any) -> Any:
    return np.sum(np.asarray(x) ** 3)


def no_gradwalk_warnings() -> warnings.catch_warnings[Any]:
    """A context in which any warning becomes an error (to prove none is emitted)."""
    context = warnings.catch_warnings()
    context.__enter__()
    warnings.simplefilter("error")
    return context


# --- shapes and dtypes ---------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (1,), (5,), (2, 3), (2, 1, 3), (2, 2, 2, 2)])
def test_any_shape_gives_the_analytic_gradient_with_x_shape(shape: tuple[int, ...]) -> None:
    x = np.linspace(-1.5, 2.0, int(np.prod(shape))).reshape(shape)
    grad = numerical_gradient(sum_of_cubes, x)
    assert grad.shape == x.shape, f"gradient shape {grad.shape} differs from x's {x.shape}"
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7, atol=1e-7)


def test_empty_x_gives_an_empty_gradient_without_calling_f() -> None:
    calls = []
    grad = numerical_gradient(lambda w: calls.append(1) or 0.0, np.zeros((0, 3)))
    assert grad.shape == (0, 3)
    assert calls == [], "f was called although x has no elements"


# --- in place on the caller's array ----------------------------------------------------


def test_f_receives_the_callers_own_array() -> None:
    x = np.array([1.0, 2.0, 3.0])
    seen = set()

    def f(w: Any) -> Any:
        seen.add(id(w))
        return np.sum(w**2)

    numerical_gradient(f, x)
    assert seen == {id(x)}, "f was not called with the caller's array object"


def test_book_closure_pattern_works_for_a_3d_array() -> None:
    class Model:
        def __init__(self) -> None:
            self.W = np.arange(24, dtype=float).reshape(2, 3, 4) / 10

        def loss(self) -> float:
            return float(np.sum(np.sin(self.W)))

    model = Model()
    grad = numerical_gradient(lambda w: model.loss(), model.W)
    np.testing.assert_allclose(grad, np.cos(model.W), rtol=1e-7, atol=1e-9)


def test_x_is_restored_bit_for_bit() -> None:
    x = np.array([-0.0, 1e-300, np.pi, -7.5, 12345.678])
    bits = x.view(np.uint64).copy()
    numerical_gradient(lambda w: float(np.sum(w**2)), x)
    np.testing.assert_array_equal(x.view(np.uint64), bits, err_msg="x was not restored exactly")


def test_x_is_restored_when_f_raises() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    bits = x.view(np.uint64).copy()
    calls = 0

    def explodes_on_the_fourth_call(w: Any) -> float:
        nonlocal calls
        calls += 1
        if calls == 4:
            raise ZeroDivisionError("boom")
        return float(np.sum(w))

    with pytest.raises(ZeroDivisionError, match="boom"):
        numerical_gradient(explodes_on_the_fourth_call, x)
    np.testing.assert_array_equal(
        x.view(np.uint64), bits, err_msg="x left perturbed after f raised"
    )


# --- input that must be copied ---------------------------------------------------------


@pytest.mark.parametrize(
    "x",
    [
        [3, 4],
        np.array([3, 4]),
        np.array([3, 4], dtype=np.int8),
        np.array([3, 4], dtype=np.uint16),
        (3, 4),
        [3.0, 4.0],
    ],
    ids=["list-of-int", "int64-array", "int8-array", "uint16-array", "tuple", "list-of-float"],
)
def test_integer_and_list_input_is_not_truncated(x: Any) -> None:
    grad = numerical_gradient(function_2, x)
    assert grad.dtype == np.float64
    # The reference code gives [25000, 35000] for integer input.
    np.testing.assert_allclose(grad, [6.0, 8.0], rtol=1e-9)


def test_integer_array_is_left_unchanged() -> None:
    x = np.array([3, 4])
    numerical_gradient(function_2, x)
    np.testing.assert_array_equal(x, [3, 4])
    assert x.dtype.kind == "i"


def test_bool_and_python_scalar_input() -> None:
    np.testing.assert_allclose(
        numerical_gradient(lambda w: np.sum(w**2), np.array([True, False])), [2.0, 0.0], atol=1e-9
    )
    grad = numerical_gradient(lambda w: 3 * w**2, 2)
    assert grad.shape == () and abs(float(grad) - 12.0) < 1e-7


def test_read_only_array_gives_the_same_result_and_stays_unchanged() -> None:
    x = np.array([3.0, 4.0])
    expected = numerical_gradient(function_2, x.copy())
    x.flags.writeable = False
    grad = numerical_gradient(function_2, x)
    np.testing.assert_array_equal(grad, expected)
    np.testing.assert_array_equal(x, [3.0, 4.0])


def test_complex_and_object_x_are_refused_with_advice() -> None:
    with pytest.raises(TypeError, match=r"complex.*x\.real and x\.imag"):
        numerical_gradient(lambda w: 0.0, np.array([1 + 2j]))
    with pytest.raises(TypeError, match="dtype"):
        numerical_gradient(lambda w: 0.0, np.array(["a", "b"]))


# --- views -------------------------------------------------------------------------------


def test_strided_slice_is_perturbed_through_the_view() -> None:
    base = np.arange(1.0, 9.0)

    def loss(_: Any) -> float:
        return float(np.sum(base**2))

    view = base[::3]
    grad = numerical_gradient(loss, view)
    np.testing.assert_allclose(grad, 2 * base[::3], rtol=1e-9)
    np.testing.assert_array_equal(base, np.arange(1.0, 9.0))


def test_transpose_and_matrix_row_are_perturbed_through_the_view() -> None:
    W = np.arange(6.0).reshape(2, 3) + 1
    weights = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    def loss(_: Any) -> float:
        return float(np.sum(weights * W**2))

    np.testing.assert_allclose(numerical_gradient(loss, W.T), (2 * weights * W).T, rtol=1e-8)
    np.testing.assert_allclose(numerical_gradient(loss, W[1]), 2 * weights[1] * W[1], rtol=1e-8)
    np.testing.assert_array_equal(W, np.arange(6.0).reshape(2, 3) + 1)


# --- float32 -----------------------------------------------------------------------------


def test_float32_stays_float32_and_warns_once_with_advice() -> None:
    x = np.array([3.0, 4.0], dtype=np.float32)
    with pytest.warns(PrecisionWarning, match=r"float32.*about 1e-03.*h='auto'") as record:
        grad = numerical_gradient(function_2, x)
    assert len(record) == 1, f"expected one warning, got {len(record)}"
    assert grad.dtype == np.float32
    np.testing.assert_allclose(grad, [6.0, 8.0], atol=2e-2)
    assert x.dtype == np.float32


# --- what f returns ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "wrap",
    [float, np.float32, np.longdouble, np.array, lambda v: np.array([v]), lambda v: [[v]]],
    ids=["float", "float32", "longdouble", "0-d", "shape-1", "nested-list-1x1"],
)
def test_f_may_return_any_real_scalar(wrap: Any) -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", PrecisionWarning)
        grad = numerical_gradient(lambda w: wrap(np.sum(w**2)), np.array([1.0, 2.0]))
    np.testing.assert_allclose(grad, [2.0, 4.0], atol=1e-1)  # float32 values limit accuracy
    said = [str(r.message) for r in record if issubclass(r.category, PrecisionWarning)]
    if wrap is np.float32:  # 8 float32 ulps of f=5 over h = 1e-4: about 2 digits are left
        assert said and "digits are left" in said[0], said
    else:
        assert not said, said


def test_f_may_return_integers() -> None:
    grad = numerical_gradient(lambda w: int(np.sum(w > 0.5)), np.array([0.50001, 2.0]))
    np.testing.assert_allclose(grad, [5000.0, 0.0])


@pytest.mark.parametrize(
    ("returned", "named"),
    [
        (lambda w: w**2, r"shape \(2,\)"),
        (lambda w: None, "None.*return"),
        (lambda w: "1.0", "str"),
        (lambda w: np.sum(w) + 1j, "complex"),
        (lambda w: [1.0, 2.0], "list"),
    ],
    ids=["vector", "none", "string", "complex", "list"],
)
def test_f_returning_a_non_scalar_is_an_error_naming_it(returned: Any, named: str) -> None:
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=named):
        numerical_gradient(returned, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


# --- non-finite values -------------------------------------------------------------------


def test_non_finite_value_gives_nan_in_that_element_and_names_it() -> None:
    def log_barrier(w: Any) -> float:
        return float(np.sum(w**2) - np.log(1.0 - w[1, 0]) if w[1, 0] < 1 else np.inf)

    x = np.array([[0.5, 0.2], [1.0 - 5e-5, 0.3]])
    with pytest.warns(NonFiniteWarning, match=r"x\[1, 0\]"):
        grad = numerical_gradient(log_barrier, x)
    assert np.isnan(grad[1, 0])
    finite = [(0, 0), (0, 1), (1, 1)]
    for i, j in finite:
        assert np.isfinite(grad[i, j]), f"element {(i, j)} should be finite"
        assert abs(grad[i, j] - 2 * x[i, j]) < 1e-7


def test_non_finite_f_at_x_itself_with_forward_differences() -> None:
    with pytest.warns(NonFiniteWarning, match=r"f\(x\) itself"):
        grad = numerical_gradient(lambda w: np.inf, np.array([1.0, 2.0]), method="forward")
    assert np.isnan(grad).all()


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_nan_in_x_is_named_as_the_cause_not_f(method: str) -> None:
    with pytest.warns(NonFiniteWarning) as record:
        grad = numerical_gradient(lambda w: np.sum(w**2), np.array([np.nan, 4.0]), method=method)
    assert np.isnan(grad).all()
    messages = [str(r.message) for r in record if issubclass(r.category, NonFiniteWarning)]
    assert len(messages) == 1 and messages[0].startswith("x itself is not finite: x[0] = nan")
    assert "singular" not in messages[0], "the message blames f for x's nan"


# --- f that modifies x ---------------------------------------------------------------------


def test_f_that_changes_the_perturbed_element_is_detected_and_x_restored() -> None:
    x = np.array([1.0, 2.0, 3.0])

    def clobbers(w: Any) -> float:
        value = float(np.sum(w**2))
        w[:] = 0.0
        return value

    with pytest.raises(InputModifiedError, match="modified"):
        numerical_gradient(clobbers, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_f_that_changes_another_element_is_detected_and_x_restored() -> None:
    x = np.array([1.0, 2.0, 3.0])

    def drifts(w: Any) -> float:
        w[2] += 1.0
        return float(np.sum(w))

    with pytest.raises(InputModifiedError, match=r"x\[2\].*restored"):
        numerical_gradient(drifts, x)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


# --- f that ignores x ------------------------------------------------------------------------


def test_closure_over_a_copy_warns_that_f_ignores_x() -> None:
    W = np.array([[0.5, -0.2], [0.1, 0.3]])
    frozen = W.copy()
    with pytest.warns(IgnoredInputWarning, match=r"ignores its argument.*net\.W"):
        grad = numerical_gradient(lambda w: float(np.sum(frozen**2)), W)
    np.testing.assert_array_equal(grad, np.zeros((2, 2)))


def test_closure_over_the_callers_array_with_a_list_input_warns() -> None:
    # A list is computed on a copy, so a closure over the list's values cannot see it.
    values = [1.0, 2.0]
    with pytest.warns(IgnoredInputWarning):
        numerical_gradient(lambda w: values[0] ** 2 + values[1] ** 2, values)


def test_no_ignored_input_warning_at_a_genuine_stationary_point() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = numerical_gradient(function_2, np.array([0.0, 0.0]))
        grad_3d = numerical_gradient(lambda w: np.sum(w**2), np.zeros((2, 2, 2)))
    np.testing.assert_array_equal(grad, [0.0, 0.0])
    assert np.all(np.abs(grad_3d) < 1e-12)


# --- steps too small for |x| ---------------------------------------------------------------


def test_step_below_float_spacing_warns_and_explains_the_zero() -> None:
    x = np.array([2.6e13, 1.0])
    with pytest.warns(PrecisionWarning, match=r"x\[0\].*rounds back to x.*exactly 0"):
        grad = numerical_gradient(lambda w: np.sin(w[0]) + w[1] ** 2, x)
    assert grad[0] == 0.0
    assert abs(grad[1] - 2.0) < 1e-6


# --- options -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_one_sided_methods_match_the_analytic_gradient(method: str) -> None:
    x = np.array([0.3, -1.2, 2.0])
    grad = numerical_gradient(lambda w: np.sum(np.exp(w)), x, h=1e-7, method=method)
    np.testing.assert_allclose(grad, np.exp(x), rtol=1e-6)


def test_unknown_method_names_the_choices_and_suggests_the_closest() -> None:
    with pytest.raises(ValueError, match=r"'centrl'.*'central'.*Did you mean 'central'"):
        numerical_gradient(function_2, np.array([1.0, 2.0]), method="centrl")
    with pytest.raises(ValueError, match="choose one of"):
        numerical_gradient(function_2, np.array([1.0, 2.0]), method=3)  # type: ignore[arg-type]


@pytest.mark.parametrize("h", [0.0, -1e-4, float("nan"), float("inf")])
def test_bad_step_is_refused_naming_the_value(h: float) -> None:
    with pytest.raises(ValueError, match=r"h must be a positive finite number, got h="):
        numerical_gradient(function_2, np.array([1.0, 2.0]), h)


def test_non_numeric_step_is_refused() -> None:
    with pytest.raises((TypeError, ValueError), match="h"):
        numerical_gradient(function_2, np.array([1.0, 2.0]), [1e-4])  # type: ignore[arg-type]


def test_non_callable_f_is_refused() -> None:
    with pytest.raises(TypeError, match="callable"):
        numerical_gradient(np.array([1.0]), np.array([1.0]))  # type: ignore[arg-type]


def test_full_output_reports_evaluations_and_reads_well() -> None:
    result = numerical_gradient(function_2, np.array([3.0, 4.0]), full_output=True)
    assert isinstance(result, GradientResult)
    assert result.nfev == 4, "central differences cost 2 evaluations per element"
    assert result.method == "central"
    np.testing.assert_array_equal(result.grad, numerical_gradient(function_2, np.array([3.0, 4.0])))
    text = repr(result)
    assert "GradientResult(method='central', nfev=4" in text and "grad=[6., 8.]" in text


def test_the_repr_prints_error_bars_in_significant_figures() -> None:
    # d/dx (exp(x/1e6)·x**2) at 1e6 is 3e6·e, about 8.2e6; its bar of about 1e-5 must
    # not vanish
    result = numerical_gradient(
        lambda x: np.exp(x[0] / 1e6) * x[0] ** 2,
        np.array([1e6]),
        method="richardson",
        full_output=True,
    )
    text = repr(result)
    bar = f"{result.error[0]:.1e}"
    assert result.error[0] > 0 and f"error=[{bar}]" in text, f"the bar {bar} is not shown: {text}"


# --- numerical_diff ------------------------------------------------------------------------


def test_numerical_diff_prints_the_books_digits() -> None:
    # Section 4.3.2 of the book prints these two derivatives of function_1.
    assert numerical_diff(function_1, 5) == 0.1999999999990898
    assert numerical_diff(function_1, 10) == 0.2999999999986347


def test_numerical_diff_passes_a_scalar_and_matches_the_analytic_derivative() -> None:
    seen = []

    def f(t: Any) -> Any:
        seen.append(np.ndim(t))
        return np.sin(t)

    assert abs(numerical_diff(f, 0.7) - np.cos(0.7)) < 1e-8
    assert set(seen) == {0}


@pytest.mark.parametrize("method", list(METHODS))
def test_numerical_diff_at_many_points_is_the_derivative_at_each_point(method: str) -> None:
    x = np.array([[0.1, 0.5, 1.0], [2.0, -1.0, 3.0]])
    true = np.exp(x) * (np.sin(x) + np.cos(x))
    calls = []

    def f(t: np.ndarray) -> np.ndarray:
        calls.append(1)
        return np.exp(t) * np.sin(t)

    h = None if method in ("forward", "backward") else "auto"
    result = numerical_diff(f, x, h, method=method, vectorized=True, full_output=True)
    assert result.grad.shape == x.shape, "one derivative per point"
    tolerance = {"central": 1e-9, "forward": 1e-3, "backward": 1e-3}.get(method, 1e-13)
    np.testing.assert_allclose(result.grad, true, rtol=tolerance, err_msg=method)
    # (the complex step: its round, and f at x moved along a random direction, its check)
    per_level = {"central": 2, "forward": 2, "backward": 2, "complex": 2}
    if method in per_level:
        assert len(calls) == per_level[method], f"{len(calls)} calls: one per round of points"
    one_at_a_time = numerical_diff(lambda t: np.exp(t) * np.sin(t), x, h, method=method)
    if method != "complex":  # complex exp of an array and of a scalar may round apart
        assert np.array_equal(result.grad, one_at_a_time), "vectorized or not: same numbers"


@pytest.mark.parametrize(
    ("f", "x", "derivative"),
    [  # a pole at x[0], and the analytic derivative at x[1]
        (lambda x: 1 / x, [0.0, 1.0], -1.0),
        (lambda x: x**-2.0, [0.0, 1.0], -2.0),
        (lambda x: 1 / x + 10, [0.0, 1.0], -1.0),
        (lambda x: np.log(np.abs(x)), [0.0, 1.0], 1.0),
        (np.tan, [np.pi / 2, 0.3], 1 + np.tan(0.3) ** 2),  # finite at the float nearest pi/2
    ],
    ids=["1/x", "x**-2", "1/x+10", "log|x|", "tan"],
)
@pytest.mark.parametrize("method", ["central", "richardson"])
@pytest.mark.parametrize("vectorized", [False, True])
def test_numerical_diff_at_many_points_finds_a_pole_at_one_of_them(
    f: Any, x: list[float], derivative: float, method: str, vectorized: bool
) -> None:
    with np.errstate(all="ignore"), pytest.warns(NonFiniteWarning, match=r"singular at x\[0\],"):
        grad = numerical_diff(f, np.array(x), method=method, vectorized=vectorized)
    assert np.isnan(grad[0]), f"{method}: {grad[0]} at the pole"
    assert grad[1] == pytest.approx(derivative, rel=1e-6), f"{method}: the other point"


def test_numerical_diff_at_many_points_needs_an_elementwise_f() -> None:
    with pytest.raises(ValueError, match=r"elementwise f.*shape \(2,\)"):
        numerical_diff(np.sum, np.array([1.0, 2.0]), vectorized=True)
    with pytest.raises(ValueError, match="workers"):
        numerical_diff(np.sin, np.array([1.0, 2.0]), workers=2)


def test_no_ignored_input_warning_where_f_is_flat_along_every_axis() -> None:
    # x0 * x1 at the origin: every single-element perturbation gives 0, as does f(x);
    # f does not ignore x, and a joint move shows it.
    x = np.array([0.0, 0.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grad = numerical_gradient(lambda w: w[0] * w[1], x)
    np.testing.assert_array_equal(grad, [0.0, 0.0])
    np.testing.assert_array_equal(x, [0.0, 0.0])


def test_ignored_input_warning_still_fires_for_a_closure_over_a_copy_at_the_origin() -> None:
    W = np.zeros((2, 2))
    frozen = W.copy()
    with pytest.warns(IgnoredInputWarning):
        numerical_gradient(lambda w: float(frozen[0, 0] * frozen[1, 1]), W)
    np.testing.assert_array_equal(W, np.zeros((2, 2)))


def test_nfev_counts_every_call_of_f_including_the_ignored_input_checks() -> None:
    calls = 0

    def counted(w: Any) -> float:
        nonlocal calls
        calls += 1
        return float(np.sum(w**2))

    result = numerical_gradient(counted, np.array([3.0, 4.0]), full_output=True)
    assert result.nfev == calls == 4
    calls = 0
    with pytest.warns(IgnoredInputWarning):  # f(x) and a joint move of each size too
        result = numerical_gradient(lambda w: counted(w) * 0.0, np.zeros(2), full_output=True)
    expected = 4 + 1 + len(JOINT_MOVES)
    assert result.nfev == calls == expected, f"nfev={result.nfev} but f was called {calls} times"


def test_gradient_results_compare_by_identity_not_by_arrays() -> None:
    first = numerical_gradient(function_2, np.array([3.0, 4.0]), full_output=True)
    second = numerical_gradient(function_2, np.array([3.0, 4.0]), full_output=True)
    assert first == first and first != second  # no "truth value of an array" error


# --- points where f itself is not finite -----------------------------------------------


@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda x: 1 / x[0], [0.0]),
        (lambda x: x[0] ** -1, [0.0]),
        (lambda x: 1 / x[0] + 10, [0.0]),
        (lambda x: 1 / x[0] ** 2 + x[1], [0.0, 1.0]),  # even pole: both sides equal
        (lambda x: x[0] / x[1], [1.0, 0.0]),
        (lambda x: 1 / (x[0] + x[1]), [1.0, -1.0]),
        (lambda x: np.log(np.abs(x[0])), [0.0]),
    ],
    ids=["1/x", "x**-1", "1/x+10", "1/x**2", "x0/x1", "1/(x0+x1)", "log|x|"],
)
@pytest.mark.parametrize("method", ["central", "forward", "richardson", "complex"])
def test_a_pole_at_x_gives_nan_with_a_warning_that_f_is_singular_there(
    f: Any, x: list[float], method: str
) -> None:
    with np.errstate(all="ignore"), pytest.warns(NonFiniteWarning, match="singular"):
        grad = numerical_gradient(f, np.array(x), method=method)
    assert np.all(np.isnan(grad)), f"{method}: {grad} at a pole; f has no gradient there"


@pytest.mark.parametrize("method", ["central", "richardson"])
def test_a_finite_pole_a_spike_between_sides_of_opposite_sign_is_singular(method: str) -> None:
    # tan at the float nearest pi/2 is 1.6e16, its sides about -1e4 and 1e4 (central):
    # a pole that float arithmetic keeps finite, where central gave -1e8.
    with pytest.warns(NonFiniteWarning, match=r"singular at x, so it has no gradient"):
        result = numerical_gradient(
            lambda w: np.sum(np.tan(w)), np.array([np.pi / 2]), method=method, full_output=True
        )
    assert np.isnan(result.grad[0]), f"{method}: {result.grad[0]} at tan's pole"
    assert result.status[0] == GradientStatus.NONFINITE


@pytest.mark.parametrize(
    ("f", "x", "grad"),
    [
        (np.sin, 0.0, 1.0),
        (lambda x: x, 0.0, 1.0),
        (lambda x: x**3, 0.0, 0.0),
        (lambda x: x**3 - x, 0.0, -1.0),
        (lambda x: (x - 1) ** 2 - 1e-9, 1.0, 0.0),  # a minimum, its sides of either sign
        (lambda x: 1e8 * x + 1e-3, 0.0, 1e8),
    ],
    ids=["sin", "x", "x**3", "x**3-x", "minimum", "steep"],
)
@pytest.mark.parametrize("method", ["central", "richardson"])
def test_an_ordinary_sign_change_at_x_is_no_pole(
    f: Any, x: float, grad: float, method: str
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", NonFiniteWarning)
        result = numerical_gradient(
            lambda w: np.sum(f(w)), np.array([x]), method=method, full_output=True
        )
    assert result.status[0] != GradientStatus.NONFINITE, f"{method}: a smooth f called singular"
    assert result.grad[0] == pytest.approx(grad, abs=1e-6 * max(1.0, abs(grad))), method


def test_f_at_x_is_evaluated_only_when_the_sides_change_sign_or_are_equal() -> None:
    # sum(x**2) at (3, 4): the book's 2 evaluations per element, no more.
    result = numerical_gradient(lambda x: np.sum(x**2), np.array([3.0, 4.0]), full_output=True)
    assert result.nfev == 4, f"{result.nfev} evaluations for 2 elements"
    # 1e8·x at 0 has the very same sides as 1/x at 0: f(x) = 0 tells it is no pole.
    steep = numerical_gradient(lambda x: 1e8 * x[0], np.array([0.0]), full_output=True)
    np.testing.assert_allclose(steep.grad, [1e8], rtol=1e-12)
    assert steep.nfev == 3, "f(x) once, to tell a steep slope from a pole"


# --- the status of each element, and the warnings that show it ---------------------------


@pytest.mark.parametrize("h", [None, "auto"])
@pytest.mark.parametrize("x", [[1.0, 1e7], [1.0, 1e8], [0.5, 3e7], [2.0, -1e9]])
def test_a_difference_lost_in_fs_rounding_is_named(x: list[float], h: Any) -> None:
    # f ~ x[1]² is so large that x[0]'s contribution changes it by less than its rounding
    with pytest.warns(PrecisionWarning, match=r"differ only by rounding in f for x\[0\]") as record:
        result = numerical_gradient(lambda w: np.sum(w**2), np.array(x), h, full_output=True)
    assert "larger h" in str(record[0].message) and "richardson" in str(record[0].message)
    assert result.status[0] == GradientStatus.ROUNDING_LIMITED, result.status
    assert result.grad[1] == pytest.approx(2 * x[1], rel=1e-3)
    # x[1] is named too exactly where f's rounding over the step, 8 ulps·|f|/h, exceeds
    # 1e-4 of its own gradient 2·x[1] (x[1] = 1e8 and beyond with the book's step)
    uncertainty = 8 * np.finfo(float).eps * np.sum(np.square(x)) / result.step[1]
    limited = uncertainty > 1e-4 * abs(2 * x[1])
    assert (result.status[1] == GradientStatus.ROUNDING_LIMITED) == limited, result.status


@pytest.mark.parametrize(
    ("f", "x", "h", "grad"),
    [  # f computes in float32 inside while x is float64: about 3 to 4 digits survive
        (lambda w: float(np.sum(w.astype(np.float32) ** 3)), [0.7, 2.3], None, [1.47, 15.87]),
        (lambda w: float(np.sum(np.sin(w.astype(np.float32)))), [0.3, 0.5], "auto", None),
        (lambda w: float(np.sum(w.astype(np.float32) ** 2)), [1.004, 3.0], None, [2.008, 6.0]),
        (lambda w: float(np.sum(np.exp(w.astype(np.float32)))), [0.1, 1.2], "auto", None),
    ],
    ids=["cube-central", "sin-auto", "square-central", "exp-auto"],
)
def test_an_element_with_few_digits_left_by_fs_rounding_is_named(
    f: Any, x: list[float], h: Any, grad: Any
) -> None:
    point = np.array(x)
    with pytest.warns(PrecisionWarning, match=r"rounding in f.*x\[0\].*larger h") as record:
        result = numerical_gradient(f, point, h, full_output=True)
    assert "richardson" in str(record[0].message) and "rescale f" in str(record[0].message)
    assert result.status[0] == GradientStatus.ROUNDING_LIMITED, result.status
    if grad is not None:  # the analytic derivative, off in the third digit or so
        assert not np.allclose(result.grad, grad, rtol=1e-4, atol=0)


@pytest.mark.parametrize("h", [None, "auto"])
@pytest.mark.parametrize(
    ("f", "x"),
    [
        (lambda w: np.sum(w**2), [3.0, 4.0]),
        (lambda w: 0.01 * w[0] ** 2 + 0.1 * w[0], [5.0]),
        (lambda w: np.sum(np.exp(w) * np.sin(w)), [0.3, -1.2, 2.5]),
        (lambda w: 1e5 + np.sum(w**2), [1.0, 2.0]),  # a constant part, digits still there
        (lambda w: np.sum(w**2), [0.0, 1e-300, np.pi, -7.5, 12345.678]),  # zeros beside 2e4
    ],
    ids=["function_2", "function_1", "exp-sin", "offset", "zeros"],
)
def test_float64_f_with_its_digits_gives_no_rounding_warning(
    f: Any, x: list[float], h: Any
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", PrecisionWarning)
        result = numerical_gradient(f, np.array(x), h, full_output=True)
    assert not np.any(result.status == GradientStatus.ROUNDING_LIMITED), result.status


@pytest.mark.parametrize(("x", "off"), [(5e11, 0.34), (1e11, 0.049), (-3e11, None)])
def test_the_step_actually_taken_is_named_and_the_books_digits_kept(x: float, off: Any) -> None:
    point = np.array([x])
    up = (point + 1e-4) - point
    down = point - (point - 1e-4)
    book = (np.sum((point + 1e-4) ** 2) - np.sum((point - 1e-4) ** 2)) / (2 * 1e-4)
    with pytest.warns(PrecisionWarning, match=r"step actually taken at x\[0\]") as record:
        result = numerical_gradient(lambda w: np.sum(w**2), point, full_output=True)
    assert result.grad[0] == book, "the book's fixed-h digits changed"
    assert f"{float(up[0]):.6g} above" in str(record[0].message)
    assert f"{float(down[0]):.6g} below" in str(record[0].message)
    assert result.status[0] == GradientStatus.STEP_INEXACT
    if off is not None:
        assert abs(result.grad[0] / (2 * x) - 1) == pytest.approx(off, abs=0.01)
    auto = numerical_gradient(lambda w: np.sum(w**2), point, "auto")
    assert auto[0] == pytest.approx(2 * x, rel=1e-9), "h='auto' does not divide by the step taken"


def test_forward_differences_divide_by_the_step_taken() -> None:
    x = np.array([1e9])  # x + 1e-4 is 1.0000000116e-4 above x

    def f(w: Any) -> Any:
        return np.sum(3 * (w - 1e9))  # exact: w - 1e9 is exact near 1e9

    taken = float(((x + 1e-4) - x)[0])
    grad = numerical_gradient(f, x, method="forward")
    assert grad[0] == (f(x + 1e-4) - f(x)) / taken and grad[0] == pytest.approx(3.0, rel=1e-12)


def test_status_is_all_converged_for_the_books_examples() -> None:
    for x in ([3.0, 4.0], [0.0, 2.0], [3.0, 0.0]):
        result = numerical_gradient(lambda w: np.sum(w**2), np.array(x), full_output=True)
        assert result.status.shape == (2,) and not result.status.any(), result.status


def test_status_marks_nonfinite_and_vanished_elements() -> None:
    with pytest.warns(NonFiniteWarning, match=r"x\[0, 1\]"), np.errstate(invalid="ignore"):
        result = numerical_gradient(
            lambda w: np.sum(np.sqrt(w)), np.array([[4.0, 0.0]]), full_output=True
        )
    assert result.status.tolist() == [[GradientStatus.CONVERGED, GradientStatus.NONFINITE]]
    with pytest.warns(PrecisionWarning, match="rounds back to x"):
        result = numerical_gradient(lambda w: np.sum(w**2), np.array([3e16]), full_output=True)
    assert result.status.tolist() == [GradientStatus.STEP_VANISHED]


@pytest.mark.parametrize(
    ("call", "meant"),
    [
        (lambda: numerical_gradient(function_2, np.ones(2), methd="central"), "method"),
        (lambda: numerical_gradient(function_2, np.ones(2), eps=1e-3), "h"),  # the book's name
        (lambda: numerical_diff(function_1, 1.0, ordr=4), "order"),
    ],
)
def test_a_mistyped_keyword_names_the_one_meant(call: Any, meant: str) -> None:
    with pytest.raises(TypeError, match=f"unexpected keyword argument .*Did you mean '{meant}'"):
        call()
