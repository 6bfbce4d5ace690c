"""The array libraries the tests run on: NumPy, array-api-strict (on its CPU device and
on a stand-in device), PyTorch on the CPU and JAX on the CPU (with float64 enabled).

Each is a :class:`Library`: how to make an array of it, its namespace (the functions an
f written in that library calls), and how to read an array back as NumPy. A library
that cannot be imported makes its tests skip, saying which.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest


@dataclass(frozen=True)
class Library:
    """One array library as the tests use it."""

    name: str
    xp: Any
    make: Callable[[Any], Any]  # NumPy values -> an array of the library, same dtype
    to_numpy: Callable[[Any], np.ndarray]
    device: Any = None

    def __repr__(self) -> str:
        return self.name


def _module(name: str) -> Any:
    try:
        return importlib.import_module(name)
    except ImportError as error:  # pragma: no cover - the test extra installs them all
        pytest.skip(f"{name} cannot be imported here ({error}); install gradwalk[test]")


def library(name: str) -> Library:
    """The library named ``name``: numpy, strict, strict-device1, torch, jax."""
    if name == "numpy":
        return Library("numpy", np, lambda v: np.array(v), np.asarray)
    if name.startswith("strict"):
        xps = _module("array_api_strict")
        device = xps.Device("device1") if name == "strict-device1" else xps.Device("CPU_DEVICE")
        return Library(
            name,
            xps,
            lambda v: xps.asarray(np.array(v), device=device),
            lambda a: np.array(np.from_dlpack(a), copy=True),
            device,
        )
    if name == "torch":
        torch = _module("torch")
        compat = _module("array_api_compat")
        return Library(
            "torch",
            compat.array_namespace(torch.zeros(1)),
            lambda v: torch.tensor(np.array(v)),
            lambda a: a.detach().cpu().numpy().copy(),
            torch.device("cpu"),
        )
    if name == "jax":
        jax = _module("jax")
        jax.config.update("jax_enable_x64", True)
        jnp = _module("jax.numpy")
        return Library(
            "jax", jnp, lambda v: jnp.asarray(np.array(v)), lambda a: np.array(a, copy=True)
        )
    raise ValueError(name)


#: Every library other than NumPy.
OTHERS = ["strict", "strict-device1", "torch", "jax"]

#: NumPy and every other library.
ALL = ["numpy", *OTHERS]
