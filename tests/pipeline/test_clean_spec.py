"""Tests of scripts/clean_spec.py: each transformation on small hand-made documents, then the
whole clean-up on the pinned upstream spec, then the command line.

What a user relies on: the cleaned document is a valid OpenAPI 3 document that still holds
every path, operation, schema and property of DQOps's spec; only the Java serializer's
artifacts are gone, and names and data values (a property named `type`, an enum value
"FORM") are never mistaken for keywords.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support import build_commands
from support import spec_facts as facts

from scripts import clean_spec

SpecError = clean_spec.SpecError


def document(paths: dict[str, Any] | None = None, schemas: dict[str, Any] | None = None, **extra: Any) -> dict:
    """A minimal OpenAPI 3 document."""
    doc: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "DQOps", "version": "v1"},
        "paths": paths if paths is not None else {},
    }
    if schemas is not None:
        doc["components"] = {"schemas": schemas}
    doc.update(extra)
    return doc


def operation(**extra: Any) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": "getThing", "responses": {"200": {"description": "OK"}}}
    op.update(extra)
    return op


# The artifacts the Java serializer writes on every object (README of ../shared/dqops-openapi).
ARTIFACTS = {
    "exampleSetFlag": False,
    "types": ["string"],
    "originalRef": "#/definitions/Thing",
    "jsonSchema": {"type": "object", "properties": {"a": {"$ref": "#/definitions/Thing"}}},
    "extensions": {},
}

# Names and data that look like artifacts or keywords but must survive the clean-up.
KEYWORD_LIKE_PROPERTIES = {
    name: {"type": "string", "description": f"a property named {name}"}
    for name in (
        "types",
        "extensions",
        "type",
        "properties",
        "format",
        "required",
        "in",
        "style",
        "exampleSetFlag",
        "originalRef",
        "jsonSchema",
        "items",
        "enum",
        "default",
    )
}


def clean_example_document() -> dict[str, Any]:
    """A valid document with every kind of OpenAPI object the DQOps spec uses."""
    thing = {
        "type": "object",
        "description": "A thing",
        "properties": {
            **copy.deepcopy(KEYWORD_LIKE_PROPERTIES),
            "mode": {"type": "string", "enum": ["FORM", "HEADER", "types", "extensions"], "example": "FORM"},
            "nested": {
                "type": "object",
                "properties": {"types": {"type": "array", "items": {"type": "string", "enum": ["APIKEY"]}}},
            },
            "children": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/Thing"}},
            "any_of": {"allOf": [{"$ref": "#/components/schemas/Thing"}]},
            "settings": {
                "type": "object",
                "default": {"types": ["x"], "extensions": {"a": 1}, "exampleSetFlag": True, "in": "HEADER"},
                "example": {"originalRef": "r", "jsonSchema": {"$ref": "#/definitions/Nowhere"}, "style": "FORM"},
            },
        },
        "required": ["types", "type"],
    }
    return document(
        paths={
            "/api/things/{thingName}": {
                "parameters": [{"name": "thingName", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": operation(
                    tags=["Things"],
                    parameters=[
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32"}},
                        {"name": "types", "in": "query", "style": "form", "schema": {"type": "string"}},
                    ],
                    responses={
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        }
                    },
                    security=[{"authorization_bearer_api_key": []}],
                ),
                "put": operation(
                    operationId="updateThing",
                    requestBody={
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        "required": True,
                    },
                    responses={"204": {"description": "No content"}},
                ),
            }
        },
        components={
            "schemas": {"Thing": thing, "Level": {"type": "string", "enum": ["types", "extensions", "FORM"]}},
            "securitySchemes": {
                "authorization_bearer_api_key": {"type": "apiKey", "name": "Authorization", "in": "header"}
            },
        },
        servers=[{"url": "http://localhost:8888/"}],
        tags=[{"name": "Things"}],
    )


def with_artifacts(node: Any, *, is_named_map: bool = False) -> Any:
    """`node` with the serializer's artifacts added to every OpenAPI object (not to names or data)."""
    if isinstance(node, list):
        return [with_artifacts(item) for item in node]
    if not isinstance(node, dict):
        return node
    if is_named_map:
        return {key: with_artifacts(value) for key, value in node.items()}
    decorated: dict[str, Any] = {}
    for key, value in node.items():
        if key in {"example", "examples", "default", "enum", "security"}:
            # data, and security requirements (names of schemes -> scopes): left as they are
            decorated[key] = copy.deepcopy(value)
        else:
            decorated[key] = with_artifacts(value, is_named_map=key in facts.NAMED_MAP_KEYS and isinstance(value, dict))
    decorated.update(copy.deepcopy(ARTIFACTS))
    return decorated


