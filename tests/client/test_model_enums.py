"""Enum fields of the models check text given to their constructor as operations check their
arguments, and still decode any value an answer holds: for every enum field of every model, and
each item of every field holding a list or a map of enum values."""

from __future__ import annotations

import importlib
from typing import Any

import attrs
import pytest
from support.model_cases import HeldField, held_fields

from dqops._runtime.enums import DQOpsEnum


def enum_fields() -> list[tuple[type, str, type[DQOpsEnum]]]:
    models = importlib.import_module("dqops.client.models")
    found = []
    for name in sorted(models.__all__):
        cls = getattr(models, name)
        if not attrs.has(cls):
            continue
        for field in attrs.fields(cls):
            annotation = str(field.type).partition(" | ")[0]
            enum = getattr(models, annotation, None) if annotation in models.__all__ else None
            if isinstance(enum, type) and issubclass(enum, DQOpsEnum) and field.init:
                found.append((cls, field.name, enum))
    return found


ENUM_FIELDS = enum_fields()


def test_there_are_enum_fields_to_check() -> None:
    assert len(ENUM_FIELDS) > 100
    assert {(cls.__name__, name) for cls, name, _ in ENUM_FIELDS} >= {("CheckSearchFilters", "time_scale")}


def make(cls: type, field: str, value: Any) -> Any:
    return cls(**{field: value})


@pytest.mark.parametrize("index", range(len(ENUM_FIELDS)))
def test_enum_field_checks_text_in_the_constructor(index: int) -> None:
    errors = importlib.import_module("dqops.client.errors")
    cls, field, enum = ENUM_FIELDS[index]
    known = next(iter(enum._value2member_map_))

    with pytest.raises(errors.InvalidArgument) as invalid:
        make(cls, field, "no such value")
    message = str(invalid.value)
    assert f"{cls.__name__}(): {field}" in message and repr(known) in message, message
    assert (invalid.value.operation, invalid.value.parameter) == (cls.__name__, field)

    with pytest.raises(errors.ArgumentTypeError):
        make(cls, field, 3)

    # A member, one of its values as text, and a value this SDK does not know made explicitly.
    assert getattr(make(cls, field, enum(known)), field) == known
    assert getattr(make(cls, field, known), field) == known
    new = make(cls, field, enum("a value of a newer DQOps"))
    assert "a value of a newer DQOps" in new.to_dict().values()


@pytest.mark.parametrize("index", range(0, len(ENUM_FIELDS), 7))
def test_decoding_an_answer_accepts_any_enum_value(index: int) -> None:
    cls, field, enum = ENUM_FIELDS[index]
    encoded = make(cls, field, enum("a value of a newer DQOps")).to_dict()
    decoded = cls.from_dict(encoded)
    assert getattr(decoded, field) == "a value of a newer DQOps"
    assert not getattr(decoded, field).is_known
    assert decoded.to_dict() == encoded


# Fields holding a list or a map of enum values, read from the spec: each item is checked as a
# field typed as the enum is, and the error names the item.
HELD_ENUM_FIELDS = [held for held in held_fields() if issubclass(held.item, DQOpsEnum)]


def holding(shape: str, items: list[Any]) -> list[Any] | dict[str, Any]:
    """`items` as the value of a list field, or of a map field (under the keys k0, k1...)."""
    return list(items) if shape == "list" else {f"k{index}": item for index, item in enumerate(items)}


def item_name(held: HeldField, index: int) -> str:
    return f"{held.field}[{index}]" if held.shape == "list" else f"{held.field}['k{index}']"


def test_there_are_lists_and_maps_of_enums_to_check() -> None:
    assert {(held.model.__name__, held.field, held.shape) for held in HELD_ENUM_FIELDS} >= {
        ("CheckResultsOverviewDataModel", "statuses", "list"),
        ("DqoUserRolesModel", "data_domain_roles", "map"),
    }


@pytest.mark.parametrize("held", HELD_ENUM_FIELDS, ids=lambda held: f"{held.model.__name__}.{held.field}")
def test_each_item_of_a_list_or_map_of_enums_is_checked_in_the_constructor(held: HeldField) -> None:
    errors = importlib.import_module("dqops.client.errors")
    cls, field, enum = held.model, held.field, held.item
    known = next(iter(enum._value2member_map_))

    with pytest.raises(errors.InvalidArgument) as invalid:
        make(cls, field, holding(held.shape, [known, "no such value"]))
    message = str(invalid.value)
    assert f"{cls.__name__}(): {item_name(held, 1)} got 'no such value'" in message and repr(known) in message, message
    assert (invalid.value.operation, invalid.value.parameter) == (cls.__name__, item_name(held, 1))

    with pytest.raises(errors.ArgumentTypeError) as wrong_item:
        make(cls, field, holding(held.shape, [3]))
    assert wrong_item.value.parameter == item_name(held, 0)
    with pytest.raises(errors.ArgumentTypeError) as wrong_container:
        make(cls, field, known if held.shape == "list" else [known])
    assert wrong_container.value.parameter == field

    # Members, known values as text, and a value this SDK does not know made explicitly.
    given = holding(held.shape, [enum(known), known, enum("a value of a newer DQOps")])
    made = make(cls, field, given)
    assert getattr(made, field) == given
    encoded = made.to_dict()
    assert holding(held.shape, [known, known, "a value of a newer DQOps"]) in encoded.values()

    # Decoding an answer checks nothing.
    decoded = cls.from_dict(encoded)
    assert decoded.to_dict() == encoded
