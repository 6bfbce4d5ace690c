"""The single differences at one element: too few values to read f's precision from, so
float32 arithmetic inside f is confirmed at one more, generic point (never for the
book's own call), and their rounding warning names the values each method compares."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from gradwalk import GradientStatus, PrecisionWarning, numerical_diff, numerical_gradient

#: f computing in float32 while x is float64, with its derivative (analytic).
FLOAT32_CASES = [
    ("x**3", lambda x: np.float32(x) ** 3, lambda x: 3 * x**2, 1.3),
    ("exp", lambda x: np.exp(np.float32(x)), np.exp, 0.7),
    ("exp", lambda x: np.exp(np.float32(x)), np.exp, 1.7),
    ("x**2", lambda x: np.float32(x) ** 2, lambda x: 2 * x, 0.7),
    ("x**2", lambda x: np.float32(x) ** 2, lambda x: 2 * x, 1.7),
]


def _caught(call: Callable[[], Any]) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    return result, list(caught)


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
@pytest.mark.parametrize("h", ["auto", 1e-3])
@pytest.mark.parametrize(("name", "f", "derivative", "x"), FLOAT32_CASES)
@pytest.mark.parametrize("entry", ["numerical_diff", "numerical_gradient"])
def test_float32_inside_f_at_one_element_is_flagged(
    entry: str,
    name: str,
    f: Callable[[Any], Any],
    derivative: Callable[[float], float],
    x: float,
    h: Any,
    method: str,
) -> None:
    if entry == "numerical_diff":
        result, caught = _caught(lambda: numerical_diff(f, x, method=method, h=h, full_output=True))
    else:
        result, caught = _caught(
            lambda: numerical_gradient(
                lambda v: np.sum(f(v)), np.array([x]), method=method, h=h, full_output=True
            )
        )
    grad = float(np.ravel(result.grad)[0])
    truth = float(derivative(x))
    status = GradientStatus(int(np.ravel(result.status)[0])).name
    assert status == "ROUNDING_LIMITED", (
        f"{entry} of float32 {name} at {x} ({method}, h={h}) gave {grad:.6g} "
        f"(truth {truth:.6g}) as {status}: f's float32 rounding went unseen"
    )
    assert any(issubclass(w.category, PrecisionWarning) for w in caught), (
        f"{entry} of float32 {name} at {x} ({method}, h={h}) is ROUNDING_LIMITED "
        "without a PrecisionWarning naming the cause"
    )
    assert result.nfev <= 4, (
        f"{entry} of float32 {name} at {x} ({method}, h={h}) cost {result.nfev} "
        "evaluations: one more than the difference's two (and the ignored-input check's) at most"
    )


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_float32_inside_f_at_two_elements_is_flagged(method: str) -> None:
    result, caught = _caught(
        lambda: numerical_gradient(
            lambda v: np.sum(v.astype(np.float32) ** 3),
            np.array([1.3, 0.7]),
            method=method,
            h="auto",
            full_output=True,
        )
    )
    assert result.status.tolist() == [GradientStatus.ROUNDING_LIMITED] * 2, (
        f"float32 x**3 at [1.3, 0.7] ({method}, h='auto') should have both elements "
        f"ROUNDING_LIMITED, got {result.status.tolist()}"
    )
    assert caught, f"no warning named the cause ({method})"


def test_book_call_costs_two_evaluations_and_keeps_its_digits() -> None:
    """The book's call (central, h = 1e-4) never spends the probe: its digits are
    (f(x + h) - f(x - h)) / 2h bit for bit, at 2 evaluations per element."""

    def f(x: Any) -> Any:
        return np.float32(x) ** 3

    result = numerical_diff(f, 1.3, full_output=True)
    book = (float(f(1.3 + 1e-4)) - float(f(1.3 - 1e-4))) / 2e-4
    assert result.nfev == 2, f"the book's call cost {result.nfev} evaluations, not 2"
    assert float(result.grad) == book, (
        f"the book's call gave {float(result.grad)!r}, not the book's digits {book!r}"
    )


@pytest.mark.parametrize("method", ["forward", "backward", "central"])
def test_float64_f_at_one_element_costs_no_probe(method: str) -> None:
    result = numerical_diff(np.exp, 0.7, method=method, h="auto", full_output=True)
    assert result.nfev == 2, (
        f"exp at 0.7 ({method}): values not exact in float32 need no probe, "
        f"but it cost {result.nfev} evaluations"
    )
    assert int(result.status) == GradientStatus.CONVERGED, f"exp at 0.7 ({method}) was flagged"


def test_float64_f_with_short_values_is_not_flagged() -> None:
    """x**2 at the dyadic 1.5 with the step 2**-10: both values are exact in float32 by
    chance; f at a generic point shows float64, and the exact forward difference of x**2,
    2x + h, stays CONVERGED."""
    h = 2.0**-10
    result = numerical_diff(lambda x: x**2, 1.5, method="forward", h=h, full_output=True)
    assert result.nfev == 3, f"one probe at a generic point expected, got {result.nfev} evaluations"
    assert int(result.status) == GradientStatus.CONVERGED, (
        f"x**2 in float64 at 1.5 was flagged {GradientStatus(int(result.status)).name}"
    )
    assert float(result.grad) == 3.0 + h, f"forward difference of x**2 gave {float(result.grad)}"


def test_integer_values_say_nothing_of_precision() -> None:
    result, _ = _caught(
        lambda: numerical_diff(
            lambda x: np.floor(1e4 * x), 1.5, method="forward", h=1e-3, full_output=True
        )
    )
    assert result.nfev == 2, f"an f that counts needs no probe, but it cost {result.nfev}"


@pytest.mark.parametrize(
    ("method", "compared", "absent"),
    [
        ("forward", "f(x + h) and f(x) differ", "f(x - h)"),
        ("backward", "f(x - h) and f(x) differ", "f(x + h)"),
        ("central", "f(x + h) and f(x - h) differ", None),
    ],
)
def test_rounding_warning_names_the_values_compared(
    method: str, compared: str, absent: str | None
) -> None:
    with pytest.warns(PrecisionWarning) as record:
        numerical_gradient(lambda x: np.sum(x**2), np.array([1.0, 1e7]), method=method, h=1e-4)
    text = " ".join(str(w.message) for w in record)
    assert compared in text, f"{method}'s warning should say '{compared}': {text}"
    if absent is not None:
        assert absent not in text, f"{method} never evaluates {absent}, yet its warning says so"
