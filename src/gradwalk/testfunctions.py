"""Standard test functions for gradient descent, each with its analytic gradient.

Every function is a :class:`TestFunction`: call it like ``f(x)``; its ``value`` and
``gradient`` work on one point (shape ``(2,)``) or on a whole grid of points (shape
``(..., 2)``, the variables along the last axis), so the same object serves
:func:`gradwalk.descend` and contour plots. Each one also carries its known minima, the
usual plotting domain, and a start and learning rate from which plain gradient descent
reaches a minimum.

Look one up by its lowercase name with :func:`get`; :data:`FUNCTIONS` holds them all.

>>> import numpy as np
>>> from gradwalk import testfunctions
>>> rosenbrock = testfunctions.get("rosenbrock")
>>> print(rosenbrock.formula)
100 (x1 - x0²)² + (1 - x0)²
>>> rosenbrock(np.array([1.0, 1.0]))
np.float64(0.0)
>>> rosenbrock.gradient(np.array([0.0, 0.0]))
array([-2.,  0.])
>>> rosenbrock.value(np.zeros((4, 5, 2))).shape  # a grid of points
(4, 5)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ._common.language import gettext_noop as N_
from ._common.validate import choice_hint
from .book import function_2

__all__ = [
    "FUNCTIONS",
    "TestFunction",
    "ackley",
    "beale",
    "booth",
    "get",
    "himmelblau",
    "rastrigin",
    "rosenbrock",
    "saddle",
    "sphere",
]

Point = tuple[float, ...]
Domain = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class TestFunction:
    """A test function of two variables with everything needed to descend on and plot it.

    Attributes
    ----------
    name : str
        Lowercase name, the key in :data:`FUNCTIONS` (``gradwalk descend rosenbrock``).
    title : str
        Name for titles and legends ("Rosenbrock").
    formula : str
        The formula in plain text, for plot titles.
    value : callable
        ``value(x)``: f at x of shape ``(..., 2)``, one value per point, shape ``(...)``.
    gradient : callable
        ``gradient(x)``: the analytic gradient, same shape as x.
    minima : tuple of tuple of float
        The global minima (empty when f has none, as for the saddle).
    minimum_value : float or None
        f at the minima (None when there are none).
    domain : ((float, float), (float, float))
        The usual plotting window ``((x0_min, x0_max), (x1_min, x1_max))``.
    start : tuple of float
        A starting point from which plain gradient descent with ``lr`` reaches a minimum
        in ``steps`` steps (for the saddle: from which it escapes along x1).
    lr : float
        A learning rate that is stable from ``start``.
    steps : int
        Enough steps for that descent.
    note : str
        What the function teaches about gradient descent.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class, despite its name

    name: str
    title: str
    formula: str
    value: Callable[[Any], Any]
    gradient: Callable[[Any], NDArray[np.floating]]
    minima: tuple[Point, ...]
    minimum_value: float | None
    domain: Domain
    start: Point
    lr: float
    steps: int
    note: str

    def __call__(self, x: ArrayLike) -> Any:
        """f at x (shape ``(..., 2)``); the same as :attr:`value`."""
        return self.value(x)

    def __repr__(self) -> str:
        return f"<TestFunction {self.name}: {self.formula}>"


def _variables(x: ArrayLike, name: str) -> tuple[NDArray[np.floating], NDArray[np.floating]]:
    """x0 and x1 of points stacked along the last axis, with a clear error otherwise."""
    array = np.asarray(x)
    if array.ndim == 0 or array.shape[-1] != 2:
        raise ValueError(
            f"{name} is a function of two variables: x must have shape (2,) or (..., 2) "
            f"(the variables along the last axis), got shape {array.shape}."
        )
    if array.dtype.kind not in "fc":
        array = array.astype(np.float64)
    return array[..., 0], array[..., 1]


def _stack(d0: Any, d1: Any) -> NDArray[np.floating]:
    """The gradient's two components stacked along the last axis."""
    return np.stack([np.asarray(d0), np.asarray(d1)], axis=-1)


def _sphere_gradient(x: ArrayLike) -> NDArray[np.floating]:
    """2x, for any number of variables (like the book's function_2)."""
    array = np.asarray(x)
    return 2 * (array if array.dtype.kind == "f" else array.astype(np.float64))


def _rosenbrock(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "rosenbrock")
    return 100 * (x1 - x0**2) ** 2 + (1 - x0) ** 2


def _rosenbrock_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "rosenbrock")
    return _stack(-400 * x0 * (x1 - x0**2) - 2 * (1 - x0), 200 * (x1 - x0**2))


_BEALE_CONSTANTS = (1.5, 2.25, 2.625)


def _beale(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "beale")
    return sum((c - x0 + x0 * x1**k) ** 2 for k, c in enumerate(_BEALE_CONSTANTS, start=1))


