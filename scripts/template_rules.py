"""The decisions behind the generated code, which templates/ only lays out.

Each property of the spec has a kind (`property_kind`): the templates hold one small macro per
kind (templates/property_kinds.jinja) and look it up by this name, as openapi-python-client
looks up one template per property class. The rest says which Python type a value has, which
fields need converting, and which note `from_dict()` of a model leaves for `to_dict()`
(dqops/_runtime/model.py), with the thresholds docs/design.md gives as named constants.

`register()` exposes all of it to the Jinja environment of scripts/generate.py.
"""

from __future__ import annotations

import enum
import json
import keyword
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

# A model keeps the JSON it was decoded from (DQOpsSnapshotModel) from this many scalar fields
# up. Below it, testing each field in to_dict() costs about what copying the snapshot does, and
# the snapshot would only add memory: a dict per instance.
SNAPSHOT_MIN_SCALAR_FIELDS: Final = 8
# A model of this many fields or more (and not a snapshot model) keeps the encoder of the single
# field of a JSON object that sets one (DQOpsSparseModel): checks and categories of checks, of
# which a spec often sets one. The call costs about what testing three fields does.
SPARSE_MIN_FIELDS: Final = 6
# A child model of at most this many fields, all scalar, is encoded inline by its parent's
# _encode_only_ function (the rule parameters of a check): one Python call fewer.
INLINE_MAX_FIELDS: Final = 3


class Kind(enum.StrEnum):
    """What a property's values are; templates/property_kinds.jinja has a macro per kind that needs one."""

    MODEL = "model"
    MAP = "map"  # an object schema without properties whose values share one schema
    ENUM = "enum"
    LIST = "list"
    DATE = "date"
    DATETIME = "datetime"
    FILE = "file"
    BOOLEAN = "boolean"
    INT = "int"
    FLOAT = "float"
    STRING = "string"
    ANY = "any"
    CONST = "const"
    LITERAL_ENUM = "literal_enum"
    UNION = "union"
    UUID = "uuid"


# openapi-python-client names the template of each property class; the kinds follow those names.
_KINDS_BY_TEMPLATE: Final[dict[str, Kind]] = {
    "model_property.py.jinja": Kind.MODEL,
    "enum_property.py.jinja": Kind.ENUM,
    "list_property.py.jinja": Kind.LIST,
    "date_property.py.jinja": Kind.DATE,
    "datetime_property.py.jinja": Kind.DATETIME,
    "file_property.py.jinja": Kind.FILE,
    "boolean_property.py.jinja": Kind.BOOLEAN,
    "int_property.py.jinja": Kind.INT,
    "float_property.py.jinja": Kind.FLOAT,
    "any_property.py.jinja": Kind.ANY,
    "const_property.py.jinja": Kind.CONST,
    "literal_enum_property.py.jinja": Kind.LITERAL_ENUM,
    "union_property.py.jinja": Kind.UNION,
    "uuid_property.py.jinja": Kind.UUID,
}

# Values that cannot change in place and are written to JSON as they are: while nothing is
# assigned, to_dict() may take them from the snapshot of the decoded JSON.
_SCALAR_KINDS: Final = frozenset(
    {
        Kind.BOOLEAN,
        Kind.INT,
        Kind.FLOAT,
        Kind.STRING,
        Kind.ENUM,
        Kind.LITERAL_ENUM,
        Kind.CONST,
        Kind.DATE,
        Kind.DATETIME,
    }
)
# The runtime check (dqops/_runtime/arguments.py) of a query or header parameter of each kind.
_QUERY_CHECKS: Final[dict[Kind, str]] = {
    Kind.ENUM: "query_enum",
    Kind.DATE: "query_date",
    Kind.DATETIME: "query_date",
    Kind.INT: "query_int",
    Kind.FLOAT: "query_float",
    Kind.BOOLEAN: "query_bool",
    Kind.STRING: "query_str",
}
# The runtime check of a path parameter of each kind (dates are ISO 8601 text); any other kind
# is sent as its text.
_PATH_CHECKS: Final[dict[Kind, str]] = {
    Kind.ENUM: "path_enum",
    Kind.INT: "path_int",
    Kind.STRING: "path_str",
    Kind.DATE: "path_str",
    Kind.DATETIME: "path_str",
}


