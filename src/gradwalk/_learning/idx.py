"""A reader of the IDX format of MNIST and Fashion-MNIST (optionally gzipped).

An IDX file is two zero bytes, a type code, the number of dimensions, each dimension as
a big-endian 32-bit integer, then the values in C order. Anything else, including a
file shorter or longer than its header says, is an error: never a short array.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

#: IDX type codes and the big-endian dtypes they denote.
IDX_TYPES: dict[int, np.dtype[Any]] = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class IDXError(ValueError):
    """An IDX file is corrupt, truncated or not an IDX file at all."""


def read_idx(path: str | Path) -> NDArray[np.generic]:
    """The array an IDX file holds, in native byte order; ``.gz`` files are decompressed.

    Raises
    ------
    IDXError
        A bad header, a gzip stream that is corrupt or cut short, or data whose length
        differs from the header's shape. The message names the file and delete-and-retry.
    """
    path = Path(path)
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    except (OSError, EOFError, zlib.error) as error:
        if isinstance(error, FileNotFoundError):
            raise
        raise IDXError(
            f"{path} is not a valid gzip file ({error}); delete it and retry."
        ) from error
    return parse_idx(raw, str(path))


def parse_idx(raw: bytes, name: str = "the IDX data") -> NDArray[np.generic]:
    """The array of IDX bytes (see :func:`read_idx`)."""
    advice = f"{name} is corrupt or truncated; delete it and download it again"
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise IDXError(f"{advice}: it does not start with an IDX header (got {raw[:4]!r}).")
    dtype, ndim = IDX_TYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{advice}: its header is cut short ({len(raw)} bytes).")
    shape = tuple(int(d) for d in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise IDXError(
            f"{advice}: its header promises shape {shape} ({expected} bytes) but it has "
            f"{len(raw)} bytes."
        )
    values: NDArray[np.generic] = np.frombuffer(raw, dtype, offset=header).reshape(shape)
    return values.astype(dtype.newbyteorder("="))