# ---------------------------------------------------------------------------
# remove_serialization_artifacts
# ---------------------------------------------------------------------------


def test_example_document_is_valid_and_artifacts_make_it_invalid():
    """The fixtures below are meaningful: the clean one validates, the decorated one does not."""
    clean_spec.validate(clean_example_document())
    decorated = with_artifacts(clean_example_document())
    assert facts.keyword_locations(decorated, facts.ARTIFACT_KEYS)
    with pytest.raises(SpecError):
        clean_spec.validate(decorated)


def test_artifacts_are_removed_everywhere_and_nothing_else_changes():
    decorated = with_artifacts(clean_example_document())
    # inside parameters, their schemas, request bodies, responses, media types, nested schemas...
    op = decorated["paths"]["/api/things/{thingName}"]["get"]
    assert "types" in op["parameters"][0]["schema"]
    assert "exampleSetFlag" in op["responses"]["200"]["content"]["application/json"]["schema"]
    thing = decorated["components"]["schemas"]["Thing"]
    assert "jsonSchema" in thing["properties"]["nested"]["properties"]["types"]["items"]
    assert "originalRef" in thing["properties"]["children"]["additionalProperties"]

    cleaned = clean_spec.remove_serialization_artifacts(decorated)

    assert cleaned == clean_example_document()
    assert facts.keyword_locations(cleaned, facts.ARTIFACT_KEYS) == []


@pytest.mark.parametrize("name", sorted(KEYWORD_LIKE_PROPERTIES))
def test_a_property_named_like_an_artifact_or_keyword_is_kept(name):
    prop = {"type": "string", "description": "kept", **copy.deepcopy(ARTIFACTS)}
    doc = document(schemas={"ProviderSensorDefinitionSpec": {"type": "object", "properties": {name: prop}}})

    cleaned = clean_spec.remove_serialization_artifacts(doc)

    assert cleaned["components"]["schemas"]["ProviderSensorDefinitionSpec"]["properties"] == {
        name: {"type": "string", "description": "kept"}
    }


def test_a_parameter_named_like_an_artifact_is_kept():
    parameter = {"name": "types", "in": "query", "schema": {"type": "string", "types": ["string"]}}
    doc = document(paths={"/api/a": {"get": operation(parameters=[parameter])}})

    cleaned = clean_spec.remove_serialization_artifacts(doc)

    assert cleaned["paths"]["/api/a"]["get"]["parameters"] == [
        {"name": "types", "in": "query", "schema": {"type": "string"}}
    ]


def test_schemas_named_like_artifacts_are_kept():
    schemas = {name: {"type": "object", "types": ["object"]} for name in ("types", "extensions", "jsonSchema")}
    cleaned = clean_spec.remove_serialization_artifacts(document(schemas=schemas))
    assert cleaned["components"]["schemas"] == {name: {"type": "object"} for name in schemas}


@pytest.mark.parametrize(
    "key, value",
    [
        ("enum", ["types", "extensions", "exampleSetFlag", "FORM", "HEADER"]),
        ("example", {"types": ["a"], "extensions": {"foo": 1}, "originalRef": "x", "jsonSchema": {}}),
        ("default", {"exampleSetFlag": True, "extensions": {"not-x": 1}, "types": []}),
        ("examples", {"one": {"value": {"types": 1, "extensions": {"bar": 2}}}}),
    ],
    ids=["enum", "example", "default", "examples"],
)
def test_data_values_are_untouched(key, value):
    schema = {"type": "object", key: copy.deepcopy(value)}
    doc = document(schemas={"Data": schema})

    cleaned = clean_spec.remove_serialization_artifacts(doc)

    assert cleaned["components"]["schemas"]["Data"][key] == value


@pytest.mark.parametrize(
    "where",
    ["root", "info", "operation", "parameter", "schema", "property"],
)
def test_extensions_are_lifted_to_x_keys(where):
    doc = document(
        paths={"/api/a": {"get": operation(parameters=[{"name": "p", "in": "query", "schema": {"type": "string"}}])}},
        schemas={"S": {"type": "object", "properties": {"p": {"type": "string"}}}},
    )
    targets = {
        "root": doc,
        "info": doc["info"],
        "operation": doc["paths"]["/api/a"]["get"],
        "parameter": doc["paths"]["/api/a"]["get"]["parameters"][0],
        "schema": doc["components"]["schemas"]["S"],
        "property": doc["components"]["schemas"]["S"]["properties"]["p"],
    }
    targets[where]["extensions"] = {"x-foo": 1, "x-codegen-request-body-name": "body"}
    expected = copy.deepcopy(targets[where])
    del expected["extensions"]
    expected.update({"x-foo": 1, "x-codegen-request-body-name": "body"})

    clean_spec.remove_serialization_artifacts(doc)

    assert targets[where] == expected


