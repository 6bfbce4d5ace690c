"""The caller's arrays: PyTorch, JAX, CuPy and any array of the array API standard.

The engine computes on NumPy arrays on the host. An array of another library meets it at
one boundary: a :class:`CallerArray` keeps a host *mirror* of it, which the engine reads
and perturbs, and makes every perturbation of the mirror visible to f in the caller's
own library, dtype and device; :class:`CallerFunction` is f as the engine calls it (host
arrays in, host values out); :meth:`CallerArray.to_caller` turns results back. The
library is found with array-api-compat (the ``arrays`` extra).

How a perturbation reaches the caller's array, by library:

- *shared*: a PyTorch tensor on the CPU. The mirror is a NumPy view of the tensor's own
  memory (``x.detach().numpy()``): the engine writes the perturbed element there and f
  gets the caller's tensor itself, as a NumPy array in the book's loop. A write through
  the view is exact, needs no ``torch.no_grad()`` and leaves the tensor's autograd
  version counter alone.
- *mutable*: a tensor on a GPU, a CuPy array, an array-api-strict array. The mirror is
  a host copy. Before each call of f the elements of the mirror that changed since the
  last call are written into the caller's array with its library's own item assignment
  (PyTorch: on ``x.data``, outside autograd, so no version is bumped; one whole copy
  where many elements changed); after f the elements written are read back (f must not
  change them); at the end the caller's array is compared with its snapshot and put back.
- *immutable*: a JAX array. f gets a new array of the caller's library for each point
  (a JAX array cannot change, so no closure could see a change either).

Only PyTorch's CPU tensors are shared, and of those only ones whose elements cannot
share memory: an expanded tensor (a zero stride), written in place, would move several
elements at once, so it is mirrored by a private copy and f gets a new tensor for each
point, as on the immutable path. array-api-strict, whose arrays a NumPy view could
reach too, stands in for a GPU library: its arrays take the *mutable* path, on its CPU
device or on the stand-in devices it offers.

>>> import numpy as np
>>> caller_array(np.ones(2)) is None   # NumPy arrays never cross the boundary
True
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .inputs import InputModifiedError, float64_spelling, may_overlap, modified_message

__all__ = [
    "CallerArray",
    "CallerFunction",
    "array_library",
    "caller_array",
    "check_numpy_partner",
    "host_value",
    "is_caller_array",
    "is_torch_module",
]

#: Array libraries whose tensors do not implement the array API standard (by top-level
#: module), and what to do instead.
_NO_ARRAY_API = {
    "tensorflow": "tf.experimental.numpy, or x.numpy() and an f written in NumPy",
    "keras": "x.numpy() and an f written in NumPy",
    "mxnet": "x.asnumpy() and an f written in NumPy",
    "paddle": "x.numpy() and an f written in NumPy",
    "mindspore": "x.asnumpy() and an f written in NumPy",
    "oneflow": "x.numpy() and an f written in NumPy",
}

#: Libraries whose arrays array-api-compat gives the array API (the others must have
#: ``__array_namespace__`` themselves).
_COMPAT_LIBRARIES = ("torch", "jax", "jaxlib", "cupy", "dask", "sparse", "ndonnx")

#: Elements written one by one into a mutable caller's array; more take one whole copy.
_FEW = 8


def _library(value: object) -> str:
    """The top-level module of ``value``'s type ("torch", "jax", ...)."""
    return type(value).__module__.partition(".")[0]


def array_library(value: object) -> str:
    """A readable name of ``value``'s type with its library, for messages.

    >>> array_library(np.ones(2)), array_library([1.0])
    ('numpy.ndarray', 'list')
    """
    kind = type(value)
    module = _library(value)
    if module in ("jax", "jaxlib"):
        return "jax.Array"
    if module == "builtins":
        return kind.__name__
    return f"{module}.{kind.__name__}"


