"""A tiny plan driver for the plan tests: a fresh copy of x per point.

The plans are driven by this evaluator of the tests' own, so that what the tests check is
the plan, not how points are evaluated.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradwalk._engine.methods import METHODS
from gradwalk._engine.points import UNPERTURBED, Estimate, Points


def drive(
    method: str, f: Callable[[Any], Any], x: np.ndarray, h: float | str
) -> tuple[Estimate, list[Points]]:
    """Run a plan to the end, evaluating each point on a fresh copy of x."""
    plan = METHODS[method].plan(x.reshape(-1), h)
    batches: list[Points] = []
    try:
        points = next(plan)
        while True:
            batches.append(points)
            values = []
            for i, v in zip(points.index, points.value, strict=True):
                point = x.reshape(-1).astype(points.value.dtype)
                if i != UNPERTURBED:
                    point[i] = v
                values.append(f(point))
            points = plan.send(np.array(values))
    except StopIteration as done:
        return done.value, batches


def exp_sin(x: Any) -> Any:
    return np.sum(np.exp(x) * np.sin(x))


def exp_sin_grad(x: np.ndarray) -> np.ndarray:
    return np.asarray(np.exp(x) * (np.sin(x) + np.cos(x)))
