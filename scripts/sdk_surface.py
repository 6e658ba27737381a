"""The SDK's surface as its users meet it, read from a spec by the generator's rules: each
operation as a function of a module (its parameters' keyword names and types, its body and what
it returns), each model as a class with its fields, each enum with its values.

Names come from scripts/naming.py, as generation gives them; types follow openapi-python-client's
mapping of schemas to Python types, with the SDK's shared maps (`ColumnSpecMap`) and inline
classes named as scripts/generate.py names them. scripts/api_diff.py compares two surfaces.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scripts import clean_spec, naming
from scripts.naming import class_name, python_name
from scripts.operations import (
    ALIASES_EXTENSION,
    SCHEMA_REF_PREFIX,
    JsonObject,
    item_operations,
    schema_name,
    schemas_of,
    walk_paths,
)

# The keyword of the request body (templates/endpoint_macros.py.jinja).
BODY_PARAMETER = "json_body"


def sdk_type(schema: Any, context: str) -> str:
    """The Python type the SDK gives a schema; `context` names inline classes as the generator does."""
    if not isinstance(schema, dict):
        return "Any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return class_name(schema_name(ref))
    if isinstance(schema.get("enum"), list):
        return class_name(context)
    for combinator in ("allOf", "anyOf", "oneOf"):
        members = schema.get(combinator)
        if isinstance(members, list) and members:
            if combinator == "allOf" and len(members) == 1:
                return sdk_type(members[0], context)
            return " | ".join(sdk_type(member, f"{context}_type_{index}") for index, member in enumerate(members))
    kind = schema.get("type")
    if kind == "array":
        return f"list[{sdk_type(schema.get('items'), context + '_item')}]"
    if kind == "string":
        return "File" if schema.get("format") == "binary" else "str"
    if kind == "integer":
        return "int"
    if kind == "number":
        return "float"
    if kind == "boolean":
        return "bool"
    values = schema.get("additionalProperties")
    if kind in ("object", None) and not schema.get("properties") and isinstance(values, dict):
        shared = naming.shared_map_value(schema)
        if shared is not None:  # scripts/generate.py names these maps `<Value>Map`
            return naming.map_class_name(class_name(shared))
        return f"dict[str, {sdk_type(values, context + '_additional_property')}]"
    if kind == "object" or schema.get("properties"):
        return class_name(context)
    return "Any"


def inline_enum_values(schema: Any) -> list[Any] | None:
    """The values of an inline enum (directly, or as array items), else None."""
    while isinstance(schema, dict) and schema.get("type") == "array":
        schema = schema.get("items")
    if isinstance(schema, dict) and isinstance(schema.get("enum"), list) and "$ref" not in schema:
        return list(schema["enum"])
    return None


# ---------------------------------------------------------------------------------------
# What the SDK exposes: operations, models, enums
# ---------------------------------------------------------------------------------------


@dataclass
class Parameter:
    name: str  # JSON name
    location: str  # path, query, header, cookie
    python_name: str
    type: str
    required: bool
    enum_values: list[Any] | None = None


@dataclass
class Operation:
    method: str
    path: str
    module: str
    function: str
    parameters: dict[tuple[str, str], Parameter]
    path_order: list[str]  # python names of the path parameters, in URL order (positional in the SDK)
    body_type: str | None
    body_media_type: str | None
    body_required: bool
    return_types: list[str]

    @property
    def sdk(self) -> str:
        return f"{self.module}.{self.function}"

    @property
    def http(self) -> str:
        return f"{self.method} {self.path}"


@dataclass
class Field:
    name: str
    python_name: str
    type: str
    required: bool
    enum_values: list[Any] | None = None


@dataclass
class Model:
    name: str
    class_name: str
    fields: dict[str, Field]
    aliases: list[str]


@dataclass
class Api:
    operations: dict[tuple[str, str], Operation]
    models: dict[str, Model]
    enums: dict[str, list[Any]]  # class name -> values


def _resolve(document: JsonObject, node: Any) -> Any:
    ref = node.get("$ref") if isinstance(node, dict) else None
    if isinstance(ref, str) and ref.startswith("#/") and not ref.startswith(SCHEMA_REF_PREFIX):
        return clean_spec.resolve_pointer(document, ref[1:])
    return node


def _body_of(document: JsonObject, operation: JsonObject, context: str) -> tuple[str | None, str | None, bool]:
    body = _resolve(document, operation.get("requestBody"))
    if not isinstance(body, dict):
        return None, None, False
    content = body.get("content") or {}
    for media_type in ("application/json", *sorted(content)):
        if media_type in content:
            schema = (content[media_type] or {}).get("schema")
            kind = sdk_type(schema, context) if media_type == "application/json" else "str"
            return kind, media_type, bool(body.get("required"))
    return None, None, False


def _is_error_status(status: str) -> bool:
    return status[:1] in ("4", "5")


def _return_types(document: JsonObject, operation: JsonObject, context: str) -> list[str]:
    """What the SDK's sync() returns, by the rule of templates/endpoint_module.py.jinja: an error
    status is raised, not returned, unless it is the only answer the spec documents."""
    responses = operation.get("responses") or {}
    has_success = any(not _is_error_status(status) for status in responses)
    types: set[str] = set()
    for status, response in responses.items():
        response = _resolve(document, response)
        content = (response or {}).get("content") or {}
        if _is_error_status(status) and (has_success or not content):
            continue
        if not content:
            types.add("None")
            continue
        media_type = "application/json" if "application/json" in content else min(content)
        schema = (content[media_type] or {}).get("schema")
        if media_type == "application/json":
            types.add(sdk_type(schema, f"{context}_response_{status}"))
        elif media_type.startswith("text/"):
            types.add("str")
        else:
            types.add("bytes")
    types.add("None")
    return sorted(types)


def operations_of(document: JsonObject) -> dict[tuple[str, str], Operation]:
    operations: dict[tuple[str, str], Operation] = {}
    for raw_path, item in walk_paths(document):
        path = "/" + raw_path.lstrip("/")
        shared = [_resolve(document, p) for p in item.get("parameters") or []]
        for method, operation in item_operations(item):
            own = [_resolve(document, p) for p in operation.get("parameters") or []]
            keys = {(p["in"], p["name"]) for p in own}
            parameters = [p for p in shared if (p["in"], p["name"]) not in keys] + own
            names = naming.parameter_names(parameters)
            operation_id = operation.get("operationId") or f"{method}_{path}"
            by_key = {
                (p["in"], p["name"]): Parameter(
                    name=p["name"],
                    location=p["in"],
                    python_name=names[index],
                    type=sdk_type(
                        p.get("schema"), f"{naming.pascal_case(operation_id)}{naming.pascal_case(p['name'])}"
                    ),
                    required=bool(p.get("required")) or p["in"] == "path",
                    enum_values=inline_enum_values(p.get("schema")),
                )
                for index, p in enumerate(parameters)
            }
            path_names = {p.name: p.python_name for p in by_key.values() if p.location == "path"}
            order = [
                path_names[segment[1:-1]]
                for segment in path.split("/")
                if segment.startswith("{") and segment.endswith("}") and segment[1:-1] in path_names
            ]
            module, function = naming.operation_names(operation, method, path)
            body_type, body_media_type, body_required = _body_of(document, operation, f"{operation_id}_body")
            operations[(method.upper(), path)] = Operation(
                method=method.upper(),
                path=path,
                module=module,
                function=function,
                parameters=by_key,
                path_order=order,
                body_type=body_type,
                body_media_type=body_media_type,
                body_required=body_required,
                return_types=_return_types(document, operation, operation_id),
            )
    return operations


def models_of(document: JsonObject) -> tuple[dict[str, Model], dict[str, list[Any]]]:
    models: dict[str, Model] = {}
    enums: dict[str, list[Any]] = {}
    for name, schema in schemas_of(document).items():
        if not isinstance(schema, dict):
            continue
        if isinstance(schema.get("enum"), list):
            enums[class_name(name)] = list(schema["enum"])
            continue
        required = set(schema.get("required") or [])
        fields = {
            prop_name: Field(
                name=prop_name,
                python_name=python_name(prop_name),
                type=sdk_type(prop, f"{name}_{prop_name}"),
                required=prop_name in required,
                enum_values=inline_enum_values(prop),
            )
            for prop_name, prop in (schema.get("properties") or {}).items()
        }
        models[name] = Model(
            name=name,
            class_name=class_name(name),
            fields=fields,
            aliases=sorted(schema.get(ALIASES_EXTENSION) or []),
        )
    return models, enums


def api_of(document: JsonObject) -> Api:
    models, enums = models_of(document)
    return Api(operations_of(document), models, enums)
