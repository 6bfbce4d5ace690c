"""What a numerical Jacobian returns: :class:`JacobianResult`, dense or sparse."""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._engine.display import derivative_html
from gradwalk._engine.driver import GradientResult

__all__ = ["JacobianResult", "jacobian_result", "outputs_first"]


@dataclass(frozen=True, eq=False)
class JacobianResult:
    """A numerical Jacobian with what it cost and how far it can be trusted.

    Attributes
    ----------
    jac : ndarray or scipy.sparse.csr_array
        The Jacobian, shape ``f(x).shape + x.shape``: ``jac[k][i]`` is the derivative of
        output k with respect to element i of x. With ``sparsity=``, a
        ``scipy.sparse.csr_array`` of shape (outputs, elements), both flattened, holding
        exactly the pattern's entries (an entry computed as 0 is stored as 0).
    error : ndarray or scipy.sparse.csr_array
        Estimated absolute error of each entry (jac's shape and kind), as
        ``GradientResult.error``: nan for the single differences, an estimate for
        "richardson" and for "complex" with ``h="auto"``.
    nfev : int
        Number of evaluations of f (f(x) included).
    step : ndarray or scipy.sparse.csr_array
        The step used for each entry (jac's shape and kind; a read-only view where the
        step is one per element of x, not an array of every entry).
    method : str
        The method that produced it.
    status : ndarray of int8
        One :class:`~gradwalk.GradientStatus` code per element of x (x's shape): the
        most severe over that element's outputs (with ``sparsity=``: over its entries).
    colours : int or None
        With ``sparsity=``, the number of groups of columns that share no row (the
        colours of the pattern's column-intersection graph): each evaluation moves one
        group. None for a dense Jacobian.

    Examples
    --------
    >>> import numpy as np
    >>> f = lambda x: np.array([x[0] * x[1], x[0] + 2 * x[1]])
    >>> from gradwalk import numerical_jacobian
    >>> result = numerical_jacobian(f, [1.0, 2.0], method="complex", full_output=True)
    >>> result.jac, result.nfev
    (array([[2., 1.],
           [1., 2.]]), 3)
    """

    jac: NDArray[np.floating]
    error: NDArray[np.floating]
    nfev: int
    step: NDArray[np.floating]
    method: str
    status: NDArray[np.int8]
    colours: int | None = None

    def __repr__(self) -> str:
        if self.colours is not None:
            shape = "x".join(str(size) for size in self.jac.shape)
            return (
                f"JacobianResult(method={self.method!r}, nfev={self.nfev}, "
                f"colours={self.colours},\n              jac=<{shape} sparse, "
                f"{getattr(self.jac, 'nnz', self.jac.size)} entries>)"
            )
        with np.printoptions(precision=8, threshold=20, edgeitems=3):
            jac = np.array2string(self.jac, separator=", ", prefix="              ")
        return f"JacobianResult(method={self.method!r}, nfev={self.nfev},\n              jac={jac})"

    def _repr_html_(self) -> str:
        """The notebook display: method, cost, status verdict per element of x, the values
        (a sparse Jacobian: its description, as printed)."""
        if self.colours is not None:
            return "<pre>" + html.escape(repr(self)) + "</pre>"
        return derivative_html(
            "JacobianResult", self.jac, self.error, self.step, self.status, self.method, self.nfev
        )


def outputs_first(array: NDArray[Any], x_ndim: int) -> NDArray[Any]:
    """An array of shape ``x.shape + out`` rearranged to ``out + x.shape``.

    >>> import numpy as np
    >>> outputs_first(np.zeros((2, 3, 4)), 1).shape
    (3, 4, 2)
    """
    ndim = array.ndim
    return np.transpose(array, (*range(x_ndim, ndim), *range(x_ndim)))


def jacobian_result(result: GradientResult, x_ndim: int) -> JacobianResult:
    """The driver's result (one row per element of x) as a :class:`JacobianResult`."""
    step = np.broadcast_to(
        result.step.reshape(result.step.shape + (1,) * (result.grad.ndim - result.step.ndim)),
        result.grad.shape,
    )
    return JacobianResult(
        jac=outputs_first(result.grad, x_ndim),
        error=outputs_first(result.error, x_ndim),
        nfev=result.nfev,
        step=outputs_first(step, x_ndim),
        method=result.method,
        status=result.status,
    )
