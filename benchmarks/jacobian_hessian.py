"""Accuracy per evaluation of Jacobians and Hessians: gradwalk against numdifftools and SciPy.

Vector functions with analytic Jacobians (n = 10 inputs and outputs) and scalar functions
with analytic Hessians (n = 20), each at random points of magnitude 1; every tool runs on
the same points in the same run. The error of an entry is its absolute error divided by
the largest |entry| of the true matrix (entries that are exactly zero make entrywise
relative errors meaningless). "covered" is the share of entries whose error estimate,
where the tool gives one, is at least the true error; "flagged" the share of entries
whose status is not CONVERGED.

A third table takes hostile Hessians, one entry each: an f far faster than the first
step, and points where the second derivative does not exist (a kink in f') or is
infinite. An entry is honest when its value is within its error bar of the truth, or its
status is not CONVERGED (with a warning).

Run by hand (needs the ``bench`` extra: scipy and numdifftools)::

    python benchmarks/jacobian_hessian.py
"""

from __future__ import annotations

import argparse
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

import gradwalk

Array = NDArray[Any]


def _matrix(n: int, seed: int) -> Array:
    return np.random.default_rng(seed).standard_normal((n, n)) / np.sqrt(n)


# Jacobian battery: F(x) with x of shape (n, ...) (extra axes: a batch, as SciPy passes).
def _sin_mix(x: Array) -> Array:
    a = _matrix(x.shape[0], 1)
    return np.tensordot(a, np.sin(x), axes=1) + x**2


def _sin_mix_jac(x: Array) -> Array:
    return _matrix(x.size, 1) * np.cos(x)[None, :] + np.diag(2 * x)


def _exp_mix(x: Array) -> Array:
    b = _matrix(x.shape[0], 2)
    return np.exp(np.tensordot(b, x, axes=1) / 2)


def _exp_mix_jac(x: Array) -> Array:
    b = _matrix(x.size, 2)
    return np.exp(b @ x / 2)[:, None] * b / 2


JACOBIANS = {"A sin(x) + x²": (_sin_mix, _sin_mix_jac), "exp(B x / 2)": (_exp_mix, _exp_mix_jac)}


# Hessian battery.
def _coupled(x: Array) -> Any:
    return np.sum(np.exp(0.3 * x) * np.sin(x), axis=0) + 0.5 * np.sum(x[:-1] * x[1:] ** 2, axis=0)


def _coupled_hess(x: Array) -> Array:
    e = np.exp(0.3 * x)
    h = np.diag(e * (0.09 * np.sin(x) + 0.6 * np.cos(x) - np.sin(x)))
    for i in range(x.size - 1):
        h[i + 1, i + 1] += x[i]
        h[i, i + 1] += x[i + 1]
        h[i + 1, i] += x[i + 1]
    return h


def _logsumexp(x: Array) -> Any:
    return np.log(np.sum(np.exp(x), axis=0))


def _logsumexp_hess(x: Array) -> Array:
    p = np.exp(x) / np.sum(np.exp(x))
    return np.diag(p) - np.outer(p, p)


def _cos_quadratic(x: Array) -> Any:
    a = _matrix(x.shape[0], 3)
    return np.cos(np.einsum("i...,ij,j...->...", x, a @ a.T, x) / 4)


def _cos_quadratic_hess(x: Array) -> Array:
    a = _matrix(x.size, 3)
    m = a @ a.T
    q = x @ m @ x / 4
    g = m @ x / 2
    return -np.cos(q) * np.outer(g, g) - np.sin(q) * m / 2


HESSIANS = {
    "exp·sin + coupling": (_coupled, _coupled_hess),
    "logsumexp": (_logsumexp, _logsumexp_hess),
    "cos(xᵀMx / 4)": (_cos_quadratic, _cos_quadratic_hess),
}


