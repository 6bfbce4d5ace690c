"""The smooth f of the Hessian tests, exp(0.3 x)·sin(x) summed plus x0·x1², with its
analytic Hessian and a point."""

from __future__ import annotations

import numpy as np


def f(x: np.ndarray) -> float:
    return float(np.sum(np.exp(0.3 * x) * np.sin(x)) + x[0] * x[1] ** 2)


def hessian(x: np.ndarray) -> np.ndarray:
    e = np.exp(0.3 * x)
    H = np.diag(e * (0.09 * np.sin(x) + 0.6 * np.cos(x) - np.sin(x)))
    H[1, 1] += 2 * x[0]
    H[0, 1] += 2 * x[1]
    H[1, 0] += 2 * x[1]
    return H


X = np.array([0.4, -1.2, 2.0])