def test_empty_extensions_leave_nothing_behind():
    doc = document(extensions={})
    doc["info"]["extensions"] = {}
    assert clean_spec.remove_serialization_artifacts(doc) == document()


def test_an_extension_that_is_not_x_prefixed_raises_spec_error():
    doc = document(schemas={"S": {"type": "object", "extensions": {"foo": 1}}})
    with pytest.raises(SpecError, match="foo"):
        clean_spec.remove_serialization_artifacts(doc)


# ---------------------------------------------------------------------------
# lowercase_java_enum_keywords
# ---------------------------------------------------------------------------

PARAMETER_KEYWORDS = [
    ("style", "FORM", "form"),
    ("style", "SIMPLE", "simple"),
    ("style", "MATRIX", "matrix"),
    ("style", "LABEL", "label"),
    ("style", "SPACEDELIMITED", "spaceDelimited"),
    ("style", "PIPEDELIMITED", "pipeDelimited"),
    ("style", "DEEPOBJECT", "deepObject"),
    ("in", "HEADER", "header"),
    ("in", "QUERY", "query"),
    ("in", "PATH", "path"),
    ("in", "COOKIE", "cookie"),
]
SECURITY_SCHEME_TYPES = [
    ("APIKEY", "apiKey"),
    ("HTTP", "http"),
    ("OAUTH2", "oauth2"),
    ("OPENIDCONNECT", "openIdConnect"),
]


@pytest.mark.parametrize("key, java, openapi", PARAMETER_KEYWORDS, ids=[f"{k}={j}" for k, j, _ in PARAMETER_KEYWORDS])
def test_parameter_keywords_are_lowercased(key, java, openapi):
    parameter = {"name": "p", "in": "query", "schema": {"type": "string"}, key: java}
    doc = document(paths={"/api/a": {"get": operation(parameters=[parameter])}})

    clean_spec.lowercase_java_enum_keywords(doc)

    assert doc["paths"]["/api/a"]["get"]["parameters"][0][key] == openapi


@pytest.mark.parametrize("java, openapi", SECURITY_SCHEME_TYPES, ids=[java for java, _ in SECURITY_SCHEME_TYPES])
def test_security_scheme_keywords_are_lowercased(java, openapi):
    doc = document()
    doc["components"] = {"securitySchemes": {"key": {"type": java, "name": "Authorization", "in": "HEADER"}}}

    clean_spec.lowercase_java_enum_keywords(doc)

    assert doc["components"]["securitySchemes"]["key"] == {"type": openapi, "name": "Authorization", "in": "header"}


def test_names_and_data_spelled_like_java_keywords_stay():
    properties = {
        "in": {"type": "string", "enum": ["HEADER", "QUERY"], "default": "HEADER"},
        "style": {"type": "string", "enum": ["FORM", "SIMPLE"], "example": "FORM"},
        "type": {"type": "string", "enum": ["APIKEY", "HTTP"]},
        "mode": {"type": "object", "example": {"in": "HEADER", "style": "FORM", "type": "APIKEY"}},
    }
    doc = document(
        paths={
            "/api/a": {
                "get": operation(
                    parameters=[{"name": "FORM", "in": "query", "schema": {"type": "string", "enum": ["FORM"]}}]
                )
            }
        },
        schemas={
            "S": {"type": "object", "properties": copy.deepcopy(properties)},
            "HEADER": {"type": "string", "enum": ["PATH"]},
        },
    )
    expected = copy.deepcopy(doc)

    clean_spec.lowercase_java_enum_keywords(doc)

    assert doc == expected


def test_openapi_spellings_are_left_as_they_are():
    doc = clean_example_document()
    assert clean_spec.lowercase_java_enum_keywords(copy.deepcopy(doc)) == doc


# ---------------------------------------------------------------------------
# add_leading_slash_to_paths
# ---------------------------------------------------------------------------


def test_paths_get_a_leading_slash_in_the_same_order():
    items = {
        name: {"get": operation(operationId=name.replace("/", "_").strip("_"))}
        for name in ("api/b", "/api/a", "api/c/{x}")
    }
    doc = document(paths=copy.deepcopy(items))

    clean_spec.add_leading_slash_to_paths(doc)

    assert list(doc["paths"]) == ["/api/b", "/api/a", "/api/c/{x}"]
    assert list(doc["paths"].values()) == list(items.values())


# ---------------------------------------------------------------------------
# drop_void_answer_bodies
# ---------------------------------------------------------------------------

VOID = "MonoResponseEntityMonoVoid"


