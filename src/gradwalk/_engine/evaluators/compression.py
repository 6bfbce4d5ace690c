"""What the compressed evaluator is given: a sparse Jacobian's entries, the colours of
its columns and f(x) (see :mod:`.compressed`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["Compression"]


@dataclass(eq=False)
class Compression:
    """A sparse Jacobian as one derivative problem per entry, evaluated in column groups.

    Entry e is the derivative of output ``rows[e]`` (flat) with respect to element
    ``columns[e]`` (flat) of ``x``; ``colours`` holds one colour per element of x, no two
    columns of one colour sharing a row. ``f_at_x`` is f(x), flattened.

    Attributes filled in while evaluating: ``calls`` counts f's evaluations, ``missed``
    the entries (row, column) that f's values showed although the pattern has none.
    """

    f: Callable[[Any], object]
    x: NDArray[Any]
    rows: NDArray[np.intp]
    columns: NDArray[np.intp]
    colours: NDArray[np.intp]
    f_at_x: NDArray[Any]
    value_shape: tuple[int, ...]
    calls: int = 0
    missed: set[tuple[int, int]] = field(default_factory=set)
    #: Arrays derived from the entries and colours, computed once for every evaluator of
    #: them (kept with the pattern's colouring, for the calls that reuse the pattern).
    derived: dict[Any, Any] = field(default_factory=dict)
