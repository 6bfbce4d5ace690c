"""Function batteries with analytic gradients, shared by the tests and the benchmarks.

:data:`BATTERY` holds smooth functions differentiated at points of magnitude 1e-3, 1 and
1e3; :func:`feature_battery` holds functions that vary on a small scale s. The tests of
the honesty of gradwalk's error estimates and ``benchmarks/accuracy.py`` draw from the
same functions and points, so the rates the tests assert are the ones the benchmark
reports. Every function is analytic: it also accepts complex x, for the complex step.

>>> case = BATTERY_BY_NAME["sphere"]
>>> x = next(points(1.0, 3, count=1))
>>> bool(np.allclose(case.grad(x), 2 * x))
True
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BATTERY",
    "BATTERY_BY_NAME",
    "FEATURE_SCALES",
    "SCALES",
    "Case",
    "battery_points",
    "feature_battery",
    "feature_points",
    "points",
]

Array = NDArray[Any]

#: Magnitudes of the points at which every function is differentiated.
SCALES = (1e-3, 1.0, 1e3)


@dataclass(frozen=True)
class Case:
    """A smooth function, its analytic gradient, and the scales where it is well defined."""

    name: str
    f: Callable[[Array], Any]
    grad: Callable[[Array], Array]
    scales: tuple[float, ...] = SCALES


def _quadratic_matrix(n: int) -> tuple[Array, Array]:
    """A fixed symmetric positive definite matrix and vector for the quadratic form."""
    rng = np.random.default_rng(n)
    m = rng.standard_normal((n, n))
    return m @ m.T / n + np.eye(n), rng.standard_normal(n)


def _quadratic(x: Array) -> Any:
    a, b = _quadratic_matrix(x.size)
    return 0.5 * x @ a @ x + b @ x


def _quadratic_grad(x: Array) -> Array:
    a, b = _quadratic_matrix(x.size)
    return a @ x + b


def _rosenbrock(x: Array) -> Any:
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def _rosenbrock_grad(x: Array) -> Array:
    g = np.zeros_like(x)
    inner = x[1:] - x[:-1] ** 2
    g[:-1] = -400.0 * x[:-1] * inner - 2.0 * (1.0 - x[:-1])
    g[1:] += 200.0 * inner
    return g


def _logsumexp(x: Array) -> Any:
    shift = np.max(x.real)
    return shift + np.log(np.sum(np.exp(x - shift))) - x[0]


def _logsumexp_grad(x: Array) -> Array:
    p = np.exp(x - np.max(x))
    g = p / np.sum(p)
    g[0] -= 1.0
    return np.asarray(g)


SMALL = (1e-3, 1.0)

#: The functions. All are analytic (they also accept complex x, for the complex step).
BATTERY: tuple[Case, ...] = (
    Case("sphere", lambda x: np.sum(x**2), lambda x: 2 * x),
    Case("cube (1e3 x)^3", lambda x: np.sum((1e3 * x) ** 3), lambda x: 3e9 * x**2),
    Case("rosenbrock", _rosenbrock, _rosenbrock_grad),
    Case(
        "styblinski-tang",
        lambda x: np.sum(x**4 - 16 * x**2 + 5 * x) / 2,
        lambda x: (4 * x**3 - 32 * x + 5) / 2,
    ),
    Case("quadratic form", _quadratic, _quadratic_grad),
    Case("log(1+x^2)", lambda x: np.sum(np.log(1 + x**2)), lambda x: 2 * x / (1 + x**2)),
    Case("sqrt(1+x^2)", lambda x: np.sum(np.sqrt(1 + x**2)), lambda x: x / np.sqrt(1 + x**2)),
    Case("x/(1+x^2)", lambda x: np.sum(x / (1 + x**2)), lambda x: (1 - x**2) / (1 + x**2) ** 2),
    Case("arctan", lambda x: np.sum(np.arctan(x)), lambda x: 1 / (1 + x**2)),
    Case(
        "exp(x) sin(x)",
        lambda x: np.sum(np.exp(x) * np.sin(x)),
        lambda x: np.exp(x) * (np.sin(x) + np.cos(x)),
        SMALL,
    ),
    Case("tanh", lambda x: np.sum(np.tanh(x)), lambda x: 1 / np.cosh(x) ** 2, SMALL),
    Case(
        "sigmoid",
        lambda x: np.sum(1 / (1 + np.exp(-x))),
        lambda x: np.exp(-x) / (1 + np.exp(-x)) ** 2,
        SMALL,
    ),
    Case("softmax cross-entropy", _logsumexp, _logsumexp_grad, SMALL),
    Case(
        "exp(mean x)",
        lambda x: np.exp(np.mean(x)),
        lambda x: np.full_like(x, np.exp(np.mean(x)) / x.size),
        SMALL,
    ),
)


BATTERY_BY_NAME = {case.name: case for case in BATTERY}


def points(scale: float, n: int, count: int, seed: int = 0) -> Iterator[Array]:
    """``count`` random points of n elements with magnitudes in [0.5, 1.5]·scale."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        yield scale * rng.uniform(0.5, 1.5, n) * rng.choice([-1.0, 1.0], n)


def battery_points(
    n: int, count: int, scales: tuple[float, ...] = SCALES, seed: int = 0
) -> Iterator[tuple[Case, Array]]:
    """Every case of the battery at ``count`` random points of each of its scales."""
    for scale in scales:
        for case in BATTERY:
            if scale in case.scales:
                for x in points(scale, n, count, seed):
                    yield case, x


#: Feature scales s of the second battery, whose functions vary on the scale s.
FEATURE_SCALES = (1e-3, 1e-2)


def feature_battery(s: float) -> tuple[Case, ...]:
    """Smooth functions that vary on the scale s (analytic: they accept complex x too).

    At |x| ~ s, far below 1, a step relative to max(1, |x|) starts at many times s: the
    first levels of an extrapolation ladder are far from the asymptotic regime.
    """
    return (
        Case(
            "log(x^2+s^2)",
            lambda x: np.sum(np.log(x**2 + s**2)),
            lambda x: 2 * x / (x**2 + s**2),
            (s,),
        ),
        Case(
            "x tanh(x/s)",
            lambda x: np.sum(x * np.tanh(x / s)),
            lambda x: np.tanh(x / s) + x / s / np.cosh(x / s) ** 2,
            (s,),
        ),
        Case(
            "1/(x^2+s^2)",
            lambda x: np.sum(1 / (x**2 + s**2)),
            lambda x: -2 * x / (x**2 + s**2) ** 2,
            (s,),
        ),
        Case("sin(x/s)", lambda x: np.sum(np.sin(x / s)), lambda x: np.cos(x / s) / s, (s,)),
        Case("exp(x/s)", lambda x: np.sum(np.exp(x / s)), lambda x: np.exp(x / s) / s, (s,)),
        Case(
            "sqrt(x^2+s^2)",
            lambda x: np.sum(np.sqrt(x**2 + s**2)),
            lambda x: x / np.sqrt(x**2 + s**2),
            (s,),
        ),
        Case(
            "arctan(x/s)",
            lambda x: np.sum(np.arctan(x / s)),
            lambda x: 1 / (s * (1 + (x / s) ** 2)),
            (s,),
        ),
    )


def feature_points(
    n: int, count: int, scales: tuple[float, ...] = FEATURE_SCALES, seed: int = 0
) -> Iterator[tuple[Case, Array]]:
    """Every case of :func:`feature_battery` at ``count`` random points of magnitude s."""
    for s in scales:
        for case in feature_battery(s):
            for x in points(s, n, count, seed):
                yield case, x