# What a date or date-time parameter accepts besides ISO 8601 text (query_date sends either).
_PARAMETER_TYPES: Final[dict[Kind, str]] = {
    Kind.DATE: "datetime.date | str",
    Kind.DATETIME: "datetime.datetime | str",
}


class Shape(enum.StrEnum):
    """How a field holds its values (TemplateRules.held), as dqops/_runtime/fields.py reads it back
    from the field's annotation."""

    ONE = "one"
    LIST = "list"
    MAP = "map"


# The runtime helper (dqops/_runtime/model.py) that converts a field holding models, by its shape.
_MODEL_CONVERTERS: Final[dict[Shape, str]] = {
    Shape.ONE: "model_value",
    Shape.LIST: "model_list",
    Shape.MAP: "model_map",
}


# The TypedDict of a model's JSON form (templates/models_json.pyi.jinja) is named after the model:
# `CheckSearchFilters` -> `CheckSearchFiltersDict`.
TYPED_DICT_SUFFIX: Final = "Dict"


class NoteKind(enum.StrEnum):
    """The note `from_dict()` of a model leaves for `to_dict()` (dqops/_runtime/model.py)."""

    SNAPSHOT = "snapshot"  # DQOpsSnapshotModel: the decoded JSON
    KEYS = "keys"  # DQOpsSparseModel: the encoder of a single field
    NONE = ""


class EncodeOnly(enum.StrEnum):
    """How the encoder of a JSON object with a single field (the note of a sparse model) encodes
    that field: by a factory of dqops/_runtime/encode_only.py (`encode_only_<kind>`), or by a function
    written out in the model's module (CODE)."""

    VALUE = "value"  # a scalar, as decoded
    ENCODED = "encoded"  # by a serialization helper (single_field_encoder)
    NOTE = "note"  # a sparse child model: the single-field encoder it keeps as its note
    NOTE_OR_SNAPSHOT = "note_or_snapshot"  # the same, when that note may be a snapshot dict instead
    INLINE = "inline"  # a small child model of plain scalars (is_small_scalar_model): its to_dict() inline
    CODE = "code"  # any other value: the property's encode expression written out


# The serialization helper (dqops/_runtime/serialization.py) that encodes a value of each kind
# on its own; other kinds are JSON as they are.
_ENCODERS: Final[dict[Kind, str]] = {
    Kind.MODEL: "encode_model",
    Kind.MAP: "encode_map",
    Kind.ENUM: "encode_enum",
    Kind.DATE: "encode_iso",
    Kind.DATETIME: "encode_iso",
}


def _type_string(prop: Any) -> str:
    return str(prop.get_type_string(no_optional=True).as_unembedded_code())


def property_kind(prop: Any) -> Kind:
    """The kind of a property (or of a model being rendered, which is a model property too)."""
    kind = _KINDS_BY_TEMPLATE.get(prop.template, Kind.ANY)
    if kind is Kind.MODEL and _is_map_schema(prop):
        return Kind.MAP
    if kind is Kind.ANY and _type_string(prop) == "str":
        return Kind.STRING
    return kind


def _is_map_schema(prop: Any) -> bool:
    # A property that refers to a model carries that model's schema only, not its parsed
    # properties, so both cases are read from the schema.
    if prop.data.properties:
        return False
    values = prop.data.additionalProperties
    if values is None or isinstance(values, bool):
        return False
    return hasattr(values, "ref") or values.type is not None


def typed_dict_name_of(class_name: str) -> str:
    return f"{class_name}{TYPED_DICT_SUFFIX}"


def typed_dict_name_clashes(class_names: Iterable[str]) -> list[str]:
    """The classes whose TypedDict would take the name of another class (`Foo` beside `FooDict`)."""
    names = set(class_names)
    return sorted(name for name in names if typed_dict_name_of(name) in names)


def typed_dict_name(prop: Any) -> str:
    """The TypedDict of the JSON form of a model (or of the model a property refers to)."""
    return typed_dict_name_of(str(prop.class_info.name))


