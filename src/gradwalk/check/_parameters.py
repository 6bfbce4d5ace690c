"""The parameters of :func:`~gradwalk.check_gradients`: a tree of arrays of any library,
or a PyTorch module, as host arrays for the check, and the loss as the check calls it.

The check perturbs host arrays in place (one per parameter: the parameter's own memory
for a NumPy array or a PyTorch tensor on the CPU, else a mirror,
:class:`~gradwalk._engine.arrays.CallerArray`). Before each call of the loss the
mirrors' values reach the parameters (written into mutable arrays; for JAX a tree in
which the changed leaves are new), so a loss that reads its model's own arrays, as the
book's ``lambda w: net.loss(x, t)``, sees every move.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from gradwalk._common.trees import is_tree, leaves, rebuild
from gradwalk._common.warnings import renamed
from gradwalk._engine.arrays import (
    CallerArray,
    check_numpy_partner,
    host_value,
    is_caller_array,
    is_torch_module,
)
from gradwalk._engine.inputs import InputModifiedError, may_overlap, modified_message

from ._compare import analytic_array

__all__ = ["Parameters"]


class Parameters:
    """The parameters of a check: ``arrays`` (name to the host array perturbed),
    ``analytic`` (name to the analytic gradient, float64), :meth:`call` (the loss at the
    host arrays' values) and :meth:`restore` (the caller's arrays as they were).

    Raises
    ------
    TypeError
        params is not a tree of arrays or a module; a NumPy parameter is not a writable
        float array; a gradient is of another library than its parameter; grads missing
        for something other than a PyTorch module.
    ValueError
        params and grads name different arrays; params is empty; a gradient's shape or
        device differs from its parameter's.
    """

    def __init__(self, loss: Callable[[Any], object], params: Any, grads: Any) -> None:
        self.loss = loss
        self.module_state: ModuleState | None = None
        if is_torch_module(params):
            # The check calls the loss hundreds of times: a BatchNorm in train mode would
            # move its running statistics each time. Its state is put back afterwards.
            self.module_state = ModuleState(params)
            named = [(n, p) for n, p in params.named_parameters() if p.requires_grad]
            tree: Any = dict(named)
            if grads is None:
                try:
                    grads = _module_gradients(loss, params, named)
                finally:
                    self.module_state.restore()
        elif isinstance(params, Mapping) or is_tree(params):
            tree = params
        else:
            raise TypeError(
                "params must be a mapping of names to arrays (such as net.params), a tree "
                "of them (nested dicts, lists, tuples) or a torch.nn.Module, got "
                f"{type(params).__name__}."
            )
        if grads is None or not (isinstance(grads, Mapping) or is_tree(grads)):
            raise TypeError(
                "grads must be the analytic gradients in params' structure (such as "
                f"net.gradient(x, t)), got {type(grads).__name__}; only a torch.nn.Module "
                "as params brings its own (its parameters' .grad)."
            )
        self.tree, self.argument = tree, params
        found = leaves(tree, "params")
        flat = isinstance(tree, Mapping) and [path for path, _ in found] == list(tree)
        given = dict(leaves(grads, "params"))
        quoted = repr if flat else str
        missing = [quoted(path) for path, _ in found if path not in given]
        names = {path for path, _ in found}
        extra = [quoted(path) for path in given if path not in names]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"no gradient for {', '.join(missing)}")
            if extra:
                parts.append(f"grads has {', '.join(extra)}, which params lacks")
            raise ValueError(f"params and grads must have the same names: {'; '.join(parts)}.")
        if not found:
            raise ValueError("params is empty: there is nothing to check.")
        self.leaves = [leaf for _, leaf in found]
        self.callers: list[CallerArray | None] = []
        self.arrays: dict[str, NDArray[np.floating]] = {}
        self.analytic: dict[str, NDArray[np.float64]] = {}
        for path, leaf in found:
            shown = f"params[{path!r}]" if flat else path
            shown_grad = "grads" + shown[len("params") :]
            caller = CallerArray(leaf, shown) if is_caller_array(leaf) else None
            self.callers.append(caller)
            if caller is None:
                _check_writable(leaf, shown)
                check_numpy_partner(given[path], shown_grad, shown)
                gradient = given[path]
            else:
                gradient = caller.host_of(given[path], shown_grad)
            host = leaf if caller is None else caller.host
            self.arrays[path] = host
            self.analytic[path] = analytic_array(gradient, host.shape, shown_grad, shown)

    def call(self) -> object:
        """The loss at the host arrays' values (each caller's array brought up to date)."""
        current = [
            leaf if caller is None else caller.current()
            for caller, leaf in zip(self.callers, self.leaves, strict=True)
        ]
        argument = self.argument
        if any(new is not old for new, old in zip(current, self.leaves, strict=True)):
            argument = rebuild(self.tree, iter(current))
        value = self.loss(argument)
        for caller in self.callers:
            if caller is not None:
                caller.check_written()
        return host_value(value)

    def restore(self) -> None:
        """Put every caller's array back as it was.

        Raises
        ------
        InputModifiedError
            The loss changed a parameter (it has been put back).
        """
        if self.module_state is not None:
            self.module_state.restore()
        for caller in self.callers:
            if caller is not None:
                changed = caller.restore()
                if changed.size:
                    message = modified_message(caller.host.shape, changed)
                    raise InputModifiedError(renamed(message, caller.name), int(changed[0]))


class ModuleState:
    """A PyTorch module's state that calling it may change, other than its parameters:
    every buffer (a BatchNorm's running_mean, running_var and num_batches_tracked) and
    every submodule's training flag. :meth:`restore` puts them back as they were."""

    def __init__(self, module: Any) -> None:
        self.buffers = [
            (owner, name, buffer, buffer.detach().clone())
            for owner in module.modules()
            for name, buffer in owner.named_buffers(recurse=False)
        ]
        self.training = [(owner, owner.training) for owner in module.modules()]

    def restore(self) -> None:
        """Each buffer back to its own tensor and values; each training flag as it was."""
        import torch

        with torch.no_grad():
            for owner, name, buffer, saved in self.buffers:
                if getattr(owner, name, None) is not buffer:
                    setattr(owner, name, buffer)
                if not torch.equal(buffer, saved):
                    buffer.copy_(saved)
        for owner, training in self.training:
            owner.training = training


def _check_writable(array: object, shown: str) -> None:
    """A NumPy parameter must be a writable float array: the loss reads it in place."""
    if isinstance(array, np.ndarray) and array.dtype.kind == "f" and array.flags.writeable:
        if not may_overlap(array):
            return
        raise TypeError(
            f"{shown} is a view whose elements share memory (a zero stride, as from "
            "np.broadcast_to or as_strided): perturbing one element in place would move "
            f"others too. Give the model its own copy, e.g. {shown} = np.array({shown})."
        )
    got = (
        f"a read-only {array.dtype} array"
        if isinstance(array, np.ndarray) and array.dtype.kind == "f"
        else f"{type(array).__name__}"
        + (f" of dtype {array.dtype}" if isinstance(array, np.ndarray) else "")
    )
    raise TypeError(
        f"{shown} is {got}: the loss reads the parameters in place, so each must be a "
        "writable float array (NumPy, or an array of a library with the array API). "
        f"Convert it in the model itself, e.g. {shown} = np.array({shown}, dtype=float)."
    )


def _module_gradients(
    loss: Callable[[Any], object], module: Any, named: list[tuple[str, Any]]
) -> dict[str, Any]:
    """A module's own gradients: each parameter's ``.grad`` (zeros where a parameter
    has none but others do, if it took no part in the loss), or, where none has one yet,
    ``torch.autograd.grad`` of the loss (which sets no ``.grad``).

    Raises
    ------
    ValueError
        A parameter has no ``.grad`` while others have one, yet the loss depends on it
        (its gradient was never computed, or cleared: it is not the analytic one).
    """
    import torch

    grads = {name: parameter.grad for name, parameter in named}
    if all(grad is None for grad in grads.values()):
        value: Any = loss(module)
        computed = torch.autograd.grad(value, [p for _, p in named], allow_unused=True)
        grads = dict(zip(grads, computed, strict=True))
    elif any(grad is None for grad in grads.values()):
        lacking = [(name, p) for name, p in named if grads[name] is None]
        value = loss(module)
        reached: tuple[Any, ...] = (None,) * len(lacking)
        if isinstance(value, torch.Tensor) and value.requires_grad:
            reached = torch.autograd.grad(value, [p for _, p in lacking], allow_unused=True)
        used = [name for (name, _), grad in zip(lacking, reached, strict=True) if grad is not None]
        if used:
            listed = ", ".join(used)
            raise ValueError(
                f"{listed}: .grad is None while the other parameters have one, yet the "
                "loss depends on it, so there is no analytic gradient to check (it was "
                "never computed or was cleared, e.g. by zero_grad() after backward()). "
                "Run backward() on the loss again, or pass grads explicitly."
            )
    return {
        name: torch.zeros_like(parameter) if grads[name] is None else grads[name]
        for name, parameter in named
    }
