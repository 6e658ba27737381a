"""Keep the SDK's enum and model names stable when DQOps's spec changes.

Upstream names its enums (`RuleSeverityLevel`, `CheckTimeScale`, ...) only in its OpenAPI 3
file; the Swagger 2 file, the only form of the newest specs, inlines every enum. Converted
naively, each inline enum becomes a class named after the property that holds it
(`CheckModelDefaultSeverity`), and user code that imports `RuleSeverityLevel` breaks.

`stabilize_names(new_doc, previous)` gives the new document the previous names back:

* **Enums.** Every inline enum of the new document whose values are exactly those of a named
  enum of the previous spec becomes a `$ref` to a component of that name. When several
  previous enums have the same values (`CheckTarget`, `CheckTargetModel` and
  `StatisticsCollectorTarget` are all [table, column]), each occurrence takes the name the
  previous spec used *at the same place* (same schema property, same operation parameter);
  at a new place, the candidate used under the same property name, then with the same parent,
  then the most used one, then the first in alphabetical order. An inline enum whose values
  changed keeps its name if the previous spec used that name at one of its places and at
  least half of the previous values are still there (`ProviderType` gains `clickhouse`...).
  Enums with values the previous spec never named stay inline, as the generator names them.
* **Models.** Components keep their names anyway. A previous model that is gone while a new
  one has exactly its structure (properties, their types and requiredness; references
  compared through the renames found so far) was renamed upstream: the new component lists
  the old name in `x-dqops-aliases`, which the package exports as an alias of the new class.

`previous` is either a (cleaned) OpenAPI 3 document or a names lock written by `--write-lock`
(`names_lock(doc)`: the named enums with their values and places, and the aliases),
so a fresh clone can keep the names without the previous spec at hand.

* **Reference names.** `reference` (optional) is a names lock of the names DQOps's own
  references give (scripts/reference_names.py: upstream's client and its docs). An inline enum
  at a place a reference names takes that name, before any previous name: the SDK names enums
  as upstream's client does. Places are compared with the property or parameter name's case
  and underscores ignored (the references spell Python names, the spec JSON names). Where the
  previous spec named that place otherwise, and its name is used nowhere else, the previous
  name stays importable as an alias of the reference name.

Usage:
  python -m scripts.stable_names NEW.json --previous PREVIOUS.json|names.lock.json \
      [--reference openapi/reference-names.json] \
      [--out OUT.json] [--write-lock names.lock.json] [--report-json REPORT.json]
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts.operations import ALIASES_EXTENSION, SCHEMA_REF_PREFIX, JsonObject, item_operations, walk_paths
from scripts.spec_io import JsonFileError, load_json, write_json

LOCK_FORMAT = "dqops-stable-names/1"
# A changed enum keeps its name only if at least this share of its previous values remain.
MIN_KEPT_VALUE_SHARE = 0.5


class StableNamesError(Exception):
    """The previous spec or names lock cannot be used."""


# ---------------------------------------------------------------------------------------
# Schema slots: every place in a document that holds a schema, with a readable location
# ---------------------------------------------------------------------------------------


@dataclass
class Slot:
    """`container[key]` holds a schema; `location` says where, independent of list order.

    Locations: `CheckModel.default_severity` (property), `X.p[]` (array items), `X.p{}` (map
    values), `GET api/jobs/{jobId} query:wait` (parameter), `PUT api/x body`, `GET api/x 200`.
    """

    container: Any
    key: Any
    location: str
    is_component: bool = False  # a components/schemas entry itself

    @property
    def schema(self) -> Any:
        return self.container[self.key]


def _schema_children(schema: JsonObject, location: str) -> Iterator[Slot]:
    for name, prop in (schema.get("properties") or {}).items():
        if isinstance(prop, dict):
            yield Slot(schema["properties"], name, f"{location}.{name}")
    if isinstance(schema.get("items"), dict):
        yield Slot(schema, "items", f"{location}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield Slot(schema, "additionalProperties", f"{location}{{}}")
    for combinator in ("allOf", "anyOf", "oneOf"):
        members = schema.get(combinator)
        if isinstance(members, list):
            for index, member in enumerate(members):
                if isinstance(member, dict):
                    suffix = "" if combinator == "allOf" else f"|{combinator}{index}"
                    yield Slot(members, index, f"{location}{suffix}")


def _walk_schema(slot: Slot) -> Iterator[Slot]:
    stack = [slot]
    while stack:
        current = stack.pop()
        yield current
        schema = current.schema
        if isinstance(schema, dict) and "$ref" not in schema:
            stack.extend(reversed(list(_schema_children(schema, current.location))))


def _media_schema_slots(holder: Any, location: str) -> Iterator[Slot]:
    if not isinstance(holder, dict):
        return
    for media_type, media in sorted((holder.get("content") or {}).items()):
        if isinstance(media, dict) and isinstance(media.get("schema"), dict):
            suffix = "" if media_type == "application/json" else f" {media_type}"
            yield Slot(media, "schema", location + suffix)


def _parameter_slots(parameters: Any, prefix: str) -> Iterator[Slot]:
    for parameter in parameters or []:
        if isinstance(parameter, dict) and "$ref" not in parameter and isinstance(parameter.get("schema"), dict):
            yield Slot(parameter, "schema", f"{prefix} {parameter.get('in')}:{parameter.get('name')}")


def schema_root_slots(document: JsonObject) -> Iterator[Slot]:
    """The top-level schema slots: components, parameters, bodies and responses."""
    components = document.get("components") or {}
    schemas = components.get("schemas") or {}
    for name in sorted(schemas):
        yield Slot(schemas, name, name, is_component=True)
    for name, parameter in sorted((components.get("parameters") or {}).items()):
        yield from _parameter_slots([parameter], f"parameters/{name}")
    for name, body in sorted((components.get("requestBodies") or {}).items()):
        yield from _media_schema_slots(body, f"requestBodies/{name}")
    for name, response in sorted((components.get("responses") or {}).items()):
        yield from _media_schema_slots(response, f"responses/{name}")
    for raw_path, item in walk_paths(document, sort=True):
        path = raw_path.lstrip("/")
        yield from _parameter_slots(item.get("parameters"), f"* {path}")
        for method, operation in item_operations(item):
            prefix = f"{method.upper()} {path}"
            yield from _parameter_slots(operation.get("parameters"), prefix)
            yield from _media_schema_slots(operation.get("requestBody"), f"{prefix} body")
            for status, response in sorted((operation.get("responses") or {}).items()):
                yield from _media_schema_slots(response, f"{prefix} {status}")


def schema_slots(document: JsonObject) -> Iterator[Slot]:
    """Every schema slot of the document, nested ones included, in a deterministic order."""
    for root in schema_root_slots(document):
        yield from _walk_schema(root)


def ref_name(schema: Any) -> str | None:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if isinstance(ref, str) and ref.startswith(SCHEMA_REF_PREFIX):
        return ref[len(SCHEMA_REF_PREFIX) :]
    return None


def is_enum_schema(schema: Any) -> bool:
    return isinstance(schema, dict) and isinstance(schema.get("enum"), list) and "$ref" not in schema


EnumKey = tuple[str, frozenset[str]]


def enum_key(schema: JsonObject) -> EnumKey:
    """Type and value set of an enum schema (values compared as JSON text, order ignored)."""
    return (str(schema.get("type", "string")), frozenset(json.dumps(value) for value in schema["enum"]))


# ---------------------------------------------------------------------------------------
# The names lock: what a previous spec named, and where
# ---------------------------------------------------------------------------------------


def names_lock(document: JsonObject) -> JsonObject:
    """The named enums of `document` (type, values, the places that use them) and its model aliases."""
    schemas: JsonObject = (document.get("components") or {}).get("schemas") or {}
    enums = {name: schema for name, schema in schemas.items() if is_enum_schema(schema)}
    places: dict[str, set[str]] = defaultdict(set)
    for slot in schema_slots(document):
        name = ref_name(slot.schema)
        if name in enums:
            places[name].add(slot.location)
    return {
        "format": LOCK_FORMAT,
        "enums": {
            name: {
                "type": enums[name].get("type", "string"),
                "values": enums[name]["enum"],
                "locations": sorted(places[name]),
            }
            for name in sorted(enums)
        },
        "models": sorted(name for name, schema in schemas.items() if not is_enum_schema(schema)),
        "aliases": {
            name: sorted(schema[ALIASES_EXTENSION])
            for name, schema in sorted(schemas.items())
            if isinstance(schema, dict) and schema.get(ALIASES_EXTENSION)
        },
    }


def load_previous(previous: JsonObject) -> tuple[JsonObject, JsonObject | None]:
    """(names lock, previous document or None) from either a document or a lock."""
    if not isinstance(previous, dict):
        raise StableNamesError("the previous spec must be a JSON object")
    if previous.get("format") == LOCK_FORMAT:
        return previous, None
    if str(previous.get("openapi", "")).startswith("3."):
        return names_lock(previous), previous
    raise StableNamesError(
        "the previous spec must be a (cleaned) OpenAPI 3 document or a names lock "
        f"(format {LOCK_FORMAT!r}); convert a Swagger 2 spec first"
    )


# ---------------------------------------------------------------------------------------
# Choosing names
# ---------------------------------------------------------------------------------------


def _leaf(location: str) -> str:
    """`CheckModel.check_target` -> `checktarget`; `GET api/x query:checkTarget` -> `checktarget`."""
    tail = location.rstrip("[]{}").rsplit(".", 1)[-1].rsplit(":", 1)[-1]
    return tail.replace("_", "").lower()


def _parent(location: str) -> str:
    return location.rsplit(".", 1)[0] if "." in location else location.rsplit(" ", 1)[0]


def _choose_among(candidates: list[str], location: str, enums: JsonObject) -> tuple[str, str]:
    """The previous name an occurrence at `location` takes, and why (deterministic)."""

    def rank(name: str) -> tuple[int, int, int, int, str]:
        places = enums[name]["locations"]
        return (
            0 if location in places else 1,
            0 if any(_leaf(place) == _leaf(location) for place in places) else 1,
            0 if any(_parent(place) == _parent(location) for place in places) else 1,
            -len(places),
            name,
        )

    best = min(candidates, key=rank)
    reasons = ("same place", "same property name", "same parent", "most used", "alphabetical")
    best_rank = rank(best)
    # The first criterion that tells the winner from every other candidate.
    for index, reason in enumerate(reasons):
        if all(rank(other)[: index + 1] != best_rank[: index + 1] for other in candidates if other != best):
            return best, reason
    return best, reasons[-1]


@dataclass
class Occurrence:
    slot: Slot
    key: EnumKey


def _inline_enums(document: JsonObject) -> list[Occurrence]:
    return [
        Occurrence(slot, enum_key(slot.schema))
        for slot in schema_slots(document)
        if not slot.is_component and is_enum_schema(slot.schema)
    ]


def _values_of(key: EnumKey) -> list[Any]:
    return sorted(json.loads(value) for value in key[1])


def place_key(location: str) -> tuple[str, str, str]:
    """(parent, name without case and underscores, `[]`/`{}` suffix) of a place.

    `CheckSearchFilters.checkTarget` and `CheckSearchFilters.check_target` are the same place;
    so are `GET api/x/{a} query:loadMode` and `GET api/x/{a} query:load_mode`.
    """
    bare = location.rstrip("[]{}")
    suffix = location[len(bare) :]
    head, space, last = bare.rpartition(" ")
    if space and ":" in last:  # an operation parameter: `METHOD path in:name`
        return head, last.split(":", 1)[1].replace("_", "").lower(), suffix
    parent, _, name = bare.rpartition(".")
    return parent, name.replace("_", "").lower(), suffix


def _apply_reference(
    occurrences: list[Occurrence], lock: JsonObject, reference: JsonObject
) -> tuple[JsonObject, JsonObject]:
    """The previous names, with each place a reference names given to that reference's name.

    Returns (the names to assign from, the reference names given: location -> (name, previous name)).
    """
    named_places: dict[tuple[str, str, str], str] = {}
    for name, entry in sorted(reference.get("enums", {}).items()):
        for place in entry["locations"]:
            named_places.setdefault(place_key(place), name)
    enums: JsonObject = copy.deepcopy(lock.get("enums", {}))
    previous_name_of = {place: name for name, entry in enums.items() for place in entry["locations"]}
    given: JsonObject = {}
    for occurrence in occurrences:
        location = occurrence.slot.location
        name = named_places.get(place_key(location))
        if name is None:
            continue
        reference_values = {json.dumps(value) for value in reference["enums"][name]["values"]}
        if len(reference_values & occurrence.key[1]) < MIN_KEPT_VALUE_SHARE * len(reference_values):
            continue  # the values moved too far from the reference's: not the same enum any more
        previous = previous_name_of.get(location)
        if previous is not None and previous != name:
            enums[previous]["locations"] = [place for place in enums[previous]["locations"] if place != location]
        entry = enums.setdefault(name, {**copy.deepcopy(reference["enums"][name]), "locations": []})
        if location not in entry["locations"]:
            entry["locations"] = sorted([*entry["locations"], location])
        given[location] = (name, previous)
    return enums, given


def _assign_enum_names(occurrences: list[Occurrence], enums: JsonObject, report: JsonObject) -> dict[int, str]:
    """Occurrence index -> previous enum name."""
    by_key: dict[EnumKey, list[str]] = defaultdict(list)
    for name, entry in enums.items():
        by_key[(entry["type"], frozenset(json.dumps(value) for value in entry["values"]))].append(name)
    assigned: dict[int, str] = {}
    ambiguous: dict[str, JsonObject] = {}
    # 1. Same values as a previous enum.
    for index, occurrence in enumerate(occurrences):
        candidates = sorted(by_key.get(occurrence.key, []))
        if not candidates:
            continue
        if len(candidates) == 1:
            assigned[index] = candidates[0]
            continue
        name, reason = _choose_among(candidates, occurrence.slot.location, enums)
        assigned[index] = name
        entry = ambiguous.setdefault(" = ".join(candidates), {"values": _values_of(occurrence.key), "chosen": []})
        entry["chosen"].append({"location": occurrence.slot.location, "name": name, "by": reason})
    claimed = set(assigned.values())
    # 2. Changed values, same place: the previous name of that place, if enough values remain.
    unmatched: dict[EnumKey, list[int]] = defaultdict(list)
    for index, occurrence in enumerate(occurrences):
        if index not in assigned:
            unmatched[occurrence.key].append(index)
    place_names: dict[str, str] = {place: name for name, entry in enums.items() for place in entry["locations"]}
    offers: list[tuple[int, str, str, EnumKey]] = []  # (-matches, name, tie-break text, key)
    for key, indexes in unmatched.items():
        votes: dict[str, int] = defaultdict(int)
        for index in indexes:
            name = place_names.get(occurrences[index].slot.location)
            if name is None or name in claimed:
                continue
            previous_values = {json.dumps(value) for value in enums[name]["values"]}
            if enums[name]["type"] != key[0]:
                continue
            if len(previous_values & key[1]) >= MIN_KEPT_VALUE_SHARE * len(previous_values):
                votes[name] += 1
        for name, count in votes.items():
            offers.append((-count, name, json.dumps(sorted(key[1])), key))
    changed: dict[str, JsonObject] = {}
    taken_keys: set[EnumKey] = set()
    for _, name, _, key in sorted(offers, key=lambda offer: offer[:3]):
        if name in claimed or key in taken_keys:
            continue
        claimed.add(name)
        taken_keys.add(key)
        for index in unmatched[key]:
            assigned[index] = name
        previous_values = {json.dumps(value) for value in enums[name]["values"]}
        changed[name] = {
            "added": sorted(json.loads(value) for value in key[1] - previous_values),
            "removed": sorted(json.loads(value) for value in previous_values - key[1]),
        }
    report["ambiguous"] = dict(sorted(ambiguous.items()))
    report["kept_changed_values"] = dict(sorted(changed.items()))
    return assigned


def _enum_component(name: str, key: EnumKey, first: JsonObject, enums: JsonObject) -> JsonObject:
    previous = enums[name]
    same_values = frozenset(json.dumps(value) for value in previous["values"]) == key[1]
    values = list(previous["values"]) if same_values else list(first["enum"])
    component: JsonObject = {"type": key[0], "enum": values}
    return component


def stabilize_enums(document: JsonObject, lock: JsonObject, reference: JsonObject | None = None) -> JsonObject:
    """Hoist the new document's inline enums into components named as in `reference`, else `lock` (in place)."""
    previous_enums: JsonObject = lock.get("enums", {})
    schemas: JsonObject = document.setdefault("components", {}).setdefault("schemas", {})
    occurrences = _inline_enums(document)
    enums, given = _apply_reference(occurrences, lock, reference or {})
    report: JsonObject = {"previous": len(previous_enums), "inline_occurrences": len(occurrences)}
    assigned = _assign_enum_names(occurrences, enums, report)
    conflicts: dict[str, str] = {}
    hoisted = 0
    components_made: dict[str, EnumKey] = {}
    for index, occurrence in enumerate(occurrences):
        name = assigned.get(index)
        if name is None:
            continue
        existing = schemas.get(name)
        if name not in components_made:
            if existing is not None:
                if not is_enum_schema(existing) or enum_key(existing) != occurrence.key:
                    conflicts[name] = "the new spec already has a different schema of that name"
                    continue
            else:
                schemas[name] = _enum_component(name, occurrence.key, occurrence.slot.schema, enums)
            components_made[name] = occurrence.key
        elif components_made[name] != occurrence.key:  # pragma: no cover - one key per name by construction
            conflicts[name] = "two different value sets"
            continue
        occurrence.slot.container[occurrence.slot.key] = {"$ref": SCHEMA_REF_PREFIX + name}
        hoisted += 1
    # Names of the new document's own enum components count as kept too (OpenAPI 3 inputs).
    named_now = {name for name, schema in schemas.items() if is_enum_schema(schema)}
    kept_same: list[str] = []
    kept_changed = report["kept_changed_values"]
    for name in sorted(named_now & set(enums)):
        if name in kept_changed:
            continue
        previous_key = (enums[name]["type"], frozenset(json.dumps(value) for value in enums[name]["values"]))
        if enum_key(schemas[name]) == previous_key:
            kept_same.append(name)
        else:
            previous_values = previous_key[1]
            new_values = enum_key(schemas[name])[1]
            kept_changed[name] = {
                "added": sorted(json.loads(value) for value in new_values - previous_values),
                "removed": sorted(json.loads(value) for value in previous_values - new_values),
            }
    for name in conflicts:
        kept_changed.pop(name, None)
    # A previous name the reference replaced, used nowhere else now: an alias of the reference name.
    renamed: dict[str, set[str]] = defaultdict(set)
    for name, previous in given.values():
        if previous is not None and previous != name and previous not in named_now and name in named_now:
            renamed[name].add(previous)
    for name, old_names in renamed.items():
        schemas[name][ALIASES_EXTENSION] = sorted(set(schemas[name].get(ALIASES_EXTENSION) or []) | old_names)
    report["reference_named"] = dict(
        sorted((location, name) for location, (name, _) in given.items() if name in named_now)
    )
    report["renamed_by_reference"] = {name: sorted(old_names) for name, old_names in sorted(renamed.items())}
    report["kept_changed_values"] = dict(
        sorted((name, change) for name, change in kept_changed.items() if name in previous_enums)
    )
    report["kept_same_values"] = [name for name in kept_same if name in previous_enums]
    report["gone"] = sorted(set(previous_enums) - named_now - set().union(*renamed.values()))
    report["added"] = sorted(named_now - set(previous_enums))
    report["conflicts"] = conflicts
    report["hoisted_occurrences"] = hoisted
    left: dict[EnumKey, list[str]] = defaultdict(list)
    for occurrence in _inline_enums(document):
        left[occurrence.key].append(occurrence.slot.location)
    report["new_inline"] = [
        {"values": _values_of(key), "locations": locations}
        for key, locations in sorted(left.items(), key=lambda item: item[1])
    ]
    return report


