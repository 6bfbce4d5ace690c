"""The test functions: analytic gradients, minima, grids, the registry, and descent on each."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk import descend, numerical_gradient
from gradwalk.book import function_2
from gradwalk.testfunctions import FUNCTIONS, TestFunction, get

NAMES = ["sphere", "rosenbrock", "beale", "booth", "himmelblau", "rastrigin", "ackley", "saddle"]


def sample_points(f: TestFunction, count: int = 6) -> np.ndarray:
    """Points spread over the inner 80% of f's domain, away from the Ackley cone point."""
    rng = np.random.default_rng(sum(map(ord, f.name)))
    (a0, b0), (a1, b1) = f.domain
    low = np.array([a0 + 0.1 * (b0 - a0), a1 + 0.1 * (b1 - a1)])
    high = np.array([b0 - 0.1 * (b0 - a0), b1 - 0.1 * (b1 - a1)])
    points = rng.uniform(low, high, size=(count, 2))
    return np.vstack([points, np.array(f.start, dtype=np.float64)])


def test_registry_holds_every_function_under_its_lowercase_name() -> None:
    assert list(FUNCTIONS) == NAMES, f"registry names are {list(FUNCTIONS)}, expected {NAMES}"
    for key, f in FUNCTIONS.items():
        assert f.name == key == key.lower(), f"{key!r} is registered under a different name"
        assert get(key) is f and get(key.upper()) is f, f"get({key!r}) is not case-insensitive"


def test_registry_is_read_only() -> None:
    with pytest.raises(TypeError):
        FUNCTIONS["mine"] = FUNCTIONS["sphere"]  # type: ignore[index]


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(ValueError, match="rosenbrok") as info:
        get("rosenbrok")
    text = str(info.value)
    assert all(name in text for name in NAMES), f"not every valid name listed in: {text}"


@pytest.mark.parametrize("name", NAMES)
def test_each_function_describes_itself(name: str) -> None:
    f = get(name)
    assert f.title and f.formula and f.note, f"{name}: title, formula or note is empty"
    (a0, b0), (a1, b1) = f.domain
    assert a0 < b0 and a1 < b1, f"{name}: domain {f.domain} is not (min, max) pairs"
    assert a0 <= f.start[0] <= b0 and a1 <= f.start[1] <= b1, f"{name}: start outside domain"
    assert f.lr > 0 and f.steps > 0, f"{name}: lr {f.lr} or steps {f.steps} not positive"
    assert name in repr(f) and f.formula in repr(f), f"{name}: repr {f!r} lacks name or formula"


@pytest.mark.parametrize("name", NAMES)
def test_analytic_gradient_agrees_with_the_numerical_gradient(name: str) -> None:
    f = get(name)
    for point in sample_points(f):
        analytic = f.gradient(point)
        numerical = numerical_gradient(f, point.copy())
        scale = max(1.0, float(np.max(np.abs(analytic))))
        np.testing.assert_allclose(
            numerical,
            analytic,
            rtol=1e-6,
            atol=1e-6 * scale,
            err_msg=f"{name}: analytic gradient disagrees with the numerical one at {point}",
        )


@pytest.mark.parametrize("name", NAMES)
def test_value_and_gradient_work_on_grids_of_points(name: str) -> None:
    f = get(name)
    grid = sample_points(f, count=11)[:12].reshape(3, 4, 2)
    values = f.value(grid)
    gradients = f.gradient(grid)
    assert values.shape == (3, 4), f"{name}: value of a (3, 4, 2) grid has shape {values.shape}"
    assert gradients.shape == (3, 4, 2), f"{name}: gradient of a grid has shape {gradients.shape}"
    for i in range(3):
        for j in range(4):
            assert values[i, j] == pytest.approx(f(grid[i, j]), rel=1e-14, abs=1e-14), (
                f"{name}: grid value differs from the pointwise value at {grid[i, j]}"
            )
            np.testing.assert_allclose(
                gradients[i, j], f.gradient(grid[i, j]), rtol=1e-14, atol=1e-14
            )


