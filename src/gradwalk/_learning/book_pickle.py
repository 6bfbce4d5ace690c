"""The MNIST pickle the book's ``dataset/mnist.py`` writes, read without running code.

The book's repository caches MNIST as ``dataset/mnist.pkl``: a pickled dict of four uint8
arrays, ``train_img`` (60000, 784), ``train_label`` (60000,), ``test_img`` (10000, 784)
and ``test_label`` (10000,). A pickle can run any code when it is loaded, so this reader
lets it rebuild NumPy arrays and nothing else: anything more is refused with an error.

>>> import io, pickle
>>> import numpy as np
>>> book = {"train_img": np.zeros((2, 784), np.uint8),
...         "train_label": np.array([3, 1], np.uint8),
...         "test_img": np.zeros((1, 784), np.uint8), "test_label": np.array([7], np.uint8)}
>>> arrays = read_book_pickle(io.BytesIO(pickle.dumps(book, -1)), "mnist.pkl")
>>> arrays["train_label"]
array([3, 1], dtype=uint8)
"""

from __future__ import annotations

import importlib
import pickle
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["BOOK_PICKLE", "BookPickleError", "read_book_pickle"]

#: The file name of the book's cache, in its dataset/ folder.
BOOK_PICKLE = "mnist.pkl"

#: What the book's pickle holds: each key and its arrays' number of dimensions.
_KEYS = {"train_img": 2, "train_label": 1, "test_img": 2, "test_label": 1}

#: The only callables a pickle of NumPy arrays needs: rebuilding an array (NumPy 1 and
#: 2 name its modules differently), its dtype, and bytes written by protocol 2.
_ALLOWED = {
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"),
    ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class BookPickleError(ValueError):
    """The file is not the book's MNIST pickle (or holds more than NumPy arrays)."""


class _ArraysOnly(pickle.Unpickler):
    """An unpickler that rebuilds NumPy arrays and refuses every other callable."""

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("numpy.core."):  # pickles written by NumPy 1
            module = "numpy._core." + module.removeprefix("numpy.core.")
        if (module, name) not in _ALLOWED:
            raise pickle.UnpicklingError(f"it asks to run {module}.{name}")
        return getattr(importlib.import_module(module), name)


def read_book_pickle(file: str | Path | IO[bytes], name: str | None = None) -> dict[str, Any]:
    """The four arrays of the book's ``mnist.pkl``, checked.

    Parameters
    ----------
    file : str, Path or binary file
        The pickle.
    name : str, optional
        How messages name the file (its path by default).

    Returns
    -------
    dict of str to ndarray
        ``train_img``, ``train_label``, ``test_img``, ``test_label``, uint8, as written.

    Raises
    ------
    BookPickleError
        The file is not a pickle, asks to run anything but NumPy's array rebuilding, or
        does not hold the four uint8 arrays of matching lengths. The message names the
        file and says to delete it (it is then downloaded again).
    """
    label = name if name is not None else str(file)
    try:
        if isinstance(file, str | Path):
            with open(file, "rb") as stream:
                data = _ArraysOnly(stream).load()
        else:
            data = _ArraysOnly(file).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError) as error:
        raise BookPickleError(_refusal(label, f"it cannot be read as one ({error})")) from None
    if not isinstance(data, dict) or set(data) < set(_KEYS):
        found = sorted(data) if isinstance(data, dict) else type(data).__name__
        raise BookPickleError(_refusal(label, f"it holds {found}, not the keys {sorted(_KEYS)}"))
    arrays: dict[str, NDArray[Any]] = {}
    for key, ndim in _KEYS.items():
        array = data[key]
        if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != ndim:
            what = (
                f"dtype {array.dtype}, shape {array.shape}"
                if isinstance(array, np.ndarray)
                else type(array).__name__
            )
            raise BookPickleError(
                _refusal(label, f"its {key} is {what}, not a {ndim}-D uint8 array")
            )
        arrays[key] = array
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_img"], arrays[f"{split}_label"]
        if images.shape[0] != labels.shape[0]:
            raise BookPickleError(
                _refusal(
                    label,
                    f"its {split} images hold {images.shape[0]} samples but the labels "
                    f"{labels.shape[0]}",
                )
            )
    return arrays


def _refusal(label: str, why: str) -> str:
    return (
        f"{label} is not the MNIST pickle of the book's dataset/mnist.py: {why}. Delete it "
        "(MNIST is then downloaded again) or replace it with the book's own file."
    )