def json_answer(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_an_answer_of_java_void_declares_no_body():
    """DQOps 1.13's Mono<Void> operations: 200 MonoResponseEntityMonoVoid, an empty object."""
    responses = {
        "200": json_answer(ref(VOID)),
        "204": {"description": "No Content"},
        "500": json_answer(ref("SpringErrorPayload"), "Internal Server Error"),
    }
    doc = document(
        paths={"/api/x": {"put": operation(responses=copy.deepcopy(responses))}},
        schemas={
            VOID: {"type": "object"},
            "SpringErrorPayload": {"type": "object", "properties": {"error": {"type": "string"}}},
        },
    )

    clean_spec.drop_void_answer_bodies(doc)

    after = doc["paths"]["/api/x"]["put"]["responses"]
    assert after["200"] == {"description": "OK"}
    assert after["204"] == responses["204"] and after["500"] == responses["500"]
    assert VOID in doc["components"]["schemas"]  # kept: only the answers stop referring to it


@pytest.mark.parametrize("name", ["Void", "MonoVoid", "ResponseEntityVoid", "MonoResponseEntityMonoVoid"])
def test_every_springfox_spelling_of_void_counts(name):
    doc = document(
        paths={"/api/x": {"get": operation(responses={"200": json_answer(ref(name))})}},
        schemas={name: {"type": "object"}},
    )
    clean_spec.drop_void_answer_bodies(doc)
    assert "content" not in doc["paths"]["/api/x"]["get"]["responses"]["200"]


@pytest.mark.parametrize(
    "name, schema",
    [
        ("MonoResponseEntityMonoObject", {"type": "object"}),  # Mono<Object> may carry a body
        ("MonoResponseEntityMonoDqoQueueJobId", {"type": "object"}),
        ("AvoidanceSpec", {"type": "object"}),
        (VOID, {"type": "object", "properties": {"id": {"type": "string"}}}),  # not empty: a real answer
        (VOID, {"type": "array", "items": {"type": "string"}}),
    ],
    ids=["mono-object", "mono-job-id", "void-inside-a-word", "void-with-properties", "void-array"],
)
def test_other_answers_keep_their_body(name, schema):
    doc = document(
        paths={"/api/x": {"get": operation(responses={"200": json_answer(ref(name))})}}, schemas={name: schema}
    )
    before = copy.deepcopy(doc)
    clean_spec.drop_void_answer_bodies(doc)
    assert doc == before


def test_a_void_schema_used_inside_another_schema_is_left_alone():
    doc = document(
        paths={"/api/x": {"post": operation(requestBody={"content": {"application/json": {"schema": ref(VOID)}}})}},
        schemas={VOID: {"type": "object"}, "Holder": {"type": "object", "properties": {"v": ref(VOID)}}},
    )
    before = copy.deepcopy(doc)
    clean_spec.drop_void_answer_bodies(doc)
    assert doc == before


# ---------------------------------------------------------------------------
# find_dangling_refs
# ---------------------------------------------------------------------------


def test_dangling_refs_are_found_and_resolved_ones_are_not():
    doc = document(
        paths={
            "/api/a": {
                "get": operation(
                    parameters=[{"name": "p", "in": "query", "schema": {"$ref": "#/components/schemas/Missing"}}],
                    responses={
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Present"}}},
                        }
                    },
                )
            }
        },
        schemas={
            "Present": {
                "type": "object",
                "properties": {
                    "x": {"$ref": "#/definitions/X"},
                    "y": {"type": "array", "items": {"$ref": "#/definitions/X"}},
                    "z": {"$ref": "#/components/schemas/Present"},
                    "a/b": {"type": "string"},
                },
                "example": {"$ref": "#/not/a/ref/but/data"},
            },
            "Pointer": {"$ref": "#/components/schemas/Present/properties/a~1b"},
        },
    )

    assert clean_spec.find_dangling_refs(doc) == ["#/components/schemas/Missing", "#/definitions/X"]


def test_a_document_without_refs_has_no_dangling_refs():
    assert clean_spec.find_dangling_refs(clean_example_document()) == []


# ---------------------------------------------------------------------------
# apply_overlay
# ---------------------------------------------------------------------------


def overlay_document() -> dict[str, Any]:
    return document(
        paths={"/api/a": {"get": operation(summary="old")}},
        schemas={"Stat": {"type": "object", "properties": {"result": {"type": "object", "properties": {}}}}},
    )


def correction(target: str, value: Any, **extra: Any) -> dict[str, Any]:
    return {"target": target, "value": value, "evidence": "documented in the docs", **extra}


