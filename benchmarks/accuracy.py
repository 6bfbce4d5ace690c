"""Accuracy of numerical gradients: gradwalk's methods against numdifftools and SciPy.

A battery of smooth functions with analytic gradients, each evaluated at random points
of magnitude 1e-3, 1 and 1e3. For every tool and setting the table reports the median and
worst relative error per element, the evaluations of f per coordinate, and the wall time
of one gradient. A second table does the same for functions that vary on a small scale
s (1e-3, 1e-2) at points of magnitude s, where a step relative to max(1, |x|) starts far
too large; a third times one gradient at n = 100.

Run by hand (needs the ``bench`` extra: scipy and numdifftools)::

    python benchmarks/accuracy.py

``--honesty`` prints, per gradwalk method, the share of elements that are right to their
error bar or flagged (a status other than CONVERGED) on the two batteries and on the
hostile one (``gradwalk._hostile_battery``), with evaluations and time per gradient. It
needs only NumPy, and reads the batteries from this checkout's files, so that it can
measure another checkout's gradwalk (``PYTHONPATH=that/src``): the cost of verification
is the difference between the two runs.

The batteries live in ``gradwalk._batteries``, shared with the tests of the honesty of
gradwalk's error estimates.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._batteries import (
    BATTERY,
    BATTERY_BY_NAME,
    FEATURE_SCALES,
    SCALES,
    Case,
    battery_points,
    feature_battery,
    feature_points,
    points,
)
from gradwalk._engine.methods import METHODS

Array = NDArray[Any]


# --- the tools ---------------------------------------------------------------------------


class Counted:
    """f with a count of the points at which it was evaluated.

    ``rows``, when given, is f vectorized over the rows of a 2-D array of points;
    ``columns`` f vectorized over the trailing axes (points stacked as scipy.differentiate
    stacks them), so that scipy is given a truly vectorized f, not a loop.
    """

    def __init__(
        self,
        f: Callable[[Array], Any],
        rows: Callable[[Array], Array] | None = None,
        columns: Callable[[Array], Array] | None = None,
    ) -> None:
        self.f = f
        self.rows = rows
        self.columns = columns
        self.points = 0

    def __call__(self, x: Array) -> Any:
        self.points += 1
        return self.f(x)

    def batch(self, points: Array) -> Array:
        """f on a stack of points along axis 0 (what scipy.differentiate calls)."""
        if points.ndim == 1:
            return self(points)  # type: ignore[no-any-return]
        self.points += int(np.prod(points.shape[1:]))
        if self.columns is not None:
            return self.columns(points)
        return np.apply_along_axis(self.f, 0, points)

    def each_row(self, points: Array) -> Array:
        """f on every row of ``points`` in one call (what vectorized=True calls)."""
        assert self.rows is not None, "this f has no vectorized form"
        self.points += len(points)
        return self.rows(points)


#: A tool: takes a counted f and x, returns the gradient and its error estimate (or None).
Tool = Callable[[Counted, Array], tuple[Array, Array | None]]


def _gradwalk(
    method: str, h: float | str | None, vectorized: bool = False, order: int | None = None
) -> Tool:
    from gradwalk import numerical_gradient

    def tool(f: Counted, x: Array) -> tuple[Array, Array | None]:
        function = f.each_row if vectorized else f
        result = numerical_gradient(
            function,
            x.copy(),
            h,
            method=method,
            order=order,
            full_output=True,
            vectorized=vectorized,
        )
        error = None if np.all(np.isnan(result.error)) else result.error
        return result.grad, error

    return tool


def _numdifftools(method: str) -> Tool:
    import numdifftools as nd

    def tool(f: Counted, x: Array) -> tuple[Array, Array | None]:
        result = nd.Gradient(f, method=method, full_output=True)(x)
        return np.asarray(result.estimate), np.ravel(result.error_estimate)

    return tool


def _approx_derivative(method: str) -> Tool:
    from scipy.optimize._numdiff import approx_derivative

    def tool(f: Counted, x: Array) -> tuple[Array, Array | None]:
        return approx_derivative(f, x, method=method), None

    return tool


def _scipy_differentiate(f: Counted, x: Array) -> tuple[Array, Array | None]:
    from scipy.differentiate import jacobian

    result = jacobian(f.batch, x)
    return result.df, result.error


#: Every tool and setting compared, by the name the tables use.
TOOLS: dict[str, Callable[[], Tool]] = {
    "gradwalk central h=1e-4 (book)": lambda: _gradwalk("central", 1e-4),
    "gradwalk central h='auto'": lambda: _gradwalk("central", "auto"),
    "gradwalk forward h='auto'": lambda: _gradwalk("forward", "auto"),
    "gradwalk backward h='auto'": lambda: _gradwalk("backward", "auto"),
    "gradwalk central order=4": lambda: _gradwalk("central", None, order=4),
    "gradwalk central order=6": lambda: _gradwalk("central", None, order=6),
    "gradwalk central order=8": lambda: _gradwalk("central", None, order=8),
    "gradwalk forward order=4": lambda: _gradwalk("forward", None, order=4),
    "gradwalk richardson": lambda: _gradwalk("richardson", "auto"),
    "gradwalk complex": lambda: _gradwalk("complex", "auto"),
    "numdifftools Gradient (central)": lambda: _numdifftools("central"),
    "numdifftools Gradient (complex)": lambda: _numdifftools("complex"),
    "scipy.differentiate.jacobian": lambda: _scipy_differentiate,
    "scipy approx_derivative 3-point": lambda: _approx_derivative("3-point"),
    "scipy approx_derivative cs": lambda: _approx_derivative("cs"),
}

_UNMEASURED = set(METHODS) - {name.split()[1] for name in TOOLS if name.startswith("gradwalk ")}
assert not _UNMEASURED, f"methods of METHODS that TOOLS does not measure: {_UNMEASURED}"


@dataclass(frozen=True)
class Row:
    """One tool at one scale: accuracy, honesty of its error estimate, cost."""

    tool: str
    scale: float
    median: float
    worst: float
    honest: float | None
    per_coordinate: float
    seconds: float


#: A battery: (n, count, scales) -> its cases, each at random points.
Battery = Callable[..., Iterator[tuple[Case, Array]]]


def measure(name: str, scale: float, n: int, count: int, battery: Battery = battery_points) -> Row:
    """Run one tool on a whole battery at one scale."""
    tool = TOOLS[name]()
    errors, honest, seconds = [], [], []
    points, coordinates = 0, 0
    for case, x in battery(n, count, scales=(scale,)):
        f = Counted(case.f)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            grad, error = tool(f, x)
            seconds.append(time.perf_counter() - start)
        true = case.grad(x)
        absolute = np.abs(np.asarray(grad, dtype=np.float64) - true)
        errors.append(absolute / np.abs(true))
        if error is not None:
            honest.append(absolute <= error)
        points += f.points
        coordinates += x.size
    relative = np.concatenate(errors)
    relative = np.where(np.isnan(relative), np.inf, relative)
    return Row(
        tool=name,
        scale=scale,
        median=float(np.median(relative)),
        worst=float(np.max(relative)),
        honest=float(np.mean(np.concatenate(honest))) if honest else None,
        per_coordinate=points / coordinates,
        seconds=float(np.median(seconds)),
    )


#: Tools that only the timing run uses: they need f in vectorized form.
TIMING_ONLY: dict[str, Callable[[], Tool]] = {
    "gradwalk richardson, vectorized=True": lambda: _gradwalk("richardson", "auto", True),
}


def _exp_sin_rows(points: Array) -> Array:
    """The timing run's f, sum(exp(x) sin(x)), on every row of ``points`` at once."""
    return np.asarray(np.sum(np.exp(points) * np.sin(points), axis=-1))


