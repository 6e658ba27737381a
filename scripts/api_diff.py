"""What changed for users of the SDK between two DQOps specs, with breaking changes marked.

Each spec is a path to a raw or cleaned OpenAPI 3 document, or a Swagger 2.0 document (converted
first with scripts/convert_swagger2.py). Raw documents get clean_spec's artifact clean-up
(no overlay, no validation); the new document then gets the old one's enum and model names
(scripts/stable_names.py), as the build would give them, unless --no-stable-names.

Changes are named as the SDK generates them: `jobs.run_checks` (module = the operation's tag,
function = its operationId, both snake_case), Python parameter names (`json_body` for the
request body), model classes and their Python field names, enum classes. Each also names the
HTTP method and path. BREAKING: removed operations, models, fields, enums and enum values;
new required parameters, fields and bodies; a parameter, field, body or return type that
changed; a parameter or field that became required; path parameters (positional in the SDK)
in another order. Additions are not breaking. An operation that moved to another path under
the same SDK function is not breaking in itself (its parameters are compared); a model renamed
upstream whose old name the SDK keeps as an alias is not breaking either.

Usage: python -m scripts.api_diff OLD.json NEW.json [--json] [--fail-on-breaking] [--no-stable-names]
       [--reference openapi/reference-names.json]
Exit code: 0; 1 with --fail-on-breaking when there is a breaking change; 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from scripts import clean_spec, convert_swagger2, pipeline, stable_names
from scripts.operations import JsonObject
from scripts.sdk_surface import BODY_PARAMETER, Api, Field, Model, Operation, Parameter, api_of, sdk_type  # noqa: F401
from scripts.spec_io import OVERLAY, REFERENCE_NAMES, JsonFileError, load_json


class DiffError(Exception):
    """A spec cannot be read or is not an OpenAPI 3 / Swagger 2.0 document."""


# ---------------------------------------------------------------------------------------
# The diff
# ---------------------------------------------------------------------------------------


@dataclass
class Change:
    kind: str  # e.g. operation-added, parameter-removed, field-type-changed, enum-value-added
    breaking: bool
    sdk: str  # the SDK name concerned: `jobs.run_checks`, `jobs.run_checks(wait)`, `models.CheckModel.name`
    message: str  # one line saying what changed, in SDK terms
    http: str | None = None  # "POST /api/jobs/runchecks" for operation changes
    old: Any = None
    new: Any = None
    extra: JsonObject = field(default_factory=dict)


def _values_change(kind: str, sdk: str, old: list[Any], new: list[Any], http: str | None = None) -> list[Change]:
    changes = []
    for value in new:
        if value not in old:
            changes.append(Change(f"{kind}-value-added", False, sdk, f"{sdk}: new value {value!r}", http, None, value))
    for value in old:
        if value not in new:
            changes.append(
                Change(f"{kind}-value-removed", True, sdk, f"{sdk}: value {value!r} removed", http, value, None)
            )
    return changes


# ---------------------------------------------------------------------------------------
# Members: the parameters of an operation and the fields of a model, compared by one table
# ---------------------------------------------------------------------------------------

Member = Parameter | Field


def _required_word(required: bool) -> str:
    return "required" if required else "optional"


@dataclass(frozen=True)
class MemberWording:
    """How the changes of one kind of member are named and worded. Each text is formatted with
    `owner` (the operation or model), `sdk` (the member's SDK name), `name` and `old_name` (its
    Python names), `location`, `required` ("required"/"optional"), `type`, `old` and `new`."""

    kind: str  # the prefix of the change kinds: "parameter", "field"
    sdk: str  # the member's SDK name
    added: str
    removed: str
    renamed: str
    type_changed: str
    required_changed: str


# kind, sdk; then the texts of: added, removed, renamed, type changed, required changed.
PARAMETER_WORDING = MemberWording(
    *("parameter", "{owner}({name})", "{owner}: new {required} {location} parameter {name}: {type}"),
    *("{owner}: {location} parameter {name} removed", "{owner}: parameter {old_name} is now called {name}"),
    *("{owner}: parameter {name} type {old} -> {new}", "{owner}: parameter {name} is now {required}"),
)
FIELD_WORDING = MemberWording(
    *("field", "{owner}.{name}", "{sdk}: new {required} field: {type}", "{sdk}: field removed"),
    *("{sdk}: field {old_name} is now called {name}", "{sdk}: type {old} -> {new}", "{sdk}: now {required}"),
)


@dataclass(frozen=True)
class MemberRule:
    """One way a member kept by both sides can change: whether it did, whether that breaks callers,
    the wording's text for it, and the values before and after."""

    suffix: str
    changed: Callable[[Member, Member], bool]
    breaking: Callable[[Member, Member], bool]
    text: Callable[[MemberWording], str]
    value: Callable[[Member], Any]


