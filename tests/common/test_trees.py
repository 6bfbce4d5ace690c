"""Parameter trees: which values are trees, their leaves' path names, and rebuilding."""

from __future__ import annotations

from collections import OrderedDict
from typing import NamedTuple

import numpy as np

from gradwalk._common.trees import is_tree, leaves, rebuild, replace_leaf


class Layer(NamedTuple):
    kernel: np.ndarray
    bias: np.ndarray


def test_lists_of_numbers_are_arrays_and_lists_of_arrays_are_trees() -> None:
    assert not is_tree([1.0, 2.0]) and not is_tree([[1, 2], [3, 4]]) and not is_tree((1.0,))
    assert is_tree([np.ones(2), np.ones(3)]) and is_tree([[1.0], np.ones(1)])
    assert is_tree({"W": np.ones(2)}) and is_tree([{"w": 1.0}])
    assert not is_tree(np.ones(2)) and not is_tree(3.0)


def test_leaves_are_named_by_path_and_flat_mappings_by_key() -> None:
    tree = {"dense": Layer(np.zeros((2, 3)), np.zeros(3)), "scales": [np.ones(1), (np.ones(2),)]}
    assert [path for path, _ in leaves(tree, "params")] == [
        "params['dense'].kernel",
        "params['dense'].bias",
        "params['scales'][0]",
        "params['scales'][1][0]",
    ]
    assert [path for path, _ in leaves(OrderedDict(W1=1, b1=2), "params")] == ["W1", "b1"]
    assert [path for path, _ in leaves({0: np.ones(1)}, "x")] == ["x[0]"]


def test_rebuild_keeps_every_container_type() -> None:
    tree = OrderedDict(layer=Layer(np.zeros(1), np.zeros(2)), rest=[np.zeros(3), (np.zeros(4),)])
    again = rebuild(tree, iter(["a", "b", "c", "d"]))
    assert type(again) is OrderedDict and type(again["layer"]) is Layer
    assert again == OrderedDict(layer=Layer("a", "b"), rest=["c", ("d",)])


def test_replace_leaf_keeps_the_other_leaves_and_the_caller_tree() -> None:
    kept = np.zeros(2)
    tree = {"a": [np.zeros(1), kept], "b": {"c": np.ones(1)}}
    new = replace_leaf(tree, 2, "moved")
    assert new["b"]["c"] == "moved" and tree["b"]["c"] is not new["b"]["c"]
    assert new["a"][1] is kept and tree["b"]["c"][0] == 1.0