# ---------------------------------------------------------------------------------------
# Models renamed upstream
# ---------------------------------------------------------------------------------------


def _shape(schema: Any, renames: dict[str, str]) -> Any:
    """The structure of a schema, without descriptions; references through `renames`."""
    if not isinstance(schema, dict):
        return schema
    name = ref_name(schema)
    if name is not None:
        return ("ref", renames.get(name, name))
    if is_enum_schema(schema):
        return ("enum",) + enum_key(schema)
    shape: list[Any] = [schema.get("type"), schema.get("format")]
    if isinstance(schema.get("items"), dict):
        shape.append(("items", _shape(schema["items"], renames)))
    if "properties" in schema or "additionalProperties" in schema:
        properties = schema.get("properties") or {}
        shape.append(("properties", tuple(sorted((key, _shape(value, renames)) for key, value in properties.items()))))
        shape.append(("additional", _shape(schema.get("additionalProperties"), renames)))
        shape.append(("required", tuple(sorted(schema.get("required") or []))))
    for combinator in ("allOf", "anyOf", "oneOf"):
        if isinstance(schema.get(combinator), list):
            shape.append((combinator, tuple(_shape(member, renames) for member in schema[combinator])))
    return tuple(shape)


def find_renamed_models(previous_doc: JsonObject, new_doc: JsonObject) -> dict[str, str]:
    """Previous model name -> new name, for gone models whose exact structure a new model has.

    Repeats until nothing changes, so models that refer to renamed models match too
    (`DefaultSchedulesSpec` holds `MonitoringScheduleSpec`s, `CronSchedulesSpec` holds
    `CronScheduleSpec`s). Only one-to-one matches count.
    """
    old: JsonObject = previous_doc["components"]["schemas"]
    new: JsonObject = new_doc["components"]["schemas"]
    gone = sorted(name for name in old if name not in new and not is_enum_schema(old[name]))
    added = sorted(name for name in new if name not in old and not is_enum_schema(new[name]))
    renames: dict[str, str] = {}
    while True:
        new_shapes: dict[Any, list[str]] = defaultdict(list)
        for name in added:
            if name not in renames.values():
                new_shapes[_shape(new[name], {})].append(name)
        old_shapes: dict[Any, list[str]] = defaultdict(list)
        for name in gone:
            if name not in renames:
                old_shapes[_shape(old[name], renames)].append(name)
        found = {
            olds[0]: new_shapes[shape][0]
            for shape, olds in old_shapes.items()
            if len(olds) == 1 and len(new_shapes.get(shape, [])) == 1
        }
        if not found:
            return dict(sorted(renames.items()))
        renames.update(found)


