"""The JSON names and nested models of the fields of generated models, read once per class."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import attrs

# For each model class: the JSON name of each field whose Python name differs from it.
_JSON_NAMES: dict[type, dict[str, str]] = {}
# For each model class: the type of each field typed as a model, or a list or a map of models, by JSON name.
_NESTED_MODELS: dict[type, dict[str, FieldType]] = {}
# For each model class: the type of each field whose values are generated classes, by Python name.
_FIELD_TYPES: dict[type, dict[str, FieldType]] = {}


@dataclass(frozen=True, slots=True)
class FieldType:
    """The generated class (a model or an enum) of the values of a field, and how the field holds
    them: one value, a list of them, or a map of names to them."""

    shape: Literal["one", "list", "map"]
    cls: type
    map_class: type | None = None  # the class of a map field (`ColumnSpecMap`), beside plain dicts

    @property
    def is_model(self) -> bool:
        return attrs.has(self.cls) and hasattr(self.cls, "from_dict")

    def items(self, value: object) -> Iterator[tuple[Any, Any]] | None:
        """(index, item) of a list field's value, (key, value) of a map field's; None when the
        value is not a list (not text) or a mapping, as the field's shape asks."""
        if self.shape == "list":
            if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
                return enumerate(value)
        elif isinstance(value, Mapping):
            return iter(value.items())
        return None


def item_name(field: str, key: object) -> str:
    """An item of a list or map field in errors: `comments[0]`, `columns['id']`."""
    return f"{field}[{key!r}]"


def _fields(model: type) -> list[tuple[Any, str]]:
    """Each attrs field of the generated `model` with its JSON name. A generated module lists the
    fields by JSON name in `_UNSET_FIELDS`, in the order of the class's fields."""
    fields = [field for field in attrs.fields(model) if field.name != "additional_properties"]
    json = list(getattr(sys.modules[model.__module__], "_UNSET_FIELDS", {}))
    return list(zip(fields, json, strict=True))


def json_names(model: type) -> dict[str, str]:
    """The JSON name of each field of `model` whose Python name differs from it and is the JSON
    name of no field (`time_scale` -> `timeScale`)."""
    names = _JSON_NAMES.get(model)
    if names is None:
        fields = _fields(model)
        taken = {json for _, json in fields}
        names = _JSON_NAMES[model] = {
            field.name: json for field, json in fields if field.name != json and field.name not in taken
        }
    return names


def model_of_field(model: type, json_name: str) -> FieldType | None:
    """The type of the field of `model` named `json_name` in JSON, when that field is typed as a
    model, a list of models or a map of models."""
    nested = _NESTED_MODELS.get(model)
    if nested is None:
        types = field_types(model)
        nested = _NESTED_MODELS[model] = {
            json: found for field, json in _fields(model) if (found := types.get(field.name)) and found.is_model
        }
    return nested.get(json_name)


def field_types(model: type) -> dict[str, FieldType]:
    """The type of each field of the generated `model` whose values are generated classes, by Python name."""
    types = _FIELD_TYPES.get(model)
    if types is None:
        package = sys.modules[model.__module__.rpartition(".")[0]]
        types = _FIELD_TYPES[model] = {
            field.name: found for field, _ in _fields(model) if (found := _field_type(package, str(field.type)))
        }
    return types


def _field_type(package: Any, annotation: str) -> FieldType | None:
    """The FieldType of a generated annotation (scripts/template_rules.py, py_type), "<type> | Unset":
    `CheckSearchFilters`, `list[CommentSpec]` or `ColumnSpecMap | dict[str, ColumnSpec]`."""
    text = annotation.removesuffix(" | Unset")
    map_class, _, values = text.partition(" | dict[str, ")
    if text.startswith("list[") and text.endswith("]"):
        return _generated(package, "list", text[5:-1])
    if values.endswith("]"):
        return _generated(package, "map", values[:-1], _generated_class(package, map_class))
    return _generated(package, "one", text)


def _generated(
    package: Any, shape: Literal["one", "list", "map"], name: str, map_class: type | None = None
) -> FieldType | None:
    cls = _generated_class(package, name)
    return None if cls is None else FieldType(shape, cls, map_class)


def _generated_class(package: Any, name: str) -> type | None:
    cls = getattr(package, name, None) if name.isidentifier() else None
    return cls if isinstance(cls, type) else None


def json_form(model: type) -> Any:
    """The run-time stand-in for `<Model>Dict`, the TypedDict of `model`'s JSON form that type
    checkers read from dqops/client/models/_json.pyi: a TypedDict of the same name and keys, every
    key optional, each value `Any` (the stub has the precise types). A model without fields, such
    as a map class, is `dict[str, Any]`."""
    keys = [json for _, json in _fields(model)]
    if not keys:
        return dict[str, Any]
    # A name made at run time, which type checkers cannot follow: they read the stub instead.
    form: Any = TypedDict(f"{model.__name__}Dict", dict.fromkeys(keys, Any), total=False)  # type: ignore[misc]
    form.__module__ = model.__module__.rpartition(".")[0]
    return form
