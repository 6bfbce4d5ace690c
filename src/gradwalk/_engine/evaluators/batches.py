"""The evaluator of ``vectorized=True``: a vectorized f on stacked perturbed copies
of x (the batching loop is :mod:`gradwalk._engine.evaluators.batching`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.points import Points

from .batching import Batcher, first_of_batch
from .interface import Evaluator
from .options import Options


class Batches(Evaluator):
    """A vectorized f on stacked perturbed copies of x (see :func:`evaluate_batches`)."""

    copies = "vectorized=True"

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f = f
        self.batcher = Batcher(work.copy(), options.batch_size, complex_ok, value_shape)

    def evaluate(self, points: Points) -> NDArray[Any]:
        return self.batcher.evaluate(self.f, points, self.advance)

    def at(self, point: NDArray[Any]) -> Any:
        return first_of_batch(self.f(point[np.newaxis]), self.value_shape)
