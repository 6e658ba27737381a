"""Facts computed from the DQOps OpenAPI documents, for the tests' expected values.

The tests never hard-code how many operations or schemas the API has: they ask this
module, which reads the raw upstream spec (../shared/dqops-openapi, the file pinned in
openapi/spec.lock.json) or the cleaned one (openapi/dqops-api-openapi-3.cleaned.json).
Names follow openapi-python-client's own word splitting (`openapi_python_client.strings`).

It is a plain module (no pytest): `python tests/spec_facts.py` prints a summary.
"""

from __future__ import annotations

import builtins
import copy
import functools
import json
import keyword
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import clean_spec, naming
from scripts.naming import snake_case
from scripts.operations import schema_name as ref_name
from scripts.operations import walk_operations
from scripts.spec_io import SpecLock

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_DIR = Path(os.environ.get("DQOPS_SHARED_DIR", REPO_ROOT.parent / "shared"))
SPEC_LOCK_PATH = REPO_ROOT / "openapi" / "spec.lock.json"
CLEANED_SPEC_PATH = REPO_ROOT / "openapi" / "dqops-api-openapi-3.cleaned.json"
OVERLAY_PATH = REPO_ROOT / "openapi" / "overlay.json"
SCRIPTS_DIR = REPO_ROOT / "scripts"
DOCS_DIR = SHARED_DIR / "dqops-docs"

#: What ../shared/dqops-openapi/README.md states of each upstream spec file: (operations,
#: schemas or Swagger 2 definitions), as read there by a person.
DOCUMENTED_COUNTS: dict[str, tuple[int, int]] = {
    "dqops-api-openapi-3.2024-07-26.json": (300, 732),
    "dqops-api-openapi-3.2024-08-02.json": (316, 740),
    "dqops-api-swagger-2.1.11.0.json": (340, 734),
    "dqops-api-swagger-2.1.13.2.json": (341, 734),
}


#: Keys of the Java serializer that are no OpenAPI keywords (README of the reference specs).
ARTIFACT_KEYS = clean_spec.SERIALIZATION_ARTIFACT_KEYS | {clean_spec.JAVA_EXTENSIONS_KEY}
# Keys whose value maps user-chosen names to OpenAPI objects, and keys whose value is data.
NAMED_MAP_KEYS = clean_spec.NAMED_MAP_KEYS
DATA_KEYS = clean_spec.DATA_KEYS


def raw_spec_path() -> Path:
    """The pinned upstream spec in the shared reference data."""
    return SHARED_DIR / "dqops-openapi" / SpecLock.load(SPEC_LOCK_PATH).file


@functools.cache
def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def documented_counts() -> tuple[int, int]:
    """(operations, schemas) that the reference data's README states for the pinned spec file."""
    return DOCUMENTED_COUNTS[raw_spec_path().name]


def raw_spec() -> dict[str, Any]:
    """A fresh copy of the raw upstream document (callers may change it)."""
    return copy.deepcopy(_load(raw_spec_path()))


CONVERTED_SPEC_PATH = REPO_ROOT / "openapi" / "dqops-api-openapi-3.converted.json"


def pinned_openapi3_input() -> dict[str, Any]:
    """The pinned spec as scripts/clean_spec.py gets it: converted to OpenAPI 3 by `make spec`
    when upstream publishes it as Swagger 2 (a fresh copy)."""
    raw = raw_spec()
    if "swagger" not in raw:
        return raw
    if not CONVERTED_SPEC_PATH.exists():
        raise FileNotFoundError(f"{CONVERTED_SPEC_PATH} does not exist: run `make generate`")
    return copy.deepcopy(_load(CONVERTED_SPEC_PATH))


def cleaned_spec() -> dict[str, Any]:
    """The cleaned document `make spec` wrote (shared: do not change it)."""
    if not CLEANED_SPEC_PATH.exists():
        raise FileNotFoundError(f"{CLEANED_SPEC_PATH} does not exist: run `make generate`")
    return _load(CLEANED_SPEC_PATH)


def overlay() -> dict[str, Any]:
    return copy.deepcopy(_load(OVERLAY_PATH))


def python_name(json_name: str) -> str:
    """The snake_case name openapi-python-client derives (before any reserved-word suffix)."""
    return snake_case(json_name)


