"""The numerical derivatives gradwalk offers: :func:`numerical_gradient` (section 4.4),
:func:`numerical_diff` (section 4.3), :func:`numerical_jacobian` (dense, sparse or as a
linear operator), :func:`jacobian_sparsity`, :func:`jacobian_vector_product`,
:func:`numerical_hessian` and :func:`hessian_vector_product`, each built on the
difference engine (:mod:`gradwalk._engine`). Re-exported by :mod:`gradwalk`.
"""

from __future__ import annotations

from .diff import numerical_diff
from .directional import jacobian_vector_product
from .gradient import numerical_gradient
from .hessian import HessianResult, numerical_hessian
from .hessian_vector import hessian_vector_product
from .jacobian import JacobianResult, numerical_jacobian
from .sparsity import SparsityResult, jacobian_sparsity

__all__ = [
    "HessianResult",
    "JacobianResult",
    "SparsityResult",
    "hessian_vector_product",
    "jacobian_sparsity",
    "jacobian_vector_product",
    "numerical_diff",
    "numerical_gradient",
    "numerical_hessian",
    "numerical_jacobian",
]
