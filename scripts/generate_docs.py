"""Write the reference docs of the generated client, the pages `make docs` builds into a site.

The pages come from the same openapi-python-client project as the package (scripts/generate.py,
load_project) and are rendered by templates/docs/ with the package's own macros, so the docs
name every module, class, attribute and enum member as the package does:

- docs/client/index.md: the API groups and their operations;
- docs/client/operations/<group>.md: each operation of a group with its method and URL, its
  parameters, request body and return type, a curl example, four Python examples (sync,
  async, auth sync, auth async) and the answer, as JSON and as the Python value it parses to;
- docs/client/models/<group>.md: every model class with its fields and every enum with its
  members, each on the page of the group that uses it (`common` when several groups do);
- docs/index.md: README.md, the home page of the site.

The examples use sample values (scripts/docs_samples.py) and run in the test suite
(tests/docs/test_reference_docs.py). The return types and enum members are read from the generated
package, which must be the one generated from the same spec (`make generate`).

Usage: python -m scripts.generate_docs [--spec openapi/dqops-api-openapi-3.cleaned.json] [--output docs]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import json
import posixpath
import re
import shlex
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from scripts import generate, naming
from scripts.docs_samples import SampleMaker, property_name, sample_text
from scripts.operations import walk_operations
from scripts.spec_io import SPEC_LOCK, SpecLock, load_json

REPO_ROOT = generate.REPO_ROOT
DEFAULT_OUTPUT = REPO_ROOT / "docs"
README = REPO_ROOT / "README.md"
BASE_URL = "http://localhost:8888/"
SAMPLE_TOKEN = "s4mp13_4u7h_70k3n"
#: The four Python examples of an operation, as upstream's pages name their tabs.
VARIANT_TABS = {
    "sync": "Python sync client",
    "async": "Python async client",
    "auth_sync": "Python auth sync client",
    "auth_async": "Python auth async client",
}
COMMON_GROUP = "common"
#: Links in the spec's descriptions point into DQOps's documentation: absolute (/docs/...) or
#: relative to where upstream's client reference sits in it (docs/client/models/).
DQOPS_DOCS_SITE = "https://dqops.com/"
UPSTREAM_REFERENCE_PAGE = "docs/client/models/"
DQOPS_DOCS_LINK = re.compile(r"\]\((?P<target>/docs/[^)]*|(?:\.\./)+[^)]*)\)")
CLASS_NAME = re.compile(r"\b[A-Z][A-Za-z0-9_]*\b")


class DocsError(Exception):
    """The docs cannot be written; the message says why."""


@dataclass
class Argument:
    """A parameter the examples pass: path parameters, and required query and header parameters."""

    prop: Any
    location: str
    value: Any

    @property
    def text(self) -> str:
        """The value as it travels in a URL or header (enums as their value, booleans in JSON)."""
        return json.dumps(self.value) if isinstance(self.value, bool) else str(self.value)


@dataclass
class OperationDoc:
    endpoint: Any
    group: str
    module: str
    method: str
    path: str  # as the spec writes it: /api/connections/{connectionName}
    operation_id: str
    return_type: str  # the annotation of the generated sync()
    arguments: list[Argument]
    body: Any = None  # openapi-python-client's Body
    body_value: Any = None
    answer: Any = None  # the JSON success Response
    answer_value: Any = None

    @property
    def description(self) -> Any:
        return self.endpoint.description or self.endpoint.summary or self.module

    @property
    def summary(self) -> str:
        """The summary, where DQOps's spec gives one of its own (most repeat the operationId)."""
        summary = plain_text(self.endpoint.summary)
        if summary in ("", self.operation_id) or summary == plain_text(self.endpoint.description):
            return ""
        return summary

    @property
    def url_template(self) -> str:
        return BASE_URL + self.path.lstrip("/")

    @property
    def url(self) -> str:
        """The URL the examples call: path parameters as one segment each, then the query."""
        path = self.path
        for argument in self.arguments:
            if argument.location == "path":
                path = path.replace("{" + argument.prop.name.get_untrusted_value() + "}", quote(argument.text, safe=""))
        query = [(a.prop.name.get_untrusted_value(), a.text) for a in self.arguments if a.location == "query"]
        return BASE_URL + path.lstrip("/") + ("?" + urlencode(query) if query else "")

    @property
    def headers(self) -> list[tuple[str, str]]:
        return [(a.prop.name.get_untrusted_value(), a.text) for a in self.arguments if a.location == "header"]

    @property
    def body_text(self) -> str | None:
        """The request body as sent: the JSON text, or the text itself for a text body."""
        if self.body is None:
            return None
        if self.body.body_type == "content":
            return str(self.body_value)
        return json.dumps(self.body_value, separators=(",", ":"))

    @property
    def answer_text(self) -> str | None:
        return None if self.answer is None else json.dumps(self.answer_value, indent=2)

    @property
    def path_arguments(self) -> list[Argument]:
        return [argument for argument in self.arguments if argument.location == "path"]

    @property
    def keyword_arguments(self) -> list[Argument]:
        return [argument for argument in self.arguments if argument.location != "path"]