# ---------------------------------------------------------------------------
# Operations
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class OperationFact:
    path: str
    method: str  # lower case
    operation: dict[str, Any]
    # The document's components/requestBodies, which a request body may refer to (Swagger 2
    # conversions name the bodies that several operations share).
    request_bodies: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def operation_id(self) -> str:
        return self.operation["operationId"]

    @property
    def tag(self) -> str:
        return self.operation["tags"][0]

    @property
    def module(self) -> str:
        """The API package of the operation: dqops.client.api.<module>."""
        return naming.module_name(self.tag)

    @property
    def name(self) -> str:
        return naming.function_name(self.operation_id)

    @property
    def id(self) -> str:
        return f"{self.module}.{self.name}"

    @property
    def import_path(self) -> str:
        return f"dqops.client.api.{self.module}.{self.name}"

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.operation.get("parameters", []))

    @property
    def path_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == "path"]

    @property
    def paged(self) -> bool:
        """Lists items a page at a time: optional integer query parameters `page` and `limit`,
        and a JSON array as its one success (its module has `iterate` and `aiterate` too)."""
        query = {p["name"]: p for p in self.parameters if p["in"] == "query"}
        paging = [query.get("page"), query.get("limit")]
        if not all(p and not p.get("required") and p.get("schema", {}).get("type") == "integer" for p in paging):
            return False
        successes = [r for code, r in self.responses.items() if code.isdigit() and 200 <= int(code) < 300]
        schemas = [media.get("schema", {}) for r in successes for media in r.get("content", {}).values()]
        return len(successes) == 1 and bool(schemas) and all(schema.get("type") == "array" for schema in schemas)

    @property
    def required_other_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] != "path" and p.get("required")]

    @property
    def request_body(self) -> dict[str, Any] | None:
        body = self.operation.get("requestBody")
        ref = (body or {}).get("$ref", "")
        if ref.startswith("#/components/requestBodies/"):
            return self.request_bodies[ref.rsplit("/", 1)[-1]]
        return body

    @property
    def request_media_types(self) -> tuple[str, ...]:
        return tuple((self.request_body or {}).get("content", {}))

    @property
    def responses(self) -> dict[str, Any]:
        return self.operation.get("responses", {})

    @property
    def answers_body(self) -> bool:
        """Whether a documented success has content (any documented answer when no success is listed).

        Error answers do not count: DQOps 1.13 documents a SpringErrorPayload 500 for every operation."""
        successes = {code: r for code, r in self.responses.items() if code.isdigit() and 200 <= int(code) < 300}
        return any(response.get("content") for response in (successes or self.responses).values())

    @property
    def success_status(self) -> int:
        """The lowest documented 2xx status; the lowest documented status when there is none."""
        codes = sorted(int(code) for code in self.responses if code.isdigit())
        successes = [code for code in codes if 200 <= code < 300]
        return (successes or codes)[0]

    def success_media_types(self) -> tuple[str, ...]:
        return tuple(self.responses.get(str(self.success_status), {}).get("content") or {})


def operations(spec: dict[str, Any]) -> list[OperationFact]:
    return [
        OperationFact(site.path, site.method, site.operation, spec.get("components", {}).get("requestBodies", {}))
        for site in walk_operations(spec)
    ]


def operation_count(spec: dict[str, Any]) -> int:
    return len(operations(spec))