def enum_values_name(prop: Any) -> str:
    """The private alias, in the TypedDicts' stub, of the Literal of an enum's values."""
    return f"_{prop.class_info.name}Value"


def enum_literal(enum_prop: Any) -> str:
    """`Literal[...]` of an enum's values, as Python literals."""
    return "Literal[" + ", ".join(json.dumps(value) for value in enum_prop.values.values()) + "]"


# The builtins a TypedDict's annotations name (json_type), which a field of its class must not shadow.
_ANNOTATION_BUILTINS: Final = frozenset({"bool", "bytes", "dict", "float", "int", "list", "object", "str"})


def _field_name(prop: Any) -> str | None:
    """A property's JSON name, if a TypedDict class can declare it as a field: an identifier that
    neither is a keyword (`from`) nor shadows a name the stub's annotations use (a builtin such as
    `list`; a class, whose names start with a capital)."""
    name: str = prop.name.get_untrusted_value()
    if name.isidentifier() and not keyword.iskeyword(name) and name[0].islower() and name not in _ANNOTATION_BUILTINS:
        return name
    return None


def typed_dict_class_syntax(model: Any) -> bool:
    """Whether a model's TypedDict can be a class; otherwise it is a call, `TypedDict("...", {...})`."""
    return all(_field_name(prop) is not None for prop in model_properties(model))


def typed_dict_field(prop: Any) -> str:
    """A property's field in the TypedDict class of its model (typed_dict_class_syntax holds)."""
    name = _field_name(prop)
    if name is None:
        raise ValueError(f"{prop.name.get_untrusted_value()!r} cannot be a field of a TypedDict class")
    return name


def body_typed_dicts(prop: Any) -> list[str]:
    """The TypedDicts a request body of this property also takes: its model's, or its items' model's."""
    kind = property_kind(prop)
    if kind is Kind.LIST:
        return body_typed_dicts(prop.inner_property)
    return [typed_dict_name(prop)] if kind is Kind.MODEL else []


def is_map(prop: Any) -> bool:
    return property_kind(prop) is Kind.MAP


def needs_conversion(prop: Any) -> bool:
    """Whether a JSON value of this property needs decoding into Python objects (models, enums,
    lists of them or of dates). A date or date-time field does not: its descriptor parses the
    text on first read (iso_parser)."""
    kind = property_kind(prop)
    if kind is Kind.LIST:
        inner = prop.inner_property
        return needs_conversion(inner) or iso_parser(inner) is not None
    return kind in (Kind.MODEL, Kind.MAP, Kind.ENUM)


# The parser (dqops/_runtime/dates.py) of the ISO 8601 text of a date or date-time.
_ISO_PARSERS: Final[dict[Kind, str]] = {
    Kind.DATE: "parse_date",
    Kind.DATETIME: "parse_datetime",
}


def iso_parser(prop: Any) -> str | None:
    """The parser of a date or date-time property's text, None for other kinds."""
    return _ISO_PARSERS.get(property_kind(prop))


def is_json_scalar(prop: Any) -> bool:
    """Whether the decoded value is an immutable JSON scalar: text, a number, a boolean, an enum
    member, ISO 8601 text."""
    return property_kind(prop) in _SCALAR_KINDS


def has_typed_extra(model: Any) -> bool:
    """Whether a model's unknown fields have a declared type (not Any): the values of a map class."""
    extra = model.additional_properties
    return bool(extra) and str(extra.get_type_string().as_unembedded_code()) != "Any"


def model_properties(model: Any) -> list[Any]:
    return [*model.required_properties, *model.optional_properties]


def note_kind(model: Any) -> NoteKind:
    """The note `from_dict()` of this model leaves for `to_dict()`; map classes keep none."""
    if is_map(model) and has_typed_extra(model):
        return NoteKind.NONE
    properties = model_properties(model)
    if sum(1 for prop in properties if is_json_scalar(prop)) >= SNAPSHOT_MIN_SCALAR_FIELDS:
        return NoteKind.SNAPSHOT
    if len(properties) >= SPARSE_MIN_FIELDS:
        return NoteKind.KEYS
    return NoteKind.NONE


