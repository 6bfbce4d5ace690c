"""Running a plan: a generator that yields the points it needs and receives f's values
there, until it returns its estimate (the complex step's plan with f required to keep
the imaginary part)."""

from __future__ import annotations

import traceback
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.exceptions import ComplexWarning
from numpy.typing import NDArray

from gradwalk._common.warnings import PACKAGE_DIR

from .points import Estimate, Points

__all__ = ["drive", "drive_complex"]


def drive(plan: Any, evaluate: Callable[[Points], NDArray[Any]]) -> Estimate:
    """Run a plan generator to completion, feeding it the values of its points.

    The plan's arithmetic and f's evaluations at the plan's points run with NumPy's
    floating-point warnings off: the points are gradwalk's probes (a step may leave f's
    domain), and non-finite values of f are reported once, by element, after the plan
    has finished.
    """
    try:
        with np.errstate(all="ignore"):
            points = next(plan)
            while True:
                points = plan.send(evaluate(points))
    except StopIteration as done:
        estimate: Estimate = done.value
        return estimate


def drive_complex(plan: Any, evaluate: Callable[[Points], NDArray[Any]]) -> Estimate:
    """:func:`drive` for the complex step: f discarding the imaginary part is an error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ComplexWarning)
            return drive(plan, evaluate)
    except ComplexWarning as error:
        raise ValueError(
            "method='complex' evaluates f at complex points x + ih, and f cast one to a "
            f"real number ({error}), which throws the derivative away. Keep f complex-safe "
            "(no float(), .astype(float) or assignment into a real array), or use "
            "method='richardson', which needs no complex arithmetic."
        ) from None
    except TypeError as error:
        if _raised_in_gradwalk(error):
            raise
        raise TypeError(
            "method='complex' evaluates f at complex points x + ih, and f failed on one: "
            f"{error}. The complex step needs f written with operations that accept "
            "complex numbers (NumPy functions and arithmetic; not math.*, float() or "
            "int()). Use method='richardson' otherwise."
        ) from error


def _raised_in_gradwalk(error: BaseException) -> bool:
    """Whether the innermost frame of ``error``'s traceback is gradwalk's own code."""
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and str(Path(frames[-1].filename).resolve()).startswith(PACKAGE_DIR)