def operation_keys(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(METHOD, path with a leading slash) of every operation."""
    return {(op.method.upper(), "/" + op.path.lstrip("/")) for op in operations(spec)}


def bodyless_operations(spec: dict[str, Any]) -> list[OperationFact]:
    """Operations whose success answers no content (see OperationFact.answers_body)."""
    return [op for op in operations(spec) if not op.answers_body]


def text_plain_operations(spec: dict[str, Any]) -> list[OperationFact]:
    return [op for op in operations(spec) if "text/plain" in op.request_media_types]


def operations_with_path_parameter(spec: dict[str, Any], *names: str) -> list[OperationFact]:
    return [op for op in operations(spec) if any(p["name"] in names for p in op.path_parameters)]


# ---------------------------------------------------------------------------
# Schemas
# ---------------------------------------------------------------------------


def schemas(spec: dict[str, Any]) -> dict[str, Any]:
    """The schemas of an OpenAPI 3 document, or the definitions of a Swagger 2 one."""
    if "definitions" in spec and "components" not in spec:
        return spec["definitions"]
    return spec.get("components", {}).get("schemas", {})


def schema_names(spec: dict[str, Any]) -> list[str]:
    return list(schemas(spec))


def is_enum_schema(schema: dict[str, Any]) -> bool:
    return "enum" in schema


def enum_schemas(spec: dict[str, Any]) -> dict[str, list[Any]]:
    return {name: list(schema["enum"]) for name, schema in schemas(spec).items() if is_enum_schema(schema)}


def object_schema_names(spec: dict[str, Any]) -> list[str]:
    return [name for name, schema in schemas(spec).items() if not is_enum_schema(schema)]


def schema_properties(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """(schema, property) for every declared property of every component schema."""
    return {(name, prop) for name, schema in schemas(spec).items() for prop in schema.get("properties", {})}


@dataclass(frozen=True)
class MapProperty:
    """A property `type: object` + `additionalProperties: {$ref: X}` without properties."""

    schema: str
    property: str
    value_schema: str

    @property
    def map_class(self) -> str:
        return naming.map_class_name(self.value_schema)

    @property
    def id(self) -> str:
        return f"{self.schema}.{self.property}"


def map_properties(spec: dict[str, Any]) -> list[MapProperty]:
    found = []
    for schema_name, schema in schemas(spec).items():
        for prop_name, prop in schema.get("properties", {}).items():
            values = prop.get("additionalProperties")
            if (
                prop.get("type") == "object"
                and isinstance(values, dict)
                and set(values) == {"$ref"}
                and not prop.get("properties")
            ):
                found.append(MapProperty(schema_name, prop_name, ref_name(values["$ref"])))
    return found


@dataclass(frozen=True)
class ShadowingName:
    """A JSON name whose Python spelling is also a builtin (`type`, `filter`, `id`...)."""

    owner: str  # schema name, or operation id for a parameter
    json_name: str
    python_name: str
    schema: dict[str, Any]

    @property
    def id(self) -> str:
        return f"{self.owner}.{self.json_name}"


def _shadows_builtin(name: str) -> bool:
    return name in dir(builtins) and not keyword.iskeyword(name)


def builtin_shadowing_properties(spec: dict[str, Any]) -> list[ShadowingName]:
    return [
        ShadowingName(schema_name, prop_name, python_name(prop_name), prop)
        for schema_name, schema in schemas(spec).items()
        for prop_name, prop in schema.get("properties", {}).items()
        if _shadows_builtin(python_name(prop_name))
    ]


def builtin_shadowing_parameters(spec: dict[str, Any]) -> list[tuple[OperationFact, ShadowingName]]:
    return [
        (op, ShadowingName(op.id, parameter["name"], python_name(parameter["name"]), parameter["schema"]))
        for op in operations(spec)
        for parameter in op.parameters
        if _shadows_builtin(python_name(parameter["name"]))
    ]


def enum_holders(spec: dict[str, Any]) -> dict[str, tuple[str, str]]:
    """Enum schema -> the first (schema, property) whose value is that enum ($ref, not in a list)."""
    enums = enum_schemas(spec)
    holders: dict[str, tuple[str, str]] = {}
    for schema_name, schema in schemas(spec).items():
        for prop_name, prop in schema.get("properties", {}).items():
            target = ref_name(prop.get("$ref", ""))
            if target in enums:
                holders.setdefault(target, (schema_name, prop_name))
    return holders


# ---------------------------------------------------------------------------
# Keywords of a document (as opposed to names and data)
# ---------------------------------------------------------------------------


def keyword_locations(document: Any, keys: frozenset[str] | set[str]) -> list[str]:
    """JSON pointers of every `key` in `keys` used as a keyword (not as a name, not inside data).

    Written independently of scripts/clean_spec.py so that the tests do not check the
    clean-up with its own walker.
    """
    found: list[str] = []

    def pointer(parts: list[str]) -> str:
        return "/" + "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)

    def walk(node: Any, parts: list[str], is_named_map: bool) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, [*parts, str(index)], False)
        elif isinstance(node, dict):
            for key, value in node.items():
                if is_named_map:
                    walk(value, [*parts, key], False)
                    continue
                if key in keys:
                    found.append(pointer([*parts, key]))
                if key in DATA_KEYS or key.startswith("x-"):
                    continue
                walk(value, [*parts, key], key in NAMED_MAP_KEYS and isinstance(value, dict))

    walk(document, [], False)
    return found


def local_refs(document: Any) -> Iterator[str]:
    """Every `$ref` string value in the document (anywhere)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from local_refs(value)
    elif isinstance(document, list):
        for item in document:
            yield from local_refs(item)


# ---------------------------------------------------------------------------
# Sample values built from schemas
# ---------------------------------------------------------------------------


def sample_json(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0) -> Any:
    """A small JSON value valid for `schema` (objects are left empty)."""
    if "$ref" in schema:
        target = schemas(spec)[ref_name(schema["$ref"])]
        if is_enum_schema(target):
            return target["enum"][0]
        return {}
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "string":
        return {"date": "2024-08-02", "date-time": "2024-08-02T10:15:30Z"}.get(schema.get("format", ""), "sample")
    if kind == "integer":
        return 7
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    if kind == "array":
        return [sample_json(spec, schema.get("items", {}), depth + 1)] if depth < 3 else []
    return {}


def _main() -> int:  # pragma: no cover - a debugging aid
    raw, cleaned = raw_spec(), cleaned_spec()
    print(f"raw {raw_spec_path()}: {operation_count(raw)} operations, {len(schema_names(raw))} schemas")
    print(f"cleaned: {operation_count(cleaned)} operations, {len(schema_names(cleaned))} schemas")
    print(f"body-less operations: {len(bodyless_operations(cleaned))}")
    print(f"text/plain operations: {[op.id for op in text_plain_operations(cleaned)]}")
    print(f"map properties: {len(map_properties(cleaned))}")
    print(f"builtin-shadowing properties: {len(builtin_shadowing_properties(cleaned))}")
    print(f"enums: {len(enum_schemas(cleaned))}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(_main())
