"""Extract the Python examples of the DQOps client documentation.

The upstream DQOps docs (``operations/<module>.md`` and the seed page
``seed-rest-api-and-python-client.md``) hold, for every REST API operation, the
HTTP method and URL, a ``curl`` example with its request body and the JSON
that the server answers, and four Python examples (sync, async, auth sync,
auth async).  This module turns those pages into plain data so that the test
suite can run every example verbatim against a mock server.

It is a plain module (no pytest dependency) so that it can also be used from
scripts::

    python tests/docs_examples.py 1.11.0            # counts of a corpus (see CORPORA)
    python tests/docs_examples.py 1.11.0 defects    # its upstream defects, detected

The pages themselves are read by scripts/upstream_docs.py, whose docstring shows their layout.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import naming, upstream_docs
from scripts.operations import walk_operations

# The pages' parser (scripts/upstream_docs.py), re-exported: the tests name these through this module.
from scripts.upstream_docs import (
    BASE_URL,
    HTTP_METHODS,
    TAB_TO_VARIANT,
    VARIANTS,
    DocsFormatError,
    Operation,
    PythonExample,
    parse_curl,
    parse_operation_page,
    parse_seed_page,
    unescape_cmd_quoted,
)

__all__ = [
    "AUTH_TOKEN",
    "BASE_URL",
    "DEFAULT_DOCS_DIR",
    "DEFAULT_SPEC_PATH",
    "DEFECT_CATEGORIES",
    "TAB_TO_VARIANT",
    "VARIANTS",
    "DocsCorpus",
    "DocsFormatError",
    "Operation",
    "PythonExample",
    "SpecOperation",
    "compile_example",
    "detect_upstream_defects",
    "load_all",
    "load_spec_operations",
    "parse_curl",
    "parse_operation_page",
    "parse_operations_dir",
    "parse_seed_page",
    "unescape_cmd_quoted",
]



def _shared_dir() -> Path:
    """The read-only reference data: ``../shared`` beside the checkout (as in CI), else /work/shared."""
    beside = Path(__file__).resolve().parents[2] / "shared"
    return beside if beside.is_dir() else Path("/work/shared")


SEED_PAGE_NAME = "seed-rest-api-and-python-client.md"
DEFECTS_DIR = Path(__file__).resolve().parent / "docs_defects"


@dataclass(frozen=True)
class CorpusSource:
    """One upstream client reference, the spec it was generated from, and its reviewed defects.

    The seed page (which fixes the SDK's user-facing API) belongs to every corpus: its examples
    are checked against the operation pages of the corpus they run with.
    """

    label: str
    docs_dir: Path
    spec_path: Path
    seed_page: Path

    @property
    def defects_file(self) -> Path:
        return DEFECTS_DIR / f"{self.label}.json"


def _corpus(label: str, docs: str, spec: str) -> CorpusSource:
    shared = _shared_dir()
    return CorpusSource(label, shared / docs, shared / "dqops-openapi" / spec,
                        shared / "dqops-docs" / SEED_PAGE_NAME)


#: The upstream references, newest first. Each is run against a client generated from a spec
#: at least as new as its own: the newest against the default client, the 2024-08-02 one
#: against a client generated from that spec (tests/test_docs_older_api.py).
CORPORA: dict[str, CorpusSource] = {
    source.label: source
    for source in (
        _corpus("1.11.0", "dqops-docs-1.11.0", "dqops-api-swagger-2.1.11.0.json"),
        _corpus("2024-08-02", "dqops-docs", "dqops-api-openapi-3.2024-08-02.json"),
    )
}
NEWEST_CORPUS = next(iter(CORPORA))
#: The corpus the tests run against the installed client; DQOPS_DOCS_CORPUS names another.
ACTIVE_CORPUS = CORPORA[os.environ.get("DQOPS_DOCS_CORPUS") or NEWEST_CORPUS]
DEFAULT_DOCS_DIR = ACTIVE_CORPUS.docs_dir
DEFAULT_SPEC_PATH = ACTIVE_CORPUS.spec_path

AUTH_TOKEN = "s4mp13_4u7h_70k3n"



def operation_pages(docs_dir: Path = DEFAULT_DOCS_DIR) -> list[Path]:
    """The module pages: ``operations/*.md`` except the index."""
    return upstream_docs.operation_pages(docs_dir)


def parse_operations_dir(docs_dir: Path = DEFAULT_DOCS_DIR) -> list[Operation]:
    return upstream_docs.parse_operations_dir(docs_dir)


# ---------------------------------------------------------------------------
# The OpenAPI spec
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpecOperation:
    module: str  # from the tag
    name: str  # snake_case operationId
    operation_id: str
    method: str  # upper case
    path: str  # relative, no leading slash (as in the spec)
    responses: dict[str, dict[str, Any]]  # status -> {media type -> schema}
    request_media_types: tuple[str, ...]
    request_schema: Any = None  # the schema of the request body (of its first media type)

    @property
    def key(self) -> tuple[str, str]:
        return (self.module, self.name)

    @property
    def route(self) -> tuple[str, str]:
        """(method, path without the leading slash): how a page's **METHOD** and URL name it."""
        return (self.method, self.path.lstrip("/"))

    @property
    def success_status(self) -> int | None:
        """The documented 2xx status code (``None`` when the spec lists none)."""
        codes = sorted(int(c) for c in self.responses if c.isdigit() and 200 <= int(c) < 300)
        return codes[0] if codes else None

    @property
    def success_media_types(self) -> tuple[str, ...]:
        status = self.success_status
        if status is None:
            return ()
        return tuple(self.responses[str(status)])

    @property
    def returns_json(self) -> bool:
        return "application/json" in self.success_media_types


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: (value.replace("#/definitions/", "#/components/schemas/")
                      if key == "$ref" and isinstance(value, str) else _rewrite_refs(value))
                for key, value in node.items()}
    if isinstance(node, list):
        return [_rewrite_refs(value) for value in node]
    return node


def openapi3_view(spec: dict[str, Any]) -> dict[str, Any]:
    """What this module reads of a spec, in OpenAPI 3 form, whichever form the spec has.

    A Swagger 2 spec (the form of DQOps 1.11.0 and later) is read directly: its definitions
    become components, body parameters a requestBody, `produces` the responses' media types.
    Only the parts the docs tests use are carried over; this is not a conversion.
    """
    if not str(spec.get("swagger", "")).startswith("2."):
        return spec
    consumes_default = spec.get("consumes") or ["application/json"]
    produces_default = spec.get("produces") or ["application/json"]
    paths: dict[str, Any] = {}
    for path, item in spec["paths"].items():
        new_item = paths.setdefault(path.lstrip("/"), {})  # as the OpenAPI 3 files write paths
        for method, op in item.items():
            if method.upper() not in HTTP_METHODS:
                new_item[method] = op
                continue
            produces = op.get("produces") or produces_default
            new_op = {key: value for key, value in op.items() if key not in ("parameters", "responses")}
            new_op["parameters"] = [p for p in op.get("parameters", []) if p.get("in") != "body"]
            body = [p for p in op.get("parameters", []) if p.get("in") == "body"]
            if body:
                new_op["requestBody"] = {"content": {mt: {"schema": body[0].get("schema")}
                                                     for mt in op.get("consumes") or consumes_default}}
            new_op["responses"] = {
                code: ({"content": {mt: {"schema": response["schema"]} for mt in produces}}
                       if isinstance(response, dict) and "schema" in response else {})
                for code, response in op.get("responses", {}).items()
            }
            new_item[method] = new_op
    return _rewrite_refs({"openapi": "3.0.0 (view of Swagger 2)", "paths": paths,
                          "components": {"schemas": spec.get("definitions", {})}})


def load_spec(spec_path: Path = DEFAULT_SPEC_PATH) -> dict[str, Any]:
    """The spec at `spec_path`, in OpenAPI 3 form (see openapi3_view)."""
    return openapi3_view(json.loads(Path(spec_path).read_text(encoding="utf-8")))


def load_spec_operations(spec_path: Path = DEFAULT_SPEC_PATH) -> list[SpecOperation]:
    spec = load_spec(spec_path)
    ops = []
    for site in walk_operations(spec):
        path, method, op = site.path, site.method, site.operation
        tags = op.get("tags") or []
        if len(tags) != 1:
            raise DocsFormatError(f"{method} {path}: tags {tags}")
        responses = {
            code: {mt: (c or {}).get("schema") for mt, c in (_resolve(spec, r).get("content") or {}).items()}
            for code, r in op.get("responses", {}).items()
        }
        body = _resolve(spec, op.get("requestBody") or {})
        body_content = body.get("content") or {}
        ops.append(SpecOperation(
            module=naming.module_name(tags[0]), name=naming.function_name(op["operationId"]),
            operation_id=op["operationId"], method=method.upper(), path=path,
            responses=responses,
            request_media_types=tuple(body_content),
            request_schema=next(iter(body_content.values()), {}).get("schema"),
        ))
    return ops


def _resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A request body or response, or the one its ``$ref`` names (``#/components/...``)."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


# ---------------------------------------------------------------------------
# Everything together
# ---------------------------------------------------------------------------


@dataclass
class DocsCorpus:
    operations: list[Operation]
    seed_examples: list[PythonExample]
    spec_operations: list[SpecOperation]

    def __post_init__(self) -> None:
        self.by_key: dict[tuple[str, str], Operation] = {}
        for op in self.operations:
            if op.key in self.by_key:
                raise DocsFormatError(f"duplicate operation {op.id}")
            self.by_key[op.key] = op
        self.spec_by_key: dict[tuple[str, str], SpecOperation] = {}
        for sop in self.spec_operations:
            if sop.key in self.spec_by_key:
                raise DocsFormatError(f"duplicate spec operation {sop.key}")
            self.spec_by_key[sop.key] = sop

    @property
    def operation_examples(self) -> list[PythonExample]:
        return [op.examples[v] for op in self.operations for v in VARIANTS]

    @property
    def all_examples(self) -> list[PythonExample]:
        return self.operation_examples + list(self.seed_examples)

    def operation_of(self, example: PythonExample) -> Operation:
        """The documented operation an example calls (seed examples map by module/name)."""
        return self.by_key[example.key]

    def spec_of(self, example_or_op: Any) -> SpecOperation:
        return self.spec_by_key[example_or_op.key]

    @property
    def stale_operations(self) -> list[Operation]:
        """Documented operations that the docs' own spec does not have (pages left from an older API)."""
        return [op for op in self.operations if op.key not in self.spec_by_key]


def load_all(docs_dir: Path = DEFAULT_DOCS_DIR, spec_path: Path = DEFAULT_SPEC_PATH,
             seed_page: Path | None = None) -> DocsCorpus:
    docs_dir = Path(docs_dir)
    seed_page = Path(seed_page) if seed_page is not None else ACTIVE_CORPUS.seed_page
    return DocsCorpus(
        operations=parse_operations_dir(docs_dir),
        seed_examples=parse_seed_page(seed_page, seed_page.parent),
        spec_operations=load_spec_operations(spec_path),
    )


def load_corpus(source: CorpusSource = ACTIVE_CORPUS) -> DocsCorpus:
    return load_all(source.docs_dir, source.spec_path, source.seed_page)


# ---------------------------------------------------------------------------
# Upstream defects: examples that cannot run whatever the SDK does
# ---------------------------------------------------------------------------

#: Category -> (exception the example raises, what is wrong upstream)
DEFECT_CATEGORIES: dict[str, tuple[str, str]] = {
    "invalid-python": (
        "SyntaxError",
        "the example is not valid Python: it does not compile"),
    "missing-import": (
        "NameError",
        "the example uses a name (a model or enum class) that it never imports"),
    "missing-required-argument": (
        "TypeError",
        "the example leaves out an argument that the spec marks as required"),
    "unknown-model-class": (
        "ImportError",
        ("the example imports a model class that the spec cannot yield (no such schema, "
         "and not the map of a schema either)")),
    "stale-page": (
        "ModuleNotFoundError",
        ("the page documents an operation that the docs' own spec no longer has: a page left "
         "over from an older API, whose module the client cannot have")),
    "undefined-name": (
        "NameError",
        ("the example uses a name that is neither Python nor a class of the spec (a Java type "
         "name written where a Python value belongs)")),
}


def compile_example(example: PythonExample, filename: str | None = None):
    """Compile an example verbatim; top-level ``await`` is allowed for async variants."""
    import ast

    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if example.is_async else 0
    return compile(example.code, filename or f"<docs {example.id}>", "exec",
                   flags=flags, dont_inherit=True)


def _parse_example_ast(example: PythonExample):
    import ast

    flags = ast.PyCF_ONLY_AST | (ast.PyCF_ALLOW_TOP_LEVEL_AWAIT if example.is_async else 0)
    return compile(example.code, f"<docs {example.id}>", "exec", flags=flags, dont_inherit=True)


def spec_model_class_names(spec: dict[str, Any]) -> set:
    """Model class names that the spec can yield.

    Every component schema, plus ``<Schema>Map`` for the inline dictionaries
    (``type: object`` with ``additionalProperties: {$ref: <Schema>}``) that the
    upstream client names that way (e.g. ``TableSpec.columns`` -> ``ColumnSpecMap``).
    """
    names = set(spec["components"]["schemas"])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and "$ref" in extra and not extra["$ref"].startswith("#/definitions/"):
                names.add(extra["$ref"].rsplit("/", 1)[-1] + "Map")
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec["components"])
    walk(spec["paths"])
    return names


def spec_required_arguments(spec: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    """(module, operation) -> snake_case names of the required non-path parameters."""
    out: dict[tuple[str, str], list[str]] = {}
    for site in walk_operations(spec):
        op = site.operation
        key = naming.operation_names(op, site.method, site.path)
        out[key] = [naming.snake_case(p["name"]) for p in op.get("parameters", [])
                    if p.get("in") != "path" and p.get("required")]
    return out


def _regex_literal(text: str) -> str:
    """Escape the regex metacharacters of ``text`` (readable, unlike ``re.escape``)."""
    return re.sub(r"([.^$*+?{}\[\]\\|()])", r"\\\1", text)


NAMES_LOCK_PATH = Path(__file__).resolve().parents[1] / "openapi" / "names.lock.json"


def enum_class_names(docs_dir: Path) -> set[str]:
    """The enum classes a Swagger 2 spec can yield, though it names none of its inline enums.

    Those the reference's models pages document, and those the SDK's names lock gives
    (openapi/names.lock.json: the names of upstream's client, which the pages do not all list).
    """
    from scripts import reference_names

    locked = json.loads(NAMES_LOCK_PATH.read_text(encoding="utf-8"))["enums"]
    return set(reference_names.read_docs(Path(docs_dir))) | set(locked)


def detect_upstream_defects(corpus: DocsCorpus, spec_path: Path = DEFAULT_SPEC_PATH,
                            docs_dir: Path = DEFAULT_DOCS_DIR) -> list[dict[str, str]]:
    """Find the examples that are wrong upstream, by static analysis only.

    Returns entries ``{id, category, exception, match, reason}`` (the format of
    ``tests/docs_defects/<corpus>.json``), sorted by id.  ``match`` is a regular
    expression that the exception message must match.
    """
    import ast
    import builtins

    spec = load_spec(spec_path)
    model_names = spec_model_class_names(spec) | enum_class_names(docs_dir)
    spec_modules = {key[0] for key in corpus.spec_by_key}
    required = spec_required_arguments(spec)
    found: list[dict[str, str]] = []

    def add(example: PythonExample, category: str, match: str, reason: str) -> None:
        found.append({"id": example.id, "category": category,
                      "exception": DEFECT_CATEGORIES[category][0], "match": match,
                      "reason": reason})

    for example in corpus.all_examples:
        lines = example.code.splitlines()
        try:
            tree = _parse_example_ast(example)
        except SyntaxError as err:
            text = lines[err.lineno - 1].strip() if err.lineno else ""
            add(example, "invalid-python", _regex_literal(err.msg),
                f"SyntaxError at line {err.lineno}: {err.msg}: {text}")
            continue

        # 1. operations the docs' spec does not have: their module import fails first
        if example.key not in corpus.spec_by_key:
            module = f"dqops.client.api.{example.module}"
            if example.module in spec_modules:  # pragma: no cover - no such page in the references
                raise DocsFormatError(f"{example.id}: the spec has module {example.module} but not the operation")
            add(example, "stale-page", _regex_literal(f"No module named '{module}'"),
                f"{example.source} documents {example.module}.{example.operation}, which the spec of "
                f"these docs does not have: {module} cannot be imported")
            continue

        # 2. imports of model classes that the spec cannot yield (fail first: imports come first)
        unknown = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "dqops.client.models":
                unknown += [a.name for a in node.names if a.name not in model_names]
        if unknown:
            add(example, "unknown-model-class", f"cannot import name '{unknown[0]}'",
                f"imports {', '.join(unknown)} from dqops.client.models; the spec has no such "
                "schema (SensorDefinitionSpec.fields is a plain array of ParameterDefinitionSpec)"
                if unknown == ["ParameterDefinitionsListSpec"] else
                f"imports {', '.join(unknown)} from dqops.client.models; the spec has no such schema")
            continue

        # 3. names that are used but never bound
        bound = set(dir(builtins))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                bound.update((a.asname or a.name).split(".")[0] for a in node.names)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                bound.add(node.id)
        unbound = []
        for node in ast.walk(tree):
            if (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
                    and node.id not in bound and node.id not in unbound):
                unbound.append(node.id)
        if unbound:
            first = min((n for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in unbound),
                        key=lambda n: (n.lineno, n.col_offset))
            where = f"(first at line {first.lineno}: {lines[first.lineno - 1].strip()})"
            if first.id in model_names:
                add(example, "missing-import", f"name '{first.id}' is not defined",
                    f"uses {', '.join(unbound)} {where} without importing it from dqops.client.models")
            else:
                add(example, "undefined-name", f"name '{first.id}' is not defined",
                    f"uses {first.id} {where}, which is neither Python nor a class of the spec")
            continue

        # 4. required (non-path) arguments left out of the operation call
        calls = [n for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
                 and isinstance(n.func.value, ast.Name) and n.func.value.id == example.operation]
        for call in calls:
            given = {k.arg for k in call.keywords}
            missing = [name for name in required.get(example.key, []) if name not in given]
            if missing:
                add(example, "missing-required-argument",
                    rf"missing {len(missing)} required (keyword-only |positional )?arguments?: "
                    + " and ".join(f"'{m}'" for m in missing),
                    f"calls {example.operation}.{call.func.attr}() at line {call.lineno} without "
                    f"the required argument {', '.join(missing)} (a required query parameter "
                    "in the spec)")
    return sorted(found, key=lambda d: d["id"])


def _main(argv: list[str]) -> int:  # pragma: no cover - a debugging aid
    """``python tests/docs_examples.py [CORPUS] [defects]`` (CORPUS: a label of CORPORA)."""
    source = CORPORA[argv[1]] if len(argv) > 1 else ACTIVE_CORPUS
    corpus = load_corpus(source)
    if len(argv) > 2 and argv[2] == "defects":
        print(json.dumps(detect_upstream_defects(corpus, source.spec_path, source.docs_dir), indent=2))
        return 0
    print(f"{source.label}: {len(corpus.operations)} operations ({len(corpus.stale_operations)} stale), "
          f"{len(corpus.operation_examples)} operation examples, {len(corpus.seed_examples)} seed examples, "
          f"{len(corpus.spec_operations)} spec operations")
    return 0


if __name__ == "__main__":  # pragma: no cover
    import sys

    raise SystemExit(_main(sys.argv))