def is_small_scalar_model(model: Any) -> bool:
    """Whether a parent encodes a model of this class inline: one to INLINE_MAX_FIELDS fields, all
    scalar (so it keeps no note), and untyped unknown fields, like the rule parameters of a check."""
    properties = model_properties(model)
    return (
        0 < len(properties) <= INLINE_MAX_FIELDS
        and not has_typed_extra(model)
        and all(is_json_scalar(prop) for prop in properties)
    )


def single_field_note(model: Any) -> NoteKind:
    """Which note, if any, `from_dict()` leaves for a JSON object with a single field (the encoder of
    that field): KEYS for the sparse models; SNAPSHOT for snapshot models with nested fields (a
    check and its rules), whose note may also be the snapshot dict."""
    kind = note_kind(model)
    if kind is NoteKind.SNAPSHOT and all(is_json_scalar(prop) for prop in model_properties(model)):
        return NoteKind.NONE
    return kind


def map_value_class(prop: Any, field_prefix: str) -> tuple[str, str] | None:
    """The (class name, module name) of a map's values when they are models, else None."""
    from openapi_python_client.strings import ClassName, snake_case

    values = prop.data.additionalProperties
    if not hasattr(values, "ref"):
        return None
    name = str(ClassName(values.ref.get_untrusted_value().split("/")[-1], field_prefix))
    return name, snake_case(name)