#: In order: a member's Python name, its type (or else its inline enum's values), whether it is required.
MEMBER_RULES = (
    MemberRule(
        "renamed",
        lambda before, after: before.python_name != after.python_name,
        lambda before, after: True,
        lambda wording: wording.renamed,
        lambda member: member.python_name,
    ),
    MemberRule(
        "type-changed",
        lambda before, after: before.type != after.type,
        lambda before, after: True,
        lambda wording: wording.type_changed,
        lambda member: member.type,
    ),
    MemberRule(
        "required-changed",
        lambda before, after: before.required != after.required,
        lambda before, after: after.required,  # only a member that became required breaks callers
        lambda wording: wording.required_changed,
        lambda member: member.required,
    ),
)


def _member_changes(
    wording: MemberWording, owner: str, old: dict[Any, Member], new: dict[Any, Member], http: str | None
) -> list[Change]:
    """The changes of the members of one operation or model, in the order of their keys."""
    changes: list[Change] = []

    def words(text: str, member: Member, **more: Any) -> str:
        facts = {
            "owner": owner,
            "name": member.python_name,
            "required": _required_word(member.required),
            "type": member.type,
        }
        facts["location"] = getattr(member, "location", "")
        facts["sdk"] = wording.sdk.format(**facts)
        return text.format(**facts, **more)

    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        if before is None or after is None:
            member = after if before is None else before
            assert member is not None
            suffix, text = ("added", wording.added) if before is None else ("removed", wording.removed)
            breaking = member.required if before is None else True
            sides = (None, asdict(member)) if before is None else (asdict(member), None)
            changes.append(
                Change(
                    f"{wording.kind}-{suffix}", breaking, words(wording.sdk, member), words(text, member), http, *sides
                )
            )
            continue
        sdk = words(wording.sdk, after)
        for rule in MEMBER_RULES:
            if rule.changed(before, after):
                old_value, new_value = rule.value(before), rule.value(after)
                message = words(rule.text(wording), after, old=old_value, new=new_value, old_name=before.python_name)
                changes.append(
                    Change(
                        f"{wording.kind}-{rule.suffix}",
                        rule.breaking(before, after),
                        sdk,
                        message,
                        http,
                        old_value,
                        new_value,
                    )
                )
            elif rule.suffix == "type-changed" and before.enum_values is not None and after.enum_values is not None:
                changes += _values_change(f"{wording.kind}-enum", sdk, before.enum_values, after.enum_values, http)
    return changes


def _parameter_changes(old: Operation, new: Operation) -> list[Change]:
    changes = _member_changes(PARAMETER_WORDING, new.sdk, old.parameters, new.parameters, new.http)
    http = new.http
    if old.path_order != new.path_order and set(old.path_order) == set(new.path_order):
        message = (
            f"{new.sdk}: positional path parameters ({', '.join(old.path_order)}) -> ({', '.join(new.path_order)})"
        )
        changes.append(
            Change("path-parameter-order-changed", True, new.sdk, message, http, old.path_order, new.path_order)
        )
    return changes


