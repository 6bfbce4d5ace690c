"""Accuracy per evaluation of Jacobians and Hessians: gradwalk against numdifftools and SciPy.

Vector functions with analytic Jacobians (n = 10 inputs and outputs) and scalar functions
with analytic Hessians (n = 20), each at random points of magnitude 1; every tool runs on
the same points in the same run. The error of an entry is its absolute error divided by
the largest |entry| of the true matrix (entries that are exactly zero make entrywise
relative errors meaningless). "covered" is the share of entries whose error estimate,
where the tool gives one, is at least the true error.

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


Tool = Callable[[Counted, Array], tuple[Array, Array | None]]


def jacobian_tools() -> dict[str, Tool]:
    import numdifftools as nd
    from scipy.differentiate import jacobian
    from scipy.optimize._numdiff import approx_derivative

    def ours(method: str, order: int | None = None) -> Tool:
        def run(f: Counted, x: Array) -> tuple[Array, Array | None]:
            h = None if order else "auto"
            r = gradwalk.numerical_jacobian(
                f, x.copy(), h, method=method, order=order, full_output=True
            )
            return r.jac, r.error

        return run

    return {
        "gradwalk central (auto)": ours("central"),
        "gradwalk central, order 6": ours("central", 6),
        "gradwalk richardson": ours("richardson"),
        "gradwalk complex": ours("complex"),
        "numdifftools Jacobian": lambda f, x: (nd.Jacobian(f)(x), None),
        "scipy.differentiate.jacobian": lambda f, x: _scipy(jacobian(f, x)),
        "approx_derivative 3-point": lambda f, x: (approx_derivative(f, x, "3-point"), None),
        "approx_derivative cs": lambda f, x: (approx_derivative(f, x, "cs"), None),
    }


def hessian_tools() -> dict[str, Tool]:
    import numdifftools as nd
    from scipy.differentiate import hessian
    from scipy.optimize._numdiff import approx_derivative

    def ours(method: str) -> Tool:
        def run(f: Counted, x: Array) -> tuple[Array, Array | None]:
            r = gradwalk.numerical_hessian(f, x.copy(), method=method, full_output=True)
            return r.hess, r.error

        return run

    def nested(f: Counted, x: Array) -> tuple[Array, Array | None]:
        def gradient(y: Array) -> Array:
            return approx_derivative(f, y, "3-point")

        return approx_derivative(gradient, x, "3-point"), None

    return {
        "gradwalk richardson": ours("richardson"),
        "gradwalk central": ours("central"),
        "numdifftools Hessian": lambda f, x: (nd.Hessian(f)(x), None),
        "scipy.differentiate.hessian": lambda f, x: _scipy(hessian(f, x)),
        "approx_derivative of approx_derivative": nested,
    }


def _scipy(result: Any) -> tuple[Array, Array | None]:
    return result.ddf if hasattr(result, "ddf") else result.df, result.error


def measure(
    battery: dict[str, tuple[Callable[[Array], Any], Callable[[Array], Array]]],
    tools: dict[str, Tool],
    n: int,
    count: int,
) -> list[tuple[str, float, float, float, str]]:
    rows = []
    for name, tool in tools.items():
        errors, covered, nfev, calls = [], [], 0, 0
        for f, truth in battery.values():
            for seed in range(count):
                x = np.random.default_rng(seed).uniform(-1, 1, n)
                counted = Counted(f, n)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    value, error = tool(counted, x)
                true = truth(x)
                err = np.abs(np.asarray(value) - true) / np.max(np.abs(true))
                errors.append(err.ravel())
                if error is not None and not np.all(np.isnan(error)):
                    bar = np.asarray(error) / np.max(np.abs(true))
                    covered.append((err <= bar).ravel())
                nfev += counted.count
                calls += 1
        every = np.concatenate(errors)
        share = f"{np.mean(np.concatenate(covered)):.1%}" if covered else "—"
        rows.append((name, float(np.median(every)), float(every.max()), nfev / calls, share))
    return rows


def table(title: str, rows: list[tuple[str, float, float, float, str]]) -> str:
    lines = [
        f"### {title}",
        "",
        "| tool | median error | worst error | evaluations per call | error bar covers |",
        "|---|---|---|---|---|",
    ]
    for name, median, worst, nfev, share in rows:
        lines.append(f"| {name} | {median:.1e} | {worst:.1e} | {nfev:.0f} | {share} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=3, help="random points per function")
    args = parser.parse_args()
    print(table("Jacobian, n = 10", measure(JACOBIANS, jacobian_tools(), 10, args.points)))
    print()
    print(table("Hessian, n = 20", measure(HESSIANS, hessian_tools(), 20, args.points)))


if __name__ == "__main__":
    main()
