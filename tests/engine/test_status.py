"""Per-element extremes of f's values, whatever order the plan yields its points in."""

from __future__ import annotations

import numpy as np
import pytest

from gradwalk._engine.singular import extremes_per_element


@pytest.mark.parametrize(
    "index",
    [
        [0, 0, 1, 1, 3, 3],  # the central difference: pairs, element 2 not evaluated
        [0, 0, 0, 1, 1, 1],  # a stencil of three points
        [0, 0, 1, 1, 0, 0],  # element 0 again later (a second level)
        [2, 0, 1, 2, 0],  # no order at all
        [],  # no finite value at all
    ],
)
def test_extremes_per_element(index: list[int]) -> None:
    rng = np.random.default_rng(5)
    where = np.array(index, dtype=np.intp).reshape(-1)
    values = rng.standard_normal((len(where), 2))
    low, high = extremes_per_element(where, values, 4)
    for element in range(4):
        mine = values[where == element]
        want_low = mine.min(axis=0) if len(mine) else np.full(2, np.inf)
        want_high = mine.max(axis=0) if len(mine) else np.full(2, -np.inf)
        assert np.array_equal(low[element], want_low), f"least value of element {element}"
        assert np.array_equal(high[element], want_high), f"greatest value of element {element}"
