"""Clean the upstream DQOps OpenAPI 3 document into a valid one the generator and strict tools accept.

Upstream produces its OpenAPI 3 file by serializing a Java object model, which leaves
artifacts in it (see ../shared/dqops-openapi/README.md). Each transformation below removes
one kind of artifact, works on the parsed document (never on text) and is tested on its own
in tests/pipeline/test_clean_spec.py. After the transformations, the reviewed corrections in
openapi/overlay.json are applied and the result is validated.

Usage: python -m scripts.clean_spec RAW.json CLEANED.json [--overlay openapi/overlay.json]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeGuard

from scripts.operations import SCHEMA_REF_PREFIX, JsonObject, walk_operations
from scripts.spec_io import JsonFileError, load_json, write_json

# Keys the Java serializer adds to every object it writes; none of them is OpenAPI.
SERIALIZATION_ARTIFACT_KEYS = frozenset({"exampleSetFlag", "types", "originalRef", "jsonSchema"})
# Java's "extensions" map holds what OpenAPI spells as "x-..." keys on the object itself.
JAVA_EXTENSIONS_KEY = "extensions"

# Keys whose value maps *names* (of paths, schemas, properties, status codes, media types...)
# to OpenAPI objects: the names are user data and must never be taken for keywords.
NAMED_MAP_KEYS = frozenset(
    {
        "paths",
        "schemas",
        "properties",
        "patternProperties",
        "responses",
        "content",
        "securitySchemes",
        "headers",
        "encoding",
        "callbacks",
        "links",
        "variables",
        "requestBodies",
        "parameters",
        # a discriminator's mapping: value names -> schema references
        "mapping",
    }
)
# Keys whose value is data (examples, defaults, enum members): left exactly as written.
DATA_KEYS = frozenset({"example", "examples", "default", "enum", "const", "x-examples"})

# Java enum constants written instead of the OpenAPI keyword values.
JAVA_ENUM_KEYWORDS: dict[str, dict[str, str]] = {
    "style": {
        "FORM": "form",
        "SIMPLE": "simple",
        "MATRIX": "matrix",
        "LABEL": "label",
        "SPACEDELIMITED": "spaceDelimited",
        "PIPEDELIMITED": "pipeDelimited",
        "DEEPOBJECT": "deepObject",
    },
    "in": {"HEADER": "header", "QUERY": "query", "PATH": "path", "COOKIE": "cookie"},
    "type": {"APIKEY": "apiKey", "HTTP": "http", "OAUTH2": "oauth2", "OPENIDCONNECT": "openIdConnect"},
}

# springfox names a Java type by its generic parts: `Mono<ResponseEntity<Mono<Void>>>` is
# `MonoResponseEntityMonoVoid`. Void is Java's "no value": such an answer has no body.
VOID_SCHEMA_NAME = re.compile(r"(?:Mono|Flux|ResponseEntity|Optional|CompletableFuture|DeferredResult)*Void")


class SpecError(Exception):
    """The document cannot be turned into a valid OpenAPI 3 document."""


def iter_objects(node: Any) -> Iterator[JsonObject]:
    """Yield every OpenAPI object (dict) in the document, skipping data values.

    The dicts that map names to objects (schemas, properties, paths...) are not yielded
    themselves, only their values, so a property named "types" is never mistaken for an artifact.
    """
    stack: list[tuple[Any, bool]] = [(node, False)]
    while stack:
        current, is_named_map = stack.pop()
        if isinstance(current, list):
            stack.extend((item, False) for item in current)
        elif isinstance(current, dict):
            if not is_named_map:
                yield current
            for key, value in current.items():
                if is_named_map:
                    stack.append((value, False))
                elif key not in DATA_KEYS:
                    stack.append((value, key in NAMED_MAP_KEYS and isinstance(value, dict)))


def remove_serialization_artifacts(document: JsonObject) -> JsonObject:
    """Drop exampleSetFlag, types, originalRef and jsonSchema, and lift "extensions" to x- keys.

    jsonSchema repeats the schema in JSON Schema form with $refs to #/definitions/..., a
    Swagger 2 location that does not exist in an OpenAPI 3 document.
    """
    for obj in iter_objects(document):
        for key in SERIALIZATION_ARTIFACT_KEYS & obj.keys():
            del obj[key]
        extensions = obj.pop(JAVA_EXTENSIONS_KEY, None)
        if isinstance(extensions, dict):
            for name, value in extensions.items():
                if not name.startswith("x-"):
                    raise SpecError(f"extension {name!r} does not start with 'x-'")
                obj.setdefault(name, value)
    return document


def lowercase_java_enum_keywords(document: JsonObject) -> JsonObject:
    """Rewrite `"style": "FORM"`, `"in": "HEADER"`, `"type": "APIKEY"` as OpenAPI spells them."""
    for obj in iter_objects(document):
        for key, spelled in JAVA_ENUM_KEYWORDS.items():
            value = obj.get(key)
            if isinstance(value, str) and value in spelled:
                obj[key] = spelled[value]
    return document


def add_leading_slash_to_paths(document: JsonObject) -> JsonObject:
    """OpenAPI requires every path to start with "/"; upstream writes `api/connections`."""
    paths = document.get("paths", {})
    document["paths"] = {(path if path.startswith("/") else "/" + path): item for path, item in paths.items()}
    return document


def is_void_schema(name: str, schema: Any) -> bool:
    """A schema springfox wrote for Java's Void: a Void name, an object with nothing in it."""
    return (
        VOID_SCHEMA_NAME.fullmatch(name) is not None
        and isinstance(schema, dict)
        and schema.get("type", "object") == "object"
        and not schema.get("properties")
        and schema.get("additionalProperties") in (None, False, {})
        and not any(key in schema for key in ("allOf", "anyOf", "oneOf", "items", "enum"))
    )


