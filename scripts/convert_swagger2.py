"""Convert a Swagger 2.0 DQOps spec to OpenAPI 3 with the pinned npm converter.

Upstream publishes its newest spec (1.13.2: `dqops-api-swagger-2.json`) only as Swagger 2.0.
This step turns it into an OpenAPI 3 document that scripts/clean_spec.py and the generator
accept. It calls the maintained converter `swagger2openapi` (pinned in package.json, installed
by `npm ci` into node_modules/) through node, offline: the converter only resolves the
document's internal `#/definitions/...` references (no `--resolve`, so nothing is fetched).
The document goes in and comes out as JSON through temporary files.

An OpenAPI 3 input is passed through unchanged, so the build can run this step on any spec.

Usage: python -m scripts.convert_swagger2 IN.json OUT.json
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from scripts.operations import JsonObject
from scripts.spec_io import REPO_ROOT, write_json

CONVERTER_PACKAGE = "swagger2openapi"
CONVERTER_VERSION = "7.0.8"
NODE_MODULES = REPO_ROOT / "node_modules"
CONVERTER_BIN = NODE_MODULES / ".bin" / CONVERTER_PACKAGE
TIMEOUT_SECONDS = 300


class ConversionError(Exception):
    """The converter is missing, failed, or produced something that is not OpenAPI 3."""


def spec_kind(document: Any) -> str:
    """`swagger-2` or `openapi-3`; ConversionError for anything else."""
    if isinstance(document, dict):
        if str(document.get("swagger", "")).startswith("2."):
            return "swagger-2"
        if str(document.get("openapi", "")).startswith("3."):
            return "openapi-3"
    raise ConversionError("not a Swagger 2.0 or OpenAPI 3 document (no 'swagger: 2.x' or 'openapi: 3.x' key)")


def converter_path(node_modules: Path = NODE_MODULES) -> Path:
    """The pinned converter's executable; ConversionError saying how to install it if it is missing."""
    executable = node_modules / ".bin" / CONVERTER_PACKAGE
    manifest = node_modules / CONVERTER_PACKAGE / "package.json"
    if not executable.exists() or not manifest.exists():
        raise ConversionError(
            f"{CONVERTER_PACKAGE} is not installed ({executable} is missing): run `make node-deps` "
            f"(npm ci), which installs {CONVERTER_PACKAGE}@{CONVERTER_VERSION} as pinned in package.json"
        )
    try:
        version = json.loads(manifest.read_text(encoding="utf-8")).get("version")
    except (OSError, ValueError) as exc:
        raise ConversionError(f"cannot read {manifest}: {exc}") from exc
    if version != CONVERTER_VERSION:
        raise ConversionError(
            f"{CONVERTER_PACKAGE} {version} is installed, but the build is pinned to {CONVERTER_VERSION}: "
            "run `make node-deps` (npm ci) to install the pinned version"
        )
    if shutil.which("node") is None:
        raise ConversionError(f"node is not on PATH; {CONVERTER_PACKAGE} needs Node.js")
    return executable