def test_overlay_replaces_the_value_at_the_target():
    doc = overlay_document()
    target = "/components/schemas/Stat/properties/result"
    value = {"description": "any JSON scalar"}

    clean_spec.apply_overlay(
        doc, {"corrections": [correction(target, value, expect={"type": "object", "properties": {}})]}
    )

    assert doc["components"]["schemas"]["Stat"]["properties"]["result"] == value


def test_overlay_target_with_an_escaped_slash():
    doc = overlay_document()
    clean_spec.apply_overlay(doc, {"corrections": [correction("/paths/~1api~1a/get/summary", "new", expect="old")]})
    assert doc["paths"]["/api/a"]["get"]["summary"] == "new"


def test_overlay_refuses_a_missing_target():
    doc = overlay_document()
    with pytest.raises(SpecError, match="/components/schemas/Gone/properties/result"):
        clean_spec.apply_overlay(doc, {"corrections": [correction("/components/schemas/Gone/properties/result", {})]})


def test_overlay_refuses_a_missing_leaf_that_it_expects():
    doc = overlay_document()
    target = "/components/schemas/Stat/properties/gone"
    with pytest.raises(SpecError, match=target):
        clean_spec.apply_overlay(doc, {"corrections": [correction(target, {}, expect={"type": "object"})]})


def test_overlay_refuses_when_expect_no_longer_matches():
    doc = overlay_document()
    target = "/components/schemas/Stat/properties/result"
    with pytest.raises(SpecError, match=target):
        clean_spec.apply_overlay(doc, {"corrections": [correction(target, {}, expect={"type": "string"})]})
    assert doc == overlay_document()


@pytest.mark.parametrize("evidence", [None, "", "missing"])
def test_overlay_refuses_a_correction_without_evidence(evidence):
    entry = correction("/paths/~1api~1a/get/summary", "new")
    if evidence == "missing":
        del entry["evidence"]
    else:
        entry["evidence"] = evidence
    doc = overlay_document()
    with pytest.raises(SpecError, match="evidence"):
        clean_spec.apply_overlay(doc, {"corrections": [entry]})
    assert doc == overlay_document()


def test_overlay_refuses_a_rule_clean_spec_does_not_know():
    doc = overlay_document()
    with pytest.raises(SpecError, match="'no_such_rule' is not one of clean_spec's rules"):
        clean_spec.apply_overlay(doc, {"rules": [{"rule": "no_such_rule", "evidence": "reasons"}]})
    assert doc == overlay_document()


@pytest.mark.parametrize("evidence", [None, ""])
def test_overlay_refuses_a_rule_without_evidence(evidence):
    doc = overlay_document()
    with pytest.raises(SpecError, match="require_request_bodies has no evidence"):
        clean_spec.apply_overlay(doc, {"rules": [{"rule": "require_request_bodies", "evidence": evidence}]})
    assert doc == overlay_document()


def test_an_overlay_rule_runs_across_the_document():
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    doc = document(paths={"/api/x": {"put": operation(requestBody=copy.deepcopy(body))}})
    rule = {"rule": "require_request_bodies", "evidence": "DQOps refuses a request without its body"}

    clean_spec.apply_overlay(doc, {"rules": [rule]})

    assert doc["paths"]["/api/x"]["put"]["requestBody"] == {**body, "required": True}


def test_the_reviewed_overlay_documents_every_rule_and_correction():
    overlay = facts.overlay()
    assert [rule["rule"] for rule in overlay["rules"]] == list(clean_spec.OVERLAY_RULES)
    for entry in overlay["rules"]:
        assert entry.get("evidence"), entry
    for entry in overlay["corrections"]:
        assert entry["target"].startswith("/") and entry.get("evidence"), entry


# ---------------------------------------------------------------------------
# validate and clean_document
# ---------------------------------------------------------------------------


def test_validate_accepts_a_valid_document():
    assert clean_spec.validate(clean_example_document()) is None


@pytest.mark.parametrize(
    "broken, location",
    [
        (lambda d: d["info"].pop("version"), "/info"),
        (
            lambda d: d["paths"]["/api/things/{thingName}"]["get"]["parameters"][1].update({"in": "HEADER"}),
            "get/parameters/1",
        ),
        (lambda d: d["components"]["schemas"]["Level"].update({"type": "strin"}), "/components/schemas/Level"),
        (
            lambda d: d["components"]["securitySchemes"]["authorization_bearer_api_key"].update({"type": "APIKEY"}),
            "/components/securitySchemes/authorization_bearer_api_key",
        ),
    ],
    ids=["info-without-version", "uppercase-in", "unknown-type", "uppercase-security-type"],
)
def test_validate_rejects_an_invalid_document_naming_the_location(broken, location):
    doc = clean_example_document()
    broken(doc)
    with pytest.raises(SpecError) as raised:
        clean_spec.validate(doc)
    assert location in str(raised.value)


