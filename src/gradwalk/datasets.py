"""Data to train on: generated 2-D classification sets, scikit-learn's digits, MNIST and
Fashion-MNIST.

This is their public path; the code lives in :mod:`gradwalk._learning.datasets`.

>>> from gradwalk.datasets import make_spiral
>>> make_spiral(90, seed=0)[0].shape
(90, 2)
"""

from __future__ import annotations

from ._learning.datasets import (
    FASHION_MNIST_HASHES,
    FASHION_MNIST_URL,
    MNIST_HASHES,
    MNIST_URL,
    BookPickleError,
    IDXError,
    load_digits,
    load_fashion_mnist,
    load_idx_dataset,
    load_mnist,
    make_circles,
    make_moons,
    make_spiral,
)

__all__ = [
    "FASHION_MNIST_HASHES",
    "FASHION_MNIST_URL",
    "MNIST_HASHES",
    "MNIST_URL",
    "BookPickleError",
    "IDXError",
    "load_digits",
    "load_fashion_mnist",
    "load_idx_dataset",
    "load_mnist",
    "make_circles",
    "make_moons",
    "make_spiral",
]