@dataclass(frozen=True)
class TemplateRules:
    """The rules that need the generator's settings and every model: what `register()` exposes."""

    models_by_class_name: Mapping[str, Any]
    field_prefix: str = "field_"
    # The order of the fields __init__ of upstream's client takes, by class name
    # (openapi/upstream/*.surface.json): see field_order().
    upstream_init_orders: Mapping[str, Sequence[str]] = field(default_factory=dict)

    def field_order(self, model: Any) -> list[Any]:
        """A model's fields in the order its `__init__` takes them: the fields upstream's client
        takes, in its order, so that code passing them by position still fills the same ones,
        then the fields DQOps added since, in the spec's order."""
        properties = model_properties(model)
        upstream = self.upstream_init_orders.get(str(model.class_info.name))
        if not upstream:
            return properties
        position = {name: index for index, name in enumerate(upstream)}

        def upstream_position(prop: Any) -> int:
            spellings = (str(prop.python_name), str(prop.python_name) + "_")
            return min((position[name] for name in spellings if name in position), default=len(position))

        return sorted(properties, key=upstream_position)  # stable: new fields keep the spec's order

    def py_type(self, prop: Any) -> str:
        """The Python type of a value of this property, without Unset / None. Dates and date-times
        are `datetime.date` / `datetime.datetime`, as upstream's client types them."""
        kind = property_kind(prop)
        if kind is Kind.MAP:
            value_class = map_value_class(prop, self.field_prefix)
            return f"{prop.class_info.name} | dict[str, {value_class[0] if value_class else 'Any'}]"
        if kind in (Kind.MODEL, Kind.ENUM):
            return str(prop.class_info.name)
        if kind is Kind.LIST:
            return f"list[{self.py_type(prop.inner_property)}]"
        if kind is Kind.DATE:
            return "datetime.date"
        if kind is Kind.DATETIME:
            return "datetime.datetime"
        if kind is Kind.FILE:
            return "File"
        return _type_string(prop)

    def param_type(self, prop: Any) -> str:
        """The type an operation's parameter accepts: an enum's member or one of its values as
        text; a date or date-time as `datetime.date` / `datetime.datetime` or ISO 8601 text."""
        kind = property_kind(prop)
        if kind in _PARAMETER_TYPES:
            return _PARAMETER_TYPES[kind]
        if kind is Kind.ENUM:
            return f"{self.py_type(prop)} | str"
        return self.py_type(prop)

    def held(self, prop: Any) -> tuple[Shape, Any]:
        """How a field holds its values (one, a list, a map of names to them) and the property of
        those values: a list's items, a map's typed values, else the field itself."""
        kind = property_kind(prop)
        if kind is Kind.LIST:
            return Shape.LIST, prop.inner_property
        if kind is Kind.MAP and map_value_class(prop, self.field_prefix) is not None:
            # Values py_type names (a class of the spec): those of the map class.
            map_model = self.models_by_class_name.get(prop.class_info.name)
            if map_model is not None and has_typed_extra(map_model):
                return Shape.MAP, map_model.additional_properties
        return Shape.ONE, prop

    def init_converter(self, prop: Any) -> str | None:
        """The runtime helper (dqops/_runtime/model.py) with which __init__ converts a field that
        holds models, taking mappings of their JSON form for them; None for other fields."""
        shape, values = self.held(prop)
        return _MODEL_CONVERTERS[shape] if property_kind(values) is Kind.MODEL else None

    def checks_enum(self, prop: Any) -> bool:
        """Whether __init__ checks the text given for a field that holds enum values (known_enum)."""
        return property_kind(self.held(prop)[1]) is Kind.ENUM

    def init_type(self, prop: Any) -> str:
        """What __init__ (or json_body=) takes for a field: one that holds models also takes, for
        each, a mapping of its JSON form (its TypedDict); lists and maps as covariant Sequence
        and Mapping, so that a list of TypedDicts fits."""
        shape, values = self.held(prop)
        if property_kind(values) is not Kind.MODEL:
            return self.py_type(prop)
        item = f"{self.py_type(values)} | {typed_dict_name(values)}"
        if shape is Shape.LIST:
            return f"Sequence[{item}]"
        if shape is Shape.MAP:
            return f"{prop.class_info.name} | Mapping[str, {item}]"
        return item

    def json_type(self, prop: Any) -> str:
        """The type of a property's value in the JSON form of its model (the TypedDicts): models
        and maps as their TypedDicts, an enum as its member or one of its values, dates as
        ISO 8601 text."""
        kind = property_kind(prop)
        if kind in (Kind.MODEL, Kind.MAP):
            return typed_dict_name(prop)
        if kind is Kind.ENUM:
            return f"{prop.class_info.name} | {enum_values_name(prop)}"
        if kind is Kind.LIST:
            return f"list[{self.json_type(prop.inner_property)}]"
        if kind in (Kind.DATE, Kind.DATETIME, Kind.UUID):
            return "str"
        return self.py_type(prop)

    def typed_dict_value(self, model: Any) -> str | None:
        """What the JSON form of a model without fields is (a map, or any object), as an alias:
        `dict[str, <values>]`; None for a model with fields, whose JSON form is a TypedDict."""
        if model_properties(model):
            return None
        extra = model.additional_properties
        values = self.json_type(extra) if has_typed_extra(model) else "Any"
        return f"dict[str, {values}]"

    def encode_helpers(self, prop: Any) -> set[str]:
        """The runtime helpers (dqops/_runtime/serialization.py) encoding this property calls."""
        kind = property_kind(prop)
        if kind is Kind.MAP:
            return {"encode_map"}
        if kind in (Kind.DATE, Kind.DATETIME):
            return {"encode_iso"}
        if kind is Kind.LIST:
            return self.encode_helpers(prop.inner_property)
        return set()

    def decode_classes(self, prop: Any) -> set[tuple[str, str]]:
        """(name, module) of the generated classes and globals a property's values are built from."""
        kind = property_kind(prop)
        if kind is Kind.LIST:
            return self.decode_classes(prop.inner_property)
        if kind not in (Kind.MODEL, Kind.MAP, Kind.ENUM):
            return set()
        module = str(prop.class_info.module_name)
        classes = {(str(prop.class_info.name), module)}
        if kind is Kind.ENUM:
            classes.add((enum_by_value(prop), module))
        if kind is Kind.MAP and (value_class := map_value_class(prop, self.field_prefix)):
            classes.add(value_class)
        return classes

    def encode_only_kind(self, prop: Any) -> EncodeOnly:
        """How the single-field encoder of this property encodes its value, which while the
        parent's note holds is what from_dict() decoded."""
        kind = property_kind(prop)
        if kind is Kind.LIST:
            inner = prop.inner_property
            if property_kind(inner) is Kind.MODEL:
                return EncodeOnly.ENCODED
            if needs_conversion(inner) or property_kind(inner) in (Kind.DATE, Kind.DATETIME):
                return EncodeOnly.CODE
            return EncodeOnly.VALUE
        if kind is not Kind.MODEL:
            return EncodeOnly.ENCODED if kind in _ENCODERS else EncodeOnly.VALUE
        child = self.models_by_class_name.get(prop.class_info.name)
        if child is None:
            return EncodeOnly.ENCODED
        child_note = single_field_note(child)
        if child_note is NoteKind.KEYS:
            return EncodeOnly.NOTE
        if child_note is NoteKind.SNAPSHOT:
            return EncodeOnly.NOTE_OR_SNAPSHOT
        if is_small_scalar_model(child) and all(_is_json_as_is(field) for field in model_properties(child)):
            return EncodeOnly.INLINE
        return EncodeOnly.ENCODED

    def inline_fields(self, prop: Any) -> list[Any]:
        """The fields of an EncodeOnly.INLINE property's model."""
        return model_properties(self.models_by_class_name[prop.class_info.name])

    def model_layout(self, model: Any) -> ModelLayout:
        return ModelLayout.of(model, self)


