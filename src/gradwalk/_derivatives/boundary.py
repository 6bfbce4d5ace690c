"""Arrays of any library in, the same library out: the boundary of the public functions.

:func:`across_libraries` decorates a public numerical function. A NumPy array (or
Python input) goes straight through, at the cost of one type test. An array of another
library (PyTorch, JAX, CuPy, any array of the array API standard) is given to the engine
as its host mirror (:class:`~gradwalk._engine.arrays.CallerArray`), f as a
:class:`~gradwalk._engine.arrays.CallerFunction` (f gets the caller's arrays), the
other array arguments on the host after checking they are of x's library and on its
device; the caller's array is put back as it was, and the results come back in its
library on its device. A tree of arrays (numerical_gradient) is differentiated leaf by
leaf, f getting the whole tree (:func:`tree_gradient`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import numpy as np

from gradwalk._common.trees import is_tree, leaves, rebuild, replace_leaf
from gradwalk._common.validate import keyword_names, unknown_keyword
from gradwalk._common.warnings import naming_elements
from gradwalk._engine.arrays import CallerArray, CallerFunction, is_caller_array
from gradwalk._engine.inputs import InputModifiedError, modified_message

__all__ = ["across_libraries", "tree_gradient"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class _Arguments:
    """Which arguments of a public function the boundary converts."""

    #: Arrays that must be of x's library and on its device (an analytic gradient,
    #: a direction); when callable, functions like f.
    same: tuple[str, ...]
    #: Arrays that may also be NumPy or numbers (bounds, step directions).
    lenient: tuple[str, ...]
    #: Callables that get the caller's arrays.
    functions: tuple[str, ...]
    #: Whether the results come back in x's library (a check's report does not).
    results: bool


def across_libraries(
    *,
    same: tuple[str, ...] = (),
    lenient: tuple[str, ...] = (),
    functions: tuple[str, ...] = ("f",),
    results: bool = True,
    trees: bool = False,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Make a public function whose second argument is x take arrays of any library.

    ``trees``: a tree of arrays as x is differentiated leaf by leaf
    (:func:`tree_gradient`).
    """
    spec = _Arguments(same, lenient, functions, results)

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(function)
        accepted = keyword_names(function)

        @functools.wraps(function)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if kwargs and accepted is not None and not accepted.issuperset(kwargs):
                raise unknown_keyword(function.__name__, kwargs, accepted)
            x = args[1] if len(args) > 1 else kwargs.get("x")
            if type(x) is np.ndarray:
                return function(*args, **kwargs)
            if trees and is_tree(x):
                result: R = tree_gradient(wrapper, signature.bind(*args, **kwargs))
                return result
            if not is_caller_array(x):
                return function(*args, **kwargs)
            return _on_caller_arrays(function, signature.bind(*args, **kwargs), spec)

        return wrapper

    return decorate


def _on_caller_arrays(
    function: Callable[..., R], bound: inspect.BoundArguments, spec: _Arguments
) -> R:
    """Call ``function`` on host mirrors; put the caller's array back; convert results."""
    arguments = bound.arguments
    caller = CallerArray(arguments["x"])
    arguments["x"] = caller.host
    for name in spec.same:
        value = arguments.get(name)
        if value is not None and not callable(value):
            arguments[name] = caller.host_of(value, name)
    for name in spec.lenient:
        value = arguments.get(name)
        if name == "bounds" and isinstance(value, tuple | list) and len(value) == 2:
            arguments[name] = tuple(
                caller.host_of(side, f"bounds[{i}]", numpy_ok=True) for i, side in enumerate(value)
            )
        elif value is not None:
            arguments[name] = caller.host_of(value, name, numpy_ok=True)
    for name in spec.functions:
        value = arguments.get(name)
        if callable(value):
            arguments[name] = CallerFunction(value, caller)
    try:
        result = function(*bound.args, **bound.kwargs)
    except BaseException:
        caller.restore()
        raise
    changed = caller.restore()
    if changed.size:
        raise InputModifiedError(modified_message(caller.host.shape, changed), int(changed[0]))
    return caller.to_caller(result) if spec.results else result


def tree_gradient(gradient: Callable[..., Any], bound: inspect.BoundArguments) -> Any:
    """The gradient of f with respect to every leaf of a tree x, as a tree.

    One ``gradient`` call per leaf (arrays of any library), f getting the whole tree: the
    caller's own tree object while the leaf perturbed is the caller's own array (NumPy,
    a PyTorch tensor: the book's in-place semantics), else a tree in which only that
    leaf is new (a JAX array, a copy). Warnings name elements by their path
    (``x['dense_1']['kernel'][2, 3]``). With ``full_output`` each leaf of the result is
    its :class:`~gradwalk.GradientResult`.

    Raises
    ------
    ValueError
        ``vectorized`` (f would get a tree with one leaf batched), ``bounds`` or
        ``step_direction`` (given for one array) with a tree.
    """
    arguments = bound.arguments
    f, tree = arguments["f"], arguments["x"]
    given = [name for name in ("vectorized", "bounds", "step_direction") if arguments.get(name)]
    if given:
        raise ValueError(
            f"{' and '.join(given)} cannot be used with a tree of arrays as x: "
            f"{given[0]} is defined for one array. Flatten the parameters into one array "
            "(e.g. np.concatenate([a.ravel() for a in leaves])) for those options."
        )
    results = []
    for position, (path, leaf) in enumerate(leaves(tree, "x")):

        def at_leaf(value: Any, position: int = position, leaf: Any = leaf) -> object:
            return f(tree if value is leaf else replace_leaf(tree, position, value))

        arguments["f"], arguments["x"] = at_leaf, leaf
        with naming_elements(path):
            results.append(gradient(*bound.args, **bound.kwargs))
    return rebuild(tree, iter(results))
