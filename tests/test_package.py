"""The public surface: __all__ is complete and every public name shows a runnable example."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import gradwalk


def test_all_names_exist() -> None:
    missing = [name for name in gradwalk.__all__ if not hasattr(gradwalk, name)]
    assert not missing, f"names listed in gradwalk.__all__ but not defined: {missing}"


def test_every_public_function_and_class_has_a_docstring_example() -> None:
    lacking = []
    for name in gradwalk.__all__:
        obj = getattr(gradwalk, name)
        if not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if issubclass(obj, Warning) if inspect.isclass(obj) else False:
            continue
        if issubclass(obj, Exception) if inspect.isclass(obj) else False:
            continue
        doc = inspect.getdoc(obj) or ""
        module_doc = inspect.getdoc(importlib.import_module(obj.__module__)) or ""
        if ">>>" not in doc and ">>>" not in module_doc:
            lacking.append(name)
    assert not lacking, f"public names without a >>> example in their docstring: {lacking}"


def test_every_module_imports() -> None:
    for module in pkgutil.iter_modules(gradwalk.__path__):
        importlib.import_module(f"gradwalk.{module.name}")