def _body_changes(old: Operation, new: Operation) -> list[Change]:
    def change(kind: str, breaking: bool, message: str, before: Any, after: Any) -> Change:
        return Change(
            f"body-{kind}", breaking, f"{new.sdk}({BODY_PARAMETER})", f"{new.sdk}: {message}", new.http, before, after
        )

    body = f"body {BODY_PARAMETER}"
    if old.body_type is None and new.body_type is None:
        return []
    if old.body_type is None:
        added = f"new {_required_word(new.body_required)} {body}: {new.body_type} ({new.body_media_type})"
        return [change("added", new.body_required, added, None, new.body_type)]
    if new.body_type is None:
        return [change("removed", True, f"{body} removed", old.body_type, None)]
    changes = []
    if (old.body_type, old.body_media_type) != (new.body_type, new.body_media_type):
        retyped = f"{body} type {old.body_type} ({old.body_media_type}) -> {new.body_type} ({new.body_media_type})"
        changes.append(change("type-changed", True, retyped, old.body_type, new.body_type))
    if old.body_required != new.body_required:
        now = f"{body} is now {_required_word(new.body_required)}"
        changes.append(change("required-changed", new.body_required, now, old.body_required, new.body_required))
    return changes


def _return_change(old: Operation, new: Operation) -> list[Change]:
    if old.return_types == new.return_types:
        return []
    gained = [kind for kind in new.return_types if kind not in old.return_types]
    lost = [kind for kind in old.return_types if kind not in new.return_types]
    delta = " ".join([f"+{kind}" for kind in gained] + [f"-{kind}" for kind in lost])
    message = f"{new.sdk}: return type {' | '.join(old.return_types)} -> {' | '.join(new.return_types)}"
    return [
        Change(
            "return-type-changed",
            True,
            new.sdk,
            message,
            new.http,
            old.return_types,
            new.return_types,
            {"delta": delta},
        )
    ]


def _path_segments(path: str) -> list[str]:
    """The path's segments, each path parameter as `{}` (its name does not matter to the SDK's callers)."""
    return ["{}" if segment.startswith("{") else segment for segment in path.strip("/").split("/")]


def replacements(removed: list[Operation], added: list[Operation]) -> dict[str, Operation]:
    """Removed operation (SDK name) -> the added operation that took its place, where exactly one does.

    An added operation replaces a removed one when it has the same HTTP method and its path
    differs in a single literal segment, parameters in the same places: DQOps 1.13 renamed its
    default check patterns to quality policies so (`api/default/checks/column/{patternName}` ->
    `api/policies/checks/column/{patternName}`). Only one-to-one matches count.
    """

    def differs_in_one_segment(old: Operation, new: Operation) -> bool:
        before, after = _path_segments(old.path), _path_segments(new.path)
        if old.method != new.method or len(before) != len(after):
            return False
        differing = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
        return len(differing) == 1 and "{}" not in differing[0]

    candidates = {old.sdk: [new for new in added if differs_in_one_segment(old, new)] for old in removed}
    claimed: dict[str, int] = defaultdict(int)
    for found in candidates.values():
        for new in found:
            claimed[new.sdk] += 1
    return {sdk: found[0] for sdk, found in candidates.items() if len(found) == 1 and claimed[found[0].sdk] == 1}


def operation_changes(old: Api, new: Api) -> list[Change]:
    changes: list[Change] = []
    removed = {key: old.operations[key] for key in old.operations if key not in new.operations}
    added = {key: new.operations[key] for key in new.operations if key not in old.operations}
    # Same SDK function and method at another path: moved, not removed and added.
    added_by_sdk = {(op.method, op.sdk): key for key, op in added.items()}
    moved: list[tuple[Operation, Operation]] = []
    for key, op in sorted(removed.items()):
        target = added_by_sdk.get((op.method, op.sdk))
        if target is not None and target in added:
            moved.append((op, added.pop(target)))
            del removed[key]
    replaced_by = replacements(list(removed.values()), list(added.values()))
    for key, op in sorted(added.items()):
        changes.append(Change("operation-added", False, op.sdk, f"new operation {op.sdk} ({op.http})", op.http))
    for key, op in sorted(removed.items()):
        successor = replaced_by.get(op.sdk)
        if successor is None:
            changes.append(
                Change("operation-removed", True, op.sdk, f"operation {op.sdk} ({op.http}) removed", op.http)
            )
            continue
        message = f"operation {op.sdk} ({op.http}) removed; replaced by {successor.sdk} ({successor.http})"
        extra = {"replaced_by": successor.sdk, "replaced_by_http": successor.http}
        changes.append(Change("operation-removed", True, op.sdk, message, op.http, op.sdk, successor.sdk, extra))
    kept = [(old.operations[key], new.operations[key]) for key in sorted(set(old.operations) & set(new.operations))]
    for before, after in [*moved, *kept]:
        if before.http != after.http:
            message = f"{after.sdk} moved: {before.http} -> {after.http} (same SDK function)"
            changes.append(Change("operation-moved", False, after.sdk, message, after.http, before.http, after.http))
        elif before.sdk != after.sdk:
            message = f"{before.sdk} is now {after.sdk} ({after.http})"
            changes.append(Change("operation-renamed", True, after.sdk, message, after.http, before.sdk, after.sdk))
        changes += _parameter_changes(before, after) + _body_changes(before, after) + _return_change(before, after)
    return changes