def enum_by_value(prop: Any) -> str:
    """The module global of an enum's members by value (templates/str_enum.py.jinja)."""
    return f"{str(prop.class_info.module_name).upper()}_BY_VALUE"


def _is_json_as_is(prop: Any) -> bool:
    """Whether a value of this property is its own JSON (no serialization helper encodes it)."""
    return property_kind(prop) not in _ENCODERS


def single_field_encoder(prop: Any) -> str:
    """The serialization helper that encodes a value of an EncodeOnly.ENCODED property."""
    if property_kind(prop) is Kind.LIST:
        return "encode_models"
    return _ENCODERS[property_kind(prop)]


def query_check(prop: Any) -> str | None:
    """The runtime check of a query or header parameter (or a body that is not a model); None
    when its value is sent as it is. A list's items are checked by their own kind's."""
    return _QUERY_CHECKS.get(property_kind(prop))


def path_check(prop: Any) -> str:
    """The runtime check that makes a path parameter one path segment."""
    return _PATH_CHECKS.get(property_kind(prop), "path_value")


@dataclass(frozen=True)
class ModelLayout:
    """What templates/model.py.jinja renders for one model: its shape and the pieces it needs."""

    class_name: str
    properties: list[Any]
    scalars: list[Any]  # is_json_scalar fields
    nested: list[Any]  # models, lists, maps
    note: NoteKind
    map_class: bool  # a class of typed unknown fields only (DQOpsMapModel)
    typed_extra: bool  # whether its unknown fields have a declared type (has_typed_extra)
    model_fields: list[Any]  # fields holding models (init_converter): __init__ also takes mappings (their TypedDict)
    converters: list[str]  # the init_converter helpers of those fields
    typed_dicts: list[str]  # the TypedDicts of the models those fields hold, which __init__ also takes
    enum_fields: list[Any]  # fields holding enum values: __init__ checks the text given (checks_enum)
    encodes_single: bool  # whether from_dict() of a one-field JSON object keeps that field's encoder
    single_encoded: list[Any]  # the fields with such an encoder (_encode_only_<field>)
    encode_only: dict[str, EncodeOnly]  # how each of those encodes its model, by python name
    helpers: list[str]  # runtime serialization helpers the module calls
    encode_only_factories: list[str]  # the encode_only_<kind> factories of dqops/_runtime/encode_only.py it calls
    classes: list[tuple[str, str]]  # (name, module) of the generated classes from_dict() builds
    bool_type: str  # "bool", or "builtins.bool" when a field named bool shadows it in the class
    iso_fields: dict[str, str]  # the parser of each date or date-time field (iso_parser), by python name
    iso_parsers: list[str]  # the parsers the module calls: of those fields and of lists of dates
    uses_datetime: bool  # whether an annotation names the datetime module
    extra: Any = field(default=None)

    @classmethod
    def of(cls, model: Any, rules: TemplateRules) -> ModelLayout:
        class_name = str(model.class_info.name)
        properties = rules.field_order(model)
        extra = model.additional_properties or None
        scalars = [prop for prop in properties if is_json_scalar(prop)]
        nested = [prop for prop in properties if not is_json_scalar(prop)]
        note = note_kind(model)
        encodes_single = single_field_note(model) is not NoteKind.NONE
        # A sparse model encodes any of its fields alone; a snapshot model its nested fields only,
        # since a single scalar field is copied from the snapshot as fast.
        single_encoded = properties if note is NoteKind.KEYS else (nested if encodes_single else [])
        encode_only = {prop.python_name: rules.encode_only_kind(prop) for prop in single_encoded}
        helpers: set[str] = set()
        classes: set[tuple[str, str]] = set()
        for prop in [*properties, *([extra] if extra else [])]:
            helpers |= rules.encode_helpers(prop)
            classes |= rules.decode_classes(prop)
        factories: set[str] = set()
        for prop in single_encoded:
            how = encode_only[prop.python_name]
            if how is EncodeOnly.ENCODED:
                helpers.add(single_field_encoder(prop))
            if how is not EncodeOnly.CODE:
                factories.add(f"encode_only_{how}")
        classes.discard((class_name, str(model.class_info.module_name)))
        iso_fields = {prop.python_name: parser for prop in properties if (parser := iso_parser(prop))}
        list_parsers = {
            parser
            for prop in [*properties, *([extra] if extra else [])]
            if property_kind(prop) is Kind.LIST and (parser := iso_parser(prop.inner_property))
        }
        types = [rules.py_type(prop) for prop in [*properties, *([extra] if extra else [])]]
        model_fields = [prop for prop in properties if rules.init_converter(prop)]
        return cls(
            class_name=class_name,
            properties=properties,
            scalars=scalars,
            nested=nested,
            note=note,
            map_class=is_map(model) and has_typed_extra(model),
            typed_extra=has_typed_extra(model),
            model_fields=model_fields,
            converters=sorted({str(rules.init_converter(prop)) for prop in model_fields}),
            typed_dicts=sorted({typed_dict_name(rules.held(prop)[1]) for prop in model_fields}),
            enum_fields=[prop for prop in properties if rules.checks_enum(prop)],
            encodes_single=encodes_single,
            single_encoded=single_encoded,
            encode_only=encode_only,
            helpers=sorted(helpers),
            encode_only_factories=sorted(factories),
            classes=sorted(classes),
            bool_type="builtins.bool" if any(prop.python_name == "bool" for prop in properties) else "bool",
            iso_fields=iso_fields,
            iso_parsers=sorted({*iso_fields.values(), *list_parsers}),
            uses_datetime=any("datetime." in text for text in types),
            extra=extra,
        )


