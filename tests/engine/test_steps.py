"""The step rule: fixed h as given, h="auto" relative to |x| and exact in x's dtype."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk._engine.steps import representable_step, step_sizes

DTYPES = [np.float32, np.float64]


def spread(dtype: type[np.floating], seed: int = 0) -> np.ndarray:
    """Values of every sign and magnitude from 1e-12 to 1e12, and zero."""
    rng = np.random.default_rng(seed)
    magnitudes = 10.0 ** rng.uniform(-12, 12, 400) * rng.choice([-1.0, 1.0], 400)
    return np.concatenate([[0.0, 1.0, -1.0], magnitudes]).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_fixed_step_is_used_as_given_for_every_element(dtype: type[np.floating]) -> None:
    x = spread(dtype)[:10]
    steps = step_sizes(x, 1e-3, "central")
    assert steps.shape == x.shape
    assert np.all(steps == dtype(1e-3)), "a fixed h must reach every element unchanged"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("rule", "power"), [("central", 1 / 3), ("one-sided", 1 / 2)])
def test_auto_is_relative_to_max_1_abs_x_and_sized_from_the_dtype(
    dtype: type[np.floating], rule: str, power: float
) -> None:
    x = spread(dtype)
    steps = step_sizes(x, "auto", rule)
    assert steps.dtype == dtype, f"steps are {steps.dtype}, not x's {np.dtype(dtype)}"
    expected = np.finfo(dtype).eps ** power * np.maximum(1.0, np.abs(x.astype(np.float64)))
    ratio = steps.astype(np.float64) / expected
    # Rounding x + h to the dtype moves h by at most one spacing of x + h.
    tolerance = 2 * np.finfo(dtype).eps / np.finfo(dtype).eps ** power
    assert np.all(np.abs(ratio - 1) <= tolerance), f"auto steps off by {np.max(abs(ratio - 1))}"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rule", ["central", "one-sided", "richardson"])
def test_auto_steps_are_exact_in_the_dtype(dtype: type[np.floating], rule: str) -> None:
    x = spread(dtype, seed=1)
    h = step_sizes(x, "auto", rule)
    assert np.all(h > 0), "every auto step must be positive"
    assert np.all((x + h) - x == h), "x + h is not exactly x shifted by h"
    wide = np.abs(x) >= h
    assert np.all(((x - h) + h == x)[wide]), "x - h is not exact where |x| >= h"
    assert np.all((x - (x - h) == h)[wide]), "x - h does not lie exactly h below x"


def test_representable_step_rounds_the_step_to_what_x_plus_h_can_take() -> None:
    x = np.array([1.0, -3.0, 1e8, -1e8])
    wanted = np.array([0.1, 0.1, 1e-3, 1e-3])
    h = representable_step(x, wanted)
    assert np.all((x + h) - x == h) and np.all(x - (x - h) == h), "x ± h is not exact"
    assert h[0] != wanted[0], "0.1 is not a binary fraction: 1 + 0.1 must round it"
    assert np.all(np.abs(h - wanted) <= np.spacing(np.abs(x) + wanted)), "h moved too far"


def test_non_finite_x_still_gets_a_positive_finite_step() -> None:
    h = step_sizes(np.array([np.nan, np.inf, -np.inf, 2.0]), "auto", "central")
    assert np.all(np.isfinite(h) & (h > 0)), f"steps {h} for non-finite x"


def test_complex_step_is_tiny_and_at_least_float32_for_float16() -> None:
    x = np.array([0.5, 2.0], dtype=np.float16)
    h = step_sizes(x, "auto", "complex")
    assert h.dtype == np.float32, "float16 has no complex type; the step must fit complex64"
    assert np.all((h > 0) & (h < 1e-15)), f"complex steps {h} are not tiny"


@pytest.mark.parametrize("h", ["Auto", "best", ""])
def test_a_string_other_than_auto_is_refused_with_the_choice(h: str) -> None:
    with pytest.raises(ValueError, match=rf"h={h!r}.*h='auto'"):
        step_sizes(np.ones(2), h, "central")