def _exp_sin_columns(points: Array) -> Array:
    """sum(exp(x) sin(x)) over axis 0, for points stacked in the trailing axes."""
    return np.asarray(np.sum(np.exp(points) * np.sin(points), axis=0))


def timing(name: str, n: int, repeats: int) -> tuple[float, float, float, float]:
    """Median seconds, median and worst relative error, evaluations per coordinate."""
    tool = {**TOOLS, **TIMING_ONLY}[name]()
    case = BATTERY_BY_NAME["exp(x) sin(x)"]
    x = next(points(1.0, n, 1, seed=7))
    seconds, median, worst, per_coordinate = [], 0.0, 0.0, 0.0
    for _ in range(repeats):
        f = Counted(case.f, _exp_sin_rows, _exp_sin_columns)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            grad, _ = tool(f, x)
            seconds.append(time.perf_counter() - start)
        relative = np.abs(grad - case.grad(x)) / np.abs(case.grad(x))
        median, worst = float(np.median(relative)), float(np.max(relative))
        per_coordinate = f.points / n
    return float(np.median(seconds)), median, worst, per_coordinate


# --- honesty: right to the error bar, or flagged ------------------------------------------

#: The gradwalk settings of the honesty table: every method, and bounds (which the hostile
#: battery's domain edges need; elsewhere x is then taken positive, |x|).
HONESTY: dict[str, dict[str, Any]] = {
    "central h=1e-4 (book)": {"method": "central"},
    "central order=4": {"method": "central", "order": 4},
    "central order=6": {"method": "central", "order": 6},
    "central order=8": {"method": "central", "order": 8},
    "forward order=2": {"method": "forward", "order": 2},
    "forward order=4": {"method": "forward", "order": 4},
    "backward order=3": {"method": "backward", "order": 3},
    "richardson": {"method": "richardson"},
    "complex": {"method": "complex"},
    "central, bounds (0, inf)": {"method": "central", "bounds": (0, np.inf)},
    "central order=4, bounds (0, inf)": {"method": "central", "order": 4, "bounds": (0, np.inf)},
    "richardson, bounds (0, inf)": {"method": "richardson", "bounds": (0, np.inf)},
}