@dataclass
class GroupDoc:
    name: str
    description: str
    operations: list[OperationDoc] = field(default_factory=list)
    models: list[Any] = field(default_factory=list)  # ModelProperty and EnumProperty, by class name


@dataclass
class Reference:
    """Everything the templates render: the groups, and on which page each class is."""

    groups: list[GroupDoc]
    common_models: list[Any]
    page_of_class: dict[str, str]
    api_version: str

    @property
    def model_pages(self) -> list[tuple[str, list[Any]]]:
        pages = [(group.name, group.models) for group in self.groups if group.models]
        return [(COMMON_GROUP, self.common_models), *pages] if self.common_models else pages

    @property
    def operation_count(self) -> int:
        return sum(len(group.operations) for group in self.groups)

    @property
    def class_count(self) -> int:
        return len(self.page_of_class)


# ---------------------------------------------------------------------------
# The generated package: return types and enum members, exactly as it has them
# ---------------------------------------------------------------------------


def check_package(pin: SpecLock) -> None:
    try:
        package = importlib.import_module("dqops.client")
    except ImportError as exc:
        raise DocsError(f"cannot import the generated package ({exc}): run `make generate` first") from exc
    if getattr(package, "API_SPEC_SHA256", None) != pin.spec_sha256:
        raise DocsError(
            f"dqops.client was generated from another spec (sha256 {getattr(package, 'API_SPEC_SHA256', '?')[:16]}..., "
            f"the pin is {pin.spec_sha256[:16]}...): run `make generate` first"
        )


def return_type(group: str, module: str) -> str:
    """The return annotation of the generated `sync()`, as written in its module."""
    function = importlib.import_module(f"dqops.client.api.{group}.{module}").sync
    annotation = inspect.signature(function).return_annotation
    return annotation if isinstance(annotation, str) else inspect.formatannotation(annotation)


def enum_member(class_name: str, value: Any) -> str:
    """The name of the member of a generated enum that has `value` (its first spelling)."""
    enum_class = getattr(importlib.import_module("dqops.client.models"), class_name)
    return str(enum_class(value).name)


# ---------------------------------------------------------------------------
# Building the reference from the project
# ---------------------------------------------------------------------------


def raw_operations(document: Mapping[str, Any]) -> dict[str, tuple[str, str, str]]:
    """Operation module name -> (method, path as the spec writes it, operationId)."""
    return {
        naming.function_name(site.operation["operationId"]): (
            site.method.upper(),
            site.path,
            site.operation["operationId"],
        )
        for site in walk_operations(dict(document))
        if "operationId" in site.operation
    }


def tag_descriptions(document: Mapping[str, Any]) -> dict[str, str]:
    return {naming.module_name(tag["name"]): tag.get("description", "") for tag in document.get("tags", [])}


def json_answer(endpoint: Any) -> Any:
    """The success response that carries a JSON body, if the operation has one."""
    for response in endpoint.responses.patterns:
        low, high = response.status_code.range
        if 200 <= low and high < 300 and response.source["attribute"] == "response.json()":
            return response
    return None


def build_operation(
    endpoint: Any, group: str, module: str, raw: tuple[str, str, str], samples: SampleMaker
) -> OperationDoc:
    arguments = [Argument(prop, "path", samples.value(prop)) for prop in endpoint.path_parameters]
    for location, parameters in (("query", endpoint.query_parameters), ("header", endpoint.header_parameters)):
        arguments += [Argument(prop, location, samples.value(prop)) for prop in parameters if prop.required]
    # `raw` is the method, the path and the operationId, in OperationDoc's order.
    operation = OperationDoc(endpoint, group, module, *raw, return_type(group, module), arguments)
    if endpoint.bodies:
        [operation.body] = endpoint.bodies
        if operation.body.body_type == "content":
            operation.body_value = sample_text(property_name(operation.body.prop))
        else:
            operation.body_value = samples.value(operation.body.prop, "body")
    operation.answer = json_answer(endpoint)
    if operation.answer is not None:
        operation.answer_value = samples.value(operation.answer.prop, "answer")
    return operation


def referenced_classes(prop: Any, models: Mapping[str, Any]) -> Iterable[str]:
    """The generated classes a property's values are made of, directly."""
    template = getattr(prop, "template", None)
    if template in ("model_property.py.jinja", "enum_property.py.jinja"):
        yield prop.class_info.name
    elif template == "list_property.py.jinja":
        yield from referenced_classes(prop.inner_property, models)
    elif template == "union_property.py.jinja":
        for inner in prop.inner_properties:
            yield from referenced_classes(inner, models)


