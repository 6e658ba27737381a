"""The model classes of dqops.client.models and their schemas, computed from the specs, never from
the generated code, and Hypothesis strategies of documents that are instances of each schema.

Shared by the property tests (tests/client/test_model_properties.py) and the to_dict() tests
(tests/client/test_model_snapshot.py).
"""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from openapi_python_client.strings import ClassName
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from scripts.operations import SCHEMA_REF_PREFIX
from support import spec_facts as facts

GENERATOR_SPEC_PATH = facts.REPO_ROOT / "openapi" / "dqops-api-openapi-3.generator.json"
REF_PREFIX = SCHEMA_REF_PREFIX
FIELD_PREFIX = "field_"  # generator-config.yaml: field_prefix (used by ClassName for odd names)

MAX_EXAMPLES = 5
HYPOTHESIS_SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)

INT_FORMAT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
UNKNOWN_ENUM_VALUE = "value_this_sdk_does_not_know"


@functools.cache
def generator_spec() -> dict[str, Any]:
    """The generator's input spec that scripts/generate.py writes (cleaned spec + shared maps)."""
    if not GENERATOR_SPEC_PATH.exists():
        raise FileNotFoundError(f"{GENERATOR_SPEC_PATH} does not exist: run `make generate`")
    return json.loads(GENERATOR_SPEC_PATH.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class ModelCase:
    """One class of dqops.client.models and the schema it was generated from."""

    class_name: str
    kind: str  # "object", "enum", "shared map", "inline"
    schema: dict[str, Any]  # may hold $refs into `document`
    document: dict[str, Any]  # the spec whose components resolve the $refs
    where: str  # for messages: where the schema is


def inline_object_schemas(node: dict[str, Any], name: str, where: str) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(class name, schema, location) of each inline object schema at or below a property.

    Names follow openapi-python-client: `<Parent>_<property>` for a property,
    `<name>_item` for array items, `<Class>_additional_property` for map values.
    """
    if "$ref" in node:
        return
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        yield from inline_object_schemas(node["items"], f"{name}_item", f"{where}.items")
    elif node.get("type") == "object":
        class_name = str(ClassName(name, FIELD_PREFIX))
        yield class_name, node, where
        yield from property_inline_objects(node, class_name, where)
        values = node.get("additionalProperties")
        if isinstance(values, dict):
            yield from inline_object_schemas(
                values, f"{class_name}_additional_property", f"{where}.additionalProperties"
            )


def property_inline_objects(
    schema: dict[str, Any], class_name: str, where: str
) -> Iterator[tuple[str, dict[str, Any], str]]:
    for property_name, prop in schema.get("properties", {}).items():
        yield from inline_object_schemas(prop, f"{class_name}_{property_name}", f"{where}.properties.{property_name}")


def model_cases() -> list[ModelCase]:
    cleaned = facts.cleaned_spec()
    generator = generator_spec()
    cleaned_schemas = cleaned["components"]["schemas"]
    generator_schemas = generator["components"]["schemas"]
    cases = [
        ModelCase(
            name,
            "enum" if "enum" in schema else "object",
            schema,
            cleaned,
            f"cleaned spec: #/components/schemas/{name}",
        )
        for name, schema in cleaned_schemas.items()
    ]
    cases += [
        ModelCase(name, "shared map", schema, generator, f"generator spec: #/components/schemas/{name}")
        for name, schema in generator_schemas.items()
        if name not in cleaned_schemas
    ]
    for name, schema in generator_schemas.items():
        where = f"generator spec: #/components/schemas/{name}"
        for class_name, inline, location in property_inline_objects(schema, name, where):
            cases.append(ModelCase(class_name, "inline", inline, generator, location))
    return cases


def _load_cases() -> tuple[list[ModelCase], str | None]:
    try:
        return model_cases(), None
    except FileNotFoundError as exc:  # reported by test_every_model_class_is_covered
        return [], str(exc)


CASES, CASES_ERROR = _load_cases()


OBJECT_CASES = [case for case in CASES if case.kind != "enum"]
ENUM_CASES = [case for case in CASES if case.kind == "enum"]


def import_models() -> Any:
    try:
        return importlib.import_module("dqops.client.models")
    except ModuleNotFoundError as exc:
        pytest.fail(f"cannot import dqops.client.models ({exc}): run `make generate`", pytrace=False)


def model_class(name: str) -> Any:
    module = import_models()
    cls = getattr(module, name, None)
    if cls is None:
        pytest.fail(f"dqops.client.models has no class {name}", pytrace=False)
    return cls


def kind_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for case in CASES:
        counts[case.kind] = counts.get(case.kind, 0) + 1
    return counts


def coverage_text() -> str:
    counts = kind_counts()
    components = counts.get("object", 0) + counts.get("enum", 0)
    return (
        f"{len(CASES)} model classes = {components} component schemas "
        f"({counts.get('object', 0)} objects + {counts.get('enum', 0)} enums) "
        f"+ {counts.get('shared map', 0)} shared maps + {counts.get('inline', 0)} inline models"
    )


def resolve(document: dict[str, Any], ref: str) -> dict[str, Any]:
    assert ref.startswith(REF_PREFIX), f"unexpected $ref {ref}"
    return document["components"]["schemas"][ref.removeprefix(REF_PREFIX)]


@functools.cache
def _leaf_strategy(schema_json: str) -> st.SearchStrategy[Any]:
    """hypothesis-jsonschema's strategy for a scalar schema (string/date/date-time, integer, number, enum)."""
    schema = json.loads(schema_json)
    strategy = from_schema(schema)
    if schema.get("format") == "date-time":
        strategy = strategy | DQOPS_DATE_TIMES
    if schema.get("type") == "number":
        # A JSON number may be written without a fraction; it must come back as written.
        strategy = strategy | st.integers(-(2**53), 2**53)
    return strategy


def leaf_strategy(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    leaf = {key: value for key, value in schema.items() if key in LEAF_KEYWORDS}
    if leaf.get("type") == "integer" and leaf.get("format") in INT_FORMAT_RANGES:
        leaf["minimum"], leaf["maximum"] = INT_FORMAT_RANGES[leaf["format"]]
    return _leaf_strategy(json.dumps(leaf, sort_keys=True))


LEAF_KEYWORDS = frozenset({"type", "format", "enum"})

#: Date-times as DQOps writes them (a Java Instant or OffsetDateTime): `Z` or an offset, with 0-9
#: digits of fraction (hypothesis-jsonschema's have 0 or 6). DQOps's local date-times (no offset)
#: are not RFC 3339, which the validator checks here: tests/client/test_dates.py covers them.
DQOPS_DATE_TIMES: st.SearchStrategy[str] = st.builds(
    "{}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.dates().map(str),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.one_of(st.just(""), st.from_regex(r"\A\.[0-9]{1,9}\Z")),
    st.sampled_from(["Z", "+02:00", "-05:30", "+00:00"]),
)


def unknown_fields(known: Iterable[str], max_size: int) -> st.SearchStrategy[dict[str, Any]]:
    """Fields this SDK does not know: names that are no property of the schema, any JSON values."""
    known = frozenset(known)
    names = st.text(min_size=1, max_size=12).filter(lambda name: name not in known)
    return st.dictionaries(names, ANY_JSON, max_size=max_size)


def _merged(parts: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
    known, unknown = parts
    return {**known, **unknown}


def is_map(schema: dict[str, Any]) -> bool:
    """A map of names to values of one schema (`ColumnSpecMap`), not a model with properties."""
    return not schema.get("properties") and isinstance(schema.get("additionalProperties"), dict)


def instances(
    node: dict[str, Any], document: dict[str, Any], levels: int, *, all_fields: bool = False
) -> st.SearchStrategy[Any]:
    """JSON instances of a schema of the spec (`$ref`s resolved in `document`).

    `levels`: how many more levels of nested models get their real schema; below, a nested
    model is a stub (`{}` or unknown fields only). `all_fields`: every property present.
    """
    if "$ref" in node:
        target = resolve(document, node["$ref"])
        if "enum" in target:
            return leaf_strategy(target)
        if levels <= 0:  # a stub: an empty map, or a model with at most one unknown field
            if is_map(target):
                return st.builds(dict)
            return unknown_fields(target.get("properties", {}), max_size=1)
        return instances(target, document, levels - 1)
    schema_type = node.get("type")
    if schema_type == "array":
        return st.lists(instances(node["items"], document, levels), max_size=3)
    if schema_type != "object":
        return leaf_strategy(node)
    properties: dict[str, Any] = node.get("properties", {})
    values = node.get("additionalProperties")
    if is_map(node):
        return st.dictionaries(st.text(max_size=12), instances(values, document, levels), max_size=3)
    fields = {name: instances(prop, document, levels) for name, prop in properties.items()}
    known = st.fixed_dictionaries(fields) if all_fields else st.fixed_dictionaries({}, optional=fields)
    # A free-form object (`"properties": {}`) holds only fields the spec does not name.
    return st.tuples(known, unknown_fields(properties, max_size=1 if properties else 3)).map(_merged)


def instances_of_case(case: ModelCase) -> st.SearchStrategy[Any]:
    return instances(case.schema, case.document, 1 if is_map(case.schema) else 0, all_fields=True)


def validator_for(case: ModelCase) -> OAS30Validator:
    """OAS 3.0 validator of the case's schema as written in its spec; $refs resolve in that spec."""
    schema = {**case.schema, "components": case.document["components"]}
    return OAS30Validator(schema, format_checker=oas30_format_checker)


#: Any JSON value, small: what an unknown field may hold.
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=4,
)


@dataclass(frozen=True)
class HeldField:
    """A field of a model that holds a list or a map of instances of a class of the spec, read
    from the generator's spec: its items (a list's) or values (a map's) are `item`, a model or an
    enum."""

    model: Any
    field: str  # the Python name
    json_name: str
    shape: str  # "list" or "map"
    item: Any


def _held_item(prop: dict[str, Any], document: dict[str, Any], inline_name: str) -> tuple[str, str] | None:
    """("list" or "map", class name of the items) of a property holding a list or a map of a spec
    class; `inline_name`: the name of the property's inline schemas (inline_object_schemas)."""
    items = prop.get("items", {}) if prop.get("type") == "array" else {}
    if "$ref" in items:
        return "list", items["$ref"].removeprefix(REF_PREFIX)
    if items.get("type") == "object":
        return "list", f"{inline_name}_item"
    target = resolve(document, prop["$ref"]) if "$ref" in prop else prop
    values = target.get("additionalProperties") if is_map(target) else None
    if isinstance(values, dict) and "$ref" in values:
        return "map", values["$ref"].removeprefix(REF_PREFIX)
    return None


@functools.cache
def held_fields() -> tuple[HeldField, ...]:
    """Every field of a component model of the spec that holds a list or a map of models or enums."""
    document = generator_spec()
    models = import_models()
    found = []
    for name, schema in document["components"]["schemas"].items():
        properties = schema.get("properties") or {}
        cls = getattr(models, str(ClassName(name, FIELD_PREFIX)), None)
        if not properties or cls is None:
            continue
        # The generated module lists the fields by JSON name in the order of the class's fields.
        json_names = list(importlib.import_module(cls.__module__)._UNSET_FIELDS)
        python_names = [field.name for field in cls.__attrs_attrs__ if field.name != "additional_properties"]
        by_json_name = dict(zip(json_names, python_names, strict=True))
        for json_name, prop in properties.items():
            held = _held_item(prop, document, f"{cls.__name__}_{json_name}")
            if held is not None:
                item = getattr(models, str(ClassName(held[1], FIELD_PREFIX)))
                found.append(HeldField(cls, by_json_name[json_name], json_name, held[0], item))
    return tuple(found)
