"""The Python names the SDK gives what the spec names: the only place these rules live.

An operation lives in the module of its first tag (`jobs`) as the function of its operationId
(`run_checks`); a schema is a class (`CheckModel`), a property or parameter an attribute or
keyword (`full_table_name`). The words are split as openapi-python-client splits them (its
`strings` module, which the generator itself runs); what differs is which names get a trailing
underscore: only keywords and the few names generated code relies on (`type=`, not `type_=`),
where upstream's client also suffixed every builtin's name (`filter_`; upstream_python_name).

The generator reads its reserved words from openapi-python-client's module-wide set:
`use_sdk_reserved_words()` sets it for a generator run (scripts/generate.py). Everything else
here computes names without touching it.
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Sequence
from typing import Any

from openapi_python_client.strings import pascal_case, sanitize, snake_case

from scripts.operations import schema_name

__all__ = [
    "FIELD_PREFIX",
    "RESERVED_NAMES",
    "TAG_PREFIX",
    "class_name",
    "function_name",
    "inline_class_name",
    "map_class_name",
    "module_name",
    "operation_names",
    "parameter_names",
    "pascal_case",
    "python_name",
    "shared_map_value",
    "snake_case",
    "upstream_python_name",
    "use_sdk_reserved_words",
]

# generator-config.yaml's field_prefix: what a name that is no identifier (`1st`) starts with.
FIELD_PREFIX = "field_"
# What a tag that is no identifier starts with, as openapi-python-client names tag modules.
TAG_PREFIX = "tag"
# The tag of an operation that has none.
DEFAULT_TAG = "default"

# Names that get a trailing underscore in our package besides keywords: the few names generated
# code itself relies on.
RESERVED_NAMES = frozenset({"self", "true", "false", "datetime", "UNSET", "Unset", "cls", "client"})
# The names upstream's client suffixes besides keywords: openapi-python-client before 0.17, which
# generated it, appended "_" to every builtin's name but `type` and `id` (its RESERVED_WORDS).
UPSTREAM_RESERVED_NAMES = frozenset((set(dir(builtins)) | {"self", "true", "false", "datetime"}) - {"type", "id"})
# Parameter names that clash with the generated functions' own locals: suffixed with their location.
PARAMETER_CLASHES = ("client", "url")


def _unreserved(name: str) -> str:
    return f"{name}_" if name in RESERVED_NAMES or keyword.iskeyword(name) else name


def python_name(name: str, prefix: str = FIELD_PREFIX, skip_snake_case: bool = False) -> str:
    """The attribute, keyword or module name of `name`: `fullTableName` -> `full_table_name`,
    `from` -> `from_`, `type` -> `type` (openapi-python-client's PythonIdentifier, our reserved words)."""
    safe = sanitize(name)
    leading_underscore = safe.startswith("_")
    safe = re.sub(r"[^\w]+", "", safe) if skip_snake_case else snake_case(safe)
    safe = _unreserved(safe)
    if not safe.isidentifier() or leading_underscore:
        safe = f"{prefix}{safe}"
    return safe


def class_name(name: str, prefix: str = FIELD_PREFIX) -> str:
    """The class name of a schema or inline object: `check_model` -> `CheckModel` (ClassName)."""
    safe = _unreserved(pascal_case(name))
    if not safe.isidentifier():
        safe = _unreserved(pascal_case(f"{prefix}{safe}"))
    return safe


def module_name(tag: str) -> str:
    """The module of the operations of a tag: `FilteredNotificationsConfigurations` ->
    `filtered_notifications_configurations`."""
    return python_name(tag, TAG_PREFIX)


def function_name(operation_id: str) -> str:
    """The operation module and function of an operationId: `getDashboardLevel1` -> `get_dashboard_level_1`."""
    return python_name(operation_id)


def operation_names(operation: dict[str, Any], method: str, path: str) -> tuple[str, str]:
    """(module, function) of an operation: its first tag's module, its operationId's function."""
    tags = operation.get("tags") or [DEFAULT_TAG]
    return module_name(tags[0]), function_name(operation.get("operationId") or f"{method}_{path}")


def inline_class_name(parent_schema: str, property_name: str) -> str:
    """The class name openapi-python-client gives an inline object schema of a property."""
    return class_name(f"{parent_schema}_{property_name}")


def map_class_name(value_schema: str) -> str:
    """The shared class of a map of `value_schema` objects, as DQOps names it: `ColumnSpecMap`."""
    return f"{value_schema}Map"


def shared_map_value(schema: Any) -> str | None:
    """The value schema of a map the SDK names after its values (`ColumnSpecMap`, scripts/generate.py):
    an object with no properties whose additional properties are a reference, else None."""
    if not isinstance(schema, dict) or schema.get("type") != "object" or schema.get("properties"):
        return None
    values = schema.get("additionalProperties")
    if not isinstance(values, dict) or set(values) != {"$ref"} or not isinstance(values["$ref"], str):
        return None
    return schema_name(values["$ref"])


def parameter_names(parameters: Sequence[dict[str, Any]]) -> list[str]:
    """The keyword names of an operation's parameters (each `{"name", "in"}`), by
    openapi-python-client's conflict rules: a name the function uses itself, or two parameters
    of one name, get their location appended (`url_query`); two of one name and location keep
    their spelling as near the JSON name as they can."""
    names = [python_name(parameter["name"]) for parameter in parameters]
    for index, parameter in enumerate(parameters):
        if names[index] in PARAMETER_CLASHES:
            names[index] = python_name(f"{names[index]}_{parameter['in']}")
    for name in list(names):
        clashes = [other for other in range(len(names)) if names[other] == name]
        if len(clashes) < 2:
            continue
        locations = {parameters[other]["in"] for other in clashes}
        for other in clashes:
            if len(locations) > 1:
                names[other] = python_name(f"{name}_{parameters[other]['in']}")
            else:
                names[other] = python_name(parameters[other]["name"], skip_snake_case=True)
    return names


def upstream_python_name(python_name: str) -> str:
    """How upstream's client spells the attribute or keyword our package names `python_name`.

    Both apply the same snake_case to the JSON name and then suffix reserved names with "_", from
    different sets: ours `filter` is upstream's `filter_`, ours `cls_` would be upstream's `cls`.
    Templates give a name whose spelling differs a second spelling (templates/dqops_macros.jinja).
    """
    base = python_name
    if python_name.endswith("_") and (python_name[:-1] in RESERVED_NAMES or keyword.iskeyword(python_name[:-1])):
        base = python_name[:-1]
    return base + "_" if keyword.iskeyword(base) or base in UPSTREAM_RESERVED_NAMES else base


def use_sdk_reserved_words() -> None:
    """Make openapi-python-client's parser, for the rest of this process, reserve only what
    python_name reserves (`type=`, not `type_=`). For a generator run: the parser has no other way
    to be told."""
    from openapi_python_client import strings

    strings.RESERVED_WORDS.clear()
    strings.RESERVED_WORDS.update(RESERVED_NAMES)