class Counted:
    """f counting its evaluations (a batch of k points counts k)."""

    def __init__(self, f: Callable[[Array], Any], n: int) -> None:
        self.f, self.n, self.count = f, n, 0

    def __call__(self, x: Array) -> Any:
        x = np.asarray(x)
        self.count += int(np.prod(x.shape[1:])) if x.ndim > 1 and x.shape[0] == self.n else 1
        return self.f(x)


Tool = Callable[[Counted, Array], tuple[Array, Array | None, Array | None]]


def jacobian_tools() -> dict[str, Tool]:
    import numdifftools as nd
    from scipy.differentiate import jacobian
    from scipy.optimize._numdiff import approx_derivative

    def ours(method: str, order: int | None = None) -> Tool:
        def run(f: Counted, x: Array) -> tuple[Array, Array | None, Array | None]:
            h = None if order else "auto"
            r = gradwalk.numerical_jacobian(
                f, x.copy(), h, method=method, order=order, full_output=True
            )
            return r.jac, r.error, r.status

        return run

    return {
        "gradwalk central (auto)": ours("central"),
        "gradwalk central, order 6": ours("central", 6),
        "gradwalk richardson": ours("richardson"),
        "gradwalk complex": ours("complex"),
        "numdifftools Jacobian": lambda f, x: (nd.Jacobian(f)(x), None, None),
        "scipy.differentiate.jacobian": lambda f, x: _scipy(jacobian(f, x)),
        "approx_derivative 3-point": lambda f, x: (
            approx_derivative(f, x, "3-point"),
            None,
            None,
        ),
        "approx_derivative cs": lambda f, x: (approx_derivative(f, x, "cs"), None, None),
    }


def hessian_tools() -> dict[str, Tool]:
    import numdifftools as nd
    from scipy.differentiate import hessian
    from scipy.optimize._numdiff import approx_derivative

    def ours(method: str) -> Tool:
        def run(f: Counted, x: Array) -> tuple[Array, Array | None, Array | None]:
            r = gradwalk.numerical_hessian(f, x.copy(), method=method, full_output=True)
            return r.hess, r.error, getattr(r, "status", None)

        return run

    def nested(f: Counted, x: Array) -> tuple[Array, Array | None, Array | None]:
        def gradient(y: Array) -> Array:
            return approx_derivative(f, y, "3-point")

        return approx_derivative(gradient, x, "3-point"), None, None

    return {
        "gradwalk richardson": ours("richardson"),
        "gradwalk central": ours("central"),
        "numdifftools Hessian": lambda f, x: (nd.Hessian(f)(x), None, None),
        "scipy.differentiate.hessian": lambda f, x: _scipy(hessian(f, x)),
        "approx_derivative of approx_derivative": nested,
    }


def _scipy(result: Any) -> tuple[Array, Array | None, Array | None]:
    return result.ddf if hasattr(result, "ddf") else result.df, result.error, None


#: Hostile Hessian entries: name, f, x, entry, truth (None: the second derivative does not exist).
HOSTILE = [
    (
        "sin(x0² + 3 x1⁴) at (1, 2), H01",
        lambda x: np.sin(x[0] ** 2 + 3 * x[1] ** 4),
        [1.0, 2.0],
        (0, 1),
        183.1205093298186,
    ),
    (
        "sin(x0² + 3 x1⁴) at (1, 2), H11",
        lambda x: np.sin(x[0] ** 2 + 3 * x[1] ** 4),
        [1.0, 2.0],
        (1, 1),
        8833.069774130376,
    ),
    (
        "x0·|x0| + x1² at 0, H00 (kink in f')",
        lambda x: x[0] * abs(x[0]) + x[1] ** 2,
        [0.0, 1.0],
        (0, 0),
        None,
    ),
    (
        "max(x0, 0)² + x0 x1 at 0, H00 (kink in f')",
        lambda x: max(x[0], 0.0) ** 2 + x[0] * x[1],
        [0.0, 1.0],
        (0, 0),
        None,
    ),
    ("x0·|x1| at 0, H01 (kink in ∂f/∂x0)", lambda x: x[0] * abs(x[1]), [0.0, 0.0], (0, 1), None),
    (
        "|x0|^1.5 + x1² at 0, H00 (infinite)",
        lambda x: abs(x[0]) ** 1.5 + x[1] ** 2,
        [0.0, 1.0],
        (0, 0),
        None,
    ),
]