def _hostile_module() -> Any:
    """This checkout's hostile battery, read from its file (so that another checkout's
    gradwalk, without it, can be measured on it)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "src" / "gradwalk" / "_hostile_battery.py"
    spec = importlib.util.spec_from_file_location("hostile_battery", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # (its dataclass looks itself up there)
    spec.loader.exec_module(module)
    return module


def _cases(battery: str, n: int, count: int) -> list[tuple[str, Any, Any, Array, bool]]:
    """(name, f, analytic gradient, x, complex-safe) of a battery's points."""
    if battery == "hostile":
        module = _hostile_module()
        return [
            (case.name, case.f, case.grad, x, case.complex_safe)
            for case, x in module.hostile_points(n, count)
        ]
    points = battery_points if battery == "battery" else feature_points
    return [(case.name, case.f, case.grad, x, True) for case, x in points(n, count)]


@dataclass(frozen=True)
class Honesty:
    """One setting on one battery: how its elements stand."""

    elements: int
    dishonest: int  # CONVERGED with a finite bar, and the true error above it
    flagged: int  # a status other than CONVERGED
    no_bar: int  # CONVERGED without a bar (the single differences make no claim)
    per_coordinate: float
    milliseconds: float


def honesty(setting: str, battery: str, n: int, count: int) -> Honesty:
    """Run one setting over one battery; f's own warnings are not counted."""
    from gradwalk import numerical_gradient

    options = HONESTY[setting]
    elements = dishonest = flagged = no_bar = points = 0
    seconds: list[float] = []
    for _, f, grad, x, complex_safe in _cases(battery, n, count):
        if options["method"] == "complex" and not complex_safe:
            continue
        x = np.abs(x) if "bounds" in options else x
        counted = Counted(f)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            start = time.perf_counter()
            result = numerical_gradient(counted, x.copy(), full_output=True, **options)
            seconds.append(time.perf_counter() - start)
            true = grad(x)
        status = np.ravel(getattr(result, "status", np.zeros(x.size)))
        converged = status == 0
        bar = np.ravel(result.error)
        wrong = np.abs(np.ravel(result.grad) - np.ravel(true)) > bar
        dishonest += int(np.sum(converged & ~np.isnan(bar) & wrong))
        no_bar += int(np.sum(converged & np.isnan(bar)))
        flagged += int(np.sum(~converged))
        elements += x.size
        points += counted.points
    return Honesty(
        elements, dishonest, flagged, no_bar, points / elements, 1e3 * float(np.median(seconds))
    )


