"""The 1-D Bratu residual, F(u) = (u[i-1] - 2u[i] + u[i+1]) / dx² + exp(u), with u = 0
beyond both ends: a tridiagonal Jacobian known exactly, for the sparse Jacobian tests."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import sparse


class Bratu:
    """The residual on n unknowns, its exact Jacobian and pattern, and a point; counts
    the evaluations of F."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.dx = 1.0 / (n + 1)
        self.calls = 0
        self.u = np.linspace(0.1, 0.4, n)

    def __call__(self, u: NDArray[np.float64]) -> NDArray[np.float64]:
        self.calls += 1
        padded = np.concatenate([[0.0], u, [0.0]])
        result: NDArray[np.float64] = (padded[:-2] - 2 * u + padded[2:]) / self.dx**2 + np.exp(u)
        return result

    def batch(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """F of each row of ``points`` (a vectorized F)."""
        self.calls += 1
        padded = np.pad(points, ((0, 0), (1, 1)))
        result: NDArray[np.float64] = (
            padded[:, :-2] - 2 * points + padded[:, 2:]
        ) / self.dx**2 + np.exp(points)
        return result

    def jacobian(self, u: NDArray[np.float64] | None = None) -> sparse.csr_array:
        """The exact Jacobian at u (default: the point)."""
        u = self.u if u is None else u
        off = np.full(self.n - 1, 1 / self.dx**2)
        return sparse.diags_array(
            [off, -2 / self.dx**2 + np.exp(u), off], offsets=[-1, 0, 1]
        ).tocsr()

    def pattern(self) -> sparse.csr_array:
        """The tridiagonal pattern."""
        return sparse.diags_array(
            [1, 1, 1], offsets=[-1, 0, 1], shape=(self.n, self.n), dtype=bool
        ).tocsr()
