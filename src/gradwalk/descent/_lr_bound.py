"""The curvature behind the learning-rate bound: the largest Hessian eigenvalue near x.

Power iteration on Hessian-vector products (central differences of the gradient, by
:func:`~gradwalk.hessian_vector_product`), two
gradients per iteration whatever the size of x; plain gradient descent is stable near
x for learning rates below ``2 / λmax``.

>>> import numpy as np
>>> largest, settled = largest_eigenvalue(lambda x: 2 * x, np.array([-3.0, 4.0]), 100, 1e-6)
>>> round(largest, 6), settled, round(stable_rate(largest), 6)
(2.0, True, 1.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from gradwalk._derivatives.hessian_vector import hessian_vector_product
from gradwalk._engine.inputs import scale

__all__ = ["Gradient", "largest_eigenvalue", "stable_rate"]

Gradient = Callable[[NDArray[np.floating]], NDArray[np.floating]]

#: Step of the finite-difference Hessian-vector product, relative to max(1, max |x|).
HVP_STEP = 1e-3


def largest_eigenvalue(
    gradient: Gradient,
    x: NDArray[np.floating],
    iterations: int,
    rtol: float,
    total: int | None = None,
) -> tuple[float, bool]:
    """The largest Hessian eigenvalue at x, by power iteration, and whether it settled.

    Hessian-vector products are central differences of the gradient along the current
    vector, so each iteration costs two gradients, whatever the size of x. A first pass
    finds the spectral radius ρ; when its eigenvalue is not +ρ (a saddle or a maximum),
    a second pass on H + ρI finds the largest eigenvalue. Each pass makes at most
    ``iterations`` iterations, and both together at most ``total`` (default: no limit
    beyond the passes' own).
    """
    point = x.astype(np.float64).reshape(-1)
    shape = x.shape
    eps = HVP_STEP * float(np.max(scale(point))) if point.size else 1.0

    def hvp(v: NDArray[np.float64]) -> NDArray[np.float64]:
        product = np.asarray(
            hessian_vector_product(
                None, point.reshape(shape), v.reshape(shape), eps, grad=gradient, method="central"
            )
        ).reshape(-1)
        if not np.all(np.isfinite(product)):
            raise ValueError(
                "the gradient of f is not finite near x, so its curvature (and the "
                "learning-rate bound) cannot be estimated there."
            )
        return product.astype(np.float64)

    start = np.random.default_rng(0).standard_normal(point.size)
    start /= np.linalg.norm(start)

    def power(shift: float, limit: int) -> tuple[float, float, bool, int]:
        """The Rayleigh quotient, the last |Hv|, whether it settled, iterations made."""
        v = start
        estimate, size = math.nan, 0.0
        for made in range(1, limit + 1):
            w = hvp(v) + shift * v
            quotient = float(v @ w)
            size = float(np.linalg.norm(w))
            if size == 0.0:
                return 0.0, 0.0, True, made
            v = w / size
            # relative to the spectral radius in the shifted pass, where μ - ρ may be 0
            if abs(quotient - estimate) <= rtol * max(abs(quotient), shift):
                return quotient, size, True, made
            estimate = quotient
        return estimate, size, False, limit

    if point.size == 0:
        return 0.0, True
    left = 2 * iterations if total is None else total
    top, radius, settled, made = power(0.0, min(iterations, left))
    if settled and top > 0 and top >= (1 - 1e-3) * radius:
        return top, True
    shifted, _, settled, _ = power(radius, min(iterations, left - made))
    return shifted - radius, settled


def stable_rate(largest: float) -> float:
    """The largest stable learning rate of plain descent, 2 / λmax (inf when λmax <= 0)."""
    return 2.0 / largest if largest > 0 else math.inf
