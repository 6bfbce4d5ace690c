"""A battery of hostile functions with analytic derivatives, where they exist: kinks,
jumps, poles, noise, float32 inside f (with a float64 or a float32 whole-number
constant), large constant parts, the edges of a domain, oscillations faster than a
method's step (aliased by it), a staircase.

Shared by the property test of honesty (every element's true error within its error bar,
or a status other than CONVERGED) and ``benchmarks/accuracy.py``'s hostile table. Each
function is a sum over the elements of x of one function of one variable, so the
derivative of each element is known on its own. :func:`hostile_points` draws the points
the benchmark uses; the property draws its own with Hypothesis from the same
:class:`Region` of each case.

>>> case = HOSTILE_BY_NAME["kink relu(x - 0.3)"]
>>> float(case.grad(np.array([0.5]))[0])
1.5
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["HOSTILE", "HOSTILE_BY_NAME", "Hostile", "hostile_noise", "hostile_points"]

Array = NDArray[Any]


def hostile_noise(x: Array) -> Array:
    """Noise in [-1, 1] that depends on the bits of x only (the splitmix64 finaliser):
    the same x gives the same value, a neighbouring float an unrelated one."""
    z = np.asarray(x, dtype=np.float64).view(np.uint64).copy()
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    noise: Array = (z >> np.uint64(11)).astype(np.float64) / 2.0**53 * 2 - 1
    return noise


@dataclass(frozen=True)
class Hostile:
    """A hostile function: its derivative per element, where it exists, and where its
    points lie: ``near`` + sign·10**u with u uniform in ``exponents`` (around a kink,
    jump or pole), or sign·[0.5, 1.5] (``near`` None), positive only if ``positive``.
    ``complex_safe``: f accepts complex x (the complex step); ``kind`` names the trouble.
    """

    name: str
    kind: str
    f: Callable[[Array], Any]
    grad: Callable[[Array], Array]
    near: float | None = None
    exponents: tuple[float, float] = (-12.0, -1.0)
    positive: bool = False
    complex_safe: bool = True


def _float32_square(x: Array) -> Any:
    return float(np.sum(x.astype(np.float32) ** 2))


def _float32_sine(x: Array) -> Any:
    return 1e3 + float(np.sum(np.sin(x.astype(np.float32))))


def _float32_whole(x: Array) -> Any:
    return float(np.sum(x.astype(np.float32) ** 2) + np.float32(1e4))


#: The hostile functions.
HOSTILE: tuple[Hostile, ...] = (
    Hostile(
        "kink relu(x - 0.3)",
        "kink",
        lambda x: np.sum(np.maximum(np.real(x) - 0.3, 0) + 0.5 * x**2),
        lambda x: (x > 0.3) + x,
        near=0.3,
        complex_safe=False,
    ),
    Hostile(
        "kink abs(x) + sin(x)",
        "kink",
        lambda x: np.sum(np.abs(x) + np.sin(x)),
        lambda x: np.sign(x) + np.cos(x),
        near=0.0,
    ),
    Hostile(
        "jump at 0.3",
        "jump",
        lambda x: np.sum(np.where(np.real(x) >= 0.3, 1.0, 0.0) + x**2),
        lambda x: 2 * x,
        near=0.3,
        complex_safe=False,
    ),
    Hostile(
        "pole 1/(x - 0.3)",
        "pole",
        lambda x: np.sum(1 / (x - 0.3)),
        lambda x: -1 / (x - 0.3) ** 2,
        near=0.3,
        exponents=(-6.0, -1.0),
    ),
    Hostile(
        "noise 1e-9",
        "noise",
        lambda x: np.sum(np.sin(x) + 1e-9 * hostile_noise(x)),
        np.cos,
        complex_safe=False,
    ),
    Hostile(
        "noise 1e-6",
        "noise",
        lambda x: np.sum(np.sin(x) + 1e-6 * hostile_noise(x)),
        np.cos,
        complex_safe=False,
    ),
    Hostile("float32 inside", "float32", _float32_square, lambda x: 2 * x, complex_safe=False),
    Hostile(
        "float32 + float32 1e4", "float32", _float32_whole, lambda x: 2 * x, complex_safe=False
    ),
    Hostile("float32 + 1e3", "float32", _float32_sine, np.cos, complex_safe=False),
    Hostile("1e20 + x^2", "constant", lambda x: 1e20 + np.sum(x**2), lambda x: 2 * x),
    Hostile("1e10 + x^2", "constant", lambda x: 1e10 + np.sum(x**2), lambda x: 2 * x),
    Hostile(
        "sin(1e4 x)", "fast", lambda x: np.sum(np.sin(1e4 * x)), lambda x: 1e4 * np.cos(1e4 * x)
    ),
    Hostile(
        "x^2 + 1e-6 sin(1e5 x)",
        "fast",
        lambda x: np.sum(x**2 + 1e-6 * np.sin(1e5 * x)),
        lambda x: 2 * x + 0.1 * np.cos(1e5 * x),
    ),
    Hostile(
        "staircase floor(1e3 x)",
        "steps",
        lambda x: float(np.sum(np.floor(1e3 * np.real(x)))),
        lambda x: np.zeros_like(x),
        complex_safe=False,
    ),
    Hostile(
        "log near 0",
        "edge",
        lambda x: np.sum(np.log(x)),
        lambda x: 1 / x,
        near=0.0,
        exponents=(-9.0, -1.0),
        positive=True,
    ),
    Hostile(
        "sqrt near 0",
        "edge",
        lambda x: np.sum(np.sqrt(x)),
        lambda x: 0.5 / np.sqrt(x),
        near=0.0,
        exponents=(-9.0, -1.0),
        positive=True,
    ),
)

HOSTILE_BY_NAME = {case.name: case for case in HOSTILE}


def draw(case: Hostile, rng: np.random.Generator, n: int) -> Array:
    """n points of ``case``'s region."""
    sign = np.ones(n) if case.positive else rng.choice([-1.0, 1.0], n)
    if case.near is None:
        magnitude: Array = sign * rng.uniform(0.5, 1.5, n)
        return magnitude
    low, high = case.exponents
    return case.near + sign * 10.0 ** rng.uniform(low, high, n)


def hostile_points(n: int, count: int, seed: int = 0) -> Iterator[tuple[Hostile, Array]]:
    """Every hostile case at ``count`` random points of n elements."""
    rng = np.random.default_rng(seed)
    for case in HOSTILE:
        for _ in range(count):
            yield case, draw(case, rng, n)
