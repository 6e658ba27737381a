"""The JSON names and nested models of the fields of generated models, read once per class."""

from __future__ import annotations

import sys
from typing import Any, TypedDict

import attrs

# For each model class: the JSON name of each field whose Python name differs from it.
_JSON_NAMES: dict[type, dict[str, str]] = {}
# For each model class: the class of each field typed as a model or a list of models, by JSON name.
_NESTED_MODELS: dict[type, dict[str, type]] = {}


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


def model_of_field(model: type, json_name: str) -> type | None:
    """The model class of the field of `model` named `json_name` in JSON, when that field is typed
    as a model or as a list of models."""
    nested = _NESTED_MODELS.get(model)
    if nested is None:
        nested = {}
        package = sys.modules[model.__module__.rpartition(".")[0]]
        for field, json in _fields(model):
            # The generated annotation: "<type> | Unset", the type a class name or list[<class name>].
            annotation = str(field.type).partition(" | ")[0].removeprefix("list[").removesuffix("]")
            cls = getattr(package, annotation, None) if annotation.isidentifier() else None
            if isinstance(cls, type) and attrs.has(cls) and hasattr(cls, "from_dict"):
                nested[json] = cls
        _NESTED_MODELS[model] = nested
    return nested.get(json_name)


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