def hostile_rows() -> list[str]:
    """One row per hostile entry: gradwalk's value, bar, status, cost; numdifftools' value."""
    import numdifftools as nd

    rows = []
    for name, f, x, (i, j), truth in HOSTILE:
        counted = Counted(f, len(x))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = gradwalk.numerical_hessian(counted, np.array(x), full_output=True)
            theirs = nd.Hessian(f)(np.array(x))[i, j]
        status = getattr(r, "status", None)
        code = "—" if status is None else gradwalk.GradientStatus(int(status[i, j])).name
        value, bar = float(r.hess[i, j]), float(r.error[i, j])
        converged = status is None or int(status[i, j]) == 0
        if truth is None:
            honest = "yes" if not converged else "no (does not exist)"
        else:
            honest = "yes" if abs(value - truth) <= bar or not converged else "no"
        shown = "does not exist" if truth is None else f"{truth:.10g}"
        rows.append(
            f"| {name} | {shown} | {value:.10g} ± {bar:.1e} | {code} | {counted.count} | "
            f"{honest} | {theirs:.10g} |"
        )
    return [
        "### Hostile Hessian entries",
        "",
        "| entry | truth | gradwalk | status | evaluations | honest | numdifftools |",
        "|---|---|---|---|---|---|---|",
        *rows,
    ]


def measure(
    battery: dict[str, tuple[Callable[[Array], Any], Callable[[Array], Array]]],
    tools: dict[str, Tool],
    n: int,
    count: int,
) -> list[tuple[str, float, float, float, str]]:
    rows = []
    for name, tool in tools.items():
        errors, covered, flagged, nfev, calls = [], [], [], 0, 0
        for f, truth in battery.values():
            for seed in range(count):
                x = np.random.default_rng(seed).uniform(-1, 1, n)
                counted = Counted(f, n)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value, error, status = tool(counted, x)
                true = truth(x)
                err = np.abs(np.asarray(value) - true) / np.max(np.abs(true))
                errors.append(err.ravel())
                if error is not None and not np.all(np.isnan(error)):
                    bar = np.asarray(error) / np.max(np.abs(true))
                    covered.append((err <= bar).ravel())
                if status is not None:
                    flagged.append((np.asarray(status) != 0).ravel())
                nfev += counted.count
                calls += 1
        every = np.concatenate(errors)
        share = f"{np.mean(np.concatenate(covered)):.1%}" if covered else "—"
        flags = f"{np.mean(np.concatenate(flagged)):.1%}" if flagged else "—"
        rows.append((name, float(np.median(every)), float(every.max()), nfev / calls, share, flags))
    return rows


def table(title: str, rows: list[tuple[str, float, float, float, str, str]]) -> str:
    lines = [
        f"### {title}",
        "",
        "| tool | median error | worst error | evaluations per call | error bar covers | flagged |",
        "|---|---|---|---|---|---|",
    ]
    for name, median, worst, nfev, share, flags in rows:
        lines.append(f"| {name} | {median:.1e} | {worst:.1e} | {nfev:.0f} | {share} | {flags} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=3, help="random points per function")
    args = parser.parse_args()
    print(table("Jacobian, n = 10", measure(JACOBIANS, jacobian_tools(), 10, args.points)))
    print()
    print(table("Hessian, n = 20", measure(HESSIANS, hessian_tools(), 20, args.points)))
    print()
    print("\n".join(hostile_rows()))


if __name__ == "__main__":
    main()