def is_caller_array(value: object) -> bool:
    """Whether ``value`` is an array of a library other than NumPy, which f is to get
    as it is (one with the array API standard, or known to array-api-compat).

    Raises
    ------
    TypeError
        ``value`` is a tensor of a library without the array API (TensorFlow, MXNet,
        Paddle, ...): the message names it and says what to do.

    Examples
    --------
    >>> is_caller_array(np.ones(2)), is_caller_array([1.0, 2.0])
    (False, False)
    """
    if isinstance(value, np.ndarray | np.generic | float | int | complex | list | tuple):
        return False
    if not (hasattr(value, "shape") and hasattr(value, "dtype")):
        return False  # a module, a mapping, a number of another kind
    module = _library(value)
    if module in _NO_ARRAY_API:
        raise TypeError(
            f"x is a {array_library(value)}, and {module} does not implement the Python "
            "array API standard, through which gradwalk hands f arrays of the caller's "
            f"library. Use {_NO_ARRAY_API[module]}; or a library with the array API "
            "(NumPy, PyTorch, JAX, CuPy)."
        )
    return module in _COMPAT_LIBRARIES or hasattr(type(value), "__array_namespace__")


def _compat() -> Any:
    """array-api-compat, or an error that says how to install it."""
    try:
        import array_api_compat
    except ImportError:
        raise ModuleNotFoundError(
            "gradwalk needs array-api-compat to take arrays of libraries other than NumPy "
            "(PyTorch, JAX, CuPy, ...): pip install 'gradwalk[arrays]'."
        ) from None
    return array_api_compat


def caller_array(value: object, name: str = "x") -> CallerArray | None:
    """The :class:`CallerArray` of ``value``, or None for NumPy and Python input."""
    if type(value) is np.ndarray or not is_caller_array(value):
        return None
    return CallerArray(value, name)


def is_torch_module(value: object) -> bool:
    """Whether ``value`` is a ``torch.nn.Module`` (PyTorch imported by the caller)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.nn.Module)


def check_numpy_partner(value: object, name: str, of: str) -> None:
    """An analytic gradient ``name`` of the NumPy array ``of`` must not be of another
    library.

    Raises
    ------
    TypeError
        ``value`` is an array of another library (PyTorch, JAX, ...).
    """
    if is_caller_array(value):
        raise TypeError(
            f"{name} is a {array_library(value)} but {of} is a numpy.ndarray: pass both in "
            f"one library (results come back in {of}'s, and like is compared with like), "
            f"e.g. {name} as a NumPy array, or {of} as an array of {name}'s library."
        )


def _is_torch(value: object) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _host_copy(array: Any) -> NDArray[Any]:
    """A new NumPy array holding the values of the caller's ``array``."""
    if _is_torch(array):
        tensor = array.detach()
        if str(tensor.dtype) == "torch.bfloat16":
            tensor = tensor.float()  # NumPy has no bfloat16; float32 holds it exactly
        return np.array(tensor.cpu().resolve_conj().resolve_neg().numpy(), copy=True)
    if _library(array) == "cupy":
        return np.array(array.get(), copy=True)
    try:
        return np.array(array, copy=True)
    except (TypeError, ValueError, RuntimeError):  # no __array__ (a device other than the CPU)
        return np.array(np.from_dlpack(array), copy=True)


def host_value(value: object) -> Any:
    """f's value on the host: NumPy and Python values as they are, an array of another
    library as a NumPy array (a 0-d float64 tensor as a Python float: a loss, fast).

    >>> host_value(2.5), host_value(np.float32(1))
    (2.5, np.float32(1.0))
    """
    if isinstance(value, float | int | np.ndarray | np.generic):
        return value
    if _is_torch(value):
        if value.ndim == 0 and str(value.dtype) == "torch.float64":  # type: ignore[attr-defined]
            return value.item()  # type: ignore[attr-defined]
        return _host_copy(value)
    if is_caller_array(value):
        return _host_copy(value)
    return value