def convert(swagger2_doc: JsonObject, node_modules: Path = NODE_MODULES) -> JsonObject:
    """The OpenAPI 3 form of a Swagger 2.0 document (the input is not modified).

    Runs `swagger2openapi IN -o OUT` without `--patch`: a defect the converter would have to
    guess at fails the conversion instead of being silently "fixed".
    """
    if spec_kind(swagger2_doc) != "swagger-2":
        raise ConversionError("convert() takes a Swagger 2.0 document; this one is already OpenAPI 3")
    executable = converter_path(node_modules)
    with tempfile.TemporaryDirectory(prefix="convert-swagger2-") as scratch:
        source = Path(scratch) / "swagger2.json"
        target = Path(scratch) / "openapi3.json"
        source.write_text(json.dumps(swagger2_doc), encoding="utf-8")
        command = [str(executable), str(source), "--outfile", str(target)]
        # No telemetry or update check: the conversion is local and must stay so.
        environment = {**os.environ, "SCARF_ANALYTICS": "false", "NO_UPDATE_NOTIFIER": "1"}
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, env=environment, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise ConversionError(f"{CONVERTER_PACKAGE} did not finish within {TIMEOUT_SECONDS} s") from exc
        except OSError as exc:
            raise ConversionError(f"cannot run {executable}: {exc}") from exc
        if result.returncode != 0 or not target.exists():
            lines = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()
            # The message, not node's stack trace ("    at fixupRefs (...)").
            message = [line.strip() for line in lines if line.strip() and not line.strip().startswith("at ")]
            raise ConversionError(f"{CONVERTER_PACKAGE} failed (exit {result.returncode}): " + " | ".join(message[:5]))
        try:
            converted = json.loads(target.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise ConversionError(f"{CONVERTER_PACKAGE} wrote invalid JSON: {exc}") from exc
    if spec_kind(converted) != "openapi-3":
        raise ConversionError(f"{CONVERTER_PACKAGE} did not produce an OpenAPI 3 document")
    return converted


def ensure_openapi3(document: JsonObject, node_modules: Path = NODE_MODULES) -> JsonObject:
    """`document` itself if it is OpenAPI 3, else its conversion (ConversionError if neither)."""
    if spec_kind(document) == "openapi-3":
        return document
    return convert(document, node_modules)


# ---------------------------------------------------------------------------------------
# For scripts/clean_spec.py: overlay `expect` values compared as schemas, not as text
# ---------------------------------------------------------------------------------------

# Keywords whose empty value means the same as leaving the keyword out (JSON Schema defaults).
EMPTY_MEANS_ABSENT = frozenset({"properties", "required", "patternProperties"})
NOT_SCHEMA_KEYS = frozenset({"enum", "example", "examples", "default", "const"})


def canonical_schema(value: Any) -> Any:
    """`value` with every empty `properties` / `required` / `patternProperties` dropped.

    The Java converter upstream writes `"properties": {}` on every object schema; swagger2openapi
    leaves it out. Both mean the same: an object without declared properties.
    Data values (enum members, examples, defaults) are kept as they are.
    """
    if isinstance(value, list):
        return [canonical_schema(item) for item in value]
    if not isinstance(value, dict):
        return value
    canonical: dict[str, Any] = {}
    for key, item in value.items():
        if key in EMPTY_MEANS_ABSENT and item in ({}, []):
            continue
        canonical[key] = copy.deepcopy(item) if key in NOT_SCHEMA_KEYS else canonical_schema(item)
    return canonical


def schemas_equivalent(actual: Any, expected: Any) -> bool:
    """True when two schemas differ at most by empty `properties` / `required` maps."""
    return canonical_schema(actual) == canonical_schema(expected)


# ---------------------------------------------------------------------------------------
# CLI
# ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="Swagger 2.0 or OpenAPI 3 JSON document")
    parser.add_argument("target", type=Path, help="where to write the OpenAPI 3 JSON document")
    args = parser.parse_args(argv)
    try:
        document = json.loads(args.source.read_bytes())
        kind = spec_kind(document)
        converted = ensure_openapi3(document)
    except OSError as exc:
        print(f"convert_swagger2: cannot read {args.source}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except (ValueError, UnicodeDecodeError) as exc:
        print(f"convert_swagger2: {args.source} is not valid JSON: {exc}", file=sys.stderr)
        return 2
    except ConversionError as exc:
        print(f"convert_swagger2: {args.source}: {exc}", file=sys.stderr)
        return 1
    args.target.parent.mkdir(parents=True, exist_ok=True)
    if kind == "openapi-3":
        if args.source.resolve() != args.target.resolve():
            shutil.copyfile(args.source, args.target)
        print(f"convert_swagger2: {args.source} is already OpenAPI {document['openapi']}; copied unchanged")
        return 0
    write_json(converted, args.target)
    print(
        f"convert_swagger2: {args.target}: OpenAPI {converted['openapi']} converted from Swagger "
        f"{document['swagger']} by {CONVERTER_PACKAGE} {CONVERTER_VERSION}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
