"""The one place that chooses an evaluator for the options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.arrays import CallerFunction

from .compressed import Compressed, WholePoints, whole_batch_size
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
    if options.compressed is not None:
        return _compressed(options, complex_ok)
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


def _compressed(options: Options, complex_ok: bool) -> Evaluator:
    """The evaluator of a sparse Jacobian's entries: whole points, evaluated by the
    evaluator of the other options given f as a function of a point's number."""
    compression = options.compressed
    assert compression is not None
    copies = complex_ok or options.vectorized or options.workers is not None
    base = compression.x
    if complex_ok:
        base = base.astype(np.result_type(base.dtype, np.complex64))
    elif copies:
        base = base.copy()
    whole = WholePoints(compression.f, base, options.vectorized, in_place=not copies)
    plain = replace(options, compressed=None)
    if options.vectorized and options.batch_size is None:
        plain = replace(plain, batch_size=whole_batch_size(base))
    numbers = np.full(1, -1.0)
    inner = evaluator(
        plain, whole, numbers, complex_ok=complex_ok, value_shape=compression.value_shape
    )
    return Compressed(compression, whole, inner, complex_ok)
