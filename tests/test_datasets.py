"""Generated data sets; loaders of digits and MNIST-format files."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk.datasets import make_circles, make_moons, make_spiral


@pytest.mark.parametrize("make", [make_spiral, make_moons, make_circles])
def test_generated_sets_are_seeded_float64_points_with_int_labels(make) -> None:  # type: ignore[no-untyped-def]
    x, t = make(101, seed=5)
    x2, t2 = make(101, seed=5)
    assert x.shape == (101, 2) and x.dtype == np.float64 and t.dtype == np.int64
    assert np.array_equal(x, x2) and np.array_equal(t, t2), "the same seed must repeat"
    assert not np.array_equal(x, make(101, seed=6)[0]), "another seed must differ"
    counts = np.bincount(t)
    assert counts.max() - counts.min() <= 1, f"classes must be balanced, got {counts}"


def test_spiral_arms_follow_the_formula_without_noise() -> None:
    x, t = make_spiral(30, 3, noise=0.0)
    for k in range(3):
        r = np.linspace(0, 1, 10)
        angle = 4 * (k + r)
        expected = np.column_stack([r * np.sin(angle), r * np.cos(angle)])
        np.testing.assert_allclose(x[t == k], expected, atol=1e-15)


def test_moons_and_circles_lie_on_their_curves_without_noise() -> None:
    x, t = make_moons(40, noise=0.0)
    np.testing.assert_allclose(np.hypot(*x[t == 0].T), 1.0)
    np.testing.assert_allclose(np.hypot(x[t == 1, 0] - 1, x[t == 1, 1] - 0.5), 1.0)
    x, t = make_circles(40, noise=0.0, factor=0.3)
    np.testing.assert_allclose(np.hypot(*x[t == 1].T), 0.3)


def test_bad_arguments_of_generated_sets_are_named() -> None:
    with pytest.raises(ValueError, match="n_samples must be >= 3"):
        make_spiral(2, 3)
    with pytest.raises(ValueError, match="noise must be a finite number >= 0"):
        make_moons(10, noise=-0.1)
    with pytest.raises(ValueError, match=r"factor must be a number in \(0, 1\)"):
        make_circles(10, factor=1.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        make_spiral(10, seed="x")  # type: ignore[arg-type]