def class_fields(model: Any) -> list[Any]:
    """The properties of a model, and the values of a map, that hold other classes."""
    fields = list((model.required_properties or []) + (model.optional_properties or []))
    if getattr(model, "additional_properties", None) is not None and not isinstance(model.additional_properties, bool):
        fields.append(model.additional_properties)
    return fields


def reachable_classes(roots: Iterable[str], models: Mapping[str, Any]) -> set[str]:
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in models:
            for prop in class_fields(models[name]):
                stack.extend(referenced_classes(prop, models))
    return seen


def operation_roots(endpoint: Any, models: Mapping[str, Any]) -> set[str]:
    props = [*endpoint.path_parameters, *endpoint.query_parameters, *endpoint.header_parameters]
    props += [body.prop for body in endpoint.bodies]
    props += [response.prop for response in endpoint.responses.patterns]
    return {name for prop in props for name in referenced_classes(prop, models)}


def build_reference(project: Any, document: Mapping[str, Any], pin: SpecLock) -> Reference:
    models = {model.class_info.name: model for model in project.openapi.models}
    classes = {**{enum.class_info.name: enum for enum in project.openapi.enums}, **models}
    samples = SampleMaker(models)
    raw = raw_operations(document)
    descriptions = tag_descriptions(document)
    groups: list[GroupDoc] = []
    used_by: dict[str, set[str]] = {name: set() for name in classes}
    for tag, collection in sorted(project.openapi.endpoint_collections_by_tag.items()):
        group = GroupDoc(name=str(tag), description=descriptions.get(str(tag), ""))
        roots: set[str] = set()
        for endpoint in sorted(collection.endpoints, key=lambda e: str(e.name)):
            module = str(project.env.globals["python_identifier"](endpoint.name))
            group.operations.append(build_operation(endpoint, group.name, module, raw[module], samples))
            roots |= operation_roots(endpoint, models)
        for name in reachable_classes(roots, models):
            used_by[name].add(group.name)
        groups.append(group)
    by_group = {group.name: group for group in groups}
    common_models = []
    page_of_class = {}
    for name in sorted(classes):
        users = used_by[name]
        if len(users) == 1:
            [page] = users
            by_group[page].models.append(classes[name])
        else:
            page = COMMON_GROUP
            common_models.append(classes[name])
        page_of_class[name] = page
    if COMMON_GROUP in by_group:
        raise DocsError(f"an API group is named {COMMON_GROUP!r}, the page of the models several groups share")
    return Reference(groups, common_models, page_of_class, pin.dqops_version)


# ---------------------------------------------------------------------------
# Filters and globals of the templates
# ---------------------------------------------------------------------------


def plain_text(value: Any) -> str:
    return value.get_untrusted_value() if hasattr(value, "get_untrusted_value") else str(value or "")


def markdown_text(value: Any) -> str:
    """Text from the spec for a markdown page, on one line: `<name>` is text, not HTML, and
    links into DQOps's documentation point at its site."""
    text = " ".join(plain_text(value).split())
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    return DQOPS_DOCS_LINK.sub(lambda match: f"]({dqops_docs_url(match.group('target'))})", text)


def dqops_docs_url(target: str) -> str:
    """Where a link of the spec's descriptions points on DQOps's documentation site."""
    path, hash_sign, anchor = target.partition("#")
    if not path.startswith("/"):
        path = posixpath.normpath(UPSTREAM_REFERENCE_PAGE + path)
        path = "/" + (path.removesuffix(".md") + "/" if path.endswith(".md") else path)
    return DQOPS_DOCS_SITE.rstrip("/") + path + hash_sign + anchor


def table_cell(value: Any) -> str:
    return markdown_text(value).replace("|", "\\|")


def make_type_links(page_of_class: Mapping[str, str]) -> Any:
    def type_links(type_text: Any, from_models_page: bool = False) -> str:
        """A Python type for a table cell, each generated class linked to where it is described."""
        text = plain_text(type_text).replace("[", "\\[").replace("]", "\\]").replace("|", "\\|")

        def link(match: re.Match[str]) -> str:
            name = match.group(0)
            if name not in page_of_class:
                return name
            prefix = "./" if from_models_page else "../models/"
            return f"[{name}]({prefix}{page_of_class[name]}.md#{name.lower()})"

        return CLASS_NAME.sub(link, text)

    return type_links


def shell_word(text: str) -> str:
    """`text` as one shell word: bare when safe, in double quotes when nothing in it expands
    there (as curl's headers are usually written), else in single quotes."""
    if re.fullmatch(r"[\w@%+=:,./-]+", text):
        return text
    if not re.search(r'["$`\\!]', text):
        return f'"{text}"'
    return shlex.quote(text)


