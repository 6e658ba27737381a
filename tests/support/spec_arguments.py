"""SDK call arguments built from the DQOps OpenAPI spec, for calling every operation.

``call_arguments(spec, op)`` gives, for one operation of the spec (a ``spec_facts.OperationFact``):

- its path parameters, positional and in the spec's order (that is the generated signature):
  readable names (``sample_connection``...), integers for integer parameters and, for the
  parameters typed as an enum schema, a member of that enum class from ``dqops.client.models``;
- its query parameters: every required one, and every optional one too, each with a value
  valid for its schema (dates as ISO 8601 text, enums as members, arrays with two items);
- its request body, if it has one: ``text/plain`` bodies are a ``str``; JSON bodies are built as
  a JSON value from the body schema (``body_json``), then turned into the SDK's type with
  ``Model.from_dict`` (a list of models for an array of ``$ref``s).

The JSON values fill every property of an object whose value is a primitive or an enum, and
nested objects, arrays and maps down to ``MAX_OBJECT_DEPTH`` levels, so the SDK's
serialization is exercised and a strict validator (Prism) has something to check. The
cleaned spec declares no ``required`` properties, patterns or ranges, so such a value is
valid when each property has the right type, format and enum.

It is a plain module (no pytest): ``PYTHONPATH=tests python -m support.spec_arguments OPERATION_ID`` prints the
arguments of one operation.
"""

from __future__ import annotations

import importlib
import json
import sys
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from support import spec_facts
from support.spec_facts import OperationFact

#: How deep body values nest objects (each $ref to an object schema is one level).
MAX_OBJECT_DEPTH = 3
MODELS_MODULE = "dqops.client.models"

#: Values of path parameters by name; other string parameters get ``sample_<snake name>``.
#: ``fullCheckName`` holds slashes, as DQOps's check names do: the SDK must send it as one
#: percent-encoded path segment, and Prism must route it to the operation.
PATH_STRINGS = {
    "connectionName": "sample_connection",
    "schemaName": "sample_schema",
    "tableName": "sample_table",
    "columnName": "sample_column",
    "email": "sample.user@example.com",
    "jobId": "123456789",
    "fullCheckName": "table/volume/row_count",
}
INTEGER_VALUES = {"year": 2024, "month": 8}
DEFAULT_INTEGER = {"int32": 7, "int64": 123456789}
STRING_FORMATS = {"date": "2024-08-02", "date-time": "2024-08-02T10:15:30Z"}


@dataclass(frozen=True)
class CallArguments:
    """How to call one operation: ``module.sync_detailed(*args, client=..., **kwargs)``."""

    operation: OperationFact
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    #: The JSON value the body was built from (``None`` without a body), for messages.
    body_json: Any = None
    #: The JSON/text values of ``args`` and ``kwargs`` except the body, as sent on the wire.
    wire_values: dict[str, Any] = field(default_factory=dict)

    @property
    def module(self) -> ModuleType:
        return importlib.import_module(self.operation.import_path)

    def describe(self) -> str:
        body = "" if self.body_json is None else f", body={json.dumps(self.body_json)[:300]}"
        return f"{self.operation.method.upper()} {self.operation.path} {self.wire_values}{body}"


def models_module() -> ModuleType:
    return importlib.import_module(MODELS_MODULE)


def _component(spec: dict[str, Any], ref: str) -> tuple[str, dict[str, Any]]:
    name = spec_facts.ref_name(ref)
    return name, spec_facts.schemas(spec)[name]


def body_json(spec: dict[str, Any], schema: dict[str, Any], name: str = "value", depth: int = 0) -> Any:
    """A JSON value valid for ``schema``; ``name`` (the property name) makes readable strings."""
    if "$ref" in schema:
        _name, target = _component(spec, schema["$ref"])
        if spec_facts.is_enum_schema(target):
            return target["enum"][0]
        if depth >= MAX_OBJECT_DEPTH:
            return {}
        return body_json(spec, target, name, depth + 1)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return STRING_FORMATS.get(schema.get("format", ""), f"sample_{spec_facts.python_name(name)}")
    if kind == "integer":
        return DEFAULT_INTEGER.get(schema.get("format", ""), 7)
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        if depth >= MAX_OBJECT_DEPTH:
            return []
        return [body_json(spec, schema.get("items", {}), name, depth)]
    if kind == "object" or "properties" in schema or "additionalProperties" in schema:
        value: dict[str, Any] = {}
        for prop_name, prop in schema.get("properties", {}).items():
            value[prop_name] = body_json(spec, prop, prop_name, depth)
        values = schema.get("additionalProperties")
        if isinstance(values, dict) and not schema.get("properties") and depth < MAX_OBJECT_DEPTH:
            value[f"sample_{spec_facts.python_name(name)}_key"] = body_json(spec, values, name, depth)
        return value
    return {}


