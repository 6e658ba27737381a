"""Property tests: every model class of dqops.client.models round-trips generated JSON exactly.

For each model class, Hypothesis generates JSON documents that are instances of the class's
schema, and the test asserts

- the document validates against the schema (a check of this test's generator);
- `Model.from_dict(d).to_dict() == d` exactly: same keys, same values and the same JSON
  types (an int stays an int, also in a `number` field; dates stay strings; unknown fields
  come back unchanged), and `from_dict` leaves `d` unchanged;
- `to_dict()` validates against the schema (openapi-schema-validator's OAS30Validator, with
  the OAS 3.0 format checker: int32/int64 ranges, date, date-time).

The classes and their schemas come from the specs, never from the generated code:

- the 740 component schemas of the cleaned spec (objects and enums);
- the shared maps (`ColumnSpecMap`...) that scripts/generate.py adds as components of the
  generator's input spec (openapi/dqops-api-openapi-3.generator.json);
- the inline object schemas of properties (`DqoSettingsModelProperties`), named as
  openapi-python-client names them.

`test_every_model_class_is_covered` checks that these are exactly the classes of
dqops.client.models. Enums are checked value by value (every listed value and an unknown
one) instead of by Hypothesis.

Generated instances. Values of scalar schemas (strings, date and date-time strings,
int32/int64 integers, doubles, enums) come from hypothesis-jsonschema; doubles are also
drawn as integers. Objects, arrays and maps are drawn by `instances()` below, walking the
schema: hypothesis-jsonschema on a whole model schema (all `$ref`s inlined, depth-bounded)
took 0.3-3 s per class here, over 10 minutes for all of them, and needs a bound on
recursive schemas anyway.

- All the model's own properties are present, so every field of every class is exercised,
  plus at most one unknown field (any JSON value) to exercise additional_properties.
- A nested model (a `$ref` to an object schema) is a stub: `{}` or one unknown field. Its own
  fields are exercised when it is the class under test. Maps (`ColumnSpecMap`,
  `TopIncidentsModelTopIncidents`) get one more level: their values are the full value schema
  with optional properties, and stubs below that.
- Arrays and maps hold 0-3 items.

A few examples per class (derandomized: every run tests the same documents; no example
database is written). A summary line `model property tests: ...` is printed at the end of
the pytest output (tests/summaries.py).
"""

from __future__ import annotations

import copy
import datetime
import enum
import functools
import importlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import attrs
import pytest
import spec_facts as facts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from openapi_python_client.strings import ClassName
from openapi_schema_validator import OAS30Validator, oas30_format_checker

from scripts.operations import SCHEMA_REF_PREFIX

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


# ---------------------------------------------------------------------------
# The model classes and their schemas, computed from the specs
# ---------------------------------------------------------------------------


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


def test_every_model_class_is_covered(record_property):
    """The cases are exactly the distinct classes of dqops.client.models (aliases count once)."""
    assert CASES_ERROR is None, CASES_ERROR
    record_property("model_coverage", coverage_text())  # for the summary line (tests/summaries.py)
    module = import_models()
    classes: dict[str, Any] = {}
    for exported in module.__all__:
        cls = getattr(module, exported)
        classes.setdefault(cls.__name__, cls)
    names = [case.class_name for case in CASES]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    assert not duplicates, f"two schemas give the same class name: {duplicates}"
    not_covered = sorted(set(classes) - set(names))
    no_class = sorted(set(names) - set(classes))
    assert not not_covered, f"classes in dqops.client.models with no schema found: {not_covered}"
    assert not no_class, f"schemas whose class is missing from dqops.client.models: {no_class}"
    for case in CASES:
        is_enum = isinstance(classes[case.class_name], type) and issubclass(classes[case.class_name], enum.Enum)
        assert is_enum == (case.kind == "enum"), (
            f"{case.class_name}: kind {case.kind}, class {classes[case.class_name]}"
        )
    assert len({case.class_name for case in CASES if case.kind in ("object", "enum")}) == len(
        facts.cleaned_spec()["components"]["schemas"]
    )
    print(f"model property tests cover {coverage_text()}")


# ---------------------------------------------------------------------------
# Schemas for generation and for validation
# ---------------------------------------------------------------------------


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
#: are not RFC 3339, which the validator checks here: tests/test_dates.py covers them.
DQOPS_DATE_TIMES: st.SearchStrategy[str] = st.builds(
    "{}T{:02d}:{:02d}:{:02d}{}{}".format,
    st.dates().map(str),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.one_of(st.just(""), st.from_regex(r"\A\.[0-9]{1,9}\Z")),
    st.sampled_from(["Z", "+02:00", "-05:30", "+00:00"]),
)

#: Any JSON value, small: what an unknown field may hold.
ANY_JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=4,
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


# ---------------------------------------------------------------------------
# Exact JSON comparison
# ---------------------------------------------------------------------------