def _beale_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "beale")
    d0: Any = 0.0
    d1: Any = 0.0
    for k, c in enumerate(_BEALE_CONSTANTS, start=1):
        residual = c - x0 + x0 * x1**k
        d0 = d0 + 2 * residual * (x1**k - 1)
        d1 = d1 + 2 * residual * k * x0 * x1 ** (k - 1)
    return _stack(d0, d1)


def _booth(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "booth")
    return (x0 + 2 * x1 - 7) ** 2 + (2 * x0 + x1 - 5) ** 2


def _booth_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "booth")
    a, b = x0 + 2 * x1 - 7, 2 * x0 + x1 - 5
    return _stack(2 * a + 4 * b, 4 * a + 2 * b)


def _himmelblau(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "himmelblau")
    return (x0**2 + x1 - 11) ** 2 + (x0 + x1**2 - 7) ** 2


def _himmelblau_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "himmelblau")
    a, b = x0**2 + x1 - 11, x0 + x1**2 - 7
    return _stack(4 * x0 * a + 2 * b, 2 * a + 4 * x1 * b)


def _rastrigin(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "rastrigin")
    return 20 + (x0**2 - 10 * np.cos(2 * np.pi * x0)) + (x1**2 - 10 * np.cos(2 * np.pi * x1))


def _rastrigin_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "rastrigin")
    return _stack(
        2 * x0 + 20 * np.pi * np.sin(2 * np.pi * x0),
        2 * x1 + 20 * np.pi * np.sin(2 * np.pi * x1),
    )


def _ackley(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "ackley")
    radius = np.sqrt(0.5 * (x0**2 + x1**2))
    waves = 0.5 * (np.cos(2 * np.pi * x0) + np.cos(2 * np.pi * x1))
    return -20 * np.exp(-0.2 * radius) - np.exp(waves) + 20 + math.e


def _ackley_gradient(x: ArrayLike) -> NDArray[np.floating]:
    """Ackley's gradient; at the minimum, where f has a cone point, the subgradient 0."""
    x0, x1 = _variables(x, "ackley")
    radius = np.sqrt(0.5 * (x0**2 + x1**2))
    waves = np.exp(0.5 * (np.cos(2 * np.pi * x0) + np.cos(2 * np.pi * x1)))
    # d/dx_i of -20 exp(-0.2 r) with r = sqrt(mean x²) is 4 exp(-0.2 r) x_i / (2 r).
    with np.errstate(invalid="ignore", divide="ignore"):
        cone = np.where(radius > 0, 2 * np.exp(-0.2 * radius) / radius, 0.0)
    return _stack(
        cone * x0 + waves * np.pi * np.sin(2 * np.pi * x0),
        cone * x1 + waves * np.pi * np.sin(2 * np.pi * x1),
    )


def _saddle(x: ArrayLike) -> Any:
    x0, x1 = _variables(x, "saddle")
    return x0**2 - x1**2


def _saddle_gradient(x: ArrayLike) -> NDArray[np.floating]:
    x0, x1 = _variables(x, "saddle")
    return _stack(2 * x0, -2 * x1)


sphere = TestFunction(
    name="sphere",
    title=N_("Sphere (the book's function_2)"),
    formula="x0² + x1²",
    value=function_2,
    gradient=_sphere_gradient,
    minima=((0.0, 0.0),),
    minimum_value=0.0,
    domain=((-3.5, 3.5), (-4.5, 4.5)),
    start=(-3.0, 4.0),
    lr=0.1,
    steps=100,
    note=N_(
        "The book's example (figure 4-10): stable for lr < 1, one step to the minimum at "
        "0.5. Unlike the others it takes any number of variables along the last axis."
    ),
)

rosenbrock = TestFunction(
    name="rosenbrock",
    title="Rosenbrock",
    formula="100 (x1 - x0²)² + (1 - x0)²",
    value=_rosenbrock,
    gradient=_rosenbrock_gradient,
    minima=((1.0, 1.0),),
    minimum_value=0.0,
    domain=((-2.0, 2.0), (-1.0, 3.0)),
    start=(-2.0, 2.0),
    lr=1e-3,
    steps=25_000,
    note=N_(
        "A curved, narrow valley: stable only for lr < 0.002 at the minimum, so plain "
        "gradient descent needs many thousands of steps along the valley floor."
    ),
)

beale = TestFunction(
    name="beale",
    title="Beale",
    formula="(1.5 - x0 + x0 x1)² + (2.25 - x0 + x0 x1²)² + (2.625 - x0 + x0 x1³)²",
    value=_beale,
    gradient=_beale_gradient,
    minima=((3.0, 0.5),),
    minimum_value=0.0,
    domain=((-4.5, 4.5), (-4.5, 4.5)),
    start=(1.0, 1.0),
    lr=0.01,
    steps=5_000,
    note=N_("Flat plateaus and steep walls: the gradient's size varies by orders of magnitude."),
)

