"""Data to train on: generated 2-D classification sets, scikit-learn's digits, MNIST.

The generated sets (:func:`make_spiral`, :func:`make_moons`, :func:`make_circles`) have
float64 points and int64 labels, and need nothing installed and no network. The image
sets (:func:`load_mnist`, :func:`load_fashion_mnist`, :func:`load_digits`) come in the
book's format and dtypes: uint8 images (float32 in [0, 1] normalized) and uint8 labels
(float64 one-hot rows).

>>> x, t = make_spiral(n_samples=300, n_classes=3, seed=0)
>>> x.shape, x.dtype, t.shape, sorted(set(t.tolist()))
((300, 2), dtype('float64'), (300,), [0, 1, 2])
"""

from __future__ import annotations

import hashlib
import numbers
import os
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.docstrings import shared_docs
from gradwalk._common.rng import make_rng

from .book_pickle import BOOK_PICKLE, BookPickleError, read_book_pickle
from .idx import IDXError, read_idx

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

Dataset = tuple[NDArray[np.float64], NDArray[np.int64]]
Split = tuple[tuple[NDArray[Any], NDArray[Any]], tuple[NDArray[Any], NDArray[Any]]]

#: The four IDX files of a data set: train images and labels, test images and labels.
IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

#: A mirror of Yann LeCun's MNIST files (the one torchvision uses).
MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
#: SHA-256 of each MNIST file.
MNIST_HASHES = dict(
    zip(
        IDX_FILES,
        (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        ),
        strict=True,
    )
)
#: Zalando Research's Fashion-MNIST files.
FASHION_MNIST_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
#: SHA-256 of each Fashion-MNIST file.
FASHION_MNIST_HASHES = dict(
    zip(
        IDX_FILES,
        (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        ),
        strict=True,
    )
)


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


@shared_docs
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
    {points}
    {points_returned}

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


@shared_docs
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
    {points}
    factor : float
        Radius of the inner circle, 0 < factor < 1.
    {points_returned}

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


# --- real data --------------------------------------------------------------------


def _book_format(
    images: NDArray[Any],
    labels: NDArray[Any],
    *,
    scale: float,
    normalize: bool,
    flatten: bool,
    one_hot_label: bool,
    classes: int = 10,
) -> tuple[NDArray[Any], NDArray[Any]]:
    """Images and labels in the format of the book's ``load_mnist``: images uint8 (float32
    in [0, 1] with normalize), labels uint8 (float64 one-hot rows with one_hot_label)."""
    n = images.shape[0]
    x: NDArray[Any] = images.reshape(n, -1) if flatten else images.reshape(n, 1, *images.shape[1:])
    if normalize:
        x = x.astype(np.float32) / np.float32(scale)
    t: NDArray[Any] = labels.astype(np.uint8)
    if one_hot_label:  # the book's one-hot rows are float64 (np.zeros)
        rows = np.zeros((n, classes))
        rows[np.arange(n), t] = 1.0
        t = rows
    return x, t


def _default_cache(name: str) -> Path:
    """The per-user folder a data set is kept in: pooch's ``os_cache("gradwalk") / name``.

    Without pooch, the same folder by the platform's rules (platformdirs, else the XDG
    default ``~/.cache``), so that files put there by hand are found.
    """
    try:
        import pooch  # type: ignore[import-untyped,unused-ignore]

        return Path(pooch.os_cache("gradwalk")) / name
    except ImportError:
        pass
    try:
        import platformdirs

        return Path(platformdirs.user_cache_dir("gradwalk")) / name
    except ImportError:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        return Path(base) / "gradwalk" / name


def _cache(cache_dir: str | Path | None, name: str) -> Path:
    return _default_cache(name) if cache_dir is None else Path(cache_dir)


def _present(folder: Path, hashes: Mapping[str, str]) -> list[Path] | None:
    """The four files in ``folder`` when every one is there with its SHA-256, else None."""
    paths = [folder / name for name in IDX_FILES]
    for path in paths:
        if not path.is_file():
            return None
        if hashlib.sha256(path.read_bytes()).hexdigest() != hashes[path.name]:
            return None
    return paths


def _mismatched(folder: Path, hashes: Mapping[str, str]) -> str:
    """A note naming the files in ``folder`` that are there but not the expected ones."""
    wrong = [
        name
        for name in IDX_FILES
        if (folder / name).is_file()
        and hashlib.sha256((folder / name).read_bytes()).hexdigest() != hashes[name]
    ]
    if not wrong:
        return ""
    return (
        f" ({', '.join(wrong)} {'is' if len(wrong) == 1 else 'are'} there but not the "
        "expected file: the SHA-256 differs. Replace it with the original, still gzipped)"
    )


