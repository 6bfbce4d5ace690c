"""The book's networks: the one-layer ``SimpleNet`` of section 4.4.2."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .functions import cross_entropy_error, softmax

__all__ = ["SimpleNet", "simpleNet"]


class SimpleNet:
    """A single 2×3 weight matrix, softmax and cross-entropy (the book's ``simpleNet``).

    Parameters
    ----------
    W : array_like, optional
        The weights (copied, as float64). Without it, W is drawn from a standard normal.
    seed : int, numpy.random.Generator or numpy.random.RandomState, optional
        Seed or generator for the random W, for reproducible runs. A legacy
        ``RandomState`` draws W with its own ``randn``, as the book's ``np.random.randn``.

    Notes
    -----
    The book's ``simpleNet()`` draws W with ``np.random.randn``, so ``np.random.seed(0)``
    makes it reproducible there. ``SimpleNet()`` draws from its own generator and
    ignores ``np.random.seed``: pass ``seed=0``, or ``seed=np.random.RandomState(0)``
    for the same W that ``np.random.seed(0); np.random.randn(2, 3)`` gives.

    Examples
    --------
    >>> net = SimpleNet(W=[[0.47355232, 0.9977393, 0.84668094],
    ...                    [0.85557411, 0.03563661, 0.69422093]])
    >>> net.predict(np.array([0.6, 0.9]))
    array([1.05414809, 0.63071653, 1.1328074 ])
    >>> round(float(net.loss(np.array([0.6, 0.9]), np.array([0, 0, 1]))), 10)
    0.9280682858
    """

    W: NDArray[np.float64]

    def __init__(
        self,
        W: ArrayLike | None = None,
        *,
        seed: int | np.random.Generator | np.random.RandomState | None = None,
    ) -> None:
        if W is not None and seed is not None:
            raise ValueError("pass either W or seed, not both: seed only draws a random W.")
        if W is None:
            if isinstance(seed, np.random.RandomState):
                self.W = seed.randn(2, 3)
            else:
                rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
                self.W = rng.standard_normal((2, 3))
        else:
            weights = np.array(W, dtype=np.float64)
            if weights.ndim != 2:
                raise ValueError(f"W must be a 2-D matrix, got shape {weights.shape}.")
            self.W = weights

    def predict(self, x: ArrayLike) -> Any:
        """Scores ``x · W``."""
        return np.dot(x, self.W)

    def loss(self, x: ArrayLike, t: ArrayLike) -> Any:
        """Cross-entropy of ``softmax(predict(x))`` against the target t."""
        return cross_entropy_error(softmax(self.predict(x)), t)

    def __repr__(self) -> str:
        return f"SimpleNet(W={np.array2string(self.W, separator=', ', prefix='SimpleNet(W=')})"


#: The book's own name for the class.
simpleNet = SimpleNet
