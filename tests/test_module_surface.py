"""What users see of the generated modules: operation modules show their four variants, API
group packages list their operations without importing them, and the errors are named where
users import them from."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
import traceback
import types

import pytest

VARIANTS = ["sync", "sync_detailed", "asyncio", "asyncio_detailed"]


def groups() -> list[str]:
    api = importlib.import_module("dqops.client.api")
    return sorted(info.name for info in pkgutil.iter_modules(api.__path__) if info.ispkg)


def operations(group: str) -> list[str]:
    package = importlib.import_module(f"dqops.client.api.{group}")
    return sorted(info.name for info in pkgutil.iter_modules(package.__path__))


GROUPS = groups()


@pytest.mark.parametrize("group", GROUPS)
def test_a_group_lists_every_operation_in_all_and_dir(group: str) -> None:
    package = importlib.import_module(f"dqops.client.api.{group}")
    modules = operations(group)
    assert modules and sorted(package.__all__) == modules
    assert set(modules) <= set(dir(package))
    first = getattr(package, modules[0])
    assert isinstance(first, types.ModuleType) and first.__name__ == f"dqops.client.api.{group}.{modules[0]}"
    with pytest.raises(AttributeError):
        package.no_such_operation  # noqa: B018


def test_importing_a_group_imports_none_of_its_operations() -> None:
    program = (
        "import sys, dqops.client.api.connections as group\n"
        "loaded = [name for name in group.__all__ if f'dqops.client.api.connections.{name}' in sys.modules]\n"
        "assert group.__all__ and not loaded, loaded\n"
        "assert 'get_connection' in dir(group)\n"
        "assert group.get_connection.sync\n"
    )
    result = subprocess.run([sys.executable, "-c", program], check=False, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def public_types() -> set[str]:
    """The runtime's names users meet in signatures, public in dqops.client and dqops.client.types."""
    return {*importlib.import_module("dqops.client").__all__, *importlib.import_module("dqops.client.types").__all__}


@pytest.mark.parametrize("group", GROUPS)
def test_operation_modules_export_the_four_variants_and_keep_the_runtime_private(group: str) -> None:
    public = public_types()
    for name in operations(group):
        module = importlib.import_module(f"dqops.client.api.{group}.{name}")
        functions = {
            attribute
            for attribute, value in vars(module).items()
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__
        }
        # The four variants, and the pagers of an operation that lists items a page at a time.
        assert module.__all__[:4] == VARIANTS, module.__name__
        assert set(module.__all__) == {function for function in functions if not function.startswith("_")}
        runtime = [
            attribute
            for attribute, value in vars(module).items()
            if not attribute.startswith("_")
            and attribute not in public
            and str(getattr(value, "__module__", "")).startswith("dqops._runtime")
        ]
        assert not runtime, f"{module.__name__} shows runtime names {runtime}"


def test_public_errors_are_named_where_users_import_them() -> None:
    errors = importlib.import_module("dqops.client.errors")
    classes = [getattr(errors, name) for name in errors.__all__ if isinstance(getattr(errors, name), type)]
    assert len(classes) > 15
    for cls in classes:
        assert cls.__module__ == "dqops.client.errors", cls
    try:
        raise errors.ModelDecodingError("SomeModel", ["field"], "a reason")
    except errors.DQOpsError:
        shown = traceback.format_exc().splitlines()[-1]
    assert shown == "dqops.client.errors.ModelDecodingError: SomeModel.field: a reason"