def python_literal(value: Any) -> str:
    return repr(value)


def python_date(value: str) -> str:
    """The `datetime.date` / `datetime.datetime` expression of a sample's ISO 8601 text, as a
    model's date field holds it."""
    parse = datetime.datetime.fromisoformat if "T" in value else datetime.date.fromisoformat
    return repr(parse(value))


def model_fields(prop: Any, value: Mapping[str, Any], models: Mapping[str, Any]) -> list[tuple[Any, Any]]:
    """The fields a JSON sample of a model sets, as (property, value), in the class's order."""
    model = models.get(prop.class_info.name, prop)
    fields = (model.required_properties or []) + (model.optional_properties or [])
    return [(f, value[f.name.get_untrusted_value()]) for f in fields if f.name.get_untrusted_value() in value]


def render_pages(project: Any, reference: Reference) -> dict[str, str]:
    """Relative path under docs/ -> page text."""
    env = project.env
    models = env.globals["models_by_class_name"]
    env.globals.update(
        reference=reference,
        base_url=BASE_URL,
        sample_token=SAMPLE_TOKEN,
        variant_tabs=VARIANT_TABS,
        enum_member=enum_member,
        model_fields=lambda prop, value: model_fields(prop, value, models),
    )
    env.filters.update(
        markdown_text=markdown_text,
        table_cell=table_cell,
        type_links=make_type_links(reference.page_of_class),
        python_literal=python_literal,
        python_date=python_date,
        shell_word=shell_word,
    )
    pages = {"client/index.md": env.get_template("docs/index.md.jinja").render()}
    operations_template = env.get_template("docs/operations.md.jinja")
    for group in reference.groups:
        pages[f"client/operations/{group.name}.md"] = operations_template.render(group=group)
    models_template = env.get_template("docs/models.md.jinja")
    for page, classes in reference.model_pages:
        group = next((g for g in reference.groups if g.name == page), None)
        pages[f"client/models/{page}.md"] = models_template.render(page=page, group=group, classes=classes)
    return pages


#: A markdown link to a file of the repository, relative to its root: `[CHANGELOG.md](CHANGELOG.md)`.
REPOSITORY_LINK = re.compile(r"\[(?P<text>[^\]]+)\]\((?!https?:|#|mailto:)(?P<target>[^)]+)\)")


def home_page(readme: str) -> str:
    """README.md as the site's home page ("Home" in the navigation). Its links into docs/ are
    relative to docs/ there; a link to another file of the repository, which the site does not
    hold, becomes its text."""

    def relink(match: re.Match[str]) -> str:
        target = match.group("target")
        if target.startswith("docs/"):
            return f"[{match.group('text')}]({target.removeprefix('docs/')})"
        return match.group("text")

    return "---\ntitle: Home\n---\n" + REPOSITORY_LINK.sub(relink, readme)


def write_pages(output: Path, pages: Mapping[str, str]) -> None:
    client = output / "client"
    for stale in sorted(client.rglob("*.md")) if client.exists() else []:
        if str(stale.relative_to(output)) not in pages:
            stale.unlink()
    for relative, text in pages.items():
        path = output / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


def generate_docs(spec: Path, output: Path, pin: SpecLock) -> Reference:
    """Write the pages for the cleaned spec `spec` into `output`; the reference they describe."""
    from openapi_python_client import GeneratorError

    check_package(pin)
    document = generate.generator_document(load_json(spec))
    with tempfile.TemporaryDirectory(prefix="dqops-docs-") as scratch:
        generator_spec = Path(scratch) / "generator.json"
        generator_spec.write_text(json.dumps(document), encoding="utf-8")
        project = generate.load_project(generator_spec, Path(scratch) / "unused", pin)
    if isinstance(project, GeneratorError):
        raise DocsError(f"openapi-python-client cannot parse {spec}: {project.header}: {project.detail}")
    reference = build_reference(project, document, pin)
    pages = render_pages(project, reference)
    pages["index.md"] = home_page(README.read_text(encoding="utf-8"))
    write_pages(output, pages)
    return reference


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=generate.DEFAULT_SPEC)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--lock", type=Path, default=SPEC_LOCK)
    args = parser.parse_args(argv)
    if not args.spec.exists():
        print(f"generate_docs: {args.spec} does not exist; run `make generate` first", file=sys.stderr)
        return 2
    try:
        reference = generate_docs(args.spec, args.output, generate.load_pin(args.lock))
    except (DocsError, generate.GenerationError) as exc:
        print(f"generate_docs: {exc}", file=sys.stderr)
        return 1
    print(
        f"generate_docs: {args.output / 'client'}: {reference.operation_count} operations in "
        f"{len(reference.groups)} groups, {reference.class_count} classes on {len(reference.model_pages)} model pages"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