def test_validate_rejects_dangling_refs_naming_them():
    doc = clean_example_document()
    doc["components"]["schemas"]["Thing"]["properties"]["bad"] = {"$ref": "#/definitions/Thing"}
    with pytest.raises(SpecError, match="#/definitions/Thing"):
        clean_spec.validate(doc)


@pytest.mark.parametrize(
    "not_openapi_3",
    [
        {"swagger": "2.0", "info": {"title": "DQOps", "version": "v1"}, "paths": {}},
        {"openapi": "2.0", "info": {"title": "DQOps", "version": "v1"}, "paths": {}},
        [{"openapi": "3.0.1"}],
        "openapi: 3.0.1",
    ],
    ids=["swagger-2", "openapi-2", "list", "string"],
)
def test_clean_document_refuses_what_is_not_openapi_3(not_openapi_3):
    with pytest.raises(SpecError, match="OpenAPI 3"):
        clean_spec.clean_document(not_openapi_3)


def test_clean_document_turns_a_raw_like_document_into_the_clean_one():
    raw = with_artifacts(clean_example_document())
    raw["paths"] = {path.lstrip("/"): item for path, item in raw["paths"].items()}
    raw["paths"]["api/things/{thingName}"]["get"]["parameters"][1]["style"] = "FORM"
    raw["paths"]["api/things/{thingName}"]["get"]["parameters"][1]["in"] = "QUERY"
    scheme = raw["components"]["securitySchemes"]["authorization_bearer_api_key"]
    scheme.update({"type": "APIKEY", "in": "HEADER"})
    scheme["extensions"] = {"x-note": "lifted"}

    cleaned = clean_spec.clean_document(raw)

    expected = clean_example_document()
    expected["components"]["securitySchemes"]["authorization_bearer_api_key"]["x-note"] = "lifted"
    assert cleaned == expected


# ---------------------------------------------------------------------------
# The pinned upstream spec
# ---------------------------------------------------------------------------


#: What clean_spec is given: upstream's OpenAPI 3 file as published (the 2024-08-02 one, with the
#: Java serializer's artifacts), and the pinned spec as the pipeline hands it over (converted
#: from Swagger 2 by scripts/convert_swagger2.py when it is one).
CLEANING_INPUTS = {
    "2024-08-02": lambda: copy.deepcopy(
        facts._load(facts.SHARED_DIR / "dqops-openapi" / "dqops-api-openapi-3.2024-08-02.json")
    ),
    "pinned": lambda: facts.pinned_openapi3_input(),
}


@pytest.fixture(scope="module", params=list(CLEANING_INPUTS))
def raw(request) -> dict[str, Any]:
    return CLEANING_INPUTS[request.param]()


@pytest.fixture(scope="module")
def cleaned(raw) -> dict[str, Any]:
    return clean_spec.clean_document(copy.deepcopy(raw), facts.overlay(), not_applicable=[])


@pytest.fixture(scope="module")
def published_openapi3() -> dict[str, Any]:
    return CLEANING_INPUTS["2024-08-02"]()


def test_pinned_spec_has_the_documented_counts():
    """../shared/dqops-openapi/README.md states each file's operations and schemas (or definitions)."""
    raw = facts.raw_spec()
    assert (facts.operation_count(raw), len(facts.schema_names(raw))) == facts.documented_counts()
    converted = facts.pinned_openapi3_input()
    assert facts.operation_count(converted) == facts.operation_count(raw)
    assert facts.schema_names(converted) == facts.schema_names(raw)


def test_raw_spec_fails_validation_because_of_definitions_refs(published_openapi3):
    dangling = clean_spec.find_dangling_refs(published_openapi3)
    assert dangling and all(ref.startswith("#/definitions/") for ref in dangling)
    with pytest.raises(SpecError, match="#/definitions/"):
        clean_spec.validate(copy.deepcopy(published_openapi3))


def test_cleaned_spec_passes_validation(cleaned):
    clean_spec.validate(cleaned)
    assert clean_spec.find_dangling_refs(cleaned) == []
    for ref in facts.local_refs(cleaned):
        assert ref.startswith("#/components/"), ref
        clean_spec.resolve_pointer(cleaned, ref[1:])


def test_cleaned_spec_keeps_every_path(raw, cleaned):
    assert len(cleaned["paths"]) == len(raw["paths"])
    assert list(cleaned["paths"]) == ["/" + path.lstrip("/") for path in raw["paths"]]


