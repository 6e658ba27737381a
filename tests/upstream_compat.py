"""Where code written for upstream's published client would break on the installed `dqops.client`.

Upstream's public surface comes from its committed snapshot (openapi/upstream/dqops-1.13.1.surface.json,
made by scripts/upstream_surface.py), so neither this module nor the SDK imports upstream's package.
Each check asks what a user's code does with upstream's client, and whether it still works here:

- operations: every module of dqops.client.api, with sync, sync_detailed, asyncio and
  asyncio_detailed (upstream lacks sync and asyncio where the answer has no body; ours has all
  four); every parameter accepted under its name with the same kind (path parameters positional
  at the same place, the others keyword-only), optional where upstream's is, and no parameter
  required that upstream does not have; the same method and path, and each parameter sent under
  the same JSON name;
- models: every class dqops.client.models exports, the same kind (enum or model); enum members
  by name with the same values; every `__init__` keyword upstream accepts, optional where
  upstream's is and at the same position; every field readable and assignable under upstream's
  name, as the same JSON key; upstream's methods (to_dict, from_dict, additional_keys, item access);
- clients, types and errors: constructor parameters, methods and attributes of Client and
  AuthenticatedClient, and what a client made with a base URL (and token) only sends: timeouts,
  redirects, the Authorization header; the names of dqops.client.types with File's and Response's fields;
  UnexpectedStatus's signature and attributes; dqops.client's exports.

Run as a script, it prints each incompatibility and the counts by kind:

    .venv/bin/python tests/upstream_compat.py [--snapshot PATH] [--json]
"""

from __future__ import annotations

import argparse
import ast
import collections
import enum
import importlib
import inspect
import json
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import attrs

HERE = Path(__file__).resolve().parent
from scripts import upstream_surface

SNAPSHOT = upstream_surface.snapshot_path(upstream_surface.DEFAULT_VERSION)
DIFFERENCES = HERE / "upstream" / "compat-differences.json"
VARIANTS = ("sync", "sync_detailed", "asyncio", "asyncio_detailed")
# The arguments of the clients whose defaults are compared: those upstream's were made with.
BASE_URL = upstream_surface.BASE_URL
TOKEN = upstream_surface.TOKEN
_KIND_NAMES = {
    inspect.Parameter.POSITIONAL_ONLY: "positional-only",
    inspect.Parameter.POSITIONAL_OR_KEYWORD: "positional-or-keyword",
    inspect.Parameter.KEYWORD_ONLY: "keyword-only",
    inspect.Parameter.VAR_POSITIONAL: "var-positional",
    inspect.Parameter.VAR_KEYWORD: "var-keyword",
}


@dataclass(frozen=True, order=True)
class Incompatibility:
    """One thing upstream's client offers that ours does not offer the same way."""

    kind: str  # what breaks: "missing class", "parameter kind", ...
    where: str  # "api connections.get_all_connections.sync", "model TableListModel", "client Client"
    name: str  # the parameter, field, member, class...
    detail: str = ""  # what upstream has and what ours has

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.kind, self.where, self.name)

    def __str__(self) -> str:
        text = f"{self.kind}: {self.where}: {self.name}"
        return f"{text} ({self.detail})" if self.detail else text


def load_snapshot(path: Path = SNAPSHOT) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def load_differences(path: Path = DIFFERENCES) -> list[dict[str, str]]:
    """The listed differences: where upstream is wrong, each with its reason."""
    return json.loads(path.read_text(encoding="utf-8"))["differences"]


# Signatures.


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str
    required: bool


def signature_of(function: Callable[..., Any], skip_self: bool = False) -> list[Parameter]:
    parameters = list(inspect.signature(function).parameters.values())
    if skip_self:
        parameters = parameters[1:]
    return [
        Parameter(
            p.name,
            _KIND_NAMES[p.kind],
            p.default is inspect.Parameter.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD),
        )
        for p in parameters
    ]


