"""learning_rate_bound: the largest Hessian eigenvalue by power iteration, as 2 / λmax.

Golden values are Hessians computed here by hand from the test functions' formulas.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from gradwalk import learning_rate_bound
from gradwalk.book import function_2
from gradwalk.testfunctions import get

START = (-3.0, 4.0)


def hessian_bound(hessian: list[list[float]]) -> float:
    """2 / λmax from a Hessian computed by hand."""
    return 2.0 / float(np.max(np.linalg.eigvalsh(np.array(hessian))))


def test_bound_of_the_books_function_is_1() -> None:
    x = np.array(START)
    assert learning_rate_bound(function_2, x) == pytest.approx(1.0, rel=1e-6)
    np.testing.assert_array_equal(x, START, err_msg="x was modified")


@pytest.mark.parametrize(
    ("name", "point", "hessian"),
    [
        ("booth", (1.0, 3.0), [[10.0, 8.0], [8.0, 10.0]]),
        # Rosenbrock at (1, 1): [[1200 x0² - 400 x1 + 2, -400 x0], [-400 x0, 200]]
        ("rosenbrock", (1.0, 1.0), [[802.0, -400.0], [-400.0, 200.0]]),
        ("rosenbrock", (-2.0, 2.0), [[4002.0, 800.0], [800.0, 200.0]]),
        # Himmelblau at (3, 2): [[12 x0² + 4 x1 - 42, 4 (x0 + x1)], [.., 4 x0 + 12 x1² - 26]]
        ("himmelblau", (3.0, 2.0), [[74.0, 20.0], [20.0, 34.0]]),
        # Rastrigin at 0: 2 + 40 π² on the diagonal
        ("rastrigin", (0.0, 0.0), [[2 + 40 * np.pi**2, 0.0], [0.0, 2 + 40 * np.pi**2]]),
    ],
)
def test_bound_matches_the_hessian(name: str, point: tuple[float, float], hessian: Any) -> None:
    bound = learning_rate_bound(get(name), np.array(point))
    assert bound == pytest.approx(hessian_bound(hessian), rel=1e-5), name


def test_landscape_targets() -> None:
    assert learning_rate_bound(get("booth"), [1, 3]) == pytest.approx(0.111, abs=5e-4)
    assert learning_rate_bound(get("rosenbrock"), [1, 1]) == pytest.approx(0.0020, abs=5e-5)


def test_bound_at_a_saddle_uses_the_positive_curvature() -> None:
    # eigenvalues 2 and -2: equal in size, so plain power iteration cannot separate them
    assert learning_rate_bound(get("saddle"), [0.0, 0.0]) == pytest.approx(1.0, rel=1e-6)


def test_no_positive_curvature_gives_an_infinite_bound() -> None:
    assert learning_rate_bound(lambda x: -np.sum(x**2), [1.0, 2.0]) == math.inf


def test_bound_costs_gradients_not_a_hessian() -> None:
    n = 200
    curvature = np.ones(n)
    curvature[7] = 100.0
    calls: list[int] = []

    def grad(x: np.ndarray) -> np.ndarray:
        calls.append(1)
        return curvature * x

    bound = learning_rate_bound(lambda x: 0.5 * np.sum(curvature * x**2), np.ones(n), grad=grad)
    assert bound == pytest.approx(0.02, rel=1e-6)
    assert len(calls) < n, f"{len(calls)} gradients: as many as a full Hessian would need"