def test_cleaned_spec_keeps_every_operation(raw, cleaned):
    assert facts.operation_count(cleaned) == facts.operation_count(raw)
    assert facts.operation_keys(cleaned) == facts.operation_keys(raw)
    assert [op.operation_id for op in facts.operations(cleaned)] == [op.operation_id for op in facts.operations(raw)]


def added_schemas(raw) -> set[str]:
    """The schemas the overlay adds: a correction whose target is a schema the raw spec lacks."""
    prefix = "/components/schemas/"
    targets = [correction["target"] for correction in facts.overlay()["corrections"]]
    return {
        target.removeprefix(prefix)
        for target in targets
        if target.startswith(prefix) and "/" not in target.removeprefix(prefix)
    } - set(facts.schema_names(raw))


def test_cleaned_spec_keeps_every_schema_and_property(raw, cleaned):
    added = added_schemas(raw)
    assert [name for name in facts.schema_names(cleaned) if name not in added] == facts.schema_names(raw)
    assert set(facts.schema_names(cleaned)) - set(facts.schema_names(raw)) <= added
    kept = {(schema, prop) for schema, prop in facts.schema_properties(cleaned) if schema not in added}
    assert kept == facts.schema_properties(raw)
    # properties DQOps names like keywords
    for schema, prop in [
        ("ProviderSensorDefinitionSpec", "type"),
        ("DqoSettingsModel", "properties"),
        ("ParameterDefinitionSpec", "required"),
    ]:
        assert (schema, prop) in facts.schema_properties(cleaned)


def test_cleaned_spec_keeps_every_enum_value(raw, cleaned):
    assert facts.enum_schemas(cleaned) == facts.enum_schemas(raw)


def test_cleaned_spec_has_no_artifact_keywords(published_openapi3, cleaned):
    assert facts.keyword_locations(published_openapi3, facts.ARTIFACT_KEYS), "the published file holds artifacts"
    clean_published = clean_spec.clean_document(copy.deepcopy(published_openapi3), facts.overlay(), not_applicable=[])
    assert facts.keyword_locations(clean_published, facts.ARTIFACT_KEYS) == []
    assert facts.keyword_locations(cleaned, facts.ARTIFACT_KEYS) == []


def test_cleaned_spec_uses_openapi_keyword_spellings(cleaned):
    for op in facts.operations(cleaned):
        for parameter in op.parameters:
            assert parameter["in"] in {"path", "query", "header", "cookie"}, (op.id, parameter)
            assert parameter.get("style", "form") in {
                "form",
                "simple",
                "matrix",
                "label",
                "spaceDelimited",
                "pipeDelimited",
                "deepObject",
            }, (op.id, parameter)
    for name, scheme in cleaned["components"]["securitySchemes"].items():
        assert scheme["type"] in {"apiKey", "http", "oauth2", "openIdConnect"}, name
        assert scheme.get("in", "header") in {"query", "header", "cookie"}, name


def test_cleaned_spec_holds_the_overlay_corrections():
    """Every correction applies to the pinned spec (none is skipped as not applicable)."""
    cleaned = clean_spec.clean_document(facts.pinned_openapi3_input(), facts.overlay())
    for entry in facts.overlay()["corrections"]:
        applied = clean_spec.resolve_pointer(cleaned, entry["target"])
        if entry.get("merge"):
            assert clean_spec.holds(applied, entry["value"]), entry["target"]
        else:
            assert applied == entry["value"], entry["target"]


def test_overlay_skips_a_missing_target_when_asked_to_report_it():
    doc = overlay_document()
    skipped: list[str] = []
    target = "/components/schemas/Gone/properties/result"
    clean_spec.apply_overlay(doc, {"corrections": [correction(target, {})]}, not_applicable=skipped)
    assert skipped == [target]
    assert doc == overlay_document()


# ---------------------------------------------------------------------------
# The command line
# ---------------------------------------------------------------------------


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return build_commands.run("clean_spec", *args, timeout=120)


def test_cli_writes_the_cleaned_document(tmp_path):
    raw = with_artifacts(clean_example_document())
    raw["paths"] = {path.lstrip("/"): item for path, item in raw["paths"].items()}
    source, target = tmp_path / "raw.json", tmp_path / "out" / "cleaned.json"
    source.write_text(json.dumps(raw), encoding="utf-8")

    result = run_cli(source, target)

    assert result.returncode == 0, result.stderr
    assert json.loads(target.read_text(encoding="utf-8")) == clean_example_document()
    assert "2 operations" in result.stdout


INVALID_INPUTS = {
    "text": b"this is not JSON {",
    "empty": b"",
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00",
    "truncated-json": b'{"openapi": "3.0.1", "paths": {',
    "swagger-2": json.dumps({"swagger": "2.0", "info": {"title": "DQOps", "version": "v1"}, "paths": {}}).encode(),
    "json-array": b"[1, 2, 3]",
    "openapi-2": json.dumps({"openapi": "2.0", "info": {"title": "DQOps", "version": "v1"}, "paths": {}}).encode(),
}