def stabilize_models(document: JsonObject, lock: JsonObject, previous_doc: JsonObject | None) -> JsonObject:
    """Record old names of renamed models as `x-dqops-aliases` (in place); report on models."""
    schemas: JsonObject = document["components"]["schemas"]
    models_now = {name for name, schema in schemas.items() if not is_enum_schema(schema)}
    previous_models = set(lock.get("models", []))
    aliases: dict[str, set[str]] = defaultdict(set)
    for name, old_names in lock.get("aliases", {}).items():  # aliases kept from earlier updates
        aliases[name].update(old_names)
    renamed = find_renamed_models(previous_doc, document) if previous_doc is not None else {}
    for old_name, new_name in renamed.items():
        aliases[new_name].add(old_name)
    applied: dict[str, list[str]] = {}
    dropped: dict[str, str] = {}
    for name in sorted(aliases):
        wanted = sorted(alias for alias in aliases[name] if alias not in schemas)
        for alias in sorted(aliases[name] - set(wanted)):
            dropped[alias] = f"the new spec has a schema named {alias} again"
        if name not in schemas:  # aliases of models and of enums alike
            for alias in wanted:
                dropped[alias] = f"{name} is gone too"
            continue
        if wanted:
            existing = schemas[name].get(ALIASES_EXTENSION) or []
            schemas[name][ALIASES_EXTENSION] = sorted(set(existing) | set(wanted))
            applied[name] = schemas[name][ALIASES_EXTENSION]
    return {
        "previous": len(previous_models),
        "kept": len(previous_models & models_now),
        "renamed": renamed,
        "aliases": applied,
        "aliases_dropped": dropped,
        "removed": sorted(previous_models - models_now - set(renamed)),
        "added": sorted(models_now - previous_models - set(renamed.values())),
    }


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------


