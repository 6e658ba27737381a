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
the pytest output (tests/support/summaries.py).
"""

from __future__ import annotations

import copy
import datetime
import enum
import importlib
from typing import Any

import attrs
import pytest
from hypothesis import given
from openapi_schema_validator import OAS30Validator
from support import spec_facts as facts
from support.json_compare import first_difference
from support.model_cases import (
    CASES,
    CASES_ERROR,
    ENUM_CASES,
    HYPOTHESIS_SETTINGS,
    OBJECT_CASES,
    UNKNOWN_ENUM_VALUE,
    ModelCase,
    coverage_text,
    import_models,
    instances_of_case,
    model_class,
    validator_for,
)

# ---------------------------------------------------------------------------
# The model classes and their schemas (tests/support/model_cases.py)
# ---------------------------------------------------------------------------


def test_every_model_class_is_covered(record_property):
    """The cases are exactly the distinct classes of dqops.client.models (aliases count once)."""
    assert CASES_ERROR is None, CASES_ERROR
    record_property("model_coverage", coverage_text())  # for the summary line (tests/support/summaries.py)
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
# Exact JSON comparison
# ---------------------------------------------------------------------------


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
