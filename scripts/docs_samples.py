"""Sample values for the reference docs: deterministic, valid against the schema, and realistic.

Values follow DQOps's own docs: a connection is `sample_connection`, a table `sample_table`, a
full check name `sample_target/sample_category/sample_check`. Each value is built from the
openapi-python-client property the package was generated from, as the JSON the server
sends, so that the same value gives the curl body, the Python code of an example and the
documented answer.

How much of a model a sample fills: every plain field (text, numbers, booleans, enums, dates,
lists of those), and of the fields that hold models, lists or maps of them, the first few: 4 in
the sampled model, 2 a level down, 1 below that, none further. So a table's sample shows a few
of its checks, not thousands. A field the schema requires is always filled. A list holds one
item and a map one entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openapi_python_client.parser.properties import (
    AnyProperty,
    BooleanProperty,
    ConstProperty,
    DateProperty,
    DateTimeProperty,
    EnumProperty,
    FloatProperty,
    IntProperty,
    ListProperty,
    ModelProperty,
    Property,
    UnionProperty,
)
from openapi_python_client.parser.properties.string import StringProperty

from scripts.naming import snake_case

#: How many fields that hold models a model at each depth fills (the sampled model is at depth 0).
NESTED_FIELDS_BY_DEPTH = (4, 2, 1)
SAMPLE_DATE = "2024-05-17"
SAMPLE_DATE_TIME = "2024-05-17T10:30:00Z"

#: Text for names whose generic sample (`sample_<name>`) would not read as DQOps's docs do.
SAMPLE_TEXTS = {
    "full_table_name": "sample_schema.sample_table",
    "full_check_name": "sample_target/sample_category/sample_check",
    "full_sensor_name": "sample_target/sample_category/sample_sensor",
    "sensor_name": "sample_target/sample_category/sample_sensor",
    "full_rule_name": "sample_target/sample_category/sample_rule",
    "rule_name": "sample_target/sample_category/sample_rule",
    "email": "sample_user@mycompany.com",
    "user_email": "sample_user@mycompany.com",
    "login": "sample_user@mycompany.com",
    "cron_expression": "0 12 1 * *",
}
#: Names that keep their `_name`: the generic sample would drop it (`connection_name` -> `sample_connection`).
NAMES_KEPT = {"display_name", "friendly_name", "file_name"}
SAMPLE_INTEGERS = {"year": 2024, "month": 5, "day": 17, "port": 5432}


def property_name(prop: Property) -> str:
    """The JSON name of a property, as snake case (`fullTableName` -> `full_table_name`)."""
    return snake_case(prop.name.get_untrusted_value())


def sample_text(name: str) -> str:
    """Text for a field or parameter called `name` (snake case): `connection_name` -> `sample_connection`."""
    if name in SAMPLE_TEXTS:
        return SAMPLE_TEXTS[name]
    if "email" in name:
        return SAMPLE_TEXTS["email"]
    stem = name if name in NAMES_KEPT else name.removesuffix("_name") or name
    return f"sample_{stem}"


def singular(name: str) -> str:
    """`columns` -> `column`, `properties` -> `property`: the name of one entry of a map or list."""
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name.removesuffix("s")


def sample_integer(name: str) -> int:
    return SAMPLE_INTEGERS.get(name, 10)


def sample_boolean(name: str) -> bool:
    """True, except for the flags that turn things off, which a sample leaves on."""
    return not any(word in name for word in ("disable", "exclude", "dummy"))


class SampleMaker:
    """Builds the JSON sample of a property; `models` are the parsed models by class name
    (a property that refers to a model carries only its schema, not its parsed fields)."""

    def __init__(self, models: Mapping[str, ModelProperty]) -> None:
        self.models = models

    def value(self, prop: Property, name: str | None = None, depth: int = 0, seen: tuple[str, ...] = ()) -> Any:
        """The JSON value of `prop`; `name` (snake case) picks realistic text and numbers."""
        name = name or property_name(prop)
        if isinstance(prop, ModelProperty):
            return self.model_value(prop, name, depth, seen)
        if isinstance(prop, EnumProperty):
            return next(iter(prop.values.values()))
        if isinstance(prop, ListProperty):
            return [self.value(prop.inner_property, singular(name), depth, seen)]
        if isinstance(prop, UnionProperty):
            return self.value(prop.inner_properties[0], name, depth, seen)
        if isinstance(prop, ConstProperty):
            return prop.value.raw_value
        if isinstance(prop, BooleanProperty):
            return sample_boolean(name)
        if isinstance(prop, IntProperty):
            return sample_integer(name)
        if isinstance(prop, FloatProperty):
            return 12.5
        if isinstance(prop, DateTimeProperty):
            return SAMPLE_DATE_TIME
        if isinstance(prop, DateProperty):
            return SAMPLE_DATE
        if isinstance(prop, (StringProperty, AnyProperty)):
            return sample_text(name)
        raise ValueError(f"no sample for {type(prop).__name__} {name}")

    def is_plain(self, prop: Property) -> bool:
        """A value without models in it: text, a number, a boolean, an enum, a date, a list of those."""
        if isinstance(prop, ListProperty):
            return self.is_plain(prop.inner_property)
        if isinstance(prop, UnionProperty):
            return all(self.is_plain(inner) for inner in prop.inner_properties)
        return not isinstance(prop, ModelProperty)

    def model_value(self, prop: ModelProperty, name: str, depth: int, seen: tuple[str, ...]) -> dict[str, Any]:
        model = self.models.get(prop.class_info.name, prop)
        fields = (model.required_properties or []) + (model.optional_properties or [])
        if not fields:
            return self.map_value(model, name, depth, seen)
        seen = (*seen, model.class_info.name)
        nested_left = NESTED_FIELDS_BY_DEPTH[depth] if depth < len(NESTED_FIELDS_BY_DEPTH) else 0
        sample: dict[str, Any] = {}
        for field in fields:
            plain = self.is_plain(field)
            cyclic = isinstance(field, ModelProperty) and field.class_info.name in seen
            if not field.required and not plain and (nested_left == 0 or cyclic):
                continue
            value = self.value(field, property_name(field), depth + 1, seen)
            if value in ({}, [{}]) and not field.required:
                continue
            if not plain:
                nested_left = max(nested_left - 1, 0)
            sample[field.name.get_untrusted_value()] = value
        return sample

    def map_value(self, model: ModelProperty, name: str, depth: int, seen: tuple[str, ...]) -> dict[str, Any]:
        """One entry of a map, keyed after what the map holds (`columns` -> `sample_column`)."""
        values = model.additional_properties
        if not isinstance(values, Property) or isinstance(values, AnyProperty):
            return {}  # no map: an object that keeps whatever fields it is sent
        if isinstance(values, ModelProperty) and values.class_info.name in seen:
            return {}
        entry = singular(name)
        return {sample_text(entry): self.value(values, entry, depth, seen)}
