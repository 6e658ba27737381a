"""Base classes of the generated models: a repr that shows what is set, as DQOps's docs print
models, and for models with many scalar fields, the decoded JSON kept for `to_dict()`."""

from __future__ import annotations

from typing import Any, TypeVar

import attrs

from .types import UNSET

_object_setattr = object.__setattr__
_object_delattr = object.__delattr__

ModelT = TypeVar("ModelT", bound="DQOpsModel")


class DQOpsModel:
    """Shared behaviour of generated models (attrs classes with slots).

    Fields the spec does not list are kept in `additional_properties` and reachable by item
    access: `model["newField"]`.
    """

    __slots__ = ()

    additional_properties: dict[str, Any]

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: object) -> bool:
        return key in self.additional_properties

    def __repr__(self) -> str:
        shown = [
            f"{field.name}={value!r}"
            for field in attrs.fields(type(self))  # type: ignore[arg-type]
            if field.name != "additional_properties" and (value := getattr(self, field.name)) is not UNSET
        ]
        extra = self.additional_properties
        if extra:
            shown.append(f"additional_properties={extra!r}")
        return f"{type(self).__name__}({', '.join(shown)})"


class DQOpsMapModel(DQOpsModel):
    """Shared behaviour of the map classes (`ColumnSpecMap`): repr as the docs print them."""

    __slots__ = ()

    def __repr__(self) -> str:
        values = self.additional_properties
        return f"{type(self).__name__}({values!r})" if values else f"{type(self).__name__}()"


class DQOpsSnapshotModel(DQOpsModel):
    """A model with many scalar fields (a check result, an incident): keeps the JSON it was decoded from.

    `from_dict()` keeps a copy of the JSON object (`_json_snapshot`, with None in place of the
    nested objects and arrays) when it holds no unknown fields. Until an attribute is assigned or deleted,
    the model's scalar fields are exactly that JSON, so `to_dict()` copies it in one step and
    encodes only the nested fields, which may have changed in place. The generated classes pass
    `on_setattr=drop_json_snapshot` to attrs, so any assignment after `__init__` drops it.
    """

    __slots__ = ("_json_snapshot",)

    _json_snapshot: dict[str, Any] | None

    def __attrs_pre_init__(self) -> None:
        _object_setattr(self, "_json_snapshot", None)

    def __delattr__(self, name: str) -> None:
        _object_delattr(self, name)
        _object_setattr(self, "_json_snapshot", None)


def drop_json_snapshot(instance: Any, attribute: Any, value: Any) -> Any:
    """attrs `on_setattr` hook of the DQOpsSnapshotModel classes: an assignment ends the snapshot."""
    _object_setattr(instance, "_json_snapshot", None)
    return value


_decoding_classes: dict[type, type] = {}


def decoding_class(cls: type[ModelT]) -> type[ModelT]:
    """`cls` with object's own attribute stores, for `from_dict()` of a DQOpsSnapshotModel to fill.

    Through the `__setattr__` that attrs writes for `on_setattr`, each field store of a decode
    would be two Python calls. `from_dict()` fills an instance of this subclass instead, which
    adds no slots, and then makes it a `cls` by assigning `__class__`.
    """
    twin = _decoding_classes.get(cls)
    if twin is None:
        # Both: they share one type slot, which is C's plain attribute store only when neither
        # is a Python function.
        namespace = {
            "__slots__": (),
            "__setattr__": _object_setattr,
            "__delattr__": _object_delattr,
            "__module__": cls.__module__,
        }
        twin = _decoding_classes[cls] = type(cls.__name__, (cls,), namespace)
        twin.__qualname__ = cls.__qualname__
    return twin
