"""Large Jacobians: gradwalk's dense and sparse paths beside SciPy's approx_derivative,
the cost of finding a pattern, and of the directional check that names a wrong entry.

The 1-D Bratu residual F(u) = (u[i-1] - 2u[i] + u[i+1]) / dx² + exp(u) (u = 0 beyond
both ends), whose Jacobian is tridiagonal and known exactly, at n = 2000 and 20,000;
the pattern finder also on a 2-D five-point Laplacian with u³. Every tool in a table
runs in the same rounds, interleaved, so that ratios share the machine's load; times
are medians over the rounds. Errors are the largest absolute error of an entry against
the exact Jacobian (entries are about 1/dx², 4e6 at n = 2000 and 4e8 at n = 20,000);
"bars cover" is the share of entries whose error bar is at least the true error.

Run by hand (needs scipy: the ``sparse`` or ``bench`` extra)::

    python benchmarks/sparse.py            # every section (a few minutes)
    python benchmarks/sparse.py --rounds 5
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import sparse
from scipy.optimize._numdiff import approx_derivative, group_columns

import gradwalk
from gradwalk import check_jacobian, jacobian_sparsity, numerical_jacobian


class Bratu:
    """The residual on n unknowns, counting its evaluations."""

    def __init__(self, n: int) -> None:
        self.n, self.dx, self.calls = n, 1.0 / (n + 1), 0
        self.u = np.linspace(0.1, 0.4, n)

    def __call__(self, u: np.ndarray) -> np.ndarray:
        self.calls += 1
        padded = np.concatenate([[0.0], u, [0.0]])
        result: np.ndarray = (padded[:-2] - 2 * u + padded[2:]) / self.dx**2 + np.exp(u)
        return result

    def jacobian(self) -> sparse.csr_array:
        off = np.full(self.n - 1, 1 / self.dx**2)
        return sparse.diags_array(
            [off, -2 / self.dx**2 + np.exp(self.u), off], offsets=[-1, 0, 1]
        ).tocsr()

    def pattern(self) -> sparse.csr_array:
        return sparse.diags_array(
            [1, 1, 1], offsets=[-1, 0, 1], shape=(self.n, self.n), dtype=bool
        ).tocsr()


def poisson(width: int) -> Callable[[np.ndarray], np.ndarray]:
    """The 2-D five-point Laplacian plus u³ on a width × width grid."""

    def f(u: np.ndarray) -> np.ndarray:
        grid = np.pad(u.reshape(width, width), 1)
        inner = grid[1:-1, 1:-1]
        lap = grid[:-2, 1:-1] + grid[2:, 1:-1] + grid[1:-1, :-2] + grid[1:-1, 2:] - 4 * inner
        return (lap + inner**3).ravel()

    return f


#: Median user CPU seconds of each tool in the last call of :func:`timed`.
USER: dict[str, float] = {}


def timed(tools: dict[str, Callable[[], Any]], rounds: int) -> dict[str, tuple[float, Any]]:
    """Median seconds of each tool over interleaved rounds, and its last result (the
    median user CPU seconds go to :data:`USER`: the kernel's zeroing of fresh memory for
    large arrays, system time, varies from call to call on a shared machine)."""
    seconds: dict[str, list[float]] = {name: [] for name in tools}
    user: dict[str, list[float]] = {name: [] for name in tools}
    last: dict[str, Any] = {}
    for name, tool in tools.items():  # warm up: imports, the colouring kept per pattern
        last[name] = tool()
    for _ in range(rounds):
        for name, tool in tools.items():
            before = resource.getrusage(resource.RUSAGE_SELF).ru_utime
            start = time.perf_counter()
            last[name] = tool()
            seconds[name].append(time.perf_counter() - start)
            user[name].append(resource.getrusage(resource.RUSAGE_SELF).ru_utime - before)
    USER.clear()
    USER.update({name: float(np.median(user[name])) for name in tools})
    return {name: (float(np.median(seconds[name])), last[name]) for name in tools}


def largest_error(found: Any, exact: sparse.csr_array) -> float:
    difference = found - exact if sparse.issparse(found) else found - exact.toarray()
    return float(abs(difference).max())


def covered(result: Any, exact: sparse.csr_array, pattern: sparse.csr_array) -> str:
    rows, columns = pattern.nonzero()
    error = np.asarray(result.error[rows, columns]).ravel()
    if not np.isfinite(error).any():
        return "—"
    found = np.asarray(result.jac[rows, columns]).ravel()
    truth = np.abs(found - np.asarray(exact[rows, columns]).ravel())
    return f"{np.mean(truth <= error):.1%}"


def evaluations(bratu: Bratu, tool: Callable[[], Any]) -> int:
    bratu.calls = 0
    tool()
    return bratu.calls


def dense_section(rounds: int) -> None:
    bratu = Bratu(2000)
    u, exact = bratu.u, bratu.jacobian()

    def bare() -> None:
        for _ in range(2 * bratu.n + 1):
            bratu(u)

    tools = {
        f"{2 * bratu.n + 1} bare calls of F (the floor)": bare,
        "scipy approx_derivative, 3-point": lambda: approx_derivative(bratu, u, method="3-point"),
        "gradwalk numerical_jacobian, h='auto'": lambda: numerical_jacobian(bratu, u, "auto"),
    }
    found = timed(tools, rounds)
    floor = found[next(iter(tools))][0]
    print("\n#### Dense, n = 2000\n")
    user = dict(USER)
    print("| tool | evaluations | time | user CPU | × floor | largest error |")
    print("|---|---|---|---|---|---|")
    for name, (seconds, result) in found.items():
        count = evaluations(bratu, tools[name])
        error = "—" if result is None else f"{largest_error(result, exact):.1e}"
        print(
            f"| {name} | {count} | {seconds * 1e3:.0f} ms | {user[name] * 1e3:.0f} ms | "
            f"{seconds / floor:.2f} | {error} |"
        )
    scipy_name, ours_name = (
        "scipy approx_derivative, 3-point",
        "gradwalk numerical_jacobian, h='auto'",
    )
    print(
        f"\ngradwalk / SciPy: {found[ours_name][0] / found[scipy_name][0]:.2f} in time, "
        f"{user[ours_name] / user[scipy_name]:.2f} in user CPU time"
    )
    print(
        "\nAt n = 20,000 neither dense path is run: one N × N float64 array is 3.2 GB "
        "(SciPy builds one; gradwalk's dense path keeps f's values and the Jacobian, "
        "error and step arrays, several of them)."
    )


def sparse_section(n: int, rounds: int) -> None:
    bratu = Bratu(n)
    u, exact, pattern = bratu.u, bratu.jacobian(), bratu.pattern()
    groups = group_columns(pattern)
    tools = {
        "scipy 3-point, sparsity=pattern": lambda: approx_derivative(
            bratu, u, method="3-point", sparsity=pattern
        ),
        "scipy 3-point, sparsity=(pattern, groups)": lambda: approx_derivative(
            bratu, u, method="3-point", sparsity=(pattern, groups)
        ),
        "gradwalk central, h='auto', sparsity=pattern": lambda: numerical_jacobian(
            bratu, u, "auto", sparsity=pattern, full_output=True
        ),
        "gradwalk complex, sparsity=pattern": lambda: numerical_jacobian(
            bratu, u, method="complex", sparsity=pattern, full_output=True
        ),
        "gradwalk richardson, sparsity=pattern": lambda: numerical_jacobian(
            bratu, u, method="richardson", sparsity=pattern, full_output=True
        ),
    }
    found = timed(tools, rounds)
    print(f"\n#### sparsity=, n = {n:,}\n")
    print("| tool | evaluations | colours | time | largest error | bars cover |")
    print("|---|---|---|---|---|---|")
    for name, (seconds, result) in found.items():
        count = evaluations(bratu, tools[name])
        jac = getattr(result, "jac", result)
        colours = getattr(result, "colours", None) or int(groups.max()) + 1
        bars = covered(result, exact, pattern) if hasattr(result, "error") else "—"
        print(
            f"| {name} | {count} | {colours} | {seconds * 1e3:.1f} ms | "
            f"{largest_error(jac, exact):.1e} | {bars} |"
        )
    scipy_time = found["scipy 3-point, sparsity=pattern"][0]
    ours = found["gradwalk central, h='auto', sparsity=pattern"][0]
    print(f"\ngradwalk central / SciPy 3-point (both sparsity=pattern): {ours / scipy_time:.2f}")
    tracemalloc.start()
    numerical_jacobian(bratu, u, "auto", sparsity=pattern)
    central_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.reset_peak()
    numerical_jacobian(bratu, u, method="richardson", sparsity=pattern)
    richardson_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(
        f"Peak memory traced: central {central_peak / 2**20:.1f} MiB, richardson "
        f"{richardson_peak / 2**20:.1f} MiB (one N × N float64 array: "
        f"{n * n * 8 / 2**20:,.0f} MiB)."
    )


def finder_section() -> None:
    print("\n#### jacobian_sparsity\n")
    print("| f | n | evaluations | time | colours | pattern exact |")
    print("|---|---|---|---|---|---|")
    for n in (2000, 20000):
        bratu = Bratu(n)
        start = time.perf_counter()
        found = jacobian_sparsity(bratu, bratu.u, full_output=True)
        seconds = time.perf_counter() - start
        exact = (found.pattern != bratu.pattern()).nnz == 0
        print(
            f"| Bratu (tridiagonal) | {n:,} | {found.nfev} | {seconds:.2f} s | "
            f"{found.colours} | {exact} |"
        )
    for width in (45, 141):
        f = poisson(width)
        u = np.random.default_rng(0).uniform(0.1, 1.0, width * width)
        start = time.perf_counter()
        found = jacobian_sparsity(f, u, full_output=True)
        seconds = time.perf_counter() - start
        print(
            f"| 2-D Laplacian + u³ | {width * width:,} | {found.nfev} | {seconds:.2f} s | "
            f"{found.colours} | {found.pattern.nnz == 5 * width * width - 4 * width} |"
        )


def check_section() -> None:
    print("\n#### check_jacobian(mode='directional'), a planted +1e-3\n")
    print("| n | where | evaluations | time | named |")
    print("|---|---|---|---|---|")
    for n in (2000, 20000):
        bratu = Bratu(n)
        rng = np.random.default_rng(n)
        start = time.perf_counter()
        passed = check_jacobian(bratu, bratu.u, bratu.jacobian(), mode="directional", seed=0)
        print(
            f"| {n:,} | none (the exact Jacobian) | {passed.nfev} | "
            f"{time.perf_counter() - start:.2f} s | passed: {passed.passed} |"
        )
        for trial in range(5):
            row = int(rng.integers(n))
            column = row if trial < 2 else int(np.clip(row + (-1) ** trial, 0, n - 1))
            if trial == 4:
                column = int(rng.integers(n))
            wrong = bratu.jacobian().tolil()
            wrong[row, column] = wrong[row, column] + 1e-3
            start = time.perf_counter()
            check = check_jacobian(bratu, bratu.u, wrong.tocsr(), mode="directional", seed=trial)
            seconds = time.perf_counter() - start
            named = ", ".join(f"J[{i}, {j}]" for i, j in (f.index for f in check.failures))  # type: ignore[misc]
            print(f"| {n:,} | J[{row}, {column}] | {check.nfev} | {seconds:.2f} s | {named} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    print(
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, NumPy "
        f"{np.__version__}, gradwalk {gradwalk.__version__}. Command: "
        f"`python benchmarks/sparse.py --rounds {args.rounds}`. Load averages (1, 5, 15 min) "
        f"at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}."
    )
    dense_section(args.rounds)
    sparse_section(2000, args.rounds)
    sparse_section(20000, args.rounds)
    finder_section()
    check_section()
    print(f"\nLoad averages at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}.")


if __name__ == "__main__":
    main()
