"""The rules on inputs that every tool shares (gradwalk._engine.inputs), tested on their own.

The behaviour these rules give numerical_gradient (views, dtypes, the caller's array) is
tested through the public API in test_gradient.py; here each helper's contract once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradwalk import numerical_gradient
from gradwalk._engine.inputs import (
    QUOTED,
    analytic_gradient,
    changed_elements,
    float64_spelling,
    may_overlap,
    names,
    real_value,
    scale,
    working_array,
)


def test_working_array_is_the_callers_writable_float_array_and_a_copy_otherwise() -> None:
    own = np.array([1.0, 2.0])
    work, is_own = working_array(own)
    assert work is own and is_own, "a writable float array must be perturbed in place"
    frozen = np.array([1.0, 2.0], dtype=np.float32)
    frozen.flags.writeable = False
    work, is_own = working_array(frozen)
    assert not is_own and work.dtype == np.float32, "a read-only array gets a same-dtype copy"
    assert work.flags.writeable, "the copy of a read-only array must be writable"


def _square_sum(v: Any) -> Any:
    return (v**2).sum()


def test_an_array_whose_elements_share_memory_is_worked_on_as_a_private_copy() -> None:
    base = np.array([1.0, 2.0, 3.0])
    shared = np.lib.stride_tricks.as_strided(base, (2, 3), (0, 8), writeable=True)
    work, is_own = working_array(shared)
    assert not is_own and work is not shared, "a zero-stride view must not be perturbed in place"
    assert not np.shares_memory(work, base), "the copy must not share the caller's memory"
    assert work.flags.c_contiguous and work.dtype == np.float64
    result = numerical_gradient(_square_sum, shared, method="richardson", full_output=True)
    expected = 2 * np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])
    assert np.allclose(result.grad, expected, rtol=1e-10), (
        f"d/dv sum(v**2) = 2v at a view whose rows share memory, got {result.grad}: one "
        "memory cell was moved for several elements"
    )
    assert np.all(np.abs(result.grad - expected) <= result.error + 1e-12)
    assert base.tolist() == [1.0, 2.0, 3.0], "the caller's memory must be left as it was"


def test_a_broadcast_view_gives_the_gradient_of_each_element() -> None:
    x = np.broadcast_to(np.array([1.0, -2.0]), (3, 2))
    grad = numerical_gradient(_square_sum, x)
    assert grad.shape == (3, 2) and grad.dtype == np.float64
    assert np.allclose(grad, np.tile([2.0, -4.0], (3, 1)), rtol=1e-8), (
        f"d/dv sum(v**2) = 2v at a read-only broadcast view, got {grad}"
    )


@pytest.mark.parametrize(
    ("shape", "strides", "itemsize", "overlaps"),
    [
        ((2, 3), (24, 8), 8, False),  # C order
        ((2, 3), (8, 16), 8, False),  # Fortran order
        ((2, 3), (48, -16), 8, False),  # every other element, reversed
        ((2, 3), (0, 8), 8, True),  # a broadcast row
        ((3, 3), (8, 8), 8, True),  # a sliding window: x[i, j] is x[j, i]
        ((1, 3), (0, 8), 8, False),  # a zero stride on an axis of length 1
        ((0, 3), (0, 8), 8, False),  # no elements
        ((2, 3), (0, 1), 1, True),  # strides in elements (a tensor's)
    ],
)
def test_may_overlap_finds_elements_that_could_share_memory(
    shape: tuple[int, ...], strides: tuple[int, ...], itemsize: int, overlaps: bool
) -> None:
    array = np.empty(shape)
    assert may_overlap(array, strides, itemsize) is overlaps, (
        f"shape {shape} with strides {strides} (item {itemsize}) "
        + ("can" if overlaps else "cannot")
        + " hold two elements in one memory cell"
    )


def test_float64_spelling_names_each_librarys_own_conversion() -> None:
    text = float64_spelling("w")
    assert "w.astype(np.float64)" in text and "w.double()" in text
    assert "astype(np" not in float64_spelling("w", numpy=False)


def test_a_ragged_nested_list_is_named_with_what_to_pass_instead() -> None:
    with pytest.raises(ValueError, match="rows of a nested list must all have the same") as e:
        numerical_gradient(lambda x: float(np.sum(x**2)), [[1.0, 2.0], [3.0]])
    assert "[[1.0, 2.0], [3.0]]" in str(e.value), f"the error must quote x: {e.value}"


def test_changed_elements_treats_nan_as_equal_to_nan() -> None:
    before = np.array([np.nan, 1.0, 2.0, np.inf])
    now = np.array([np.nan, 1.0, 3.0, -np.inf])
    assert changed_elements(now, before).tolist() == [2, 3], "nan→nan is not a change"
    assert changed_elements(before, before.copy()).size == 0, "an unchanged array changed"


def test_names_quotes_a_few_elements_then_counts_the_rest() -> None:
    text = names((10,), np.arange(QUOTED + 3))
    assert text.startswith("x[0], x[1]"), text
    assert text.endswith("and 3 more"), f"the count of unquoted elements is missing: {text}"


def test_scale_is_max_of_one_and_abs_x_with_non_finite_as_one() -> None:
    got = scale(np.array([1e-3, -250.0, np.inf, np.nan], dtype=np.float32))
    assert got.dtype == np.float64, "scale must be computed in float64"
    assert got.tolist() == [1.0, 250.0, 1.0, 1.0]


def test_analytic_gradient_checks_shape_and_dtype_and_widens_integers() -> None:
    np.testing.assert_array_equal(analytic_gradient([1, 2], (2,)), [1.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(3,\) but x has shape \(2,\)"):
        analytic_gradient([1.0, 2.0, 3.0], (2,))
    with pytest.raises(TypeError, match="real numeric array"):
        analytic_gradient(np.array([1j, 2j]), (2,))


@pytest.mark.parametrize("value", [3, 2.5, np.float32(1.5), np.array([[4.0]])])
def test_real_value_accepts_one_real_number_in_any_container(value: object) -> None:
    assert float(real_value(value)) == float(np.asarray(value).reshape(())), value


@pytest.mark.parametrize(
    ("value", "hint"),
    [(None, "forget to `return`"), (np.ones(2), "shape (2,)"), (1 + 2j, "real quantity")],
)
def test_real_value_refuses_anything_else_and_says_what_it_got(value: object, hint: str) -> None:
    with pytest.raises(TypeError) as caught:
        real_value(value)
    assert hint in str(caught.value), f"the message does not say {hint!r}: {caught.value}"


# --- bounds and step directions ---------------------------------------------------------


def f(x: Any) -> Any:
    return np.sum(x**2)


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ((1.0, 0.0), r"lower < upper, but at x\[0\] lower = 1 and upper = 0 \(2 elements"),
        (([0.0, 2.0], [1.0, 2.0]), r"at x\[1\] lower = 2 and upper = 2;"),
        ((0.0, np.nan), r"lower = 0 and upper = nan"),
        ((1.0,), r"bounds must be a pair \(lower, upper\)"),
        ((0.0, [1.0, 2.0, 3.0]), r"upper has shape \(3,\).*x's shape \(2,\)"),
    ],
)
def test_bounds_that_leave_no_room_or_do_not_fit_x_are_refused(bounds: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        numerical_gradient(f, np.array([0.5, 2.0]), bounds=bounds)


def test_an_x_outside_its_bounds_is_named_with_its_value_and_bounds() -> None:
    with pytest.raises(ValueError, match=r"outside .* at x\[1\] = 3 \(lower 0, upper 2\)"):
        numerical_gradient(f, np.array([0.5, 3.0]), bounds=(0.0, 2.0))


def test_bounds_that_are_not_numbers_are_a_type_error() -> None:
    with pytest.raises(TypeError, match="bounds must hold numbers"):
        numerical_gradient(f, np.array([0.5]), bounds=("low", "high"))


def test_a_step_direction_other_than_minus_one_zero_or_one_is_named() -> None:
    with pytest.raises(ValueError, match=r"got 2 at x\[1\]"):
        numerical_gradient(f, np.array([0.5, 3.0]), step_direction=[0, 2])


def test_the_callers_x_is_left_unchanged_by_a_refused_bound() -> None:
    x = np.array([0.5, 3.0])
    with pytest.raises(ValueError):
        numerical_gradient(f, x, bounds=(0.0, 1.0))
    assert x.tolist() == [0.5, 3.0], f"x became {x}"