def load_idx_dataset(
    base_url: str,
    hashes: Mapping[str, str],
    cache_dir: str | Path,
    *,
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    progress: bool = True,
) -> Split:
    """Download (once) and read an MNIST-format data set of four IDX files.

    Parameters
    ----------
    base_url : str
        Folder URL that holds the four files of ``IDX_FILES``.
    hashes : mapping of str to str
        The SHA-256 of each file; a file that does not match is refused and deleted.
    cache_dir : str or Path
        Where the files are kept; files already there (with the right hash) are used
        without any network access.
    normalize, flatten, one_hot_label : bool
        As the book's ``load_mnist``: pixels as float32 in [0, 1] (else uint8 0-255);
        images as rows of 784 values (else shape (N, 1, 28, 28)); labels as one-hot rows
        of 10, float64 (else uint8 label indices), as the book's ``load_mnist``.
    progress : bool
        Show a download progress bar.

    Returns
    -------
    ((x_train, t_train), (x_test, t_test))

    Raises
    ------
    ImportError
        The files are not all in ``cache_dir`` and pooch, which downloads them, is not
        installed: the message says what to install and where to put the files.
    OSError
        A file is not cached and cannot be downloaded (offline): the message says where
        to put it.
    ValueError
        A downloaded file does not match its SHA-256.
    IDXError
        A file is corrupt or truncated.
    """
    folder = Path(cache_dir)
    present = _present(folder, hashes)
    paths = present if present is not None else _download(base_url, hashes, folder, progress)
    arrays = [read_idx(path) for path in paths]
    train_images, train_labels, test_images, test_labels = arrays
    for images, labels, split in (
        (train_images, train_labels, "train"),
        (test_images, test_labels, "t10k"),
    ):
        if images.shape[0] != labels.shape[0]:
            raise IDXError(
                f"{split} images hold {images.shape[0]} samples but the labels "
                f"{labels.shape[0]}; delete the files in {folder} and retry."
            )
    fmt = partial(
        _book_format, scale=255.0, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label
    )
    return (
        fmt(train_images, train_labels),
        fmt(test_images, test_labels),
    )


def _offline_advice(base_url: str, hashes: Mapping[str, str], folder: Path) -> str:
    """Where to put the files by hand, naming the folder and ``cache_dir``."""
    book = " the book's dataset/mnist.pkl or" if hashes is MNIST_HASHES else ""
    return (
        f"put{book} the four files {', '.join(IDX_FILES)} (from {base_url}) into {folder} "
        "and call again, or pass cache_dir= a folder that has them"
    ) + _mismatched(folder, hashes)


def _download(base_url: str, hashes: Mapping[str, str], folder: Path, progress: bool) -> list[Path]:
    """The four files fetched into ``folder`` by pooch, each checked against its SHA-256.

    The errors are raised without the chain of the download's own exceptions (dozens of
    lines from inside pooch and requests): one message that says what to do.
    """
    put = _offline_advice(base_url, hashes, folder)
    try:
        import pooch
    except ImportError:
        raise ImportError(
            f'downloading the data needs pooch: pip install "gradwalk[data]". Without a '
            f"network, {put}; or train on the generated data (make_spiral) or "
            "load_digits(), which need no download."
        ) from None
    paths = []
    for name in IDX_FILES:
        url = base_url.rstrip("/") + "/" + name
        try:
            path = pooch.retrieve(
                url,
                known_hash=f"sha256:{hashes[name]}",
                fname=name,
                path=folder,
                progressbar=progress,
            )
        except ValueError as error:
            raise ValueError(
                f"{name} downloaded from {url} does not have the expected SHA-256 "
                f"{hashes[name]}; it was not kept. The server sent a different or damaged "
                f"file: retry later or use another mirror. ({_short(error)})"
            ) from None
        except Exception as error:
            raise OSError(
                f"could not download {url} ({type(error).__name__}: {_short(error)}). "
                f"Without a network, {put}."
            ) from None
        paths.append(Path(path))
    return paths


