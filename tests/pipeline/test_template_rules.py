"""The rules behind the generated code (scripts/template_rules.py), on properties openapi-python-client
parses from a small spec: property kinds, Python types, which note each model keeps and how a
parent encodes a single field, at each threshold docs/design.md gives and one below it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.paths import REPO_ROOT

from scripts import template_rules as rules
from scripts.template_rules import EncodeOnly, Kind, NoteKind


def scalars(count: int, kind: dict[str, Any] | None = None) -> dict[str, Any]:
    return {f"field{index}": dict(kind or {"type": "string"}) for index in range(count)}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


SCHEMAS: dict[str, Any] = {
    "Color": {"type": "string", "enum": ["red", "green"]},
    "Kinds": {
        "type": "object",
        "properties": {
            "text": {"type": "string"},
            "count": {"type": "integer", "format": "int64"},
            "ratio": {"type": "number", "format": "double"},
            "flag": {"type": "boolean"},
            "day": {"type": "string", "format": "date"},
            "moment": {"type": "string", "format": "date-time"},
            "color": ref("Color"),
            "anything": {},
            "names": {"type": "array", "items": {"type": "string"}},
            "colors": {"type": "array", "items": ref("Color")},
            "days": {"type": "array", "items": {"type": "string", "format": "date"}},
            "rules": {"type": "array", "items": ref("SmallRule")},
            "rule": ref("SmallRule"),
            "rule_map": {"type": "object", "additionalProperties": ref("SmallRule")},
            "text_map": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object"},
        },
    },
    # At each threshold and one below it.
    "SnapshotModel": {"type": "object", "properties": scalars(rules.SNAPSHOT_MIN_SCALAR_FIELDS)},
    "BelowSnapshotButSparse": {"type": "object", "properties": scalars(rules.SNAPSHOT_MIN_SCALAR_FIELDS - 1)},
    "SparseModel": {
        "type": "object",
        "properties": {**scalars(rules.SPARSE_MIN_FIELDS - 1), "rule": ref("SmallRule")},
    },
    "BelowSparse": {"type": "object", "properties": scalars(rules.SPARSE_MIN_FIELDS - 1)},
    "SnapshotWithNested": {
        "type": "object",
        "properties": {**scalars(rules.SNAPSHOT_MIN_SCALAR_FIELDS), "rule": ref("SmallRule")},
    },
    "SmallRule": {"type": "object", "properties": scalars(rules.INLINE_MAX_FIELDS, {"type": "integer"})},
    "NotSmallRule": {"type": "object", "properties": scalars(rules.INLINE_MAX_FIELDS + 1, {"type": "integer"})},
    "NestedRule": {"type": "object", "properties": {"rule": ref("SmallRule")}},
    "EnumRule": {"type": "object", "properties": {"color": ref("Color")}},
    "Parent": {
        "type": "object",
        "properties": {
            "small": ref("SmallRule"),
            "not_small": ref("NotSmallRule"),
            "nested": ref("NestedRule"),
            "enum_rule": ref("EnumRule"),
            "sparse": ref("SparseModel"),
            "snapshot_nested": ref("SnapshotWithNested"),
            "snapshot_flat": ref("SnapshotModel"),
            "text": {"type": "string"},
            "colors": {"type": "array", "items": ref("Color")},
        },
    },
    "RuleMap": {"type": "object", "additionalProperties": ref("SmallRule")},
    # Fields holding one, a list or a map of models or enum values, or of plain values.
    "Holder": {
        "type": "object",
        "properties": {
            "rule": ref("SmallRule"),
            "rules": {"type": "array", "items": ref("SmallRule")},
            "shared_rule_map": ref("RuleMap"),
            "rule_map": {"type": "object", "additionalProperties": ref("SmallRule")},
            "color": ref("Color"),
            "colors": {"type": "array", "items": ref("Color")},
            "color_map": {"type": "object", "additionalProperties": ref("Color")},
            "names": {"type": "array", "items": {"type": "string"}},
            "text_map": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object"},
        },
    },
    # JSON names a TypedDict class cannot declare: a keyword, a builtin its annotations use.
    "KeywordKeys": {"type": "object", "properties": {"from": {"type": "integer"}, "to": {"type": "integer"}}},
    "BuiltinKeys": {"type": "object", "properties": {"list": {"type": "string"}, "filter": {"type": "string"}}},
}


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from openapi_python_client.config import Config, ConfigFile, MetaType
    from openapi_python_client.parser.openapi import GeneratorData

    document = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {}}
    document["components"] = {"schemas": SCHEMAS}
    spec = Path(tmp_path_factory.mktemp("spec")) / "spec.json"
    spec.write_text(json.dumps(document), encoding="utf-8")
    config = Config.from_sources(ConfigFile(), MetaType.NONE, spec, "utf-8", overwrite=True, output_path=None)
    data = GeneratorData.from_dict(document, config=config)
    assert isinstance(data, GeneratorData), data
    return data


@pytest.fixture(scope="module")
def models(parsed: Any) -> dict[str, Any]:
    return {str(model.class_info.name): model for model in parsed.models}


@pytest.fixture(scope="module")
def template(models: dict[str, Any]) -> rules.TemplateRules:
    return rules.TemplateRules(models)


def prop(models: dict[str, Any], model: str, name: str) -> Any:
    return next(field for field in rules.model_properties(models[model]) if field.python_name == name)


# Each field of Kinds as (its property kind, its Python type, its type in the TypedDict of its
# model's JSON form). The JSON form has JSON values as their Python type, dates as ISO 8601 text,
# models and maps as their TypedDicts, and enums as a member or a value.
TYPES = {
    "text": (Kind.STRING, "str", "str"),
    "count": (Kind.INT, "int", "int"),
    "ratio": (Kind.FLOAT, "float", "float"),
    "flag": (Kind.BOOLEAN, "bool", "bool"),
    "day": (Kind.DATE, "datetime.date", "str"),
    "moment": (Kind.DATETIME, "datetime.datetime", "str"),
    "color": (Kind.ENUM, "Color", "Color | _ColorValue"),
    "anything": (Kind.ANY, "Any", "Any"),
    "names": (Kind.LIST, "list[str]", "list[str]"),
    "colors": (Kind.LIST, "list[Color]", "list[Color | _ColorValue]"),
    "days": (Kind.LIST, "list[datetime.date]", "list[str]"),
    "rules": (Kind.LIST, "list[SmallRule]", "list[SmallRuleDict]"),
    "rule": (Kind.MODEL, "SmallRule", "SmallRuleDict"),
    "rule_map": (Kind.MAP, "KindsRuleMap | dict[str, SmallRule]", "KindsRuleMapDict"),
    "text_map": (Kind.MAP, "KindsTextMap | dict[str, Any]", "KindsTextMapDict"),
    "free": (Kind.MODEL, "KindsFree", "KindsFreeDict"),
}


@pytest.mark.parametrize(("name", "kind"), [(name, kind) for name, (kind, _, _) in TYPES.items()])
def test_property_kind(models: dict[str, Any], name: str, kind: Kind) -> None:
    assert rules.property_kind(prop(models, "Kinds", name)) is kind


def test_a_model_of_typed_unknown_fields_is_a_map(models: dict[str, Any], template: rules.TemplateRules) -> None:
    assert rules.is_map(models["RuleMap"]) and rules.has_typed_extra(models["RuleMap"])
    assert not rules.is_map(models["Kinds"])
    assert template.init_converter(prop(models, "Kinds", "rule_map")) == "model_map"
    assert template.init_converter(prop(models, "Kinds", "rule")) == "model_value"


@pytest.mark.parametrize(("name", "expected"), [(name, py_type) for name, (_, py_type, _) in TYPES.items()])
def test_py_type(models: dict[str, Any], template: rules.TemplateRules, name: str, expected: str) -> None:
    assert template.py_type(prop(models, "Kinds", name)) == expected


def test_init_type_of_a_model_field_takes_a_mapping(models: dict[str, Any], template: rules.TemplateRules) -> None:
    assert template.init_type(prop(models, "Kinds", "rule")) == "SmallRule | SmallRuleDict"
    assert template.init_type(prop(models, "Kinds", "text")) == "str"


# A date field is not converted by from_dict() (its descriptor parses it on first read); a list
# of dates is.
CONVERTED = {"rule", "rule_map", "text_map", "free", "color", "colors", "rules", "days"}
SCALAR = {"text", "count", "ratio", "flag", "day", "moment", "color"}


@pytest.mark.parametrize("name", [str(name) for name in SCHEMAS["Kinds"]["properties"]])
def test_conversion_and_scalars(models: dict[str, Any], name: str) -> None:
    field = prop(models, "Kinds", name)
    assert rules.needs_conversion(field) is (name in CONVERTED)
    assert rules.is_json_scalar(field) is (name in SCALAR)


def test_date_fields_are_parsed_on_read_and_lists_of_dates_on_decoding(
    models: dict[str, Any], template: rules.TemplateRules
) -> None:
    assert rules.iso_parser(prop(models, "Kinds", "day")) == "parse_date"
    assert rules.iso_parser(prop(models, "Kinds", "moment")) == "parse_datetime"
    assert rules.iso_parser(prop(models, "Kinds", "text")) is None
    layout = template.model_layout(models["Kinds"])
    assert layout.iso_fields == {"day": "parse_date", "moment": "parse_datetime"}
    assert layout.iso_parsers == ["parse_date", "parse_datetime"]
    assert layout.uses_datetime
    assert not template.model_layout(models["SmallRule"]).uses_datetime


def test_encode_helpers_and_decode_classes(models: dict[str, Any], template: rules.TemplateRules) -> None:
    assert template.encode_helpers(prop(models, "Kinds", "days")) == {"encode_iso"}
    assert template.encode_helpers(prop(models, "Kinds", "rule_map")) == {"encode_map"}
    assert template.encode_helpers(prop(models, "Kinds", "rule")) == set()
    assert template.decode_classes(prop(models, "Kinds", "colors")) == {("Color", "color"), ("COLOR_BY_VALUE", "color")}
    assert template.decode_classes(prop(models, "Kinds", "rule_map")) == {
        ("KindsRuleMap", "kinds_rule_map"),
        ("SmallRule", "small_rule"),
    }


NOTES = {
    "SnapshotModel": NoteKind.SNAPSHOT,
    "BelowSnapshotButSparse": NoteKind.KEYS,
    "SparseModel": NoteKind.KEYS,
    "BelowSparse": NoteKind.NONE,
    "SnapshotWithNested": NoteKind.SNAPSHOT,
    "RuleMap": NoteKind.NONE,
}


@pytest.mark.parametrize(("model", "note"), NOTES.items())
def test_note_kind_at_the_thresholds(models: dict[str, Any], model: str, note: NoteKind) -> None:
    assert rules.note_kind(models[model]) is note


def test_thresholds_are_those_docs_design_cites() -> None:
    design = " ".join((REPO_ROOT / "docs" / "design.md").read_text("utf-8").split())
    for cited in (
        f"Models with {rules.SNAPSHOT_MIN_SCALAR_FIELDS} or more scalar fields",
        f"The other models with {rules.SPARSE_MIN_FIELDS} or more fields",
        f"a small nested model (1 to {rules.INLINE_MAX_FIELDS} scalar fields",
    ):
        assert cited in design, f"docs/design.md does not say {cited!r}"


def test_single_field_note(models: dict[str, Any]) -> None:
    # A snapshot model keeps a single-field encoder only for its nested fields.
    assert rules.single_field_note(models["SnapshotModel"]) is NoteKind.NONE
    assert rules.single_field_note(models["SnapshotWithNested"]) is NoteKind.SNAPSHOT
    assert rules.single_field_note(models["SparseModel"]) is NoteKind.KEYS


def test_small_scalar_models(models: dict[str, Any]) -> None:
    assert rules.is_small_scalar_model(models["SmallRule"])
    assert not rules.is_small_scalar_model(models["NotSmallRule"])  # one field too many
    assert not rules.is_small_scalar_model(models["NestedRule"])  # a nested field
    assert not rules.is_small_scalar_model(models["RuleMap"])  # typed unknown fields


ENCODE_ONLY = {
    "small": EncodeOnly.INLINE,
    "not_small": EncodeOnly.ENCODED,
    "nested": EncodeOnly.ENCODED,
    "enum_rule": EncodeOnly.ENCODED,  # small, but its field needs encoding: its to_dict()
    "sparse": EncodeOnly.NOTE,
    "snapshot_nested": EncodeOnly.NOTE_OR_SNAPSHOT,
    "snapshot_flat": EncodeOnly.ENCODED,
    "text": EncodeOnly.VALUE,
    "colors": EncodeOnly.CODE,
}


@pytest.mark.parametrize(("name", "how"), ENCODE_ONLY.items())
def test_encode_only_kind(models: dict[str, Any], template: rules.TemplateRules, name: str, how: EncodeOnly) -> None:
    assert template.encode_only_kind(prop(models, "Parent", name)) is how


def test_model_layout_of_a_sparse_parent(models: dict[str, Any], template: rules.TemplateRules) -> None:
    layout = template.model_layout(models["Parent"])
    assert layout.note is NoteKind.KEYS and layout.encodes_single
    assert [field.python_name for field in layout.single_encoded] == list(SCHEMAS["Parent"]["properties"])
    assert layout.encode_only == {name: ENCODE_ONLY[name] for name in SCHEMAS["Parent"]["properties"]}
    assert layout.encode_only_factories == [
        "encode_only_encoded",
        "encode_only_inline",
        "encode_only_note",
        "encode_only_note_or_snapshot",
        "encode_only_value",
    ]
    assert "encode_model" in layout.helpers
    assert [name for name, _ in layout.classes] == sorted(
        [
            "COLOR_BY_VALUE",
            "Color",
            "EnumRule",
            "NestedRule",
            "NotSmallRule",
            "SmallRule",
            "SnapshotModel",
            "SnapshotWithNested",
            "SparseModel",
        ]
    )
    assert [field.python_name for field in layout.model_fields] == [
        "small",
        "not_small",
        "nested",
        "enum_rule",
        "sparse",
        "snapshot_nested",
        "snapshot_flat",
    ]


def test_parameter_checks(models: dict[str, Any]) -> None:
    assert rules.query_check(prop(models, "Kinds", "day")) == "query_date"
    assert rules.query_check(prop(models, "Kinds", "anything")) is None
    assert rules.path_check(prop(models, "Kinds", "count")) == "path_int"
    assert rules.path_check(prop(models, "Kinds", "moment")) == "path_str"
    assert rules.path_check(prop(models, "Kinds", "ratio")) == "path_value"


def test_register_exposes_the_rules_to_templates(models: dict[str, Any]) -> None:
    import jinja2

    environment = jinja2.Environment()
    rules.register(environment.globals, models, "field_")
    rendered = environment.from_string("{{ note_kind(model) }} {{ py_type(field) }}").render(
        model=models["SnapshotModel"], field=prop(models, "Kinds", "colors")
    )
    assert rendered == "snapshot list[Color]"


@pytest.mark.parametrize(("name", "expected"), [(name, json_type) for name, (_, _, json_type) in TYPES.items()])
def test_json_type(models: dict[str, Any], template: rules.TemplateRules, name: str, expected: str) -> None:
    assert template.json_type(prop(models, "Kinds", name)) == expected


def test_a_model_without_fields_is_a_dict_of_its_values(models: dict[str, Any], template: rules.TemplateRules) -> None:
    assert template.typed_dict_value(models["KindsRuleMap"]) == "dict[str, SmallRuleDict]"
    assert template.typed_dict_value(models["KindsTextMap"]) == "dict[str, str]"
    assert template.typed_dict_value(models["KindsFree"]) == "dict[str, Any]"
    assert template.typed_dict_value(models["Kinds"]) is None


def test_enum_values_are_a_literal(parsed: Any) -> None:
    color = next(enum for enum in parsed.enums if enum.class_info.name == "Color")
    assert (rules.enum_values_name(color), rules.enum_literal(color)) == ("_ColorValue", 'Literal["red", "green"]')


def test_typed_dict_class_syntax_only_where_every_key_can_be_a_field(models: dict[str, Any]) -> None:
    assert rules.typed_dict_class_syntax(models["Kinds"])
    assert rules.typed_dict_field(prop(models, "Kinds", "rule_map")) == "rule_map"
    assert not rules.typed_dict_class_syntax(models["KeywordKeys"])
    assert not rules.typed_dict_class_syntax(models["BuiltinKeys"])
    with pytest.raises(ValueError, match="'from'"):
        rules.typed_dict_field(rules.model_properties(models["KeywordKeys"])[0])


def test_a_typed_dict_name_taken_by_another_class_is_a_clash() -> None:
    assert rules.typed_dict_name_clashes(["Spec", "SpecDict", "Other", "OtherMap"]) == ["Spec"]
    assert rules.typed_dict_name_clashes(["Spec", "Other"]) == []


def test_a_body_takes_the_typed_dict_of_its_model_or_items(models: dict[str, Any]) -> None:
    assert rules.body_typed_dicts(prop(models, "Kinds", "rule")) == ["SmallRuleDict"]
    assert rules.body_typed_dicts(prop(models, "Kinds", "rules")) == ["SmallRuleDict"]
    assert rules.body_typed_dicts(prop(models, "Kinds", "names")) == []


# What __init__ takes for each field of Holder, and the runtime helper converting it: models also
# as mappings of their JSON form, lists and maps of them as Sequence and Mapping; enum values are
# checked (known_enum), one or each item.
INIT_TYPES = {
    "rule": ("SmallRule | SmallRuleDict", "model_value", False),
    "rules": ("Sequence[SmallRule | SmallRuleDict]", "model_list", False),
    "shared_rule_map": ("RuleMap | Mapping[str, SmallRule | SmallRuleDict]", "model_map", False),
    "rule_map": ("HolderRuleMap | Mapping[str, SmallRule | SmallRuleDict]", "model_map", False),
    "color": ("Color", None, True),
    "colors": ("list[Color]", None, True),
    "color_map": ("HolderColorMap | dict[str, Color]", None, True),
    "names": ("list[str]", None, False),
    "text_map": ("HolderTextMap | dict[str, Any]", None, False),
    "free": ("HolderFree | HolderFreeDict", "model_value", False),
}


@pytest.mark.parametrize(("name", "expected"), INIT_TYPES.items())
def test_init_type_converter_and_enum_check(
    models: dict[str, Any], template: rules.TemplateRules, name: str, expected: tuple[str, str | None, bool]
) -> None:
    field = prop(models, "Holder", name)
    assert (template.init_type(field), template.init_converter(field), template.checks_enum(field)) == expected


def test_layout_of_fields_holding_models_and_enums(models: dict[str, Any], template: rules.TemplateRules) -> None:
    layout = template.model_layout(models["Holder"])
    converted = [name for name, (_, converter, _) in INIT_TYPES.items() if converter]
    assert [field.python_name for field in layout.model_fields] == converted
    assert layout.converters == ["model_list", "model_map", "model_value"]
    assert layout.typed_dicts == ["HolderFreeDict", "SmallRuleDict"]
    assert [field.python_name for field in layout.enum_fields] == ["color", "colors", "color_map"]
