"""The encoders of a JSON object with a single field, which `from_dict()` of a DQOpsSparseModel
(and of a DQOpsSnapshotModel with nested fields) keeps as its note (dqops/_runtime/model.py):
each generated model module lists them by JSON key in `_ENCODE_ONLY`, made by these factories.

While the note holds, `to_dict()` is one call of such an encoder, on the hot path of encoding a
table spec, whose checks and categories each set one field. Each factory therefore returns a
copy of a template function below in which the placeholder attribute names and JSON keys are
the field's own: the same bytecode as a function written out for the field (a plain attribute
load, a constant key), without writing thousands of them into the generated modules. Only
names and constants are substituted, never source text; attribute names are the generator's
Python identifiers.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeAlias

from .types import UNSET

EncodeOnly: TypeAlias = Callable[[Any], dict[str, Any]]

# Placeholders of the templates: attribute names (in co_names) and JSON keys (in co_consts).
_FIELD = "field_"
_CHILDREN = ("child0_", "child1_", "child2_")
_KEY = "<key>"
_CHILD_KEYS = ("<child0>", "<child1>", "<child2>")


def _value(model: Any) -> dict[str, Any]:
    return {"<key>": model.field_}


def _note(model: Any) -> dict[str, Any]:
    value = model.field_
    if value is None:
        return {"<key>": None}
    encode_decoded = value._decoded
    if encode_decoded is not None and not value.additional_properties:
        return {"<key>": encode_decoded(value)}
    return {"<key>": value.to_dict()}


def _note_or_snapshot(model: Any) -> dict[str, Any]:
    value = model.field_
    if value is None:
        return {"<key>": None}
    encode_decoded = value._decoded
    if callable(encode_decoded) and not value.additional_properties:
        return {"<key>": encode_decoded(value)}
    return {"<key>": value.to_dict()}


def _inline1(model: Any) -> dict[str, Any]:
    value = model.field_
    if value is None:
        return {"<key>": None}
    unset = UNSET
    encoded: dict[str, Any] = {}
    if value.child0_ is not unset:
        encoded["<child0>"] = value.child0_
    if value.additional_properties:
        encoded.update(value.additional_properties)
    return {"<key>": encoded}


def _inline2(model: Any) -> dict[str, Any]:
    value = model.field_
    if value is None:
        return {"<key>": None}
    unset = UNSET
    encoded: dict[str, Any] = {}
    if value.child0_ is not unset:
        encoded["<child0>"] = value.child0_
    if value.child1_ is not unset:
        encoded["<child1>"] = value.child1_
    if value.additional_properties:
        encoded.update(value.additional_properties)
    return {"<key>": encoded}


def _inline3(model: Any) -> dict[str, Any]:
    value = model.field_
    if value is None:
        return {"<key>": None}
    unset = UNSET
    encoded: dict[str, Any] = {}
    if value.child0_ is not unset:
        encoded["<child0>"] = value.child0_
    if value.child1_ is not unset:
        encoded["<child1>"] = value.child1_
    if value.child2_ is not unset:
        encoded["<child2>"] = value.child2_
    if value.additional_properties:
        encoded.update(value.additional_properties)
    return {"<key>": encoded}


def _replace(value: Any, constants: dict[str, str]) -> Any:
    if type(value) is str:
        return constants.get(value, value)
    if type(value) is tuple:
        return tuple(_replace(item, constants) for item in value)
    return value


def _specialize(
    template: Callable[..., Any], names: dict[str, str], constants: dict[str, str], closure: Any = None
) -> EncodeOnly:
    code = template.__code__
    code = code.replace(
        co_names=tuple(names.get(name, name) for name in code.co_names),
        co_consts=tuple(_replace(constant, constants) for constant in code.co_consts),
        co_name=f"encode_only_{names[_FIELD]}",
        co_qualname=f"encode_only_{names[_FIELD]}",
    )
    encoder: EncodeOnly = types.FunctionType(code, template.__globals__, code.co_name, None, closure)
    return encoder


def encode_only_value(key: str, field: str) -> EncodeOnly:
    """The JSON of a model whose single field `key` (attribute `field`) is a scalar, as decoded."""
    return _specialize(_value, {_FIELD: field}, {_KEY: key})


def encode_only_encoded(key: str, field: str, encode: Callable[[Any], Any]) -> EncodeOnly:
    """The JSON of a model whose single field `key` is encoded by `encode` (None stays None)."""

    def encoded(model: Any) -> dict[str, Any]:
        value = getattr(model, field)
        return {key: None if value is None else encode(value)}

    encoded.__name__ = encoded.__qualname__ = f"encode_only_{field}"
    return encoded


def encode_only_note(key: str, field: str) -> EncodeOnly:
    """The JSON of a model whose single field `key` holds a DQOpsSparseModel: while the note of that
    child holds too, the encoder it keeps, called one Python call sooner than its to_dict()."""
    return _specialize(_note, {_FIELD: field}, {_KEY: key})


def encode_only_note_or_snapshot(key: str, field: str) -> EncodeOnly:
    """encode_only_note() for a child that is a DQOpsSnapshotModel, whose note may be its snapshot dict."""
    return _specialize(_note_or_snapshot, {_FIELD: field}, {_KEY: key})


_INLINE_TEMPLATES = (_inline1, _inline2, _inline3)


def encode_only_inline(key: str, field: str, fields: dict[str, str]) -> EncodeOnly:
    """The JSON of a model whose single field `key` holds a small model of one to three scalar
    fields (a rule's parameters), given by JSON name with the attribute of each: that model's
    to_dict(), inline, one Python call fewer."""
    if not 1 <= len(fields) <= len(_INLINE_TEMPLATES):
        raise ValueError(f"encode_only_inline() takes 1 to {len(_INLINE_TEMPLATES)} fields, got {len(fields)}")
    names = {_FIELD: field, **dict(zip(_CHILDREN, fields.values()))}
    constants = {_KEY: key, **dict(zip(_CHILD_KEYS, fields))}
    return _specialize(_INLINE_TEMPLATES[len(fields) - 1], names, constants)