def drop_void_answer_bodies(document: JsonObject) -> JsonObject:
    """A response whose only schema is Java's Void declares no body: DQOps's `Mono<Void>` operations
    answer none, while upstream's 1.13 spec gives them `MonoResponseEntityMonoVoid`, an empty object.

    The schema itself stays among the components: only the answers stop referring to it.
    """
    schemas = document.get("components", {}).get("schemas", {})
    void_refs = {SCHEMA_REF_PREFIX + name for name, schema in schemas.items() if is_void_schema(name, schema)}
    if not void_refs:
        return document
    for site in walk_operations(document):
        for response in site.operation.get("responses", {}).values():
            content = response.get("content") if isinstance(response, dict) else None
            if content and all(
                isinstance(media, dict) and (media.get("schema") or {}).get("$ref") in void_refs
                for media in content.values()
            ):
                del response["content"]
    return document


def require_request_bodies(document: JsonObject) -> JsonObject:
    """Mark every JSON request body required, as DQOps reads it (the overlay's rule of that name
    gives the evidence, and why the two text/plain password bodies stay optional).

    A body given as a `#/components/requestBodies/...` reference (swagger2openapi writes those
    for bodies that several operations share) is required where it is defined: OpenAPI ignores
    the siblings of a `$ref`.
    """
    for item in document.get("paths", {}).values():
        for operation in item.values() if isinstance(item, dict) else ():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if _is_json_body(body):
                body["required"] = True
    for body in document.get("components", {}).get("requestBodies", {}).values():
        if _is_json_body(body):
            body["required"] = True
    return document


def _is_json_body(body: object) -> TypeGuard[JsonObject]:
    """A request body defined here (not a `$ref`) that DQOps reads as JSON."""
    return isinstance(body, dict) and "$ref" not in body and "application/json" in body.get("content", {})


TRANSFORMATIONS: tuple[Callable[[JsonObject], JsonObject], ...] = (
    remove_serialization_artifacts,
    lowercase_java_enum_keywords,
    add_leading_slash_to_paths,
    drop_void_answer_bodies,
)

# The corrections across the whole document that openapi/overlay.json may name in its `rules`,
# each with its evidence there.
OVERLAY_RULES: dict[str, Callable[[JsonObject], JsonObject]] = {
    "require_request_bodies": require_request_bodies,
}


def resolve_pointer(document: Any, pointer: str) -> Any:
    """Resolve a JSON pointer such as `/components/schemas/TableSpec`; KeyError if it leads nowhere."""
    if pointer in ("", "/"):
        return document
    node = document
    for raw_token in pointer.lstrip("/").split("/"):
        token = raw_token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(token)]
        elif isinstance(node, dict) and token in node:
            node = node[token]
        else:
            raise KeyError(pointer)
    return node


def find_dangling_refs(document: JsonObject) -> list[str]:
    """Every local $ref that does not resolve inside the document (sorted, unique)."""
    dangling: set[str] = set()
    for obj in iter_objects(document):
        ref = obj.get("$ref")
        if not isinstance(ref, str):
            continue
        if not ref.startswith("#"):
            dangling.add(ref)
            continue
        try:
            resolve_pointer(document, ref[1:])
        except (KeyError, IndexError, ValueError):
            dangling.add(ref)
    return sorted(dangling)


def same_schema(actual: Any, expected: Any) -> bool:
    """Equal, up to empty `properties` / `required` (written by one converter, left out by another)."""

    def canonical(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: canonical(value)
                for key, value in node.items()
                if not (key in ("properties", "required") and not value)
            }
        if isinstance(node, list):
            return [canonical(item) for item in node]
        return node

    return bool(canonical(actual) == canonical(expected))


