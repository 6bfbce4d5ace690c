"""One way to turn a ``seed`` argument into a NumPy random generator."""

from __future__ import annotations

import numbers

import numpy as np


def make_rng(seed: int | np.random.Generator | None, name: str = "seed") -> np.random.Generator:
    """A generator from an int seed, None (fresh entropy) or a generator itself.

    >>> float(make_rng(0).random()) == float(np.random.default_rng(0).random())
    True
    >>> make_rng("x")
    Traceback (most recent call last):
    ...
    TypeError: seed must be an int, a numpy.random.Generator or None, got 'x' (str).
    """
    given: object = seed
    if isinstance(given, np.random.Generator):
        return given
    if given is None:
        return np.random.default_rng()
    if isinstance(given, numbers.Integral) and given.__class__.__name__ != "bool":
        if int(given) < 0:
            raise ValueError(f"{name} must be >= 0, got {name}={given!r}.")
        return np.random.default_rng(int(given))
    raise TypeError(
        f"{name} must be an int, a numpy.random.Generator or None, got {seed!r} "
        f"({type(seed).__name__})."
    )