def compare_signatures(
    upstream: list[dict[str, Any]],
    ours: list[Parameter],
    where: str,
    same_target: Callable[[str, str], bool] = str.__eq__,
) -> Iterator[Incompatibility]:
    """Would each call that upstream's signature accepts be accepted here, meaning the same?

    `same_target(ours, upstream)` says whether two parameter names fill the same value (a field
    and its alias do). A call passes upstream's positional parameters in order and the others by
    keyword, so: each positional parameter at the same place, each other one under its name and
    kind, optional where upstream's is, and no required parameter upstream lacks.
    """
    by_name = {p.name: p for p in ours}
    var_keyword = any(p.kind == "var-keyword" for p in ours)
    ours_positional = [p for p in ours if p.kind in ("positional-only", "positional-or-keyword")]
    upstream_positional = [p for p in upstream if p["kind"] == "positional-or-keyword"]
    # Upstream's positional parameters that ours takes at the same place: by keyword, ours may
    # take them under a keyword-only second spelling (a model's `filter_`).
    in_place: set[str] = set()
    for index, wanted in enumerate(upstream_positional):
        if index < len(ours_positional) and same_target(ours_positional[index].name, wanted["name"]):
            in_place.add(wanted["name"])
        else:
            # One finding per signature: from here on, positional arguments land elsewhere.
            theirs = ", ".join(p["name"] for p in upstream_positional[index:])
            ours_text = ", ".join(p.name for p in ours_positional[index:]) or "nothing"
            yield Incompatibility(
                "parameter position", where, wanted["name"], f"from #{index + 1}: upstream {theirs}; ours {ours_text}"
            )
            break
    for wanted in upstream:
        mine = by_name.get(wanted["name"])
        if mine is None:
            if not var_keyword:
                yield Incompatibility("missing parameter", where, wanted["name"])
            continue
        second_spelling = wanted["name"] in in_place and mine.kind == "keyword-only"
        if mine.kind != wanted["kind"] and not second_spelling:
            yield Incompatibility(
                "parameter kind", where, wanted["name"], f"upstream: {wanted['kind']}, ours: {mine.kind}"
            )
        if mine.required and not wanted["required"]:
            yield Incompatibility("parameter required", where, wanted["name"], "optional upstream, required here")
    upstream_names = {p["name"] for p in upstream}
    for mine in ours:
        if mine.required and not any(same_target(mine.name, name) for name in upstream_names):
            yield Incompatibility("extra required parameter", where, mine.name, "upstream has no such parameter")


# Operations.


def _normal_path(path: str) -> str:
    return "/" + path.lstrip("/")


def request_shape(module: Any) -> dict[str, Any]:
    """Method, URL template and JSON names of the query parameters of our operation, from its source.

    The URL template names path parameters by their Python names ("{connection_name}"): they are
    mapped to upstream's JSON names by position.
    """
    tree = ast.parse(textwrap.dedent(inspect.getsource(module._get_kwargs)))
    return upstream_surface.request_shape(tree.body[0])


def _path_names(template: str) -> list[str]:
    return [part.split("}", 1)[0] for part in template.split("{")[1:]]


