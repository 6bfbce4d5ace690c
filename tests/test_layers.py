"""The folders keep their layering: no import cycle, and no import from a layer above.

The graph is read from the code's own import statements (the same reading a newcomer
would do), so a new module or import is checked without any list to update, except
:data:`LAYERS` when a folder is added.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "gradwalk"

#: The folders (and the modules directly under src/gradwalk) from the bottom layer up.
#: A module may import from its own folder and from the layers below its own; "" is
#: gradwalk/__init__.py, the public face, which may import from every layer.
LAYERS: list[tuple[str, ...]] = [
    ("_common",),
    ("_engine",),
    ("_derivatives",),
    ("functions", "optimizers", "_formulas"),
    ("check", "descent"),
    ("_learning",),
    ("nets", "training", "datasets", "book"),
    ("testfunctions", "_batteries", "_hostile_battery", "plot"),
    ("_tour", "explore"),
    ("cli",),
    ("_docgen",),
    ("", "__main__"),
]

RANK = {folder: rank for rank, layer in enumerate(LAYERS) for folder in layer}


def _modules() -> dict[str, Path]:
    modules = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _imported(module: str, path: Path) -> Iterator[str]:
    """The gradwalk modules that ``module`` imports (at any depth of its code)."""
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names if alias.name in MODULES)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            submodules = [f"{source}.{alias.name}" for alias in node.names]
            found = [name for name in submodules if name in MODULES]
            yield from found
            if len(found) < len(submodules) and source in MODULES:
                yield source


GRAPH = {
    module: {target for target in _imported(module, path) if target != module}
    for module, path in MODULES.items()
}


def _folder(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_folder_has_a_layer() -> None:
    unknown = sorted({_folder(module) for module in MODULES} - set(RANK))
    assert not unknown, f"folders or top-level modules missing from LAYERS: {unknown}"


def test_no_import_cycle() -> None:
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (cycle := visit(module)):
            pytest.fail("import cycle: " + " -> ".join(cycle))


def test_no_module_imports_from_a_layer_above_or_beside_its_own() -> None:
    wrong = [
        f"{module} ({_folder(module) or 'gradwalk/__init__'}) imports {target}"
        f" ({_folder(target) or 'gradwalk/__init__'})"
        for module, targets in GRAPH.items()
        for target in targets
        if _folder(module) != _folder(target) and RANK[_folder(target)] >= RANK[_folder(module)]
    ]
    assert not wrong, "imports that run upward or sideways:\n" + "\n".join(sorted(wrong))


def test_at_most_15_modules_directly_under_the_package() -> None:
    top = sorted(path.name for path in PACKAGE.glob("*.py"))
    assert len(top) <= 15, f"{len(top)} modules directly under src/gradwalk: {top}"


def test_architecture_names_every_folder() -> None:
    text = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    folders = sorted(
        path.name
        for path in PACKAGE.rglob("*")
        if path.is_dir() and (path / "__init__.py").exists()
    )
    missing = [folder for folder in folders if f"{folder}/" not in text]
    assert not missing, f"docs/architecture.md does not name the folders {missing}"


def test_only_choose_imports_the_evaluators() -> None:
    implementations = {
        f"gradwalk._engine.evaluators.{name}"
        for name in ("in_place", "batches", "workers", "elementwise", "replayed")
    }
    wrong = [
        f"{module} imports {target}"
        for module, targets in GRAPH.items()
        for target in targets & implementations
        if module != "gradwalk._engine.evaluators.choose"
    ]
    assert not wrong, "only evaluators/choose.py may import an evaluator:\n" + "\n".join(wrong)