class CallerArray:
    """One array of the caller's library and its host mirror (see the module's notes).

    Attributes
    ----------
    array : array
        The caller's array.
    host : ndarray
        The mirror that the engine reads and perturbs.
    library : str
        ``array``'s library and type, for messages (``torch.Tensor``).
    device : object
        ``array``'s device, as its library names it.
    shared, mutable : bool
        Whether the mirror is the array's own memory; whether the array can be written.

    Raises
    ------
    TypeError
        The array is not of a real floating dtype, or not a dense tensor.
    ValueError
        The array is on PyTorch's meta device (it holds no values).
    ModuleNotFoundError
        array-api-compat is not installed.
    """

    def __init__(self, array: Any, name: str = "x", *, share: bool = True) -> None:
        compat = _compat()
        self.array, self.name = array, name
        self.library = array_library(array)
        is_torch = _is_torch(array)
        if is_torch:
            _check_torch(array, name)
        self.device = compat.device(array)
        dtype = array.dtype
        xp = compat.array_namespace(array)
        if not xp.isdtype(dtype, "real floating") or str(dtype) == "torch.bfloat16":
            raise TypeError(
                f"{name} is a {self.library} of dtype {dtype}; gradwalk differentiates at "
                "real floating arrays (float16, float32, float64) and hands f arrays of "
                f"that dtype. Convert {name} in its own library first "
                f"({float64_spelling(name, numpy=False)}); for a complex "
                f"{name}, differentiate with respect to its real and imaginary parts."
            )
        #: Whether elements share memory (an expanded tensor): then f never gets the
        #: caller's array, whose one cell would move several elements when written, but
        #: a new array for each point, as for an immutable library.
        self.overlapping = is_torch and may_overlap(array, tuple(array.stride()))
        self.shared = is_torch and array.device.type == "cpu" and share and not self.overlapping
        self.mutable = not self.overlapping and (
            self.shared or bool(compat.is_writeable_array(array))
        )
        self.host: NDArray[Any] = array.detach().numpy() if self.shared else _host_copy(array)
        if self.overlapping:  # a copy in the order of the strides puts a 0 stride first
            self.host = np.ascontiguousarray(self.host)
        self.snapshot = self.host.copy()
        #: What the caller's array holds now (the mirror's values last written into it).
        self.written = self.host.copy()
        self.just_written = np.empty(0, dtype=np.intp)
        #: Where writes go: ``x.data`` for a tensor, outside autograd.
        self.target = array.data if is_torch else array
        self.bits = np.dtype(f"u{self.host.dtype.itemsize}")

    @property
    def xp(self) -> Any:
        """The array namespace of the caller's library."""
        return _compat().array_namespace(self.array)

    def free_memory(self) -> int | None:
        """Free bytes of the array's device, where its library tells them (a GPU of
        PyTorch, CuPy or JAX); None for the host's memory."""
        library = _library(self.array)
        if _is_torch(self.array) and self.device.type == "cuda":
            import torch

            return int(torch.cuda.mem_get_info(self.device)[0])
        if library == "cupy":
            import cupy  # type: ignore[import-not-found]

            with self.device:
                return int(cupy.cuda.Device().mem_info[0])
        if library in ("jax", "jaxlib") and getattr(self.device, "platform", "cpu") != "cpu":
            stats = self.device.memory_stats() or {}
            if "bytes_limit" in stats:
                return int(stats["bytes_limit"] - stats.get("bytes_in_use", 0))
        return None

    def convert(self, host: Any) -> Any:
        """A host array (or number) as an array of the caller's library on its device.

        A PyTorch tensor on the CPU and an array-api-strict array share the host array's
        memory where they can (the engine's checks of f's input then see it).
        """
        array = np.asarray(host)
        if _is_torch(self.array):
            import torch

            if not array.flags.writeable or any(s < 0 for s in array.strides):
                array = array.copy()
            tensor = torch.from_numpy(array)
            return tensor if tensor.device == self.device else tensor.to(self.device)
        if _library(self.array) in ("jax", "jaxlib"):
            import jax.numpy as jnp

            return jnp.array(array, copy=True, device=self.device)
        return self.xp.asarray(array, device=self.device)

    def current(self) -> Any:
        """The caller's array as f must see it now: holding the mirror's values (a new
        array for an immutable library)."""
        if self.shared:
            return self.array
        if self.overlapping:
            return self.convert(self.host)
        changed = self._differing(self.host, self.written)
        self.just_written = changed
        if not changed.size:
            return self.array
        if not self.mutable:
            return self.convert(self.host)
        flat = self.host.reshape(-1)
        if changed.size <= _FEW:
            for i in changed.tolist():
                self.target[np.unravel_index(i, self.host.shape)] = flat[i].item()
        else:
            self.target[...] = self.convert(self.host.copy())
        self.written.reshape(-1)[changed] = flat[changed]
        return self.array

    def check_written(self) -> None:
        """After f: the elements written last must hold what was written.

        Raises
        ------
        InputModifiedError
            f changed one of them (it is put back at the end of the call).
        """
        if self.shared or not self.mutable:
            return
        for i in self.just_written.tolist():
            seen = np.asarray(host_value(self.target[np.unravel_index(i, self.host.shape)]))
            expected = self.written.reshape(-1)[i : i + 1]
            if seen.astype(self.host.dtype).reshape(1).view(self.bits) != expected.view(self.bits):
                changed = np.array([i], dtype=np.intp)
                raise InputModifiedError(modified_message(self.host.shape, changed), i)

    def restore(self) -> NDArray[np.intp]:
        """Put the caller's array back as it was; return the flat indices that differed
        from the values last written (those f changed)."""
        if self.shared or not self.mutable:
            return np.empty(0, dtype=np.intp)
        now = _host_copy(self.target).astype(self.host.dtype)
        changed = self._differing(now, self.written)
        if self._differing(now, self.snapshot).size:
            self.target[...] = self.convert(self.snapshot.copy())
        self.written = self.snapshot.copy()
        return changed

    def _differing(self, a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.intp]:
        """Flat indices where ``a`` and ``b`` differ, bit for bit."""
        a_bits = np.ascontiguousarray(a).reshape(-1).view(self.bits)
        b_bits = np.ascontiguousarray(b).reshape(-1).view(self.bits)
        return np.flatnonzero(a_bits != b_bits)

    def host_of(self, value: object, name: str, *, numpy_ok: bool = False) -> Any:
        """Another array argument (an analytic gradient, a direction, bounds) on the host,
        after checking that it is of the caller's library and on its device.

        Python numbers and lists are taken as they are; NumPy arrays too with
        ``numpy_ok`` (bounds, step directions).

        Raises
        ------
        TypeError
            ``value`` is of another library than x (NumPy included, unless allowed).
        ValueError
            ``value`` is on another device than x.
        """
        if value is None or isinstance(value, float | int | list | tuple):
            return value
        if isinstance(value, np.ndarray | np.generic) and numpy_ok:
            return value
        same = _library(value) == _library(self.array) or (
            _library(value) in ("jax", "jaxlib") and _library(self.array) in ("jax", "jaxlib")
        )
        if not same or not is_caller_array(value):
            raise TypeError(
                f"{name} is a {array_library(value)} but {self.name} is a {self.library}: "
                f"pass {name} in {self.name}'s library and on its device (results come "
                f"back in {self.name}'s library, and like is compared with like), e.g. "
                f"xp.asarray({name}, device={self.name}.device) with xp {self.name}'s "
                "array namespace."
            )
        device = _compat().device(value)
        if device != self.device:
            raise ValueError(
                f"{name} is on device {device} but {self.name} is on {self.device}: move "
                f"one to the other's device first (PyTorch: {name}.to({self.name}.device))."
            )
        return _host_copy(value)

    def to_caller(self, value: Any) -> Any:
        """A result in the caller's library on its device: floating NumPy arrays and
        scalars, and such fields of a result record (``GradientResult``); other values
        (int8 status codes) as they are."""
        if isinstance(value, np.ndarray | np.generic):
            return self.convert(value) if np.asarray(value).dtype.kind == "f" else value
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {
                field.name: self.convert(item)
                for field in dataclasses.fields(value)
                if isinstance(item := getattr(value, field.name), np.ndarray)
                and item.dtype.kind == "f"
            }
            return dataclasses.replace(value, **changes)
        return value


def _check_torch(tensor: Any, name: str) -> None:
    """A tensor gradwalk can perturb: dense, holding values."""
    if str(tensor.layout) != "torch.strided":
        raise TypeError(
            f"{name} is a {tensor.layout} tensor; gradwalk perturbs dense tensors: pass "
            f"{name}.to_dense()."
        )
    if tensor.device.type == "meta":
        raise ValueError(
            f"{name} is on PyTorch's meta device, which holds no values to differentiate "
            "at; pass a tensor on the CPU or a GPU."
        )


class CallerFunction:
    """f as the engine calls it: host arrays in, host values out.

    Called with the mirror itself, f gets the caller's array holding the mirror's values
    (the book's in-place semantics); called with any other host array (a copy, a batch,
    a complex point), f gets that array in the caller's library on its device.
    """

    def __init__(self, f: Callable[[Any], object], arrays: CallerArray) -> None:
        self.f = f
        self.arrays = arrays

    def __call__(self, point: Any) -> Any:
        arrays = self.arrays
        if point is arrays.host:
            value = self.f(arrays.current())
            arrays.check_written()
            return host_value(value)
        return host_value(self.f(arrays.convert(point)))
