"""Reading and writing the build's JSON files: specs, the names lock, and the spec lock
(`openapi/spec.lock.json`, which pins the spec and gives the package its version).

Every file is written through a temporary file in its folder and one rename, so a reader
(another make target, a test in another worker) never sees half of it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
OPENAPI_DIR = REPO_ROOT / "openapi"
SPEC_LOCK = OPENAPI_DIR / "spec.lock.json"
OVERLAY = OPENAPI_DIR / "overlay.json"
NAMES_LOCK = OPENAPI_DIR / "names.lock.json"
REFERENCE_NAMES = OPENAPI_DIR / "reference-names.json"
RAW_SPEC = OPENAPI_DIR / "dqops-api-openapi-3.raw.json"
CONVERTED_SPEC = OPENAPI_DIR / "dqops-api-openapi-3.converted.json"
CLEANED_SPEC = OPENAPI_DIR / "dqops-api-openapi-3.cleaned.json"
GENERATOR_SPEC = OPENAPI_DIR / "dqops-api-openapi-3.generator.json"
# Snapshots of upstream's published client, read by `make reference-names` and the tests.
UPSTREAM_DIR = OPENAPI_DIR / "upstream"


class JsonFileError(Exception):
    """A JSON file cannot be read, or is not JSON; the message names the file."""


class LockError(JsonFileError):
    """The spec lock is missing or malformed, or cannot give the package a version."""


def load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise JsonFileError(f"cannot read {path}: it does not exist") from exc
    except OSError as exc:
        raise JsonFileError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonFileError(f"{path} is not valid JSON: {exc}") from exc


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write `path` via a temporary file in the same folder and one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp_file:
            temp_file.write(data)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        # mkstemp creates 0600; give the file the mode a plain open() would have.
        os.chmod(temp_name, 0o666 & ~_umask())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def write_json(document: Any, path: Path, *, ensure_ascii: bool = False) -> None:
    """`document` as indented JSON with a final newline, written atomically."""
    text = json.dumps(document, indent=2, ensure_ascii=ensure_ascii) + "\n"
    write_bytes_atomically(path, text.encode("utf-8"))


def write_text_atomically(path: Path, text: str) -> None:
    write_bytes_atomically(path, text.encode("utf-8"))


# A DQOps version as the package version can carry it: a PEP 440 release segment in its
# normal form (no leading zeros, which an index would drop), to which the SDK release is appended.
DQOPS_VERSION_PATTERN = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


@dataclasses.dataclass(frozen=True)
class SpecLock:
    """Contents of `openapi/spec.lock.json`: which spec the build uses, and which DQOps API and
    SDK release the package is.

    `file` names the spec in the mirror folder; `upstream_file` and `upstream_commit` locate it
    upstream (a null commit means upstream is not tried). `sdk_release` counts the SDK's
    releases for `dqops_version`; the package version is `<dqops_version>.<sdk_release>`
    (docs/releasing.md).
    """

    file: str
    sha256: str
    upstream_file: str | None = None
    upstream_commit: str | None = None
    dqops_version: str | None = None
    sdk_release: int = 0
    spec_format: str | None = None
    source: str | None = None

    KEY_ORDER = (
        "file",
        "upstream_file",
        "upstream_commit",
        "sha256",
        "dqops_version",
        "sdk_release",
        "spec_format",
        "source",
    )

    @property
    def spec_sha256(self) -> str:
        """The sha256 of the spec file as DQOps published it."""
        return self.sha256

    @property
    def package_version(self) -> str:
        """The version of the dqops-sdk distribution: "<DQOps version>.<SDK release>", e.g. 1.13.2.0."""
        return f"{self.dqops_version}.{self.sdk_release}"

    @classmethod
    def load(cls, path: Path) -> SpecLock:
        """The lock at `path`, each field checked; a first pin may leave out `sdk_release` (0)."""
        return cls.from_json(_read_lock(path), path)

    @classmethod
    def load_pin(cls, path: Path) -> SpecLock:
        """The lock at `path`, which must name the package's version: a DQOps release number and
        an SDK release (what generation and the editable install read)."""
        raw = _read_lock(path)
        missing = [key for key in ("dqops_version", "sha256", "sdk_release") if key not in raw]
        if missing:
            raise LockError(f"cannot read dqops_version, sha256 and sdk_release from {path}: {missing} missing")
        dqops_version, sdk_release = raw["dqops_version"], raw["sdk_release"]
        if not isinstance(dqops_version, str) or not DQOPS_VERSION_PATTERN.fullmatch(dqops_version):
            raise LockError(
                f"{path}: dqops_version {dqops_version!r} is not a DQOps release number such as 1.13.2; the "
                "package version is made from it (make update-pin SOURCE=... DQOPS_VERSION=x.y.z)"
            )
        if type(sdk_release) is not int or sdk_release < 0:
            raise LockError(f"{path}: sdk_release must be a whole number from 0, got {sdk_release!r}")
        return cls.from_json(raw, path)

    @classmethod
    def from_json(cls, raw: dict[str, Any], path: Path) -> SpecLock:
        def optional_str(key: str) -> str | None:
            value = raw.get(key)
            if value is not None and not isinstance(value, str):
                raise LockError(f"lock file {path}: '{key}' must be a string or null, got {value!r}")
            return value

        file_name, sha = optional_str("file"), optional_str("sha256")
        if not file_name:
            raise LockError(f"lock file {path} has no 'file'")
        if not sha or not SHA256_PATTERN.fullmatch(sha):
            raise LockError(f"lock file {path}: 'sha256' must be 64 lower-case hex digits")
        sdk_release = raw.get("sdk_release", 0)
        if type(sdk_release) is not int or sdk_release < 0:
            raise LockError(f"lock file {path}: 'sdk_release' must be a whole number from 0, got {sdk_release!r}")
        return cls(
            file=file_name,
            sha256=sha,
            upstream_file=optional_str("upstream_file"),
            upstream_commit=optional_str("upstream_commit"),
            dqops_version=optional_str("dqops_version"),
            sdk_release=sdk_release,
            spec_format=optional_str("spec_format"),
            source=optional_str("source"),
        )

    def to_json(self) -> str:
        fields = dataclasses.asdict(self)
        return json.dumps({key: fields[key] for key in self.KEY_ORDER}, indent=2) + "\n"

    def write(self, path: Path) -> None:
        write_text_atomically(path, self.to_json())


def _read_lock(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LockError(f"lock file {path} not found; create it with --source PATH|URL --update-pin") from None
    except OSError as exc:
        raise LockError(f"cannot read lock file {path}: {exc.strerror}") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LockError(f"lock file {path} is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise LockError(f"lock file {path} must hold a JSON object")
    return raw
