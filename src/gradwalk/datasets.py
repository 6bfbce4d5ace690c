"""Data to train on: generated 2-D classification sets, scikit-learn's digits, MNIST.

Every loader returns float64 features and integer labels. The generated sets
(:func:`make_spiral`, :func:`make_moons`, :func:`make_circles`) need nothing installed
and no network.

>>> x, t = make_spiral(n_samples=300, n_classes=3, seed=0)
>>> x.shape, x.dtype, t.shape, sorted(set(t.tolist()))
((300, 2), dtype('float64'), (300,), [0, 1, 2])
"""

from __future__ import annotations

import numbers

import numpy as np
from numpy.typing import NDArray

from ._rng import make_rng

__all__ = ["make_circles", "make_moons", "make_spiral"]

Dataset = tuple[NDArray[np.float64], NDArray[np.int64]]


def _check_int(value: object, name: str, least: int) -> int:
    """A whole number >= least, or an error that names it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number >= {least}, got {value!r}.")
    if value < least:
        raise ValueError(f"{name} must be >= {least}, got {name}={value!r}.")
    return int(value)


def _check_nonnegative(value: object, name: str) -> float:
    """A finite number >= 0, or an error that names it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number >= 0, got {value!r}.")
    if not np.isfinite(float(value)) or float(value) < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {name}={value!r}.")
    return float(value)


def _split_counts(n_samples: int, n_classes: int) -> list[int]:
    """Samples per class: as equal as possible, the first classes taking the remainder."""
    base, extra = divmod(n_samples, n_classes)
    return [base + (1 if k < extra else 0) for k in range(n_classes)]


def make_spiral(
    n_samples: int = 300,
    n_classes: int = 3,
    *,
    noise: float = 0.2,
    seed: int | np.random.Generator | None = None,
) -> Dataset:
    """Interleaved spiral arms, one per class: not separable by a straight line.

    Class k's points run along radius r from 0 to 1 at angle ``4 (k + r) + noise · N(0, 1)``
    (the spiral of Stanford's CS231n notes and of the TensorFlow Playground).

    Parameters
    ----------
    n_samples : int
        Points in all (split as equally as possible between the classes).
    n_classes : int
        Number of arms, >= 2.
    noise : float
        Standard deviation of the angle's noise, in radians.
    seed : int or numpy.random.Generator, optional
        For reproducible data.

    Returns
    -------
    x : ndarray, shape (n_samples, 2), float64
        The points, within the unit disc.
    t : ndarray, shape (n_samples,), int64
        The class of each point, 0 .. n_classes - 1, in blocks.

    Raises
    ------
    TypeError, ValueError
        n_samples < n_classes, n_classes < 2 or a negative noise.

    Examples
    --------
    >>> x, t = make_spiral(6, 3, seed=1)
    >>> t
    array([0, 0, 1, 1, 2, 2])
    >>> bool(np.all(np.hypot(x[:, 0], x[:, 1]) <= 1.0))
    True
    """
    n_classes = _check_int(n_classes, "n_classes", 2)
    n_samples = _check_int(n_samples, "n_samples", n_classes)
    noise = _check_nonnegative(noise, "noise")
    rng = make_rng(seed)
    xs, ts = [], []
    for k, count in enumerate(_split_counts(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, count)
        angle = 4.0 * (k + r) + noise * rng.standard_normal(count)
        xs.append(np.column_stack([r * np.sin(angle), r * np.cos(angle)]))
        ts.append(np.full(count, k, dtype=np.int64))
    return np.concatenate(xs), np.concatenate(ts)


def make_moons(
    n_samples: int = 200,
    *,
    noise: float = 0.1,
    seed: int | np.random.Generator | None = None,
) -> Dataset:
    """Two interleaving half circles, classes 0 (upper) and 1 (lower).

    The upper moon is the unit half circle above the origin, the lower one is shifted to
    (1, 0.5) and flipped, as in scikit-learn's ``make_moons``; Gaussian noise of standard
    deviation ``noise`` is added to both coordinates.

    Parameters
    ----------
    n_samples : int
        Points in all, >= 2.
    noise : float
        Standard deviation of the noise added to each coordinate.
    seed : int or numpy.random.Generator, optional
        For reproducible data.

    Returns
    -------
    x : ndarray, shape (n_samples, 2), float64
    t : ndarray, shape (n_samples,), int64

    Raises
    ------
    TypeError, ValueError
        n_samples < 2 or a negative noise.

    Examples
    --------
    >>> x, t = make_moons(4, noise=0.0)
    >>> np.round(x, 3)
    array([[ 1. ,  0. ],
           [-1. ,  0. ],
           [ 0. ,  0.5],
           [ 2. ,  0.5]])
    >>> t
    array([0, 0, 1, 1])
    """
    n_samples = _check_int(n_samples, "n_samples", 2)
    noise = _check_nonnegative(noise, "noise")
    rng = make_rng(seed)
    upper, lower = _split_counts(n_samples, 2)
    a = np.linspace(0.0, np.pi, upper)
    b = np.linspace(0.0, np.pi, lower)
    x = np.concatenate(
        [np.column_stack([np.cos(a), np.sin(a)]), np.column_stack([1 - np.cos(b), 0.5 - np.sin(b)])]
    )
    x += noise * rng.standard_normal(x.shape)
    return x, np.repeat(np.array([0, 1], dtype=np.int64), [upper, lower])


def make_circles(
    n_samples: int = 200,
    *,
    noise: float = 0.05,
    factor: float = 0.5,
    seed: int | np.random.Generator | None = None,
) -> Dataset:
    """A circle inside a circle: class 0 on the unit circle, class 1 on radius ``factor``.

    Points are equally spaced in angle, with Gaussian noise of standard deviation
    ``noise`` on each coordinate (as scikit-learn's ``make_circles``).

    Parameters
    ----------
    n_samples : int
        Points in all, >= 2.
    noise : float
        Standard deviation of the noise added to each coordinate.
    factor : float
        Radius of the inner circle, 0 < factor < 1.
    seed : int or numpy.random.Generator, optional
        For reproducible data.

    Returns
    -------
    x : ndarray, shape (n_samples, 2), float64
    t : ndarray, shape (n_samples,), int64

    Raises
    ------
    TypeError, ValueError
        n_samples < 2, a negative noise or a factor outside (0, 1).

    Examples
    --------
    >>> x, t = make_circles(8, noise=0.0)
    >>> np.round(np.hypot(x[:, 0], x[:, 1]), 3)
    array([1. , 1. , 1. , 1. , 0.5, 0.5, 0.5, 0.5])
    """
    n_samples = _check_int(n_samples, "n_samples", 2)
    noise = _check_nonnegative(noise, "noise")
    given: object = factor
    if isinstance(given, bool) or not isinstance(given, numbers.Real) or not 0 < float(given) < 1:
        raise ValueError(f"factor must be a number in (0, 1), got factor={factor!r}.")
    rng = make_rng(seed)
    outer, inner = _split_counts(n_samples, 2)
    a = np.linspace(0.0, 2 * np.pi, outer, endpoint=False)
    b = np.linspace(0.0, 2 * np.pi, inner, endpoint=False)
    x = np.concatenate(
        [np.column_stack([np.cos(a), np.sin(a)]), factor * np.column_stack([np.cos(b), np.sin(b)])]
    )
    x += noise * rng.standard_normal(x.shape)
    return x, np.repeat(np.array([0, 1], dtype=np.int64), [outer, inner])
