"""The public surface: __all__ is complete and every public name shows a runnable example."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import gradwalk


def test_all_names_exist() -> None:
    missing = [name for name in gradwalk.__all__ if not hasattr(gradwalk, name)]
    assert not missing, f"names listed in gradwalk.__all__ but not defined: {missing}"


def test_the_tools_public_names_are_the_packages_own() -> None:
    for module_name in ("check", "descent", "nets"):
        module = importlib.import_module(f"gradwalk.{module_name}")
        for name in module.__all__:
            assert name in gradwalk.__all__, (
                f"gradwalk.{module_name}.{name} not in gradwalk.__all__"
            )
            assert getattr(gradwalk, name) is getattr(module, name), (
                f"gradwalk.{name} is not gradwalk.{module_name}.{name}"
            )


def test_the_tools_documented_import_paths_still_work() -> None:
    from gradwalk.check import COARSE, ERROR_BAR_FACTOR, SCALE_FLOOR, ElementCheck, GradientCheck
    from gradwalk.descent import DescentResult, learning_rate_bound

    assert (COARSE, ERROR_BAR_FACTOR, SCALE_FLOOR) == (1e-3, 4.0, 1e-3), "tolerance constants"
    assert ElementCheck is gradwalk.ElementCheck and GradientCheck is gradwalk.GradientCheck
    assert DescentResult is gradwalk.DescentResult
    assert learning_rate_bound is gradwalk.learning_rate_bound


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