def _field_changes(model: str, old: Model, new: Model) -> list[Change]:
    return _member_changes(FIELD_WORDING, f"models.{model}", old.fields, new.fields, None)


def model_changes(old: Api, new: Api) -> list[Change]:
    changes: list[Change] = []
    alias_of = {alias: name for name, model in new.models.items() for alias in model.aliases}
    renamed_to = {alias_of[name] for name in set(old.models) - set(new.models) if name in alias_of}
    for name in sorted(set(new.models) - set(old.models) - renamed_to):
        model = new.models[name]
        changes.append(
            Change("model-added", False, f"models.{model.class_name}", f"new model {model.class_name}", None)
        )
    for name in sorted(set(old.models) - set(new.models)):
        model = old.models[name]
        target = alias_of.get(name)
        if target is not None and target in new.models:
            message = (
                f"model {model.class_name} is now {new.models[target].class_name} upstream "
                f"(the SDK keeps {model.class_name} as an alias)"
            )
            changes.append(Change("model-renamed", False, f"models.{model.class_name}", message, None, name, target))
            changes += _field_changes(new.models[target].class_name, model, new.models[target])
        else:
            changes.append(
                Change("model-removed", True, f"models.{model.class_name}", f"model {model.class_name} removed", None)
            )
    for name in sorted(set(old.models) & set(new.models)):
        changes += _field_changes(new.models[name].class_name, old.models[name], new.models[name])
    return changes


def enum_changes(old: Api, new: Api) -> list[Change]:
    changes: list[Change] = []
    for name in sorted(set(new.enums) - set(old.enums)):
        message = f"new enum {name}: {new.enums[name]}"
        changes.append(Change("enum-added", False, f"models.{name}", message, None, None, new.enums[name]))
    for name in sorted(set(old.enums) - set(new.enums)):
        changes.append(Change("enum-removed", True, f"models.{name}", f"enum {name} removed", None, old.enums[name]))
    for name in sorted(set(old.enums) & set(new.enums)):
        changes += _values_change("enum", f"models.{name}", old.enums[name], new.enums[name])
    return changes


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def renamed_classes(old: Api, new: Api) -> dict[str, str]:
    """Old class name -> new class name, for gone models the new spec keeps as aliases (and their maps)."""
    renames: dict[str, str] = {}
    for model in new.models.values():
        for alias in model.aliases:
            if alias in old.models and alias not in new.models:
                renames[old.models[alias].class_name] = model.class_name
                renames[old.models[alias].class_name + "Map"] = model.class_name + "Map"
    return renames


def with_renamed_types(api: Api, renames: dict[str, str]) -> Api:
    """`api` with its type names read through `renames`: a type that only changed name is the same type."""
    if not renames:
        return api

    def rename(text: str | None) -> str | None:
        if text is None:
            return None
        return _IDENTIFIER.sub(lambda match: renames.get(match.group(0), match.group(0)), text)

    for operation in api.operations.values():
        for parameter in operation.parameters.values():
            parameter.type = rename(parameter.type) or parameter.type
        operation.body_type = rename(operation.body_type)
        operation.return_types = sorted({rename(kind) or kind for kind in operation.return_types})
    for model in api.models.values():
        for item in model.fields.values():
            item.type = rename(item.type) or item.type
    return api