def _short(error: BaseException, limit: int = 80) -> str:
    """An exception's text on one line, cut to ``limit`` characters."""
    text = " ".join(str(error).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def load_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    cache_dir: str | Path | None = None,
    base_url: str = MNIST_URL,
    progress: bool = True,
) -> Split:
    """MNIST with the book's signature: ``(x_train, t_train), (x_test, t_test)``.

    60,000 training and 10,000 test images of handwritten digits, 28×28, in the book's
    dtypes: images uint8 (float32 in [0, 1] with ``normalize``), labels uint8 (float64
    one-hot rows with ``one_hot_label``). The data are read from the first of:

    1. ``cache_dir/mnist.pkl``, the cache the book's ``dataset/mnist.py`` writes (so
       ``cache_dir="path/to/deep-learning-from-scratch/dataset"`` reuses the book's
       download); it is read without running any code (see :mod:`.book_pickle`);
    2. the four IDX files in ``cache_dir``;
    3. a download of those files (checked against their SHA-256) into ``cache_dir``.

    ``cache_dir`` defaults to a per-user cache (``pooch.os_cache("gradwalk")/mnist``), so
    this works from any folder. Downloading needs the ``data`` extra (pooch). See
    :func:`load_idx_dataset` for the parameters and the errors; offline and with nothing
    cached, the error says where to put the files.

    Raises
    ------
    BookPickleError
        ``cache_dir/mnist.pkl`` is there but is not the book's pickle.

    Examples
    --------
    >>> import pickle, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> book = {"train_img": np.zeros((2, 784), np.uint8),
    ...         "train_label": np.array([3, 1], np.uint8),
    ...         "test_img": np.zeros((1, 784), np.uint8), "test_label": np.array([7], np.uint8)}
    >>> with open(f"{folder}/mnist.pkl", "wb") as file:
    ...     pickle.dump(book, file, -1)
    >>> (x_train, t_train), (x_test, t_test) = load_mnist(one_hot_label=True, cache_dir=folder)
    >>> x_train.dtype, t_train.dtype, t_test
    (dtype('float32'), dtype('float64'), array([[0., 0., 0., 0., 0., 0., 0., 1., 0., 0.]]))
    """
    folder = _cache(cache_dir, "mnist")
    if (folder / BOOK_PICKLE).is_file():
        arrays = read_book_pickle(folder / BOOK_PICKLE)
        fmt = partial(
            _book_format,
            scale=255.0,
            normalize=normalize,
            flatten=flatten,
            one_hot_label=one_hot_label,
        )
        return (
            fmt(arrays["train_img"].reshape(-1, 28, 28), arrays["train_label"]),
            fmt(arrays["test_img"].reshape(-1, 28, 28), arrays["test_label"]),
        )
    return load_idx_dataset(
        base_url,
        MNIST_HASHES,
        folder,
        normalize=normalize,
        flatten=flatten,
        one_hot_label=one_hot_label,
        progress=progress,
    )


def load_fashion_mnist(
    normalize: bool = True,
    flatten: bool = True,
    one_hot_label: bool = False,
    *,
    cache_dir: str | Path | None = None,
    base_url: str = FASHION_MNIST_URL,
    progress: bool = True,
) -> Split:
    """Fashion-MNIST (Zalando Research), in the same format as :func:`load_mnist`.

    Ten classes of clothing in 28×28 grey images; cached under
    ``pooch.os_cache("gradwalk")/fashion-mnist`` unless ``cache_dir`` is given.
    """
    return load_idx_dataset(
        base_url,
        FASHION_MNIST_HASHES,
        _cache(cache_dir, "fashion-mnist"),
        normalize=normalize,
        flatten=flatten,
        one_hot_label=one_hot_label,
        progress=progress,
    )


#: Samples of scikit-learn's digits used for training; the remaining 297 are the test set.
DIGITS_TRAIN = 1500


def load_digits(normalize: bool = True, flatten: bool = True, one_hot_label: bool = False) -> Split:
    """scikit-learn's 8×8 handwritten digits (1,797 images), offline, in the book's format.

    The split is fixed: a permutation drawn once with ``np.random.default_rng(0)``, whose
    first 1,500 images train and last 297 test. (The file stores the images writer by
    writer; splitting it unshuffled puts unseen writers in the test set, about 92% test
    accuracy instead of 98% for the same network.) Pixels run 0-16; normalize
    divides them by 16 (float32). Needs scikit-learn (the ``digits`` extra).

    Returns
    -------
    ((x_train, t_train), (x_test, t_test))
        x of shape (N, 64) (or (N, 1, 8, 8) without flatten), t uint8 labels 0-9 (or
        one-hot rows).

    Raises
    ------
    ImportError
        scikit-learn is not installed: the message says what to install.

    Examples
    --------
    >>> (x_train, t_train), (x_test, t_test) = load_digits()
    >>> x_train.shape, x_test.shape
    ((1500, 64), (297, 64))
    """
    images, labels = _sklearn_digits()
    order = np.random.default_rng(0).permutation(labels.shape[0])
    images, labels = images[order], labels[order]
    fmt = partial(
        _book_format, scale=16.0, normalize=normalize, flatten=flatten, one_hot_label=one_hot_label
    )
    return (
        fmt(images[:DIGITS_TRAIN], labels[:DIGITS_TRAIN]),
        fmt(images[DIGITS_TRAIN:], labels[DIGITS_TRAIN:]),
    )


def _sklearn_digits() -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """scikit-learn's bundled digits.csv.gz (64 pixels and the label per row), read directly.

    Reading the file avoids importing scikit-learn (seconds); its loader is the fallback.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ImportError(
            'load_digits needs scikit-learn: pip install "gradwalk[digits]"; the generated '
            "data (make_spiral, make_moons, make_circles) need nothing installed."
        )
    csv = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if csv.is_file():
        table = np.loadtxt(csv, delimiter=",")
        return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)
    from sklearn.datasets import (  # type: ignore[import-untyped,unused-ignore]  # pragma: no cover
        load_digits as sklearn_digits,
    )

    digits = sklearn_digits()  # pragma: no cover
    return np.asarray(digits.images), np.asarray(digits.target, dtype=np.int64)  # pragma: no cover
