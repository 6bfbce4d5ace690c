"""The default evaluator: the book's in-place loop on the caller's array."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.inputs import value_of
from gradwalk._engine.points import Points

from .interface import PROGRESS_CHUNKS, Evaluator, fast_view, split, unperturbed, values_dtype
from .loops import evaluate_in_place
from .options import Options


class InPlace(Evaluator):
    """The book's loop: perturb ``work`` itself, element by element, and restore it."""

    def __init__(
        self,
        f: Callable[[Any], object],
        work: NDArray[Any],
        options: Options,
        complex_ok: bool,
        value_shape: tuple[int, ...] = (),
    ) -> None:
        super().__init__(options.progress, complex_ok, value_shape)
        self.f, self.work = f, work
        self.flat = fast_view(work)
        self.original = unperturbed(np.ravel(work))

    def evaluate(self, points: Points) -> NDArray[Any]:
        if self.bar is None:
            return evaluate_in_place(
                self.f,
                self.work,
                self.flat,
                self.original,
                points,
                complex_ok=self.complex_ok,
                value_shape=self.value_shape,
            )
        size = max(1, -(-len(points.index) // PROGRESS_CHUNKS))
        parts = [
            np.empty((0, *self.value_shape), dtype=values_dtype(self.work.dtype, self.complex_ok))
        ]
        for chunk in split(points, size):
            parts.append(
                evaluate_in_place(
                    self.f,
                    self.work,
                    self.flat,
                    self.original,
                    Points(*chunk),
                    complex_ok=self.complex_ok,
                    value_shape=self.value_shape,
                )
            )
            self.advance(len(chunk[0]))
        return np.concatenate(parts)

    def close(self) -> None:
        if isinstance(self.flat, memoryview):
            self.flat.release()  # the caller's array is free to be resized again
        super().close()

    def at(self, point: NDArray[Any]) -> Any:
        snapshot = self.work.copy()
        try:
            np.copyto(self.work, point, casting="unsafe")
            return value_of(self.f(self.work), self.value_shape, complex_ok=self.complex_ok)
        finally:
            np.copyto(self.work, snapshot, casting="unsafe")