def _functions() -> Iterable[tuple[str, Any]]:
    for function in (
        property_kind,
        is_map,
        needs_conversion,
        iso_parser,
        is_json_scalar,
        has_typed_extra,
        note_kind,
        is_small_scalar_model,
        single_field_note,
        enum_by_value,
        typed_dict_name,
        body_typed_dicts,
        enum_values_name,
        enum_literal,
        typed_dict_class_syntax,
        typed_dict_field,
        single_field_encoder,
        query_check,
        path_check,
    ):
        yield function.__name__, function


def register(
    globals_: dict[str, Any],
    models_by_class_name: Mapping[str, Any],
    field_prefix: str,
    upstream_init_orders: Mapping[str, Sequence[str]] | None = None,
) -> None:
    """Expose the rules to templates as globals (`globals_` is a Jinja environment's)."""
    rules = TemplateRules(models_by_class_name, field_prefix, upstream_init_orders or {})
    globals_.update(_functions())
    names = (
        "py_type",
        "param_type",
        "init_type",
        "init_converter",
        "json_type",
        "typed_dict_value",
        "encode_helpers",
        "decode_classes",
        "encode_only_kind",
        "inline_fields",
    )
    for name in (*names, "model_layout"):
        globals_[name] = getattr(rules, name)
    globals_["models_by_class_name"] = models_by_class_name
    globals_["typed_dict_suffix"] = TYPED_DICT_SUFFIX
