"""`to_dict()` follows every change a user makes to a decoded model, for every model class.

`from_dict()` of a model with many fields leaves a note of what it decoded, which `to_dict()`
reuses while nothing was assigned (dqops/_runtime/model.py, templates/model.py.jinja): models
with many scalar fields keep the JSON itself and copy it; other models with many fields, when
the JSON sets a single field, and the former when it sets a single nested field, keep the
function that encodes that field alone. These tests make sure that neither shortcut ever
returns stale JSON. For each object class of
dqops.client.models, on documents generated from its schema (tests/test_model_properties.py),
and on each single-field part of them, the expected JSON is computed from the documents alone,
never from the SDK:

- each field assigned the value of the same field decoded from another document: the JSON
  of the first document with that key taken from the second;
- each field assigned UNSET: the key is gone;
- nested values changed in place (a list cleared, a nested model given a new key, a map
  emptied, each field of a nested model assigned UNSET), and a new unknown field through
  `model[key] = value`;
- copy.copy, copy.deepcopy and pickle of a decoded model give its JSON back, and so does a
  model built with `__init__` from the decoded field values;
- on a single-field document, each other field assigned: both keys.

The classes that keep the JSON go through the same checks (but the single-field ones) once more,
decoded as the SDK decodes an answer: the model keeps the decoded dict itself, not a copy.

`test_note_classes_follow_the_spec` checks which classes keep which note: the JSON for those
whose schema lists at least 8 scalar properties; the single-field encoder for the others with
at least 6 properties.
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from test_model_properties import (
    HYPOTHESIS_SETTINGS,
    OBJECT_CASES,
    ModelCase,
    first_difference,
    instances_of_case,
    model_class,
    resolve,
)

from dqops._runtime.model import DQOpsMapModel, DQOpsModel, DQOpsSnapshotModel, DQOpsSparseModel
from dqops.client.types import UNSET

ADDED_KEY = "x-added-by-test"
SNAPSHOT_MIN_SCALARS = 8  # templates/dqops_macros.jinja: note_kind
SPARSE_MIN_PROPERTIES = 6  # templates/dqops_macros.jinja: note_kind
MAX_EXAMPLES = 3  # pairs of documents per class; each checks every field
ANSWER_EXAMPLES = 2  # the same, decoded as the SDK decodes an answer (snapshot classes)

FIELD_CASES = [case for case in OBJECT_CASES if case.schema.get("properties")]


Decode = Callable[[Any, dict[str, Any]], Any]


def decoded_copy(cls: Any, document: dict[str, Any]) -> Any:
    """A model decoded by the public from_dict() from a copy of `document` (the test's own stays as it is)."""
    return cls.from_dict(copy.deepcopy(document))


def decoded_as_an_answer(cls: Any, document: dict[str, Any]) -> Any:
    """A model decoded as the SDK decodes an answer's JSON: handed over (`_owned`), the
    models keep the decoded objects rather than copies."""
    return cls.from_dict(copy.deepcopy(document), True)


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


def check_assignments(
    cls: Any, case: ModelCase, document: dict[str, Any], other: dict[str, Any], decode: Decode = decoded_copy
) -> None:
    for key in declared(case, document):
        name = attribute_of_key(cls, key, document[key])

        model = decode(cls, document)
        setattr(model, name, getattr(decode(cls, other), name))
        assert_json(model, {**document, key: other[key]}, f"assigning {name}")

        model = decode(cls, document)
        setattr(model, name, UNSET)
        assert_json(model, {k: v for k, v in document.items() if k != key}, f"assigning UNSET to {name}")


def check_changes_in_place(cls: Any, case: ModelCase, document: dict[str, Any], decode: Decode = decoded_copy) -> None:
    for key in declared(case, document):
        name = attribute_of_key(cls, key, document[key])
        model = decode(cls, document)
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

    model = decode(cls, document)
    model[ADDED_KEY] = [1, "two"]
    assert_json(model, {**document, ADDED_KEY: [1, "two"]}, "model[key] = value")

    # A field of a nested model assigned: the parent's note still holds, but the nested model no
    # longer is what it decoded, and the parent's encoder must see that.
    for key in declared(case, document):
        name = attribute_of_key(cls, key, document[key])
        nested = getattr(decode(cls, document), name)
        if not isinstance(nested, DQOpsModel) or isinstance(nested, DQOpsMapModel):
            continue
        for nested_key, nested_value in document[key].items():
            decoded = type(nested).from_dict({nested_key: nested_value})
            names = [field for field in field_names(type(nested)) if getattr(decoded, field) is not UNSET]
            if len(names) != 1:
                continue  # not a declared field: kept in additional_properties
            model = decode(cls, document)
            setattr(getattr(model, name), names[0], UNSET)
            without = {k: v for k, v in document[key].items() if k != nested_key}
            assert_json(model, {**document, key: without}, f"assigning UNSET to {name}.{names[0]}")


def check_copies(cls: Any, document: dict[str, Any], decode: Decode = decoded_copy) -> None:
    model = decode(cls, document)
    assert_json(copy.copy(model), document, "copy.copy")
    assert_json(copy.deepcopy(model), document, "copy.deepcopy")
    assert_json(pickle.loads(pickle.dumps(model)), document, "pickle")
    built = cls(**{name: getattr(model, name) for name in field_names(cls)})
    built.additional_properties.update(model.additional_properties)
    assert_json(built, document, "__init__ with the decoded values")
    assert built == model


def check_single_fields(
    cls: Any, case: ModelCase, document: dict[str, Any], other: dict[str, Any], decode: Decode = decoded_copy
) -> None:
    """Every check above on `{key: value}` for each key of `document`, then each other field assigned."""
    keys = declared(case, document)
    for index, key in enumerate(keys):
        single = {key: document[key]}
        nested = not is_scalar(case.schema["properties"][key], case.document)
        if issubclass(cls, DQOpsSparseModel) or (issubclass(cls, DQOpsSnapshotModel) and nested):
            assert callable(decode(cls, single)._decoded), f"{cls.__name__}: {key} alone"
        check_assignments(cls, case, single, other, decode)
        check_changes_in_place(cls, case, single, decode)
        check_copies(cls, single, decode)

        added = keys[(index + 1) % len(keys)]
        if added != key:
            name = attribute_of_key(cls, added, other[added])
            model = decode(cls, single)
            setattr(model, name, getattr(decode(cls, other), name))
            assert_json(model, {**single, added: other[added]}, f"decoding {key} alone, assigning {name}")


@pytest.mark.parametrize("case", FIELD_CASES, ids=[case.class_name for case in FIELD_CASES])
def test_to_dict_follows_every_change(case: ModelCase) -> None:
    cls = model_class(case.class_name)

    @settings(HYPOTHESIS_SETTINGS, max_examples=MAX_EXAMPLES)
    @given(instances_of_case(case), instances_of_case(case))
    def changes(document: dict[str, Any], other: dict[str, Any]) -> None:
        check_assignments(cls, case, document, other)
        check_changes_in_place(cls, case, document)
        check_copies(cls, document)
        check_single_fields(cls, case, document, other)

    changes()


SNAPSHOT_CASES = [case for case in FIELD_CASES if issubclass(model_class(case.class_name), DQOpsSnapshotModel)]


@pytest.mark.parametrize("case", SNAPSHOT_CASES, ids=[case.class_name for case in SNAPSHOT_CASES])
def test_to_dict_follows_every_change_of_a_model_decoded_from_an_answer(case: ModelCase) -> None:
    """The checks above on the models the SDK makes from an answer, which keep the JSON decoded
    from it rather than a copy (and so do the snapshot models nested in them). The single-field
    checks are left out: how a model is decoded changes nothing there but the snapshot's copy."""
    cls = model_class(case.class_name)

    @settings(HYPOTHESIS_SETTINGS, max_examples=ANSWER_EXAMPLES)
    @given(instances_of_case(case), instances_of_case(case))
    def changes(document: dict[str, Any], other: dict[str, Any]) -> None:
        assert decoded_as_an_answer(cls, document) == cls.from_dict(document)
        check_assignments(cls, case, document, other, decoded_as_an_answer)
        check_changes_in_place(cls, case, document, decoded_as_an_answer)
        check_copies(cls, document, decoded_as_an_answer)

    changes()


def test_from_dict_keeps_a_copy_of_the_callers_json_and_an_answer_its_own() -> None:
    """A caller's dict stays the caller's: changing it later never shows in the model, and
    decoding never changes it. The JSON the SDK decoded from an answer is kept as it is."""
    cls = model_class("CheckResultEntryModel")
    document = {"id": "1", "checkType": "monitoring", "actualValue": 2.5, "includeInSla": True}
    kept = dict(document)
    model = cls.from_dict(document)
    assert document == kept
    document["actualValue"] = 99.0
    document["id"] = "changed"
    assert model.to_dict() == kept

    answer = dict(kept)
    assert cls.from_dict(answer, True)._decoded is answer


def is_scalar(schema: dict[str, Any], document: dict[str, Any]) -> bool:
    """A property whose decoded value cannot change in place: text, number, boolean, enum."""
    if "$ref" in schema:
        return "enum" in resolve(document, schema["$ref"])
    return schema.get("type") in ("string", "integer", "number", "boolean")


def test_note_classes_follow_the_spec() -> None:
    snapshots, sparse = [], []
    for case in FIELD_CASES:
        cls = model_class(case.class_name)
        properties = case.schema["properties"].values()
        scalars = sum(is_scalar(prop, case.document) for prop in properties)
        keeps_snapshot = scalars >= SNAPSHOT_MIN_SCALARS and not issubclass(cls, DQOpsMapModel)
        keeps_single = not keeps_snapshot and len(properties) >= SPARSE_MIN_PROPERTIES
        what = f"{cls.__name__}: {len(properties)} properties, {scalars} scalar"
        assert issubclass(cls, DQOpsSnapshotModel) == keeps_snapshot, what
        assert issubclass(cls, DQOpsSparseModel) == keeps_single, what
        (snapshots if keeps_snapshot else sparse if keeps_single else []).append(cls)
    assert snapshots and sparse, "a kind of note is kept by no class: its to_dict() shortcut is never tested"
    print(
        f"model note tests: of {len(FIELD_CASES)} classes, {len(snapshots)} keep the decoded JSON, "
        f"{len(sparse)} the encoder of a single decoded field"
    )


def test_a_decoded_model_drops_its_snapshot_on_any_change() -> None:
    """The mechanism itself: kept, then dropped."""
    cls = model_class("CheckResultEntryModel")
    model = cls.from_dict({"id": "1", "checkType": "monitoring", "actualValue": 2.5})
    assert model._decoded == {"id": "1", "checkType": "monitoring", "actualValue": 2.5}
    model.actual_value = 3.0
    assert model._decoded is None
    assert model.to_dict() == {"id": "1", "checkType": "monitoring", "actualValue": 3.0}

    unknown = cls.from_dict({"id": "1", "newField": True})
    assert unknown._decoded is None, "a model holding unknown fields keeps no snapshot"
    assert unknown.to_dict() == {"id": "1", "newField": True}

    built = cls(id="1")
    assert built._decoded is None
    kept = cls.from_dict({"id": "1"})
    del kept.id
    assert kept._decoded is None
    assert type(model) is cls and type(cls.from_dict({})) is cls


def _sparse_case_with_two_models_and_a_boolean() -> tuple[Any, str, str, str]:
    """A class keeping the single-field encoder, with two model fields and a boolean one: (class, JSON
    key of a model field, JSON key of another model field, JSON key of the boolean), the first in name order."""
    for case in sorted(FIELD_CASES, key=lambda case: case.class_name):
        cls = model_class(case.class_name)
        if not issubclass(cls, DQOpsSparseModel):
            continue
        properties = case.schema["properties"]
        models = [key for key, prop in properties.items() if "$ref" in prop
                  and resolve(case.document, prop["$ref"]).get("type") == "object"]
        booleans = [key for key, prop in properties.items() if prop.get("type") == "boolean"]
        if len(models) >= 2 and booleans:
            return cls, models[0], models[1], booleans[0]
    raise AssertionError("no class keeps the single-field encoder with two model fields and a boolean")


def test_a_single_field_decode_keeps_its_encoder_until_any_change() -> None:
    """The mechanism itself: kept for one field only, then dropped."""
    cls, first, second, flag = _sparse_case_with_two_models_and_a_boolean()
    model = cls.from_dict({first: {}})
    assert model._decoded is not None
    assert model.to_dict() == {first: {}}
    setattr(model, attribute_of_key(cls, second, {}), getattr(model, attribute_of_key(cls, first, {})))
    assert model._decoded is None
    assert model.to_dict() == {second: {}, first: {}}

    assert cls.from_dict({first: {}, flag: True})._decoded is None, "two fields: none kept"
    assert cls.from_dict({first: {}, "newField": 1})._decoded is None, "an unknown field: none kept"
    assert cls.from_dict({})._decoded is None
    assert cls(**{attribute_of_key(cls, flag, True): True})._decoded is None
    kept = cls.from_dict({flag: False})
    delattr(kept, attribute_of_key(cls, flag, False))
    assert kept._decoded is None
    assert type(model) is cls
