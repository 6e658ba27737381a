"""The spec pipeline: fetch the pinned spec (or another source), convert Swagger 2 to OpenAPI 3,
clean and validate it with the overlay, and give it the names of the previous pin.

`make spec` and `make update-pin` run it as a command; api_diff, the bench and the tests use the
same steps, in a process (`prepared`, `stabilized`) or as the command with other files.

Usage: python -m scripts.pipeline [--source PATH|URL] [--update-pin --lock NEW_LOCK [--dqops-version X.Y.Z]]
           [--previous SPEC|NAMES_LOCK] [--write-names-lock PATH] [--out-dir DIR] [--timings PATH]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scripts import clean_spec, convert_swagger2, fetch_spec, stable_names
from scripts.operations import JsonObject
from scripts.spec_io import (
    CLEANED_SPEC,
    CONVERTED_SPEC,
    NAMES_LOCK,
    OVERLAY,
    RAW_SPEC,
    REFERENCE_NAMES,
    SPEC_LOCK,
    write_json,
)


def prepared(
    document: Any,
    overlay: JsonObject | None = None,
    *,
    validate: bool = True,
    not_applicable: list[str] | None = None,
) -> JsonObject:
    """`document` (Swagger 2 or OpenAPI 3, raw or cleaned) as the build cleans it: converted,
    the Java serializer's artifacts removed, `overlay` applied and, with `validate`, validated.
    Raises convert_swagger2.ConversionError or clean_spec.SpecError."""
    document = convert_swagger2.ensure_openapi3(document)
    if validate:
        return clean_spec.clean_document(document, overlay, not_applicable=not_applicable)
    for transformation in clean_spec.TRANSFORMATIONS:
        document = transformation(document)
    if overlay:
        document = clean_spec.apply_overlay(document, overlay, not_applicable=not_applicable)
    return document


def stabilized(
    document: JsonObject, previous: JsonObject, reference: JsonObject | None = None
) -> tuple[JsonObject, JsonObject]:
    """(`document` with the enum and model names of `previous` (a spec or a names lock) and of the
    references, the report of what was kept and renamed)."""
    return stable_names.stabilize_names(document, previous, reference)


@dataclass(frozen=True)
class Files:
    """Where the pipeline reads and writes."""

    raw: Path = RAW_SPEC
    converted: Path = CONVERTED_SPEC
    cleaned: Path = CLEANED_SPEC

    @classmethod
    def in_folder(cls, folder: Path) -> Files:
        return cls(folder / RAW_SPEC.name, folder / CONVERTED_SPEC.name, folder / CLEANED_SPEC.name)


@dataclass(frozen=True)
class Step:
    name: str
    run: Callable[[], int]


def steps(
    files: Files,
    *,
    source: str | None = None,
    update_pin: bool = False,
    lock: Path = SPEC_LOCK,
    dqops_version: str | None = None,
    previous: Path = NAMES_LOCK,
    write_names_lock: Path | None = None,
) -> list[Step]:
    """The steps of the pipeline, each the command of its module (same output, same exit codes)."""
    fetch = ["--lock", str(lock), "--out", str(files.raw)]
    if source:
        fetch += ["--source", source]
    if update_pin:
        fetch.append("--update-pin")
    if dqops_version:
        fetch += ["--dqops-version", dqops_version]
    names = [str(files.cleaned), "--previous", str(previous), "--reference", str(_from_here(REFERENCE_NAMES))]
    names += ["--out", str(files.cleaned)]
    names += ["--write-lock", str(write_names_lock)] if write_names_lock else ["--quiet"]
    return [
        Step("fetch_spec", lambda: fetch_spec.main(fetch)),
        Step("convert_swagger2", lambda: convert_swagger2.main([str(files.raw), str(files.converted)])),
        Step(
            "clean_spec",
            lambda: clean_spec.main([str(files.converted), str(files.cleaned), "--overlay", str(OVERLAY)]),
        ),
        Step("stable_names", lambda: stable_names.main(names)),
    ]


def run(pipeline: list[Step]) -> tuple[int, dict[str, float]]:
    """(exit code of the first failing step or 0, seconds per step run)."""
    timings: dict[str, float] = {}
    for step in pipeline:
        start = time.perf_counter()
        code = step.run()
        timings[step.name] = time.perf_counter() - start
        if code != 0:
            return code, timings
    return 0, timings


def _from_here(path: Path) -> Path:
    """`path` relative to the working folder where it is below it: what the steps print."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", metavar="PATH|URL", help="fetch this spec instead of the pinned one")
    parser.add_argument("--update-pin", action="store_true", help="pin the fetched spec in --lock")
    parser.add_argument("--lock", type=Path, default=SPEC_LOCK, help="the spec lock (default: %(default)s)")
    parser.add_argument("--dqops-version", help="the DQOps version --update-pin records")
    parser.add_argument(
        "--previous",
        type=Path,
        default=NAMES_LOCK,
        help="the spec or names lock whose names to keep (default: %(default)s)",
    )
    parser.add_argument(
        "--write-names-lock", type=Path, help="write the names lock of the result here (and report in full)"
    )
    parser.add_argument("--out-dir", type=Path, help="write the raw, converted and cleaned specs here, not in openapi/")
    parser.add_argument("--timings", type=Path, help="write the seconds each step took here (JSON)")
    args = parser.parse_args(argv)
    files = (
        Files.in_folder(args.out_dir)
        if args.out_dir
        else Files(*map(_from_here, (RAW_SPEC, CONVERTED_SPEC, CLEANED_SPEC)))
    )
    code, timings = run(
        steps(
            files,
            source=args.source,
            update_pin=args.update_pin,
            lock=_from_here(args.lock),
            dqops_version=args.dqops_version,
            previous=_from_here(args.previous),
            write_names_lock=args.write_names_lock,
        )
    )
    if args.timings:
        write_json(timings, args.timings)
    return code


if __name__ == "__main__":
    sys.exit(main())