def _model_class(schema_name: str) -> Any:
    return getattr(models_module(), schema_name)


def sdk_value(spec: dict[str, Any], schema: dict[str, Any], value: Any) -> Any:
    """The SDK's typed value for a JSON ``value`` of ``schema``: models, enums, lists of them."""
    if "$ref" in schema:
        schema_name, target = _component(spec, schema["$ref"])
        cls = _model_class(schema_name)
        return cls(value) if spec_facts.is_enum_schema(target) else cls.from_dict(value)
    if schema.get("type") == "array":
        return [sdk_value(spec, schema.get("items", {}), item) for item in value]
    return value


def parameter_json(spec: dict[str, Any], parameter: dict[str, Any]) -> Any:
    """A JSON value valid for a path or query parameter."""
    schema = parameter["schema"]
    name = parameter["name"]
    if "$ref" in schema:
        return body_json(spec, schema, name)
    kind = schema.get("type")
    if kind == "integer":
        return INTEGER_VALUES.get(name, DEFAULT_INTEGER.get(schema.get("format", ""), 7))
    if kind == "string" and "format" not in schema and "enum" not in schema:
        return PATH_STRINGS.get(name, f"sample_{spec_facts.python_name(name)}")
    if kind == "array":
        return [
            body_json(spec, schema.get("items", {}), f"{name}_1"),
            body_json(spec, schema.get("items", {}), f"{name}_2"),
        ]
    return body_json(spec, schema, name)


def request_body_schema(op: OperationFact) -> tuple[str, dict[str, Any]] | None:
    """(media type, schema) of the operation's request body, or None."""
    content = (op.request_body or {}).get("content") or {}
    for media_type, media in content.items():
        return media_type, media.get("schema", {})
    return None


def call_arguments(spec: dict[str, Any], op: OperationFact, *, optional_query: bool = True) -> CallArguments:
    """The arguments of ``op``: path parameters, query parameters (optional ones too) and body."""
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    wire: dict[str, Any] = {}
    for parameter in op.path_parameters:
        value = parameter_json(spec, parameter)
        wire[parameter["name"]] = value
        args.append(sdk_value(spec, parameter["schema"], value))
    for parameter in op.parameters:
        if parameter["in"] == "path" or not (parameter.get("required") or optional_query):
            continue
        value = parameter_json(spec, parameter)
        wire[parameter["name"]] = value
        kwargs[spec_facts.python_name(parameter["name"])] = sdk_value(spec, parameter["schema"], value)
    body = request_body_schema(op)
    value = None
    if body is not None:
        media_type, schema = body
        if media_type == "text/plain":
            value = "sample-new-password"
            kwargs["json_body"] = value
        else:
            value = body_json(spec, schema, "body")
            kwargs["json_body"] = sdk_value(spec, schema, value)
    return CallArguments(op, tuple(args), kwargs, value, wire)


def all_call_arguments(spec: dict[str, Any]) -> list[CallArguments]:
    return [call_arguments(spec, op) for op in spec_facts.operations(spec)]


def _main(argv: list[str]) -> int:  # pragma: no cover - a debugging aid
    spec = spec_facts.cleaned_spec()
    wanted = set(argv)
    for op in spec_facts.operations(spec):
        if wanted and not wanted & {op.operation_id, op.id, op.name}:
            continue
        arguments = call_arguments(spec, op)
        print(f"{op.id}: {arguments.describe()}")
        print(f"    args={arguments.args!r}")
        print(f"    kwargs={ {k: v for k, v in arguments.kwargs.items() if k != 'json_body'}!r}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main(sys.argv[1:]))