def stabilize_names(
    new_doc: JsonObject, previous_doc: JsonObject, reference: JsonObject | None = None
) -> tuple[JsonObject, JsonObject]:
    """(copy of `new_doc` with the reference's and the previous names, report).

    `previous_doc`: document or lock; `reference`: a names lock of the references' names.
    """
    if not isinstance(new_doc, dict) or not str(new_doc.get("openapi", "")).startswith("3."):
        raise StableNamesError("the new spec must be an OpenAPI 3 document (convert a Swagger 2 spec first)")
    lock, previous_document = load_previous(previous_doc)
    if reference is not None and reference.get("format") != LOCK_FORMAT:
        raise StableNamesError(f"the reference names must be a names lock (format {LOCK_FORMAT!r})")
    document = copy.deepcopy(new_doc)
    enums = stabilize_enums(document, lock, reference)
    models = stabilize_models(document, lock, previous_document)
    return document, {"enums": enums, "models": models}


def format_report(report: JsonObject, previous_label: str = "previous", new_label: str = "new") -> str:
    enums, models = report["enums"], report["models"]
    kept_same, kept_changed = enums["kept_same_values"], enums["kept_changed_values"]
    lines = [
        (
            f"enums: {enums['previous']} named in {previous_label}; in {new_label} {len(kept_same)} kept their names "
            f"with the same values, {len(kept_changed)} with changed values, {len(enums['gone'])} gone, "
            f"{len(enums['added'])} new named; {enums['hoisted_occurrences']} of {enums['inline_occurrences']} "
            f"inline enums replaced by references to previous names, "
            f"{len(enums['new_inline'])} new value sets left inline"
        ),
    ]
    for name, change in kept_changed.items():
        parts = [f"+{value}" for value in change["added"]] + [f"-{value}" for value in change["removed"]]
        lines.append(f"  {name}: values changed: {' '.join(parts)}")
    for names, entry in enums["ambiguous"].items():
        chosen = defaultdict(list)
        for choice in entry["chosen"]:
            chosen[choice["name"]].append(f"{choice['location']} ({choice['by']})")
        lines.append(
            f"  same values {entry['values']} named {names}: "
            + "; ".join(f"{name} at {', '.join(places)}" for name, places in sorted(chosen.items()))
        )
    if enums["added"]:
        lines.append(f"  new named enums: {', '.join(enums['added'])}")
    for name, old_names in enums.get("renamed_by_reference", {}).items():
        lines.append(f"  {', '.join(old_names)} -> {name} (as the references name it; alias kept)")
    for name in enums["gone"]:
        lines.append(f"  {name}: gone (its values are nowhere in {new_label})")
    for name, why in enums["conflicts"].items():
        lines.append(f"  {name}: not reused: {why}")
    for entry in enums["new_inline"]:
        lines.append(f"  new enum {entry['values']} left inline at {', '.join(entry['locations'])}")
    lines.append(
        f"models: {models['previous']} in {previous_label}; {models['kept']} kept their names in {new_label}, "
        f"{len(models['renamed'])} renamed upstream (old name kept as an alias), {len(models['removed'])} removed, "
        f"{len(models['added'])} added"
    )
    for old_name, new_name in models["renamed"].items():
        lines.append(f"  {old_name} -> {new_name} (same structure; alias {old_name} kept)")
    for alias, why in models["aliases_dropped"].items():
        lines.append(f"  alias {alias} dropped: {why}")
    if models["removed"]:
        lines.append(f"  removed: {', '.join(models['removed'])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("new", type=Path, help="the new (cleaned) OpenAPI 3 spec")
    parser.add_argument("--previous", type=Path, help="previous cleaned spec or names lock (default: none)")
    parser.add_argument(
        "--reference", type=Path, help="names lock of the names upstream's references give (scripts/reference_names.py)"
    )
    parser.add_argument("--out", type=Path, help="write the spec with stable names here (may be NEW itself)")
    parser.add_argument("--write-lock", type=Path, help="write the names lock of the result here")
    parser.add_argument("--report-json", type=Path, help="write the report as JSON here")
    parser.add_argument("--quiet", action="store_true", help="print only the two summary lines")
    args = parser.parse_args(argv)
    try:
        document = load_json(args.new)
        if args.previous is not None:
            reference = load_json(args.reference) if args.reference is not None else None
            result, report = stabilize_names(document, load_json(args.previous), reference)
        else:
            result, report = document, None
    except (StableNamesError, JsonFileError) as exc:
        print(f"stable_names: {exc}", file=sys.stderr)
        return 2
    if args.out:
        write_json(result, args.out)
    if args.write_lock:
        write_json(names_lock(result), args.write_lock)
    if report is not None:
        if args.report_json:
            write_json(report, args.report_json)
        text = format_report(report, str(args.previous), str(args.new))
        if args.quiet:
            text = "\n".join(line for line in text.splitlines() if not line.startswith("  "))
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