booth = TestFunction(
    name="booth",
    title="Booth",
    formula="(x0 + 2 x1 - 7)² + (2 x0 + x1 - 5)²",
    value=_booth,
    gradient=_booth_gradient,
    minima=((1.0, 3.0),),
    minimum_value=0.0,
    domain=((-10.0, 10.0), (-10.0, 10.0)),
    start=(-8.0, 8.0),
    lr=0.1,
    steps=100,
    note=N_("A tilted quadratic bowl (Hessian eigenvalues 18 and 2): stable for lr < 0.111."),
)

himmelblau = TestFunction(
    name="himmelblau",
    title="Himmelblau",
    formula="(x0² + x1 - 11)² + (x0 + x1² - 7)²",
    value=_himmelblau,
    gradient=_himmelblau_gradient,
    minima=(
        (3.0, 2.0),
        (-2.805118, 3.131312),
        (-3.779310, -3.283186),
        (3.584428, -1.848126),
    ),
    minimum_value=0.0,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    start=(0.0, 0.0),
    lr=0.01,
    steps=200,
    note=N_("Four minima of equal depth: which one descent finds depends on the start."),
)

rastrigin = TestFunction(
    name="rastrigin",
    title="Rastrigin",
    formula="20 + x0² - 10 cos(2π x0) + x1² - 10 cos(2π x1)",
    value=_rastrigin,
    gradient=_rastrigin_gradient,
    minima=((0.0, 0.0),),
    minimum_value=0.0,
    domain=((-5.12, 5.12), (-5.12, 5.12)),
    start=(0.4, -0.45),
    lr=0.002,
    steps=100,
    note=N_(
        "Many local minima: from (-2, 3.5) plain descent sticks near (-1.99, 2.98), "
        "f ≈ 12.9; only a start within about 0.5 of the origin reaches the global minimum."
    ),
)

ackley = TestFunction(
    name="ackley",
    title="Ackley",
    formula="-20 exp(-0.2 √((x0² + x1²)/2)) - exp((cos 2π x0 + cos 2π x1)/2) + 20 + e",
    value=_ackley,
    gradient=_ackley_gradient,
    minima=((0.0, 0.0),),
    minimum_value=0.0,
    domain=((-5.0, 5.0), (-5.0, 5.0)),
    start=(0.4, -0.3),
    lr=0.002,
    steps=1_000,
    note=N_(
        "Not differentiable at its minimum (a cone point): the gradient keeps a size of "
        "about 2.8 arbitrarily close to it, so a fixed learning rate ends circling within "
        "a few lr of the minimum instead of converging."
    ),
)

saddle = TestFunction(
    name="saddle",
    title="Saddle",
    formula="x0² - x1²",
    value=_saddle,
    gradient=_saddle_gradient,
    minima=(),
    minimum_value=None,
    domain=((-2.0, 2.0), (-2.0, 2.0)),
    start=(-2.0, 1e-3),
    lr=0.1,
    steps=40,
    note=N_(
        "No minimum: (0, 0) is a saddle point. Descent approaches it along x0, then is "
        "repelled along x1 for any lr > 0, and f falls without bound."
    ),
)

#: Every test function by its lowercase name (read-only): the one list that the command
#: line, the page and the docs' table read. A test function is added here.
FUNCTIONS: MappingProxyType[str, TestFunction] = MappingProxyType(
    {f.name: f for f in (sphere, rosenbrock, beale, booth, himmelblau, rastrigin, ackley, saddle)}
)


def get(name: str) -> TestFunction:
    """The test function called ``name`` (case-insensitive), or a ValueError listing them.

    Raises
    ------
    ValueError
        No test function has that name; the message lists them and suggests the closest.

    Examples
    --------
    >>> get("Booth").minima
    ((1.0, 3.0),)
    """
    key = name.strip().lower() if isinstance(name, str) else None
    if key is None or key not in FUNCTIONS:
        choices, hint = choice_hint(name, FUNCTIONS)
        raise ValueError(f"no test function named {name!r}; choose one of {choices}.{hint}")
    return FUNCTIONS[key]


def function_table() -> str:
    """The docs' table of test functions (docs/descent.md), from :data:`FUNCTIONS`.

    >>> print(function_table().splitlines()[3])
    | `rosenbrock` | 100 (x1 - x0²)² + (1 - x0)² | (1, 1) | (-2, 2) | 0.001 | 25000 |
    """
    rows = [
        "| name | f(x0, x1) | minima | start | lr | steps |",
        "|---|---|---|---|---|---|",
    ]

    def point(p: Point) -> str:
        return "(" + ", ".join(f"{v:g}" for v in p) + ")"

    for name, f in FUNCTIONS.items():
        minima = ", ".join(point(m) for m in f.minima) or "none"
        rows.append(
            f"| `{name}` | {f.formula} | {minima} | {point(f.start)} | {f.lr:g} | {f.steps} |"
        )
    return "\n".join(rows)