def check_operations(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    for module_name, upstream in sorted(snapshot["api"].items()):
        where = f"api {module_name}"
        try:
            module = importlib.import_module(f"dqops.client.api.{module_name}")
        except ImportError:
            yield Incompatibility("missing operation module", where, module_name)
            continue
        for variant in VARIANTS:
            function = getattr(module, variant, None)
            if function is None:
                yield Incompatibility("missing function", where, variant)
                continue
            if variant in upstream["functions"]:
                ours = signature_of(function)
                yield from compare_signatures(
                    upstream["functions"][variant]["parameters"], ours, f"{where}.{variant}", _same_keyword(ours)
                )
        yield from _compare_request(module, upstream["operation"], where)


def _same_keyword(ours: list[Parameter]) -> Callable[[str, str], bool]:
    """Whether our parameter fills what upstream's does: the same name, or a name and its alias
    (both accepted by our function, as `filter` and `filter_`)."""
    names = {p.name for p in ours}

    def same(mine: str, theirs: str) -> bool:
        return mine == theirs or (theirs in names and (theirs == mine + "_" or mine == theirs + "_"))

    return same


def _compare_request(module: Any, upstream: dict[str, Any], where: str) -> Iterator[Incompatibility]:
    ours = request_shape(module)
    method, path, sent = ours["method"], ours["path"], ours["query_parameters"]
    if method != upstream["method"]:
        yield Incompatibility("operation method", where, "method", f"upstream: {upstream['method']}, ours: {method}")
    upstream_path = _normal_path(upstream["path"])
    ours_template = _normal_path(path)
    # Our template names path parameters by Python name; upstream's by JSON name, in the same places.
    renamed = ours_template
    for python_name, json_name in zip(_path_names(ours_template), _path_names(upstream_path), strict=False):
        renamed = renamed.replace("{" + python_name + "}", "{" + json_name + "}", 1)
    if renamed != upstream_path:
        yield Incompatibility("operation path", where, "path", f"upstream: {upstream_path}, ours: {ours_template}")
    for python_name, json_name in sorted(upstream["query_parameters"].items()):
        mine = sent.get(python_name, sent.get(python_name.removesuffix("_")))
        if mine != json_name:
            yield Incompatibility(
                "query parameter name", where, python_name, f"upstream sends {json_name}, ours {mine}"
            )


# Models and enums.


def check_models(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    models = importlib.import_module("dqops.client.models")
    exported = set(models.__all__)
    for class_name, upstream in sorted(snapshot["models"].items()):
        where = f"model {class_name}"
        cls = getattr(models, class_name, None)
        if cls is None:
            yield Incompatibility("missing class", where, class_name, upstream["kind"])
            continue
        if class_name not in exported:
            yield Incompatibility("class not in __all__", where, class_name)
        is_enum = isinstance(cls, type) and issubclass(cls, enum.Enum)
        if is_enum != (upstream["kind"] == "enum"):
            yield Incompatibility("class kind", where, class_name, f"upstream: {upstream['kind']}")
        elif is_enum:
            yield from _compare_enum(cls, upstream["members"], where)
        else:
            yield from _compare_model(cls, upstream, where)


def _compare_enum(cls: Any, members: dict[str, str], where: str) -> Iterator[Incompatibility]:
    for name, value in sorted(members.items()):
        member = getattr(cls, name, None)
        if not isinstance(member, cls):
            yield Incompatibility("missing enum member", where, name, f"value {value!r}")
        elif member.value != value:
            yield Incompatibility("enum member value", where, name, f"upstream: {value!r}, ours: {member.value!r}")


def _canonical_field(cls: Any) -> Callable[[str], str | None]:
    """The attrs field a name of a model's `__init__` or attributes fills: itself or its alias."""
    fields = attrs.fields_dict(cls)

    def field_of(name: str) -> str | None:
        if name in fields:
            return name
        if name.endswith("_") and name[:-1] in fields:
            return name[:-1]
        if name + "_" in fields:
            return name + "_"
        return None

    return field_of


def _compare_model(cls: Any, upstream: dict[str, Any], where: str) -> Iterator[Incompatibility]:
    field_of = _canonical_field(cls)

    def same_field(mine: str, theirs: str) -> bool:
        return field_of(mine) is not None and field_of(mine) == field_of(theirs)

    for incompatibility in compare_signatures(
        upstream["init"], signature_of(cls.__init__, skip_self=True), where, same_field
    ):
        if incompatibility.kind == "missing parameter":
            incompatibility = Incompatibility(
                "missing init keyword", where, incompatibility.name, incompatibility.detail
            )
        yield incompatibility
    for field in upstream["fields"]:
        yield from _compare_field(cls, field, where)
    for member in upstream["members"]:
        if not hasattr(cls, member):
            yield Incompatibility("missing model member", where, member)


def _compare_field(cls: Any, field: dict[str, Any], where: str) -> Iterator[Incompatibility]:
    """Upstream's attribute reads and assigns the field of the same JSON key here."""
    name, key = field["name"], field["json"]
    document = {} if key is None else {key: None}
    instance = cls.from_dict(document)
    try:
        value = getattr(instance, name)
    except AttributeError:
        yield Incompatibility("missing attribute", where, name, f"JSON key {key!r}")
        return
    if key is not None and value is not None:
        yield Incompatibility("attribute JSON key", where, name, f"does not read JSON key {key!r}")
        return
    try:
        setattr(instance, name, {} if key is None else _unset())
    except AttributeError:
        yield Incompatibility("read-only attribute", where, name)
        return
    if instance.to_dict() != {}:
        yield Incompatibility("attribute JSON key", where, name, f"assigning it leaves {instance.to_dict()}, not {{}}")


def _unset() -> Any:
    return importlib.import_module("dqops.client.types").UNSET


# Clients, types, errors, the package.


def check_clients(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    module = importlib.import_module("dqops.client.client")
    for class_name, upstream in sorted(snapshot["client"].items()):
        where = f"client {class_name}"
        cls = getattr(module, class_name, None)
        if cls is None:
            yield Incompatibility("missing class", where, class_name)
            continue
        yield from compare_signatures(upstream["init"], signature_of(cls.__init__, skip_self=True), where)
        for method in upstream["methods"]:
            if not callable(getattr(cls, method, None)):
                yield Incompatibility("missing client method", where, method)
        instance = cls(BASE_URL, token=TOKEN) if "token" in upstream["attributes"] else cls(BASE_URL)
        for attribute in upstream["attributes"]:
            if not hasattr(instance, attribute):
                yield Incompatibility("missing client attribute", where, attribute)
        ours = upstream_surface.httpx_settings(instance.get_httpx_client())
        for setting, value in sorted(upstream["httpx_defaults"].items()):
            if ours[setting] != value:
                yield Incompatibility("client default", where, setting, f"upstream: {value}, ours: {ours[setting]}")
        instance.close()


def check_types(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    module = importlib.import_module("dqops.client.types")
    upstream = snapshot["types"]
    for name in sorted(set(upstream["all"]) | {"UNSET", "Unset", "File", "Response"}):
        if not hasattr(module, name):
            yield Incompatibility("missing name", "types", name)
    if hasattr(module, "UNSET") and bool(module.UNSET) != upstream["UNSET"]["bool"]:
        yield Incompatibility("UNSET truth", "types", "UNSET", f"upstream: bool(UNSET) is {upstream['UNSET']['bool']}")
    for class_name in ("File", "Response"):
        cls = getattr(module, class_name, None)
        if cls is None:
            continue
        fields = attrs.fields_dict(cls) if attrs.has(cls) else {}
        for field in upstream[class_name]["fields"]:
            if field not in fields:
                yield Incompatibility("missing field", f"types {class_name}", field)
        for method in upstream[class_name].get("methods", []):
            if not hasattr(cls, method):
                yield Incompatibility("missing member", f"types {class_name}", method)


def check_errors(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    module = importlib.import_module("dqops.client.errors")
    upstream = snapshot["errors"]
    for name in upstream["all"]:
        if not hasattr(module, name):
            yield Incompatibility("missing name", "errors", name)
    cls = getattr(module, "UnexpectedStatus", None)
    if cls is None:
        return
    where = "errors UnexpectedStatus"
    yield from compare_signatures(
        upstream["UnexpectedStatus"]["init"], signature_of(cls.__init__, skip_self=True), where
    )
    error = cls(404, b"{}")
    for attribute in upstream["UnexpectedStatus"]["attributes"]:
        if not hasattr(error, attribute):
            yield Incompatibility("missing attribute", where, attribute)
    if not isinstance(error, Exception):
        yield Incompatibility("not an Exception", where, "UnexpectedStatus")


def check_package(snapshot: dict[str, Any]) -> Iterator[Incompatibility]:
    package = importlib.import_module("dqops.client")
    for name in snapshot["package"]["all"]:
        if not hasattr(package, name):
            yield Incompatibility("missing name", "package dqops.client", name)


CHECKS = (check_operations, check_models, check_clients, check_types, check_errors, check_package)


def incompatibilities(snapshot: dict[str, Any] | None = None) -> list[Incompatibility]:
    """Every way code written for upstream's client breaks on the installed dqops.client, sorted."""
    snapshot = snapshot if snapshot is not None else load_snapshot()
    return sorted(found for check in CHECKS for found in check(snapshot))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    parser.add_argument("--json", action="store_true", help="print the list as JSON")
    args = parser.parse_args(argv)
    snapshot = load_snapshot(args.snapshot)
    found = incompatibilities(snapshot)
    listed = {(d["kind"], d["where"], d["name"]) for d in load_differences()}
    if args.json:
        print(json.dumps([{**asdict(i), "listed": i.key in listed} for i in found], indent=1))
        return 0
    for incompatibility in found:
        mark = "  (listed difference)" if incompatibility.key in listed else ""
        print(f"{incompatibility}{mark}")
    by_kind = collections.Counter(i.kind for i in found)
    version = snapshot["upstream"]["version"]
    print(
        f"\n{len(found)} incompatibilities with upstream dqops {version}, {sum(i.key in listed for i in found)} of them listed differences"
    )
    for kind, count in sorted(by_kind.items()):
        print(f"  {count:5d} {kind}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
