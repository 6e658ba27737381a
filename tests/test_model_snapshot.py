"""`to_dict()` follows every change a user makes to a decoded model, for every model class.

Models with many scalar fields keep the JSON they were decoded from, and `to_dict()` copies
it while nothing was assigned (dqops/_runtime/model.py, templates/model.py.jinja). These
tests make sure that shortcut never returns stale JSON. For each object class of
dqops.client.models, on documents generated from its schema (tests/test_model_properties.py),
the expected JSON is computed from the documents alone, never from the SDK:

- each field assigned the value of the same field decoded from another document: the JSON
  of the first document with that key taken from the second;
- each field assigned UNSET: the key is gone;
- nested values changed in place (a list cleared, a nested model given a new key, a map
  emptied), and a new unknown field through `model[key] = value`;
- copy.copy, copy.deepcopy and pickle of a decoded model give its JSON back, and so does a
  model built with `__init__` from the decoded field values.

`test_snapshot_classes_follow_the_spec` checks which classes keep the JSON: exactly those
whose schema lists at least 8 scalar properties.
"""

from __future__ import annotations

import copy
import pickle
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given, settings

sys.path.insert(0, str(Path(__file__).parent))  # works with any --import-mode
from test_model_properties import (
    HYPOTHESIS_SETTINGS,
    OBJECT_CASES,
    ModelCase,
    first_difference,
    instances_of_case,
    model_class,
    resolve,
)

from dqops._runtime.model import DQOpsMapModel, DQOpsModel, DQOpsSnapshotModel
from dqops.client.types import UNSET

ADDED_KEY = "x-added-by-test"
SNAPSHOT_MIN_SCALARS = 8  # templates/model.py.jinja: keeps_snapshot
MAX_EXAMPLES = 3  # pairs of documents per class; each checks every field

FIELD_CASES = [case for case in OBJECT_CASES if case.schema.get("properties")]


def field_names(cls: Any) -> list[str]:
    return [field.name for field in attrs.fields(cls) if field.name != "additional_properties"]


def attribute_of_key(cls: Any, key: str, value: Any) -> str:
    """The attribute that the JSON key `key` decodes into (found by decoding it alone)."""
    decoded = cls.from_dict({key: value})
    names = [name for name in field_names(cls) if getattr(decoded, name) is not UNSET]
    assert len(names) == 1, f"{cls.__name__}: key {key!r} set the fields {names}"
    return names[0]


def assert_json(model: Any, expected: dict[str, Any], what: str) -> None:
    difference = first_difference(model.to_dict(), expected)
    assert difference is None, f"{type(model).__name__} after {what}: {difference}"


def declared(case: ModelCase, document: dict[str, Any]) -> list[str]:
    return [key for key in case.schema["properties"] if key in document]


def check_assignments(cls: Any, case: ModelCase, document: dict[str, Any], other: dict[str, Any]) -> None:
    for key in declared(case, document):
        name = attribute_of_key(cls, key, document[key])

        model = cls.from_dict(copy.deepcopy(document))
        setattr(model, name, getattr(cls.from_dict(copy.deepcopy(other)), name))
        assert_json(model, {**document, key: other[key]}, f"assigning {name}")

        model = cls.from_dict(copy.deepcopy(document))
        setattr(model, name, UNSET)
        assert_json(model, {k: v for k, v in document.items() if k != key}, f"assigning UNSET to {name}")


def check_changes_in_place(cls: Any, case: ModelCase, document: dict[str, Any]) -> None:
    for key in declared(case, document):
        name = attribute_of_key(cls, key, document[key])
        model = cls.from_dict(copy.deepcopy(document))
        value = getattr(model, name)
        if isinstance(value, list):
            value.clear()
            expected: Any = []
        elif isinstance(value, DQOpsMapModel):
            value.additional_properties.clear()
            expected = {}
        elif isinstance(value, DQOpsModel):
            value[ADDED_KEY] = 1
            expected = {**document[key], ADDED_KEY: 1}
        else:
            continue
        assert_json(model, {**document, key: expected}, f"changing {name} in place")

    model = cls.from_dict(copy.deepcopy(document))
    model[ADDED_KEY] = [1, "two"]
    assert_json(model, {**document, ADDED_KEY: [1, "two"]}, "model[key] = value")


def check_copies(cls: Any, document: dict[str, Any]) -> None:
    model = cls.from_dict(copy.deepcopy(document))
    assert_json(copy.copy(model), document, "copy.copy")
    assert_json(copy.deepcopy(model), document, "copy.deepcopy")
    assert_json(pickle.loads(pickle.dumps(model)), document, "pickle")
    built = cls(**{name: getattr(model, name) for name in field_names(cls)})
    built.additional_properties.update(model.additional_properties)
    assert_json(built, document, "__init__ with the decoded values")
    assert built == model


@pytest.mark.parametrize("case", FIELD_CASES, ids=[case.class_name for case in FIELD_CASES])
def test_to_dict_follows_every_change(case: ModelCase) -> None:
    cls = model_class(case.class_name)

    @settings(HYPOTHESIS_SETTINGS, max_examples=MAX_EXAMPLES)
    @given(instances_of_case(case), instances_of_case(case))
    def changes(document: dict[str, Any], other: dict[str, Any]) -> None:
        check_assignments(cls, case, document, other)
        check_changes_in_place(cls, case, document)
        check_copies(cls, document)

    changes()


def is_scalar(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    """A property whose decoded value cannot change in place: text, number, boolean, enum."""
    if "$ref" in schema:
        return "enum" in resolve(document, schema["$ref"])
    return schema.get("type") in ("string", "integer", "number", "boolean")


def test_snapshot_classes_follow_the_spec() -> None:
    keeping = []
    for case in FIELD_CASES:
        cls = model_class(case.class_name)
        scalars = sum(is_scalar(prop, case.document) for prop in case.schema["properties"].values())
        expected = scalars >= SNAPSHOT_MIN_SCALARS and not issubclass(cls, DQOpsMapModel)
        assert issubclass(cls, DQOpsSnapshotModel) == expected, f"{cls.__name__}: {scalars} scalar properties"
        if expected:
            keeping.append(cls)
    assert keeping, "no class keeps its JSON: the to_dict() shortcut is never tested"
    print(f"model snapshot tests: {len(keeping)} of {len(FIELD_CASES)} classes keep the decoded JSON")


def test_a_decoded_model_drops_its_snapshot_on_any_change() -> None:
    """The mechanism itself, on one class of each kind of field: kept, then dropped."""
    cls = model_class("CheckResultEntryModel")
    model = cls.from_dict({"id": "1", "checkType": "monitoring", "actualValue": 2.5})
    assert model._json_snapshot == {"id": "1", "checkType": "monitoring", "actualValue": 2.5}
    model.actual_value = 3.0
    assert model._json_snapshot is None
    assert model.to_dict() == {"id": "1", "checkType": "monitoring", "actualValue": 3.0}

    unknown = cls.from_dict({"id": "1", "newField": True})
    assert unknown._json_snapshot is None, "a model holding unknown fields keeps no snapshot"
    assert unknown.to_dict() == {"id": "1", "newField": True}

    built = cls(id="1")
    assert built._json_snapshot is None
    kept = cls.from_dict({"id": "1"})
    del kept.id
    assert kept._json_snapshot is None
    assert type(model) is cls and type(cls.from_dict({})) is cls