def first_difference(actual: Any, expected: Any, path: str = "$") -> str | None:
    """Where `actual` differs from `expected`, comparing JSON types exactly (1 != 1.0 != True)."""
    if type(actual) is not type(expected):
        return f"{path}: got {type(actual).__name__} {actual!r}, expected {type(expected).__name__} {expected!r}"
    if isinstance(expected, dict):
        missing = [key for key in expected if key not in actual]
        extra = [key for key in actual if key not in expected]
        if missing or extra:
            return f"{path}: keys missing {missing}, keys added {extra}"
        for key, value in expected.items():
            found = first_difference(actual[key], value, f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list):
        if len(actual) != len(expected):
            return f"{path}: {len(actual)} items, expected {len(expected)}"
        for index, (got, want) in enumerate(zip(actual, expected, strict=True)):
            found = first_difference(got, want, f"{path}[{index}]")
            if found:
                return found
        return None
    if actual != expected:
        return f"{path}: got {actual!r}, expected {expected!r}"
    return None


def test_first_difference_is_type_exact():
    assert first_difference({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]}) is None
    assert first_difference({"a": 1.0}, {"a": 1}) == "$.a: got float 1.0, expected int 1"
    assert first_difference([True], [1]) == "$[0]: got bool True, expected int 1"
    assert first_difference({"a": 1}, {"b": 1}) == "$: keys missing ['b'], keys added ['a']"

    class Text(str):
        pass

    assert first_difference(Text("daily"), "daily") is not None  # an enum member is not plain JSON


# ---------------------------------------------------------------------------
# The property tests
# ---------------------------------------------------------------------------


def schema_errors(validator: OAS30Validator, document: Any) -> str:
    errors = sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path))
    return "; ".join(f"{'/'.join(map(str, error.absolute_path)) or '$'}: {error.message}" for error in errors[:5])


def assert_round_trip(cls: Any, document: dict[str, Any], validator: OAS30Validator) -> None:
    invalid = schema_errors(validator, document)
    assert not invalid, f"test bug: the generated document is not an instance of the schema: {invalid}"
    snapshot = copy.deepcopy(document)
    instance = cls.from_dict(document)
    output = instance.to_dict()
    difference = first_difference(output, snapshot)
    assert difference is None, f"{cls.__name__}.from_dict(d).to_dict() != d: {difference}"
    assert first_difference(document, snapshot) is None, f"{cls.__name__}.from_dict changed its input"
    invalid = schema_errors(validator, output)
    assert not invalid, f"{cls.__name__}.to_dict() does not validate: {invalid}"
    assert_dates_keep_their_text(cls, document, snapshot)


def date_fields(cls: Any) -> dict[str, type]:
    """The date and date-time fields of a model class (python name -> the type a value has)."""
    kinds = {"datetime.date | Unset": datetime.date, "datetime.datetime | Unset": datetime.datetime}
    return {field.name: kinds[field.type] for field in attrs.fields(cls) if field.type in kinds}


def assert_dates_keep_their_text(cls: Any, document: dict[str, Any], snapshot: dict[str, Any]) -> None:
    """Each date read is a date / datetime, and a model whose note of the decoded JSON is gone
    (a copy) still writes back the text DQOps sent."""
    unset = importlib.import_module("dqops.client.types").UNSET
    instance = cls.from_dict(document)
    for name, kind in date_fields(cls).items():
        value = getattr(instance, name)
        assert value is None or value is unset or isinstance(value, kind), f"{cls.__name__}.{name}: {value!r}"
    difference = first_difference(copy.copy(instance).to_dict(), snapshot)
    assert difference is None, f"{cls.__name__}: a copy with its dates read does not write them back: {difference}"


@pytest.mark.parametrize("case", OBJECT_CASES, ids=[case.class_name for case in OBJECT_CASES])
def test_model_round_trips_generated_instances(case: ModelCase) -> None:
    cls = model_class(case.class_name)
    validator = validator_for(case)

    @HYPOTHESIS_SETTINGS
    @given(instances_of_case(case))
    def round_trip(document: dict[str, Any]) -> None:
        assert_round_trip(cls, document, validator)

    round_trip()


@pytest.mark.parametrize("case", ENUM_CASES, ids=[case.class_name for case in ENUM_CASES])
def test_enum_round_trips_every_value(case: ModelCase) -> None:
    cls = model_class(case.class_name)
    values = case.schema["enum"]
    assert {member.value for member in cls} == set(values)
    for value in [*values, UNKNOWN_ENUM_VALUE]:
        member = cls(value)
        assert type(member.value) is str and member.value == value, f"{cls.__name__}({value!r}).value"
        assert str(member) == value, f"str({cls.__name__}({value!r}))"
        assert member == value
        assert member.is_known == (value in values)
        if value in values:
            assert member is cls(value), f"{cls.__name__}({value!r}) is not one member"