def diff_documents(old_doc: JsonObject, new_doc: JsonObject) -> list[Change]:
    old, new = api_of(old_doc), api_of(new_doc)
    old = with_renamed_types(old, renamed_classes(old, new))
    return operation_changes(old, new) + model_changes(old, new) + enum_changes(old, new)


# ---------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------


OVERLAY_PATH = OVERLAY


def prepare(document: Any) -> JsonObject:
    """An OpenAPI 3 document as the SDK sees it: Swagger 2 converted, the Java serializer's
    artifacts removed and openapi/overlay.json applied (scripts/pipeline.py, without validation)."""
    try:
        # The SDK is generated with the reviewed corrections: compare what users get.
        return pipeline.prepared(document, load_json(OVERLAY_PATH), validate=False, not_applicable=[])
    except (convert_swagger2.ConversionError, clean_spec.SpecError, JsonFileError) as exc:
        raise DiffError(str(exc)) from exc


def load_spec(path: Path) -> JsonObject:
    try:
        document = load_json(path)
    except JsonFileError as exc:
        raise DiffError(str(exc)) from exc
    return prepare(document)


DEFAULT_REFERENCE_NAMES = REFERENCE_NAMES


def diff_specs(
    old_doc: JsonObject, new_doc: JsonObject, stabilize: bool = True, reference: JsonObject | None = None
) -> tuple[list[Change], JsonObject | None]:
    """(changes, stable-names report or None). Both documents must already be `prepare`d;
    `reference`: the enum names of upstream's references, which the build gives too."""
    report = None
    if stabilize:
        new_doc, report = stable_names.stabilize_names(new_doc, old_doc, reference)
    return diff_documents(old_doc, new_doc), report


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------

SECTIONS = (
    ("operation", "operations"),
    ("parameter", "parameters"),
    ("path-parameter", "parameters"),
    ("body", "request bodies"),
    ("return", "return types"),
    ("model", "models"),
    ("field", "fields"),
    ("enum", "enums"),
)


def section_of(change: Change) -> str:
    for prefix, section in SECTIONS:
        if change.kind.startswith(prefix + "-"):
            return section
    return "other"


def summary(changes: list[Change]) -> JsonObject:
    counts: dict[str, int] = defaultdict(int)
    for change in changes:
        counts[change.kind] += 1
    return {
        "total": len(changes),
        "breaking": sum(1 for change in changes if change.breaking),
        "by_kind": dict(sorted(counts.items())),
    }


def to_json(changes: list[Change], old: str, new: str, report: JsonObject | None) -> JsonObject:
    return {
        "old": old,
        "new": new,
        "summary": summary(changes),
        "changes": [asdict(change) for change in changes],
        "stable_names": report,
    }


def _group_return_changes(changes: list[Change]) -> list[tuple[str, bool, list[str]]]:
    """Return-type changes with the same delta, as one line each: (delta, breaking, operations)."""
    groups: dict[tuple[str, bool], list[str]] = defaultdict(list)
    for change in changes:
        groups[(change.extra.get("delta", ""), change.breaking)].append(change.sdk)
    return [(delta, breaking, sorted(names)) for (delta, breaking), names in sorted(groups.items())]


# The same change (same field or parameter, same new type) in this many models or operations
# is printed as one line listing them.
GROUP_AT_LEAST = 3


def _owner_leaf_tail(change: Change) -> tuple[str, str, str]:
    """(`models.CheckModel`, `name`, `new optional field: str`) of a field or parameter change."""
    if change.kind.startswith("field-"):
        owner, _, leaf = change.sdk.rpartition(".")
    elif change.kind.startswith("parameter-") and change.sdk.endswith(")"):
        owner, _, leaf = change.sdk[:-1].partition("(")
    else:
        return change.sdk, "", change.message
    return owner, leaf, change.message.partition(": ")[2]


