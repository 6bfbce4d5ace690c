"""Test order: tests that start JAX run last.

JAX starts threads when it first computes, after which a fork is unsafe (JAX warns that it
"will likely lead to a deadlock"), and other tests fork worker processes (``workers=n``).
Running JAX's tests after all others keeps every fork in a process without JAX's threads.
"""

from __future__ import annotations

import inspect

import pytest


def _uses_jax(item: pytest.Item) -> bool:
    """Whether the test is about JAX: by its name or parameters, its module, or its code."""
    if "jax" in item.nodeid.lower() or getattr(getattr(item, "module", None), "jax", None):
        return True
    function = getattr(item, "function", None)
    try:
        return function is not None and "jax" in inspect.getsource(function)
    except (OSError, TypeError):
        return False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_uses_jax)  # stable: the others keep their order
