"""The one place that chooses an evaluator for the options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from numpy.typing import NDArray

from gradwalk._engine.arrays import CallerFunction

from .elementwise import Elementwise
from .in_place import InPlace
from .interface import Evaluator
from .options import Options
from .replayed import Replayed


def evaluator(
    options: Options,
    f: Callable[[Any], object],
    work: NDArray[Any],
    *,
    complex_ok: bool,
    value_shape: tuple[int, ...] = (),
) -> Evaluator:
    """The evaluator for ``options``; ``work`` is the array f is evaluated at, and f's
    values are scalars (``value_shape`` ()) or arrays of ``value_shape``."""
    if options.known is not None:
        inner = evaluator(
            replace(options, known=None), f, work, complex_ok=complex_ok, value_shape=value_shape
        )
        return Replayed(inner, *options.known)
    if options.elementwise:
        return Elementwise(f, work, options, complex_ok)
    if options.workers is not None:
        from .workers import Mapped

        return Mapped(f, work, options, complex_ok, value_shape)
    if options.vectorized and isinstance(f, CallerFunction) and not f.arrays.shared:
        from .device_batches import DeviceBatches

        return DeviceBatches(f, work, options, complex_ok, value_shape)
    if options.vectorized:
        from .batches import Batches

        return Batches(f, work, options, complex_ok, value_shape)
    return InPlace(f, work, options, complex_ok, value_shape)
