"""The shapes every script shares when it reads an OpenAPI 3 document, and the one walk over
its operations."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

JsonObject = dict[str, Any]
# The operation keys of a path item, in the order OpenAPI lists them.
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
SCHEMA_REF_PREFIX = "#/components/schemas/"
# The names a schema is also importable under (an alias kept from a previous pin, or the
# per-property name of a shared map): read by the templates, written by stable_names and generate.
ALIASES_EXTENSION = "x-dqops-aliases"


@dataclass(frozen=True)
class OperationSite:
    """One operation of a document, where it stands: its path, method and path item."""

    path: str
    method: str
    item: JsonObject
    operation: JsonObject

    @property
    def key(self) -> tuple[str, str]:
        """(`GET`, `/api/jobs`): the method in capitals and the path with one leading slash."""
        return self.method.upper(), "/" + self.path.lstrip("/")


def walk_paths(document: JsonObject, *, sort: bool = False) -> Iterator[tuple[str, JsonObject]]:
    """(path, path item) of each path of `document`, in document order or sorted by path.
    What is not an object where a path item should be is passed over."""
    paths = document.get("paths") or {}
    if not isinstance(paths, dict):
        return
    for path, item in sorted(paths.items()) if sort else paths.items():
        if isinstance(item, dict):
            yield path, item


def item_operations(item: JsonObject) -> Iterator[tuple[str, JsonObject]]:
    """(method, operation) of each operation of a path item, in HTTP_METHODS order."""
    for method in HTTP_METHODS:
        operation = item.get(method)
        if isinstance(operation, dict):
            yield method, operation


def walk_operations(document: JsonObject, *, sort: bool = False) -> Iterator[OperationSite]:
    """Each operation of `document`, path by path (walk_paths), methods in HTTP_METHODS order."""
    for path, item in walk_paths(document, sort=sort):
        for method, operation in item_operations(item):
            yield OperationSite(path, method, item, operation)


def schema_name(ref: str) -> str:
    """`CheckModel` of `#/components/schemas/CheckModel`."""
    return ref.removeprefix(SCHEMA_REF_PREFIX)


def schemas_of(document: JsonObject) -> JsonObject:
    """The document's component schemas ({} when it has none)."""
    return (document.get("components") or {}).get("schemas") or {}
