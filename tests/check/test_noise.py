"""noise_along: noise in f's values along a line, told from a smooth f."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradwalk._engine.rounding import Precision
from gradwalk.check._noise import noise_along, plateau_noise, without_kinks

EPS = float(np.finfo(np.float64).eps)


def smooth_functions(s: float) -> list:  # type: ignore[type-arg]
    return [
        lambda x: x**4,
        lambda x: np.exp(x / s),
        lambda x: np.sin(x / s),
        lambda x: np.log(x**2 + s**2),
        lambda x: x * np.tanh(x / s),
        lambda x: 1e3 + x**2,
        lambda x: np.sin(100 * x),
        lambda x: np.sum(np.cos(x + np.arange(1000) / 7.0)),
    ]


@pytest.mark.parametrize("s", [1e-3, 1.0, 1e3])
def test_no_noise_is_found_in_smooth_functions(s: float) -> None:
    # functions varying on the scale of the points, or far faster, must not read as noise
    rng = np.random.default_rng(0)
    for k, f in enumerate(smooth_functions(s)):
        for _ in range(10):
            x = rng.standard_normal() * s
            noise, _, _ = noise_along(
                lambda t, f=f, x=x: np.array([f(x + t)]), max(1, abs(x)), Precision(EPS)
            )
            assert math.isnan(noise), f"function {k} at x = {x} (scale {s}) read as noisy: {noise}"


def test_small_jumps_in_f_are_found_at_their_size() -> None:
    # a smooth f plus steps of 1e-9 every 0.013: what an adaptive solver's switches look like
    def f(t: float) -> np.ndarray:
        return np.array([np.exp(0.3 + t) + 1e-9 * math.floor(t / 0.013)])

    noise, spacing, cost = noise_along(f, 1.0, Precision(EPS))
    assert 1e-11 < noise < 1e-8, noise
    # each spacing: 6 for the differences, 8 points, 24 more where noise shows (kinks)
    assert spacing > 0 and cost <= 1 + 4 * (14 + 24)


def test_a_kink_is_taken_out_but_a_jump_or_scatter_is_not() -> None:
    t = np.linspace(-0.04, 0.04, 33)
    kinked = np.exp(t) + 0.3 * np.maximum(t - 0.013, 0) - 0.2 * np.maximum(t + 0.021, 0)
    cleaned = without_kinks(kinked)
    assert cleaned is not None and plateau_noise(cleaned) < 1e-14, "two kinks are not noise"
    jump = np.exp(t) + 1e-7 * (t > 0.013)
    assert without_kinks(jump) is None, "a jump is not a kink"
    scatter = np.exp(t) + 1e-7 * np.random.default_rng(0).standard_normal(t.size)
    assert without_kinks(scatter) is None, "scatter is not a kink"
