"""The hand-written package imports in one direction: no module of `dqops` (outside the generated
`dqops/client`) imports, at the top or inside a function, a module that imports it back."""

from __future__ import annotations

import ast
from pathlib import Path

from support.paths import REPO_ROOT

PACKAGE = REPO_ROOT / "dqops"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path, modules: set[str]) -> set[str]:
    """Every `dqops...` module `path` imports: `from X import y` imports X.y where that is one of
    `modules` (a submodule, which its package can import in turn), else X."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, *([node.module] if node.module else [])])
            submodules = {f"{target}.{alias.name}" for alias in node.names} & modules
            found.update(submodules)
            if len(submodules) < len(node.names):
                found.add(target)
    return found


def import_graph() -> dict[str, set[str]]:
    files = [path for path in PACKAGE.rglob("*.py") if "client" not in path.relative_to(PACKAGE).parts[:1]]
    modules = {module_name(path): path for path in files}
    return {name: (imported_modules(path, set(modules)) & set(modules)) - {name} for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import loop once, as the modules along it (depth-first, colouring the modules)."""
    found: list[list[str]] = []
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                found.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    return found


def test_the_cycle_finder_sees_a_loop() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_a_submodule_imported_from_its_package_is_not_the_package() -> None:
    steps = PACKAGE / "jobs" / "_steps.py"
    assert "from dqops.jobs import _deadline\n" in steps.read_text(encoding="utf-8")
    imported = imported_modules(steps, set(import_graph()))
    assert "dqops.jobs._deadline" in imported and "dqops.jobs" not in imported


def test_the_hand_written_package_has_no_import_loop() -> None:
    graph = import_graph()
    assert "dqops._runtime.deadline" in graph and "dqops._runtime.deadline_streams" in graph["dqops._runtime.deadline"]
    assert cycles(graph) == []