@pytest.mark.parametrize("name", NAMES)
def test_known_minima_are_minima(name: str) -> None:
    f = get(name)
    for minimum in f.minima:
        point = np.array(minimum)
        assert f(point) == pytest.approx(f.minimum_value, abs=1e-9), (
            f"{name}: f at the stated minimum {minimum} is {f(point)}, not {f.minimum_value}"
        )
        assert np.max(np.abs(f.gradient(point))) < 1e-4, (
            f"{name}: the gradient at the stated minimum {minimum} is {f.gradient(point)}"
        )
        nearby = point + np.array([[1e-3, 0.0], [0.0, -1e-3], [-1e-3, 1e-3]])
        assert np.all(f.value(nearby) > f(point)), f"{name}: {minimum} is not a local minimum"


def test_sphere_is_the_books_function_2() -> None:
    point = np.array([3.0, 4.0])
    assert get("sphere")(point) == function_2(point) == 25.0
    np.testing.assert_array_equal(get("sphere").gradient(point), [6.0, 8.0])


def test_saddle_has_no_minimum_and_a_stationary_point_at_the_origin() -> None:
    saddle = get("saddle")
    assert saddle.minima == () and saddle.minimum_value is None
    np.testing.assert_array_equal(saddle.gradient(np.zeros(2)), [0.0, 0.0])
    assert saddle(np.array([0.0, 0.5])) < 0 < saddle(np.array([0.5, 0.0])), "not a saddle"


@pytest.mark.parametrize("name", [n for n in NAMES if n != "saddle"])
def test_descent_from_the_suggested_start_reaches_a_minimum(name: str) -> None:
    f = get(name)
    result = descend(f, np.array(f.start), lr=f.lr, steps=f.steps, grad=f.gradient)
    distance = min(np.linalg.norm(result.x - np.array(m)) for m in f.minima)
    # Ackley has a cone point at its minimum: a fixed step circles within a few lr of it.
    tolerance = 10 * f.lr if name == "ackley" else 1e-3
    assert distance < tolerance, (
        f"{name}: descent from {f.start} with lr={f.lr} for {f.steps} steps ended at "
        f"{result.x}, {distance:.3g} from the nearest minimum ({result.status}: {result.message})"
    )


def test_descent_on_the_saddle_escapes_along_x1() -> None:
    saddle = get("saddle")
    result = descend(saddle, np.array(saddle.start), lr=saddle.lr, steps=saddle.steps)
    assert abs(result.x[0]) < 1e-3, f"x0 should shrink toward 0, ended at {result.x[0]}"
    assert abs(result.x[1]) > 100 * abs(saddle.start[1]), f"x1 did not grow: {result.x[1]}"
    assert result.value < 0 < result.values[0], "f should fall below the saddle value 0"


def test_rastrigin_traps_plain_descent_in_a_local_minimum() -> None:
    rastrigin = get("rastrigin")
    result = descend(rastrigin, np.array([-2.0, 3.5]), lr=rastrigin.lr, steps=500)
    np.testing.assert_allclose(result.x, [-1.99, 2.98], atol=0.01)
    assert result.value == pytest.approx(12.9, abs=0.05), f"f at the trap is {result.value}"


def test_sphere_takes_any_number_of_variables_like_function_2() -> None:
    point = np.array([1.0, -2.0, 3.0])
    assert get("sphere")(point) == function_2(point) == 14.0
    np.testing.assert_array_equal(get("sphere").gradient(point), [2.0, -4.0, 6.0])


@pytest.mark.parametrize("name", [n for n in NAMES if n != "sphere"])
def test_functions_of_two_variables_refuse_other_shapes(name: str) -> None:
    f = get(name)
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        f(np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(\)"):
        f.gradient(np.float64(1.0))


def test_integer_points_are_not_truncated() -> None:
    np.testing.assert_array_equal(get("booth").gradient(np.array([1, 3])), [0.0, 0.0])
    assert get("rosenbrock")(np.array([1, 1])) == 0