def holds(actual: Any, expected: Any) -> bool:
    """`actual` has every key of `expected`, recursively, with equal values: descriptions and
    patterns may differ between specs without the correction's premise changing."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(
            key in actual and holds(actual[key], value) for key, value in expected.items()
        )
    return same_schema(actual, expected)


def apply_overlay(document: JsonObject, overlay: JsonObject, *, not_applicable: list[str] | None = None) -> JsonObject:
    """Apply the reviewed rules (each one of OVERLAY_RULES, across the document), then the
    corrections: each replaces (or, with `merge`, updates) the value at a JSON pointer.

    A rule clean_spec does not know, or a rule or correction without evidence, fails. So does a
    correction whose target no longer exists, or whose `expect` keys no longer match: a newer
    spec may have fixed the defect, and the overlay must then be reviewed.
    """
    for rule in overlay.get("rules", []):
        name = rule.get("rule")
        if name not in OVERLAY_RULES:
            raise SpecError(f"overlay rule {name!r} is not one of clean_spec's rules ({', '.join(OVERLAY_RULES)})")
        if not rule.get("evidence"):
            raise SpecError(f"overlay rule {name} has no evidence")
        document = OVERLAY_RULES[name](document)
    for correction in overlay.get("corrections", []):
        pointer: str = correction["target"]
        if not correction.get("evidence"):
            raise SpecError(f"overlay correction for {pointer} has no evidence")
        parent_pointer, _, leaf = pointer.rpartition("/")
        try:
            parent = resolve_pointer(document, parent_pointer)
            leaf = leaf.replace("~1", "/").replace("~0", "~")
            if correction.get("merge") and leaf not in parent:
                raise KeyError(pointer)
        except (KeyError, IndexError, ValueError) as exc:
            # Another DQOps version may not have the corrected object at all: with a list to
            # report to, that correction does not apply; without one it is an error.
            if not_applicable is None:
                raise SpecError(f"overlay target {pointer} does not exist in this spec") from exc
            not_applicable.append(pointer)
            continue
        if correction.get("merge") and holds(parent.get(leaf), correction["value"]):
            continue  # applied already (a cleaned document cleaned again)
        if not correction.get("merge") and leaf in parent and same_schema(parent[leaf], correction["value"]):
            continue
        if "expect" in correction and not holds(parent.get(leaf), correction["expect"]):
            raise SpecError(f"overlay target {pointer} no longer holds the value the correction expects")
        if correction.get("merge"):
            parent[leaf] = {**parent[leaf], **correction["value"]}
        else:
            parent[leaf] = correction["value"]
    return document


def validate(document: JsonObject) -> None:
    """Fail with SpecError on a dangling $ref or on anything openapi-spec-validator rejects."""
    dangling = find_dangling_refs(document)
    if dangling:
        raise SpecError(f"{len(dangling)} dangling $ref(s), first: {', '.join(dangling[:5])}")
    from openapi_spec_validator import validate as validate_openapi
    from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

    try:
        validate_openapi(document)
    except OpenAPIValidationError as exc:
        location = "/".join(str(part) for part in exc.absolute_path) if hasattr(exc, "absolute_path") else ""
        raise SpecError(f"invalid OpenAPI document at /{location}: {exc.message}") from exc


def operation_count(document: JsonObject) -> int:
    return sum(1 for _ in walk_operations(document))


def clean_document(
    document: JsonObject, overlay: JsonObject | None = None, *, not_applicable: list[str] | None = None
) -> JsonObject:
    """The cleaned, validated document. Overlay corrections whose target this spec lacks are
    listed in `not_applicable` when given (another DQOps version), else they are errors."""
    if not isinstance(document, dict) or not str(document.get("openapi", "")).startswith("3."):
        raise SpecError("not an OpenAPI 3 document (no 'openapi: 3.x' key)")
    for transformation in TRANSFORMATIONS:
        document = transformation(document)
    if overlay:
        document = apply_overlay(document, overlay, not_applicable=not_applicable)
    validate(document)
    return document


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path)
    parser.add_argument("cleaned", type=Path)
    parser.add_argument("--overlay", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        overlay = load_json(args.overlay) if args.overlay else None
        not_applicable: list[str] = []
        cleaned = clean_document(load_json(args.raw), overlay, not_applicable=not_applicable)
    except (SpecError, JsonFileError) as exc:
        print(f"clean_spec: {args.raw}: {exc}", file=sys.stderr)
        return 2
    for pointer in not_applicable:
        print(
            f"clean_spec: overlay correction for {pointer} does not apply: this spec has no such object",
            file=sys.stderr,
        )
    write_json(cleaned, args.cleaned)
    schemas = len(cleaned.get("components", {}).get("schemas", {}))
    print(
        f"clean_spec: {args.cleaned}: valid OpenAPI {cleaned['openapi']}, {operation_count(cleaned)} operations, {schemas} schemas"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
