"""Plans on their own: the points each method asks for and how their values combine.

The plans are driven here by a tiny evaluator of our own (a copy of x per point), so that
what is tested is the plan, not how points are evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from plan_driver import drive, exp_sin, exp_sin_grad

from gradwalk._plan import method_named
from gradwalk._points import UNPERTURBED

X = np.array([0.3, -1.2, 2.5])


def test_central_with_a_fixed_step_is_the_books_formula_bit_for_bit() -> None:
    estimate, batches = drive("central", exp_sin, X, 1e-4)
    expected = []
    for i in range(X.size):
        plus, minus = X.copy(), X.copy()
        plus[i] += 1e-4
        minus[i] -= 1e-4
        expected.append((exp_sin(plus) - exp_sin(minus)) / (2 * 1e-4))
    assert len(batches) == 1 and len(batches[0].index) == 2 * X.size
    assert np.array_equal(estimate.grad, expected), "central h=1e-4 is not the book's formula"


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_one_sided_plans_evaluate_x_once_and_each_element_once(method: str) -> None:
    estimate, batches = drive(method, exp_sin, X, "auto")
    index = batches[0].index
    assert list(index) == [UNPERTURBED, 0, 1, 2], f"{method} asked for {index}"
    np.testing.assert_allclose(estimate.grad, exp_sin_grad(X), rtol=1e-6)


def test_complex_plan_asks_for_x_plus_ih_once_per_element() -> None:
    estimate, batches = drive("complex", exp_sin, X, "auto")
    (points,) = batches
    assert points.value.dtype == np.complex128
    np.testing.assert_array_equal(points.value.real, X)
    assert np.all((points.value.imag > 0) & (points.value.imag < 1e-15))
    relative = np.abs(estimate.grad - exp_sin_grad(X)) / np.abs(exp_sin_grad(X))
    assert np.all(relative < 1e-15), f"complex step errors {relative}"


@pytest.mark.parametrize(
    "f",
    [lambda x: np.sum(np.abs(x) ** 2), lambda x: np.sum(x * np.conj(x)), lambda x: x[0].real],
    ids=["abs", "conj", "real"],
)
def test_complex_plan_refuses_f_that_drops_the_imaginary_part(f: Callable[[Any], Any]) -> None:
    with pytest.raises(ValueError, match=r"not analytic.*method='richardson'"):
        drive("complex", f, X, "auto")


def test_complex_plan_accepts_a_true_zero_derivative() -> None:
    # d/dx x**2 is exactly 0 at 0: the check must not mistake it for a dropped part.
    estimate, batches = drive("complex", lambda x: np.sum(x**2), np.array([0.0, 1.5]), "auto")
    np.testing.assert_array_equal(estimate.grad, [0.0, 3.0])
    assert len(batches) == 2, "the zero element should be double-checked by one batch"


def test_a_misspelt_method_is_named_with_every_choice_and_a_suggestion() -> None:
    with pytest.raises(ValueError) as raised:
        method_named("richardsn")
    message = str(raised.value)
    assert "'richardsn'" in message and "Did you mean 'richardson'?" in message
    for name in ("central", "forward", "backward", "richardson", "complex"):
        assert repr(name) in message, f"{name!r} missing from the choices"
