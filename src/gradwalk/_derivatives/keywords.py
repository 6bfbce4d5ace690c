"""The keyword options that the numerical derivatives share, as types for their
``@overload`` stubs (``**options: Unpack[GradientKeywords]``); each implementation keeps
its explicit keyword parameters and defaults, and documents them."""

from __future__ import annotations

from typing import TypedDict

from numpy.typing import ArrayLike

from gradwalk._engine.evaluators.options import Progress, Workers

__all__ = ["EvaluationKeywords", "GradientKeywords", "HessianKeywords", "JacobianKeywords"]


class EvaluationKeywords(TypedDict, total=False):
    """How f is evaluated: a vectorized f, its batches, parallel workers."""

    vectorized: bool
    batch_size: int | None
    workers: Workers | None


class HessianKeywords(EvaluationKeywords, total=False):
    """The keyword options of :func:`~gradwalk.numerical_hessian`."""

    method: str


class JacobianKeywords(HessianKeywords, total=False):
    """The keyword options of :func:`~gradwalk.numerical_jacobian`."""

    order: int | None
    bounds: tuple[ArrayLike, ArrayLike] | None
    step_direction: ArrayLike | None
    progress: Progress
    worker_threads: int | None
    rtol: float | None
    atol: float | None
    max_levels: int | None


class GradientKeywords(JacobianKeywords, total=False):
    """The keyword options of :func:`~gradwalk.numerical_gradient`."""