def _print_honesty(n: int, count: int) -> None:
    """The honesty tables: every setting on the two batteries and the hostile one."""
    print(
        f"Right to the error bar, or flagged: n = {n}, {count} random points per function "
        "and scale (hostile: per function)."
    )
    print()
    print(
        "| setting | battery | elements | right or flagged | dishonest | flagged | no bar "
        "| f evals / coordinate | ms / gradient |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for setting in HONESTY:
        for battery in ("battery", "small scale", "hostile"):
            if battery != "hostile" and "bounds" in setting:
                continue
            row = honesty(setting, battery, n, count)
            share = 1 - row.dishonest / row.elements
            print(
                f"| {setting} | {battery} | {row.elements} | {share:.1%} | {row.dishonest} "
                f"| {row.flagged / row.elements:.1%} | {row.no_bar / row.elements:.1%} "
                f"| {row.per_coordinate:.2f} | {row.milliseconds:.2f} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=10, help="variables per function")
    parser.add_argument("--points", type=int, default=3, help="random points per scale")
    parser.add_argument("--timing-n", type=int, default=100, help="size of the timing run")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the timing run")
    parser.add_argument(
        "--timing-only", action="store_true", help="print only the timing run at --timing-n"
    )
    parser.add_argument(
        "--honesty", action="store_true", help="print only the honesty tables (NumPy only)"
    )
    args = parser.parse_args()
    if args.timing_only:
        _print_timing(args.timing_n, args.repeats)
        return
    if args.honesty:
        _print_honesty(args.n, args.points)
        return

    cases = sum(len(case.scales) for case in BATTERY)
    print(
        f"Battery: {len(BATTERY)} functions, {cases} (function, scale) pairs, n = {args.n}, "
        f"{args.points} random points each ({cases * args.points * args.n} gradient elements)."
    )
    print()
    print(
        "| tool | scale | median rel. error | worst rel. error | error estimate honest "
        "| f evals / coordinate | ms / gradient |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in TOOLS:
        for scale in SCALES:
            row = measure(name, scale, args.n, args.points)
            honest = "—" if row.honest is None else f"{row.honest:.1%}"
            print(
                f"| {name} | {scale:g} | {row.median:.1e} | {row.worst:.1e} | {honest} "
                f"| {row.per_coordinate:.1f} | {row.seconds * 1e3:.2f} |"
            )
    print()
    names = ", ".join(case.name for case in feature_battery(1.0))
    print(
        f"Functions varying on a small scale s ({names}), at points of magnitude s, "
        f"n = {args.n}, {args.points} random points each:"
    )
    print()
    print(
        "| tool | s | median rel. error | worst rel. error | error estimate honest "
        "| f evals / coordinate | ms / gradient |"
    )
    print("|---|---|---|---|---|---|---|")
    for name in TOOLS:
        for s in FEATURE_SCALES:
            row = measure(name, s, args.n, args.points, feature_points)
            honest = "—" if row.honest is None else f"{row.honest:.1%}"
            print(
                f"| {name} | {s:g} | {row.median:.1e} | {row.worst:.1e} | {honest} "
                f"| {row.per_coordinate:.1f} | {row.seconds * 1e3:.2f} |"
            )
    print()
    sizes = (10, 100, 1000)
    print(
        "The battery at scale 1 (one random point per function) at n = 10, 100 and 1000: "
        "median (worst) relative error per element:"
    )
    print()
    print("| tool | " + " | ".join(f"n = {n}" for n in sizes) + " |")
    print("|---|" + "---|" * len(sizes))
    for name in TOOLS:
        rows = [measure(name, 1.0, n, 1) for n in sizes]
        cells = " | ".join(f"{row.median:.1e} ({row.worst:.1e})" for row in rows)
        print(f"| {name} | {cells} |")
    print()
    _print_timing(args.timing_n, args.repeats)


def _print_timing(n: int, repeats: int) -> None:
    """The table of the timing run: every tool, side by side, in one run.

    The tools take turns (one gradient each per round, ``repeats`` rounds), so that a
    change in the machine's load reaches every tool alike.
    """
    names = [*TOOLS, *TIMING_ONLY]
    seconds: dict[str, list[float]] = {name: [] for name in names}
    results: dict[str, tuple[float, float, float]] = {}
    for _ in range(repeats):
        for name in names:
            took, median, worst, per_coordinate = timing(name, n, 1)
            seconds[name].append(took)
            results[name] = (median, worst, per_coordinate)
    print(f"One gradient of sum(exp(x) sin(x)) at n = {n} (median of {repeats}, tools in turn):")
    print()
    print("| tool | median rel. error | worst rel. error | f evals / coordinate | ms / gradient |")
    print("|---|---|---|---|---|")
    for name in names:
        median, worst, per_coordinate = results[name]
        took = float(np.median(seconds[name]))
        print(f"| {name} | {median:.1e} | {worst:.1e} | {per_coordinate:.1f} | {took * 1e3:.1f} |")


if __name__ == "__main__":
    main()
