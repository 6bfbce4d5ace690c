"""Parameter trees: nested dicts, lists and tuples of arrays, named by path.

A model's parameters often come as a tree: JAX's pytrees, flax and optax parameter
dicts, PyTorch state dicts, lists of layers. :func:`leaves` walks one in order and names
each array by its path (``params['dense_1']['kernel']``); :func:`rebuild` makes the same
tree with other leaves; :func:`replace_leaf` replaces one.

A list or tuple of numbers is not a tree but an array (the book's ``[3.0, 4.0]``): a
list or tuple is a tree when it holds an array or a dict.

>>> import numpy as np
>>> tree = {"dense_1": {"kernel": np.zeros((2, 3)), "bias": np.zeros(3)}, "scale": [np.ones(1)]}
>>> [path for path, _ in leaves(tree, "params")]
["params['dense_1']['kernel']", "params['dense_1']['bias']", "params['scale'][0]"]
>>> is_tree([1.0, 2.0]), is_tree([np.ones(2), np.ones(3)]), is_tree({"W": np.ones(2)})
(False, True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np

__all__ = ["is_tree", "leaves", "map_leaves", "rebuild", "replace_leaf"]

#: A step of a path: a mapping's key, a sequence's position or a named tuple's field.
Key = Any


def _is_named_tuple(value: object) -> bool:
    return isinstance(value, tuple) and hasattr(type(value), "_fields")


def _holds_array(value: object) -> bool:
    """Whether a list or tuple holds (at any depth) an array object or a mapping."""
    for item in value:  # type: ignore[attr-defined]
        if isinstance(item, Mapping):
            return True
        if isinstance(item, list | tuple):
            if _holds_array(item):
                return True
        elif hasattr(item, "shape") and hasattr(item, "dtype") and not isinstance(item, np.generic):
            return True
    return False


def is_tree(value: object) -> bool:
    """Whether ``value`` is a tree of arrays rather than one array (see the module)."""
    if isinstance(value, Mapping):
        return True
    return isinstance(value, list | tuple) and _holds_array(value)


def _children(node: Any) -> list[tuple[str, Key, Any]]:
    """(path step as text, key, child) of a mapping, list, tuple or named tuple."""
    if isinstance(node, Mapping):
        return [(f"[{key!r}]", key, child) for key, child in node.items()]
    if _is_named_tuple(node):
        return [(f".{field}", field, getattr(node, field)) for field in node._fields]
    return [(f"[{i}]", i, child) for i, child in enumerate(node)]


def leaves(tree: Any, root: str) -> list[tuple[str, Any]]:
    """Every leaf of ``tree`` with its path, in order (a mapping's keys in its order).

    A flat mapping of string keys (``net.params``, a state dict) names its leaves by key
    alone (``W1``, ``fc1.weight``), as gradwalk always has; any other tree names them by
    their path from ``root``.
    """
    if isinstance(tree, Mapping) and all(
        isinstance(key, str) and not is_tree(child) for key, child in tree.items()
    ):
        return [(key, child) for key, child in tree.items()]
    return list(_walk(tree, root))


def _walk(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, Mapping) or (isinstance(node, list | tuple) and is_tree(node)):
        for step, _, child in _children(node):
            yield from _walk(child, path + step)
    elif isinstance(node, list | tuple) and not node:
        return
    else:
        yield path, node


def rebuild(tree: Any, new: Iterator[Any]) -> Any:
    """``tree`` with its leaves replaced, in order, by the items of ``new``."""
    if isinstance(tree, Mapping):
        items = {key: rebuild(child, new) for key, child in tree.items()}
        kind: Any = type(tree)
        try:
            return kind(items)
        except TypeError:
            return items
    if isinstance(tree, list | tuple) and (is_tree(tree) or not tree):
        children = [rebuild(child, new) for child in tree]
        if _is_named_tuple(tree):
            return type(tree)(*children)
        return type(tree)(children)
    return next(new)


def map_leaves(tree: Any, function: Callable[[Any], Any]) -> Any:
    """``tree`` with ``function`` applied to every leaf."""
    return rebuild(tree, iter([function(leaf) for _, leaf in _walk(tree, "")]))


def replace_leaf(tree: Any, position: int, leaf: Any) -> Any:
    """``tree`` with its leaf number ``position`` (in :func:`leaves`' order) replaced.

    The containers are new, the caller's tree is left as it was, and every other leaf
    is the caller's own object.
    """
    old = [value for _, value in _walk(tree, "")]
    old[position] = leaf
    return rebuild(tree, iter(old))