def assert_one_line_error(result: subprocess.CompletedProcess[str], output: Path) -> None:
    assert result.returncode == 2, f"exit code {result.returncode}, stderr:\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("clean_spec: "), lines[0]
    assert not output.exists()


@pytest.mark.parametrize("content", INVALID_INPUTS.values(), ids=INVALID_INPUTS.keys())
def test_cli_refuses_input_that_is_not_an_openapi_3_json_document(tmp_path, content):
    source, target = tmp_path / "raw.json", tmp_path / "cleaned.json"
    source.write_bytes(content)
    assert_one_line_error(run_cli(source, target), target)


def test_cli_refuses_the_swagger_2_spec_of_dqops(tmp_path):
    swagger = facts.SHARED_DIR / "dqops-openapi" / "dqops-api-swagger-2.1.13.2.json"
    target = tmp_path / "cleaned.json"
    result = run_cli(swagger, target)
    assert_one_line_error(result, target)
    assert "OpenAPI 3" in result.stderr


def test_cli_refuses_a_missing_file(tmp_path):
    target = tmp_path / "cleaned.json"
    result = run_cli(tmp_path / "nowhere.json", target)
    assert_one_line_error(result, target)
    assert "does not exist" in result.stderr


def test_cli_refuses_an_invalid_openapi_document_naming_the_location(tmp_path):
    doc = clean_example_document()
    doc["info"].pop("version")
    source, target = tmp_path / "raw.json", tmp_path / "cleaned.json"
    source.write_text(json.dumps(doc), encoding="utf-8")
    result = run_cli(source, target)
    assert_one_line_error(result, target)
    assert "/info" in result.stderr


@pytest.mark.parametrize("content", [b"not json", b"\xff\xfe\x00binary"], ids=["text", "binary"])
def test_cli_refuses_an_overlay_that_is_not_json(tmp_path, content):
    source, overlay, target = tmp_path / "raw.json", tmp_path / "overlay.json", tmp_path / "cleaned.json"
    source.write_text(json.dumps(clean_example_document()), encoding="utf-8")
    overlay.write_bytes(content)
    assert_one_line_error(run_cli(source, target, "--overlay", overlay), target)


def test_every_json_request_body_becomes_required():
    """DQOps refuses a request without the body of its @RequestBody parameter: each JSON one is required."""
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    text = {"content": {"text/plain": {"schema": {"type": "string"}}}}
    doc = document(
        paths={
            "/api/x": {
                "put": operation(requestBody=copy.deepcopy(body)),
                "post": operation(operationId="postThing", requestBody={**copy.deepcopy(body), "required": False}),
                "get": operation(operationId="getOther"),
                "patch": operation(operationId="setPassword", requestBody=copy.deepcopy(text)),
            }
        }
    )

    clean_spec.require_request_bodies(doc)

    operations = doc["paths"]["/api/x"]
    assert operations["put"]["requestBody"] == {**body, "required": True}
    assert operations["post"]["requestBody"]["required"] is True
    assert "requestBody" not in operations["get"]
    # Upstream's client has no parameter for a text body: code written for it calls without one.
    assert operations["patch"]["requestBody"] == text


def test_a_shared_request_body_is_required_where_it_is_defined():
    """OpenAPI ignores the siblings of a `$ref`: a shared body is marked in components/requestBodies."""
    body = {"content": {"application/json": {"schema": {"type": "object"}}}}
    reference = {"$ref": "#/components/requestBodies/Thing"}
    doc = document(
        paths={"/api/x": {"put": operation(requestBody=copy.deepcopy(reference))}},
        components={"requestBodies": {"Thing": copy.deepcopy(body)}},
    )

    clean_spec.require_request_bodies(doc)

    assert doc["paths"]["/api/x"]["put"]["requestBody"] == reference
    assert doc["components"]["requestBodies"]["Thing"] == {**body, "required": True}


def test_the_cleaned_spec_requires_every_json_request_body():
    cleaned = facts.cleaned_spec()
    bodies = [
        clean_spec.resolve_pointer(cleaned, body["$ref"].removeprefix("#")) if "$ref" in body else body
        for item in cleaned["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict)
        for body in [operation.get("requestBody")]
        if body is not None
    ]
    json_bodies = [body for body in bodies if "application/json" in body["content"]]
    assert json_bodies and all(body.get("required") is True for body in json_bodies)
    assert all("required" not in body for body in bodies if body not in json_bodies)
