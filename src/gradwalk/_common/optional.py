"""Optional dependencies, imported when a feature needs them, with an error that names
the extra to install."""

from __future__ import annotations

from typing import Any

__all__ = ["scipy_sparse"]


def scipy_sparse(feature: str) -> Any:
    """The ``scipy.sparse`` module (with ``scipy.sparse.linalg`` loaded), for ``feature``.

    Raises
    ------
    ImportError
        SciPy is not installed: the message names ``feature`` and the extra to install.

    Examples
    --------
    >>> scipy_sparse("sparse Jacobians").csr_array((2, 2)).shape
    (2, 2)
    """
    try:
        import scipy.sparse  # type: ignore[import-untyped]
        import scipy.sparse.linalg  # type: ignore[import-untyped]
    except ImportError as error:
        raise ImportError(
            f"{feature} needs SciPy (its sparse matrices and linear operators): pip install "
            '"gradwalk[sparse]".'
        ) from error
    return scipy.sparse
