"""Collect the enum names DQOps's own references use, with their values and places.

The Swagger 2 spec inlines every enum, so a converted spec names none of them. Upstream's
client reference (`docs/client/models/*.md` of dqops/dqo, the pages in ../shared/dqops-docs*)
lists every enum under its name, with its values, and names it in the type column of each
model property and operation parameter that uses it. Upstream's published client, whose
public surface openapi/upstream/ snapshots, names them too. This script turns those references
into a names lock (the format of scripts/stable_names.py), which stable_names.py applies to
the inline enums it finds at the same places.

Places are written as stable_names.py writes them (`CheckSearchFilters.check_target`,
`GET api/connections/{connectionName}/... query:load_mode`, `Model.property[]` for array
items, `Model.property{}` for map values); stable_names.py compares them with the property
or parameter name's case and underscores ignored, since the references spell properties
as Python names and the spec as JSON names.

When references disagree about a place, the first one given wins (list the newest first);
the disagreement is reported.

Usage:
  python -m scripts.reference_names --docs DOCS_DIR [--docs OLDER_DOCS_DIR ...] \
      [--upstream-surface SURFACE.json] --out openapi/reference-names.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts import stable_names
from scripts.upstream_docs import markdown_tables, method_and_url, page_sections

LOCK_FORMAT = stable_names.LOCK_FORMAT

_URL_RE = re.compile(r"^https?://[^/\s]+/(?P<path>\S+)$")
_PROPERTY_RE = re.compile(r"`(?P<name>[A-Za-z_][A-Za-z0-9_]*)`")
# The type column: `*[Name](link)*`, `*List[[Name](link)]*`, `*Dict[string, [Name](link)]*`.
_TYPE_LINK_RE = re.compile(r"\[(?P<name>[A-Za-z_][A-Za-z0-9_]*)\]\(")


class ReferenceError_(Exception):
    """A reference page or snapshot cannot be read; the message says which and why."""


@dataclass
class EnumReference:
    """An enum as one reference names it: its values and the places that use it."""

    values: list[Any]
    locations: set[str] = field(default_factory=set)
    source: str = ""


def _plain(cell: str) -> str:
    return cell.replace("&nbsp;", " ").strip().lower()


def _type_suffix(type_cell: str) -> str:
    """`[]` for a list type, `{}` for a map type, "" otherwise."""
    text = type_cell.strip("* ")
    if text.startswith("List["):
        return "[]"
    if text.startswith("Dict["):
        return "{}"
    return ""


def _enum_values(rows: list[list[str]]) -> list[str]:
    values: list[str] = []
    for row in rows:
        if len(row) >= 2:
            values.extend(value.strip() for value in row[1].split("<br/>") if value.strip())
    return values


def read_docs(docs_dir: Path) -> dict[str, EnumReference]:
    """The enums of one reference (`models/*.md` and `operations/*.md` under `docs_dir`)."""
    models_dir, operations_dir = docs_dir / "models", docs_dir / "operations"
    if not models_dir.is_dir():
        raise ReferenceError_(f"{docs_dir} has no models/ folder: not a DQOps client reference")
    enums: dict[str, EnumReference] = {}
    property_types: list[tuple[str, str, str]] = []  # (location, type name, suffix)
    for page in sorted(models_dir.glob("*.md")):
        for name, lines in page_sections(page):
            for header, rows in markdown_tables(lines):
                columns = [_plain(cell) for cell in header]
                if "enum values" in columns:
                    enums.setdefault(name, EnumReference(_enum_values(rows), source=str(docs_dir)))
                elif columns[:1] == ["property name"] and len(columns) >= 3:
                    for row in rows:
                        prop = _PROPERTY_RE.search(row[0])
                        if prop:
                            for link in _TYPE_LINK_RE.finditer(row[2]):
                                property_types.append((f"{name}.{prop.group('name')}", link.group("name"), row[2]))
    for page in sorted(operations_dir.glob("*.md")) if operations_dir.is_dir() else []:
        for _, lines in page_sections(page):
            block = method_and_url(lines)
            url = _URL_RE.match(block[1]) if block else None
            if block is None or url is None:
                continue
            method, path = block[0], url.group("path")
            path_parameters = {_normalized(name) for name in re.findall(r"\{([^}]+)\}", path)}
            for header, rows in markdown_tables(lines):
                columns = [_plain(cell) for cell in header]
                if columns[:1] != ["property name"] or "required" not in columns:
                    continue
                for row in rows:
                    prop = _PROPERTY_RE.search(row[0])
                    if not prop:
                        continue
                    where = "path" if _normalized(prop.group("name")) in path_parameters else "query"
                    for link in _TYPE_LINK_RE.finditer(row[2]):
                        property_types.append(
                            (f"{method} {path} {where}:{prop.group('name')}", link.group("name"), row[2])
                        )
    for location, type_name, type_cell in property_types:
        if type_name in enums:
            enums[type_name].locations.add(location + _type_suffix(type_cell))
    return enums


def _annotation_suffix(annotation: str, enum_name: str) -> str:
    """`[]` when the annotation holds the enum in a list, `{}` in a dict, "" when it holds it alone."""
    at = annotation.find(enum_name)
    before = annotation[:at] if at >= 0 else annotation
    if before.rstrip("'\" ").endswith("List["):
        return "[]"
    if before.rstrip("'\" ").endswith(",") and "Dict[" in before:
        return "{}"
    return ""


def read_upstream_surface(surface_path: Path) -> dict[str, EnumReference]:
    """The enums of upstream's published client, from its snapshot (openapi/upstream/*.surface.json,
    written by scripts/upstream_surface.py): their members and where the client uses them."""
    try:
        surface = json.loads(surface_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReferenceError_(f"cannot read {surface_path}: {exc}") from exc
    models = surface.get("models", {})
    annotations = {
        (name, field["json"]): field.get("annotation", "")
        for name, model in models.items()
        for field in model.get("fields", [])
    }
    operations = {
        (entry["operation"]["method"], entry["operation"]["path"]): entry
        for entry in surface.get("api", {}).values()
        if entry.get("operation")
    }
    enums: dict[str, EnumReference] = {}
    for name, model in sorted(models.items()):
        if model.get("kind") != "enum":
            continue
        reference = enums[name] = EnumReference(list(model["members"].values()), source=str(surface_path))
        usage = surface.get("enum_usage", {}).get(name, {})
        for place in usage.get("models", []):
            suffix = _annotation_suffix(annotations.get((place["class"], place["json"]), ""), name)
            reference.locations.add(f"{place['class']}.{place['json']}{suffix}")
        for place in usage.get("operations", []):
            entry = operations.get((place["method"], place["path"]), {})
            where = (
                "path"
                if place["parameter"] in entry.get("operation", {}).get("path_parameters", {}).values()
                else "query"
            )
            python_name = next(
                (
                    python
                    for python, json_name in entry.get("operation", {}).get(f"{where}_parameters", {}).items()
                    if json_name == place["parameter"]
                ),
                None,
            )
            annotation = next(
                (
                    parameter.get("annotation", "")
                    for parameter in entry.get("functions", {}).get("sync_detailed", {}).get("parameters", [])
                    if parameter["name"] == python_name
                ),
                "",
            )
            suffix = _annotation_suffix(annotation, name)
            reference.locations.add(f"{place['method']} {place['path']} {where}:{place['parameter']}{suffix}")
    return enums


def _normalized(name: str) -> str:
    return name.replace("_", "").lower()


def merge(references: list[dict[str, EnumReference]]) -> tuple[dict[str, EnumReference], list[str]]:
    """One table of names from several references, the first winning; and the disagreements."""
    merged: dict[str, EnumReference] = {}
    owner_of_place: dict[str, str] = {}
    disagreements: list[str] = []
    for reference in references:
        for name, entry in sorted(reference.items()):
            # Values differ between references of different DQOps versions; the first one's are kept.
            target = merged.setdefault(name, EnumReference(list(entry.values), source=entry.source))
            for place in sorted(entry.locations):
                owner = owner_of_place.get(place)
                if owner is None:
                    owner_of_place[place] = name
                    target.locations.add(place)
                elif owner != name:
                    disagreements.append(f"{place}: {name} in {entry.source}, {owner} kept")
    return merged, disagreements


def reference_lock(enums: dict[str, EnumReference]) -> dict[str, Any]:
    """The names lock (scripts/stable_names.py's format) of the reference enums."""
    return {
        "format": LOCK_FORMAT,
        "enums": {
            name: {"type": "string", "values": entry.values, "locations": sorted(entry.locations)}
            for name, entry in sorted(enums.items())
        },
        "models": [],
        "aliases": {},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=Path, action="append", default=[], help="a client reference folder")
    parser.add_argument("--upstream-surface", type=Path, help="upstream's client snapshot (first in precedence)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        references = [read_upstream_surface(args.upstream_surface)] if args.upstream_surface else []
        references += [read_docs(docs_dir) for docs_dir in args.docs]
    except ReferenceError_ as exc:
        print(f"reference_names: {exc}", file=sys.stderr)
        return 2
    if not references:
        parser.error("give at least one --docs or --upstream-surface")
    enums, disagreements = merge(references)
    args.out.write_text(json.dumps(reference_lock(enums), indent=2) + "\n", encoding="utf-8")
    used = sum(1 for entry in enums.values() if entry.locations)
    print(f"reference_names: {len(enums)} enums ({used} with places) from {len(references)} references -> {args.out}")
    for line in disagreements:
        print(f"  disagreement: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
