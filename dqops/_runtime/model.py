"""Base classes of the generated models: a repr that shows what is set, as DQOps's docs print
models, and for models with many fields, a note of what `from_dict()` decoded, for `to_dict()`."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, Self, TypeVar, cast

import attrs

from .arguments import refuse_python_names, unknown_enum_value
from .dates import IsoField
from .errors import ArgumentTypeError
from .fields import FieldType, field_types, item_name
from .types import UNSET, Unset

_object_init = object.__init__
_object_setattr = object.__setattr__
_object_delattr = object.__delattr__

ModelT = TypeVar("ModelT", bound="DQOpsModel")
MapT = TypeVar("MapT", bound="DQOpsMapModel")


class _FromDict(Protocol):
    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self: ...


DecodableT = TypeVar("DecodableT", bound=_FromDict)


def model_value(value: DecodableT | Mapping[str, Any] | Unset, module: str, field: str) -> DecodableT | Unset:
    """What `__init__` of the model of the generated module `module` stores in `field`, a field
    typed as a model: that model (or None / UNSET), or a mapping of its JSON fields made one by
    its `from_dict()`.

    The generated `_convert_<field>` functions, the attrs converters (which run in `__init__`
    only), call this, model_list() or model_map(). The class is looked up on first use, from the
    field's annotation (dqops/_runtime/fields.py), in the models package, whose names load on first
    use: the generated models import each other lazily.
    """
    if value is UNSET or value is None:
        return value
    owner, found = _model_field(module, field)
    return cast("DecodableT", _model(value, found.cls, field, owner))


def model_list(
    value: Sequence[DecodableT | Mapping[str, Any] | None] | Unset, module: str, field: str
) -> list[DecodableT] | Unset:
    """model_value() for a field typed as a list of models: each item a model (or None), or a
    mapping of its JSON fields. A list that needs no conversion is stored as given."""
    if value is UNSET or value is None:
        return value
    owner, found = _model_field(module, field)
    items = _items(value, found, field, owner)
    converted = [_model(item, found.cls, item_name(field, index), owner) for index, item in items]
    if type(value) is list and all(new is old for new, old in zip(converted, value, strict=True)):
        return value  # each item is a model or None
    return converted


def model_map(
    value: MapT | Mapping[str, DecodableT | Mapping[str, Any] | None] | Unset, module: str, field: str
) -> MapT | dict[str, DecodableT] | Unset:
    """model_value() for a field typed as a map of models: the map class (`ColumnSpecMap`) as it
    is, or a mapping of names to models (or None) or to mappings of their JSON fields. A dict
    that needs no conversion is stored as given."""
    if value is UNSET or value is None:
        return value
    owner, found = _model_field(module, field)
    if found.map_class is not None and isinstance(value, found.map_class):
        return value  # type: ignore[return-value]  # the map class, MapT
    items = _items(value, found, field, owner)
    converted = {key: _model(item, found.cls, item_name(field, key), owner) for key, item in items}
    if type(value) is dict and all(converted[key] is item for key, item in value.items()):
        return value  # each value is a model or None
    return converted


def _model(value: Any, cls: Any, where: str, owner: str) -> Any:
    """A value (or item) of a field of the model `owner`, typed as the model `cls`."""
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        refuse_python_names(value, cls, where, owner)
        return cls.from_dict(value)
    raise ArgumentTypeError(
        f"{owner}(): {where} must be a {cls.__name__} or a mapping, got {type(value).__name__}",
        operation=owner,
        parameter=where,
    )


def _items(value: object, found: FieldType, field: str, owner: str) -> Iterator[tuple[Any, Any]]:
    """The items of the value of a list or map field, or ArgumentTypeError for another value."""
    items = found.items(value)
    if items is None:
        container = "a list of" if found.shape == "list" else "a mapping of names to"
        alternative = "mappings of its JSON fields" if found.is_model else "its values"
        raise ArgumentTypeError(
            f"{owner}(): {field} must be {container} {found.cls.__name__} (or {alternative}), got {type(value).__name__}",
            operation=owner,
            parameter=field,
        )
    return items


def known_enum(module: str) -> Callable[[Any, Any, Any], None]:
    """The attrs validator of the fields typed as an enum, or a list or a map of one, of the model
    of the generated module `module`: as an operation does for its arguments, `__init__` refuses
    text that is not one of the enum's values (InvalidArgument, listing them) and a value of
    another type (ArgumentTypeError), naming the field and, in a list or a map, the item.

    A member, or an instance made for a value this SDK does not know (`CheckTimeScale("new")`),
    passes: DQOps may know more values than this SDK. `from_dict()` checks nothing, so that
    answers of a newer DQOps still decode.
    """

    def validate(instance: Any, attribute: Any, value: Any) -> None:
        if value is UNSET or value is None:
            return
        owner, found = _model_field(module, attribute.name)
        if found.shape == "one":
            _check_enum(value, found.cls, attribute.name, owner)
            return
        for key, item in _items(value, found, attribute.name, owner):
            _check_enum(item, found.cls, item_name(attribute.name, key), owner)

    return validate


def _check_enum(value: Any, enum: Any, where: str, owner: str) -> None:
    if value is None or isinstance(value, enum):
        return
    if isinstance(value, str):
        text = str.__str__(value)
        if text not in enum._value2member_map_:
            unknown_enum_value(text, enum, where, owner)
        return
    raise ArgumentTypeError(
        f"{owner}(): {where} must be a {enum.__name__} or one of its values, got {type(value).__name__}",
        operation=owner,
        parameter=where,
    )


# (name of the model, type of the field) by (module, field): what model_value(), model_list(),
# model_map() and known_enum() looked up.
_MODEL_FIELDS: dict[tuple[str, str], tuple[str, FieldType]] = {}


def _model_field(module: str, field: str) -> tuple[str, FieldType]:
    found = _MODEL_FIELDS.get((module, field))
    if found is None:
        namespace = sys.modules[module]
        owner = getattr(namespace, namespace.__all__[0])
        found = _MODEL_FIELDS[(module, field)] = (owner.__name__, field_types(owner)[field])
    return found


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


class DQOpsDecodedModel(DQOpsModel):
    """A model whose `from_dict()` leaves a note (`_decoded`) of what it decoded, for `to_dict()` to reuse.

    The note holds until an attribute is assigned or deleted: the generated classes pass
    `on_setattr=forget_decoded` to attrs, and `__delattr__` drops it too. `from_dict()` leaves
    none when the JSON holds unknown fields, and `__init__`, copy.copy and pickle start without
    one. What the note is depends on the kind of model: DQOpsSnapshotModel, DQOpsSparseModel.
    """

    __slots__ = ("_decoded",)

    _decoded: object

    def __attrs_pre_init__(self) -> None:
        _object_setattr(self, "_decoded", None)

    def __delattr__(self, name: str) -> None:
        _object_delattr(self, name)
        _object_setattr(self, "_decoded", None)


def forget_decoded(instance: Any, attribute: Any, value: Any) -> Any:
    """attrs `on_setattr` hook of the DQOpsDecodedModel classes: an assignment ends the note."""
    _object_setattr(instance, "_decoded", None)
    return value


class DQOpsSnapshotModel(DQOpsDecodedModel):
    """A model with many scalar fields (a check result, an incident): keeps the JSON it was decoded from.

    `_decoded` is the JSON object, with None in place of the nested objects and arrays: a copy,
    or for JSON the SDK decoded from an answer itself (from_dict's `_owned`), that very dict,
    which no one else holds. While it holds, the model's scalar fields are exactly that JSON,
    so `to_dict()` copies it in one step and encodes only the nested fields, which may have
    changed in place. A model decoded from a JSON object that sets a single nested field (a
    check that sets its error rule alone) keeps the encoder of that field instead, as
    DQOpsSparseModel does.
    """

    __slots__ = ()

    _decoded: dict[str, Any] | Callable[[Any], dict[str, Any]] | None


class DQOpsSparseModel(DQOpsDecodedModel):
    """A model with many optional fields (a check, a category of checks), of which JSON often sets one.

    When the JSON object has a single field, `_decoded` is the function that encodes that field
    alone (`_encode_only_<field>` in the model's module). While it holds, every other field is
    UNSET, so `to_dict()` calls it instead of testing each field for UNSET.
    """

    __slots__ = ()

    _decoded: Callable[[Any], dict[str, Any]] | None


def dependency_loader(namespace: dict[str, Any], classes: dict[str, str]) -> Callable[[], None]:
    """The `_load_dependencies()` of a generated model module (its globals: `namespace`): imports
    `classes` (each name from its module in the same package) into it, and sets its
    `_dependencies_loaded`. A model imports the classes its from_dict() builds on the first call:
    importing them with the module would load most of the models package with any one model, and
    importing them in each call would cost an import per call."""

    def load_dependencies() -> None:
        package = namespace["__package__"]
        for name, module in classes.items():
            namespace[name] = getattr(importlib.import_module(f".{module}", package), name)
        namespace["_dependencies_loaded"] = True

    return load_dependencies


# Each class's subclass for from_dict() to fill, made once by decoding_class().
_DECODING_CLASSES: dict[type, Any] = {}


def decoding_class(cls: type[ModelT]) -> type[ModelT]:
    """`cls` with object's own attribute stores and `__init__`, for `from_dict()` of a DQOpsDecodedModel to fill.

    Through the `__setattr__` that attrs writes for `on_setattr`, each field store of a decode
    would be two Python calls. `from_dict()` fills an instance of this subclass instead, which
    adds no slots, and then makes it a `cls` by assigning `__class__`. Calling the subclass,
    whose `__init__` is object's, makes an empty instance in less time than `object.__new__()`
    does: a type's `__new__` takes its arguments as a tuple.
    """
    twin = _DECODING_CLASSES.get(cls)
    if twin is None:
        # __setattr__ and __delattr__ both: they share one type slot, which is C's plain
        # attribute store only when neither is a Python function.
        namespace = {
            "__slots__": (),
            "__init__": _object_init,
            "__setattr__": _object_setattr,
            "__delattr__": _object_delattr,
            "__module__": cls.__module__,
            # A date field's own slot: from_dict() stores the text DQOps sent, which its
            # descriptor (IsoField, on cls) parses when read, without a Python call per store.
            **{name: value.slot for name, value in vars(cls).items() if isinstance(value, IsoField)},
        }
        twin = _DECODING_CLASSES[cls] = type(cls.__name__, (cls,), namespace)
        twin.__qualname__ = cls.__qualname__
    return twin
