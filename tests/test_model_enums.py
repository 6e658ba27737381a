"""Enum fields of the models check text given to their constructor as operations check their
arguments, and still decode any value an answer holds: for every enum field of every model."""

from __future__ import annotations

import importlib
from typing import Any

import attrs
import pytest

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