def _group_same_changes(changes: list[Change]) -> list[list[Change]]:
    """Field and parameter changes that say the same thing of different owners, together (stable order)."""
    groups: dict[tuple[str, str, str], list[Change]] = {}
    for change in changes:
        _, leaf, tail = _owner_leaf_tail(change)
        key = (change.kind, leaf, tail) if leaf else (change.kind, change.sdk, change.message)
        groups.setdefault(key, []).append(change)
    return list(groups.values())


def to_text(changes: list[Change], old: str, new: str, report: JsonObject | None = None) -> str:
    facts = summary(changes)
    counts = facts["by_kind"]
    lines = [
        f"API diff {old} -> {new}",
        (
            f"operations: {counts.get('operation-added', 0)} added, {counts.get('operation-removed', 0)} removed, "
            f"{counts.get('operation-moved', 0)} moved, {counts.get('operation-renamed', 0)} renamed; "
            f"models: {counts.get('model-added', 0)} added, {counts.get('model-removed', 0)} removed, "
            f"{counts.get('model-renamed', 0)} renamed (alias kept); "
            f"enums: {counts.get('enum-added', 0)} added, {counts.get('enum-removed', 0)} removed"
        ),
        f"{facts['total']} changes, {facts['breaking']} BREAKING",
    ]
    if report is not None:
        lines.append("names: " + stable_names.format_report(report, "old", "new").splitlines()[0])
    for breaking, title in ((True, "BREAKING changes"), (False, "Non-breaking changes")):
        selected = [change for change in changes if change.breaking == breaking]
        if not selected:
            continue
        lines.append("")
        lines.append(f"{title} ({len(selected)})")
        by_section: dict[str, list[Change]] = defaultdict(list)
        for change in selected:
            by_section[section_of(change)].append(change)
        ordered_sections = list(dict.fromkeys([name for _, name in SECTIONS] + ["other"]))
        for section in ordered_sections:
            items = by_section.get(section)
            if not items:
                continue
            lines.append(f"  {section}:")
            if section == "return types":
                for delta, _, names in _group_return_changes(items):
                    lines.append(f"    {'!' if breaking else '+'} {delta}: {len(names)} operations: {', '.join(names)}")
                continue
            marker = "!" if breaking else "+"
            for group in _group_same_changes(items):
                if len(group) >= GROUP_AT_LEAST:
                    _, leaf, tail = _owner_leaf_tail(group[0])
                    owners = ", ".join(_owner_leaf_tail(change)[0].removeprefix("models.") for change in group)
                    what = "models" if group[0].kind.startswith("field-") else "operations"
                    lines.append(f"    {marker} {leaf}: {tail}: in {len(group)} {what}: {owners}")
                    continue
                for change in group:
                    http = f"  [{change.http}]" if change.http and change.kind.split("-")[0] != "operation" else ""
                    lines.append(f"    {marker} {change.message}{http}")
    if not changes:
        lines.append("no changes for SDK users")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path, help="the old spec (OpenAPI 3 raw or cleaned, or Swagger 2.0)")
    parser.add_argument("new", type=Path, help="the new spec")
    parser.add_argument("--json", action="store_true", help="print JSON for machines instead of text")
    parser.add_argument("--fail-on-breaking", action="store_true", help="exit 1 if there is a breaking change")
    parser.add_argument(
        "--no-stable-names",
        action="store_true",
        help="compare the new spec as it is, without giving it the old spec's enum and model names",
    )
    parser.add_argument(
        "--reference",
        type=Path,
        default=DEFAULT_REFERENCE_NAMES,
        help="enum names of upstream's references, as the build applies them (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        old_doc, new_doc = load_spec(args.old), load_spec(args.new)
        try:
            reference = json.loads(args.reference.read_bytes())
        except (OSError, ValueError) as exc:
            raise DiffError(f"cannot read the reference names {args.reference}: {exc}") from exc
        changes, report = diff_specs(old_doc, new_doc, stabilize=not args.no_stable_names, reference=reference)
    except (DiffError, stable_names.StableNamesError) as exc:
        print(f"api_diff: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(to_json(changes, str(args.old), str(args.new), report), indent=2, ensure_ascii=False))
    else:
        print(to_text(changes, str(args.old), str(args.new), report))
    if args.fail_on_breaking and any(change.breaking for change in changes):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
