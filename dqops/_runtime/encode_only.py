"""The encoders of a JSON object with a single field, which `from_dict()` of a DQOpsSparseModel
(and of a DQOpsSnapshotModel with nested fields) keeps as its note (dqops/_runtime/model.py):
each generated model module lists them by JSON key in `_ENCODE_ONLY`, made by these factories.

While the note holds, `to_dict()` is one call of such an encoder, on the hot path of encoding a
table spec, whose checks and categories each set one field. Each factory therefore returns a
copy of a template function below in which the placeholder attribute names and JSON keys are
the field's own: the same bytecode as a function written out for the field (a plain attribute
load, a constant key), without writing thousands of them into the generated modules. Only
names and constants are substituted, never source text; attribute names are the generator's
Python identifiers. The templates of a field that holds a model share their first lines and
differ in how they encode it: each is compiled once, at import, from this module's own text.
"""

from __future__ import annotations

import types
from collections.abc import Callable
from typing import Any, TypeAlias

from .types import UNSET  # noqa: F401 - a global of the compiled templates

EncodeOnly: TypeAlias = Callable[[Any], dict[str, Any]]

# Placeholders of the templates: attribute names (in co_names) and JSON keys (in co_consts).
_FIELD = "field_"
_KEY = "<key>"
# A small model inline: its fields' placeholders, one for each of its at most three fields.
_INLINE_FIELDS = 3
_CHILDREN = tuple(f"child{index}_" for index in range(_INLINE_FIELDS))
_CHILD_KEYS = tuple(f"<child{index}>" for index in range(_INLINE_FIELDS))


def _value(model: Any) -> dict[str, Any]:
    return {"<key>": model.field_}


def _template(name: str, encode_value: str) -> Callable[..., Any]:
    """The template of a field that holds a model or None, from the source lines that encode its
    `value`; compiled once, here, from this module's own text (the same bytecode as the function
    written out). The templates differ in those lines alone."""
    source = (
        f"def {name}(model):\n"
        "    value = model.field_\n"
        "    if value is None:\n"
        '        return {"<key>": None}\n'
        f"{encode_value}"
    )
    namespace: dict[str, Any] = {}
    # As dataclasses and attrs make their methods; the text is this module's constants alone.
    exec(compile(source, f"<{__name__}.{name}>", "exec"), globals(), namespace)  # noqa: S102
    template: Callable[..., Any] = namespace[name]
    return template


def _note_template(name: str, encoder_ready: str) -> Callable[..., Any]:
    """The child's to_dict(), or, while its note holds (`encoder_ready`), the encoder it keeps."""
    return _template(
        name,
        "    encode_decoded = value._decoded\n"
        f"    if {encoder_ready} and not value.additional_properties:\n"
        '        return {"<key>": encode_decoded(value)}\n'
        '    return {"<key>": value.to_dict()}\n',
    )


def _inline_template(count: int) -> Callable[..., Any]:
    """The to_dict() of a child of `count` scalar fields, inline: each field that is set, then the
    child's additional properties."""
    fields = "".join(
        f"    if value.{attribute} is not unset:\n        encoded[{key!r}] = value.{attribute}\n"
        for attribute, key in zip(_CHILDREN[:count], _CHILD_KEYS)
    )
    return _template(
        f"_inline{count}",
        "    unset = UNSET\n"
        "    encoded = {}\n"
        f"{fields}"
        "    if value.additional_properties:\n"
        "        encoded.update(value.additional_properties)\n"
        '    return {"<key>": encoded}\n',
    )


_note = _note_template("_note", "encode_decoded is not None")
# A DQOpsSnapshotModel's note may be its snapshot dict rather than an encoder.
_note_or_snapshot = _note_template("_note_or_snapshot", "callable(encode_decoded)")
_INLINE_TEMPLATES = tuple(_inline_template(count) for count in range(1, _INLINE_FIELDS + 1))


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


def encode_only_inline(key: str, field: str, fields: dict[str, str]) -> EncodeOnly:
    """The JSON of a model whose single field `key` holds a small model of one to three scalar
    fields (a rule's parameters), given by JSON name with the attribute of each: that model's
    to_dict(), inline, one Python call fewer."""
    if not 1 <= len(fields) <= len(_INLINE_TEMPLATES):
        raise ValueError(f"encode_only_inline() takes 1 to {len(_INLINE_TEMPLATES)} fields, got {len(fields)}")
    names = {_FIELD: field, **dict(zip(_CHILDREN, fields.values()))}
    constants = {_KEY: key, **dict(zip(_CHILD_KEYS, fields))}
    return _specialize(_INLINE_TEMPLATES[len(fields) - 1], names, constants)
