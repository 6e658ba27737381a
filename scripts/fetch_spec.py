"""Fetch the DQOps OpenAPI specification and pin it by checksum.

The raw bytes are written unchanged to ``--out``; cleaning and conversion are later
build steps. Sources, in order:

1. an explicit ``--source PATH|URL`` (or env ``DQOPS_OPENAPI_SOURCE``), e.g. a running
   DQOps at ``http://HOST:8888/swagger-api/dqops-api-openapi-3.json``. If it fails the
   script stops: the user asked for that source, so silently using another would lie.
2. the upstream raw file at the commit pinned in the lock file,
3. the mirror directory (``../shared/dqops-openapi/`` beside the repo, or env
   ``DQOPS_SPEC_MIRROR``), file named in the lock.

Sources 2 and 3 form a fall-through chain: a network failure of one prints one line on
stderr and the next is tried, so an offline CI reaches the mirror within seconds.

Exit codes: 0 ok, 1 no source worked, 2 checksum mismatch or bad input.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import re
import sys
import urllib.parse
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import httpx

from scripts.spec_io import (
    DQOPS_VERSION_PATTERN,
    RAW_SPEC,
    REPO_ROOT,
    SPEC_LOCK,
    LockError,
    SpecLock,
    write_bytes_atomically,
)

DEFAULT_LOCK_PATH = SPEC_LOCK
DEFAULT_OUT_PATH = RAW_SPEC
DEFAULT_MIRROR_DIR = REPO_ROOT.parent / "shared" / "dqops-openapi"
DEFAULT_UPSTREAM_URL_TEMPLATE = (
    "https://raw.githubusercontent.com/dqops/dqo/{commit}/dqops/src/main/resources/static/swagger-api/{file}"
)
UPSTREAM_URL_PATTERN = re.compile(
    r"^https://raw\.githubusercontent\.com/dqops/dqo/(?P<commit>[0-9a-f]{40})"
    r"/dqops/src/main/resources/static/swagger-api/(?P<file>[^/?#]+)$"
)
DEFAULT_TIMEOUT_SECONDS = 10.0

ENV_SOURCE = "DQOPS_OPENAPI_SOURCE"
ENV_MIRROR = "DQOPS_SPEC_MIRROR"
ENV_UPSTREAM_URL_TEMPLATE = "DQOPS_SPEC_UPSTREAM_URL_TEMPLATE"

EXIT_OK = 0
EXIT_NO_SOURCE = 1
EXIT_BAD_INPUT = 2

LOG_PREFIX = "fetch_spec:"


class SpecFetchError(Exception):
    """Base class of the errors this script reports without a traceback."""

    exit_code: int = EXIT_BAD_INPUT


class SourceUnavailable(SpecFetchError):
    """One source could not deliver bytes (network error, HTTP error status, missing file)."""

    exit_code = EXIT_NO_SOURCE


class NoSourceAvailable(SpecFetchError):
    """Every source that was tried failed."""

    exit_code = EXIT_NO_SOURCE


class SpecChecksumMismatch(SpecFetchError):
    """The fetched bytes are not the pinned ones."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, origin: str, expected_sha256: str, actual_sha256: str) -> None:
        self.origin = origin
        self.expected_sha256 = expected_sha256
        self.actual_sha256 = actual_sha256
        super().__init__(
            f"checksum mismatch for {origin}: lock expects sha256 {expected_sha256}, "
            f"fetched bytes have sha256 {actual_sha256}; "
            "rerun with --update-pin to accept the new spec and rewrite the lock"
        )


class SpecNotJson(SpecFetchError):
    """The source answered with something that is not a JSON OpenAPI/Swagger document."""

    exit_code = EXIT_BAD_INPUT


class LockFileError(SpecFetchError):
    """The lock file is missing or malformed."""

    exit_code = EXIT_BAD_INPUT


@dataclasses.dataclass(frozen=True)
class SpecSource:
    """One place to fetch the spec from.

    ``kind`` is ``explicit``, ``upstream`` or ``mirror``; ``upstream_commit`` and
    ``upstream_file`` are what a ``--update-pin`` records for it (None when unknown).
    """

    kind: str
    location: str
    upstream_commit: str | None
    upstream_file: str | None

    def describe(self) -> str:
        return f"{self.kind} source {self.location}"


@dataclasses.dataclass(frozen=True)
class FetchedSpec:
    source: SpecSource
    data: bytes
    sha256: str
    spec_format: str


@dataclasses.dataclass(frozen=True)
class FetchOptions:
    lock_path: Path = DEFAULT_LOCK_PATH
    out_path: Path = DEFAULT_OUT_PATH
    explicit_source: str | None = None
    update_pin: bool = False
    mirror_dir: Path = DEFAULT_MIRROR_DIR
    upstream_url_template: str = DEFAULT_UPSTREAM_URL_TEMPLATE
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS
    dqops_version: str | None = None


@dataclasses.dataclass(frozen=True)
class FetchOutcome:
    out_path: Path
    sha256: str
    cached: bool
    source: SpecSource | None
    lock_updated: bool


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def is_http_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def local_path_of(location: str) -> Path:
    if location.startswith("file://"):
        return Path(urllib.request.url2pathname(urllib.parse.urlparse(location).path))
    return Path(location)


def basename_of(location: str) -> str:
    if is_http_url(location):
        return urllib.parse.urlparse(location).path.rstrip("/").rsplit("/", 1)[-1]
    return local_path_of(location).name


# ---------------------------------------------------------------------------------------
# Lock file
# ---------------------------------------------------------------------------------------


def load_lock(lock_path: Path) -> SpecLock:
    try:
        return SpecLock.load(lock_path)
    except LockError as exc:
        raise LockFileError(str(exc)) from None


def write_lock(lock_path: Path, lock: SpecLock) -> None:
    lock.write(lock_path)


def updated_lock(previous: SpecLock | None, fetched: FetchedSpec, dqops_version: str | None) -> SpecLock:
    """The lock that pins ``fetched``.

    A default source (upstream at the pinned commit, or the mirror copy of the pinned
    file) keeps the previous identity and only changes the checksum; an explicit source
    gets a new identity, with the commit only when its URL names one. The SDK release
    count goes on while the DQOps version stays, and starts again at 0 for a new one.
    """
    source = fetched.source
    if source.kind != "explicit" and previous is not None:
        new_version = dqops_version if dqops_version is not None else previous.dqops_version
        return dataclasses.replace(
            previous,
            sha256=fetched.sha256,
            spec_format=fetched.spec_format,
            source=source.location,
            dqops_version=new_version,
            sdk_release=sdk_release_for(previous, new_version),
        )
    return SpecLock(
        file=basename_of(source.location),
        sha256=fetched.sha256,
        upstream_file=source.upstream_file,
        upstream_commit=source.upstream_commit,
        dqops_version=dqops_version,
        sdk_release=sdk_release_for(previous, dqops_version),
        spec_format=fetched.spec_format,
        source=source.location,
    )


def sdk_release_for(previous: SpecLock | None, dqops_version: str | None) -> int:
    """The SDK release of a new pin: the previous count for the same DQOps version, else 0."""
    if previous is not None and dqops_version is not None and dqops_version == previous.dqops_version:
        return previous.sdk_release
    return 0


# ---------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------


def explicit_source(location: str) -> SpecSource:
    match = UPSTREAM_URL_PATTERN.match(location)
    if match:
        return SpecSource("explicit", location, match["commit"], match["file"])
    # A running DQOps or a local file: the upstream commit it was built from is unknown.
    return SpecSource("explicit", location, None, basename_of(location))


def default_sources(lock: SpecLock, upstream_url_template: str, mirror_dir: Path) -> list[SpecSource]:
    sources: list[SpecSource] = []
    if lock.upstream_commit and lock.upstream_file:
        url = upstream_url_template.format(commit=lock.upstream_commit, file=lock.upstream_file)
        sources.append(SpecSource("upstream", url, lock.upstream_commit, lock.upstream_file))
    sources.append(SpecSource("mirror", str(mirror_dir / lock.file), lock.upstream_commit, lock.upstream_file))
    return sources


def _describe_http_error(exc: httpx.HTTPError | httpx.InvalidURL) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} {exc.response.reason_phrase}"
    detail = str(exc)
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def fetch_bytes(location: str, timeout_seconds: float) -> bytes:
    """Read a URL or a local path; raise SourceUnavailable on any network or file error."""
    if is_http_url(location):
        try:
            with httpx.Client(follow_redirects=True, timeout=timeout_seconds) as client:
                response = client.get(location)
                response.raise_for_status()
                return response.content
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SourceUnavailable(_describe_http_error(exc)) from None
    path = local_path_of(location)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceUnavailable(f"cannot read {path}: {exc.strerror or exc}") from None


def spec_format_of(data: bytes, origin: str) -> str:
    """Check that ``data`` is a JSON OpenAPI 3 or Swagger 2 document; return e.g. ``openapi-3.0.1``."""
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        preview = data[:60].decode("utf-8", errors="replace").replace("\n", " ")
        raise SpecNotJson(f"{origin} is not JSON ({exc}); it starts with {preview!r}") from None
    if isinstance(document, dict):
        for key in ("openapi", "swagger"):
            if isinstance(document.get(key), str):
                return f"{key}-{document[key]}"
    raise SpecNotJson(f"{origin} is JSON but not an OpenAPI/Swagger document (no 'openapi' or 'swagger' key)")


def fetch_from(source: SpecSource, timeout_seconds: float) -> FetchedSpec:
    data = fetch_bytes(source.location, timeout_seconds)
    return FetchedSpec(source, data, sha256_hex(data), spec_format_of(data, source.describe()))


def fetch_first_available(sources: Sequence[SpecSource], timeout_seconds: float, stderr: TextIO) -> FetchedSpec:
    """Try ``sources`` in order; a failing source is reported in one stderr line."""
    for index, source in enumerate(sources):
        try:
            return fetch_from(source, timeout_seconds)
        except SourceUnavailable as exc:
            following = sources[index + 1] if index + 1 < len(sources) else None
            next_step = f"trying {following.describe()}" if following else "no source left"
            print(f"{LOG_PREFIX} {source.describe()} failed: {exc}; {next_step}", file=stderr)
    tried = ", ".join(source.describe() for source in sources)
    raise NoSourceAvailable(f"no source delivered the spec (tried {tried})")


def verify_checksum(fetched: FetchedSpec, expected_sha256: str) -> None:
    if fetched.sha256 != expected_sha256:
        raise SpecChecksumMismatch(fetched.source.describe(), expected_sha256, fetched.sha256)


# ---------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------


def file_sha256_or_none(path: Path) -> str | None:
    try:
        return sha256_hex(path.read_bytes())
    except OSError:
        return None


# ---------------------------------------------------------------------------------------
# Main flow
# ---------------------------------------------------------------------------------------


def fetch_spec(options: FetchOptions, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> FetchOutcome:
    """Fetch, verify (or re-pin) and write the spec; raise a SpecFetchError subclass on failure."""
    lock: SpecLock | None
    if options.update_pin and options.explicit_source and not options.lock_path.exists():
        lock = None  # first pin: --source + --update-pin creates the lock
    else:
        lock = load_lock(options.lock_path)

    refetch_requested = options.explicit_source is not None or options.update_pin
    if lock is not None and not refetch_requested:
        if file_sha256_or_none(options.out_path) == lock.sha256:
            print(f"{LOG_PREFIX} {options.out_path} is cached (sha256 {lock.sha256}); nothing fetched", file=stdout)
            return FetchOutcome(options.out_path, lock.sha256, cached=True, source=None, lock_updated=False)

    if options.explicit_source is not None:
        source = explicit_source(options.explicit_source)
        try:
            fetched = fetch_from(source, options.timeout_seconds)
        except SourceUnavailable as exc:
            raise NoSourceAvailable(
                f"{source.describe()} failed: {exc}; not falling back to the default sources because the source was given explicitly"
            ) from None
    else:
        assert lock is not None
        fetched = fetch_first_available(
            default_sources(lock, options.upstream_url_template, options.mirror_dir),
            options.timeout_seconds,
            stderr,
        )

    lock_updated = False
    if options.update_pin:
        new_lock = updated_lock(lock, fetched, options.dqops_version)
        if new_lock != lock:
            write_lock(options.lock_path, new_lock)
            lock_updated = True
            print(f"{LOG_PREFIX} lock {options.lock_path} now pins sha256 {fetched.sha256}", file=stdout)
    else:
        assert lock is not None
        verify_checksum(fetched, lock.sha256)

    write_bytes_atomically(options.out_path, fetched.data)
    print(
        f"{LOG_PREFIX} wrote {options.out_path} ({len(fetched.data)} bytes, {fetched.spec_format}, "
        f"sha256 {fetched.sha256}) from {fetched.source.describe()}",
        file=stdout,
    )
    return FetchOutcome(
        options.out_path, fetched.sha256, cached=False, source=fetched.source, lock_updated=lock_updated
    )


def build_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Fetch the DQOps OpenAPI spec and check it against the pinned sha256.",
    )
    parser.add_argument(
        "--source",
        metavar="PATH|URL",
        help=f"fetch only from this file or URL (default: env {ENV_SOURCE}, else upstream then mirror)",
    )
    parser.add_argument(
        "--update-pin",
        action="store_true",
        help="accept the fetched bytes and rewrite the lock file with their checksum",
    )
    parser.add_argument("--lock", type=Path, default=DEFAULT_LOCK_PATH, help="lock file (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT_PATH, help="output file (default: %(default)s)")
    parser.add_argument(
        "--mirror",
        type=Path,
        default=None,
        help=f"mirror directory (default: env {ENV_MIRROR}, else {DEFAULT_MIRROR_DIR})",
    )
    parser.add_argument(
        "--upstream-url-template",
        default=None,
        help=f"upstream URL with {{commit}} and {{file}} (default: env {ENV_UPSTREAM_URL_TEMPLATE}, "
        f"else {DEFAULT_UPSTREAM_URL_TEMPLATE})",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_SECONDS,
        help="network timeout in seconds per source (default: %(default)s)",
    )
    parser.add_argument(
        "--dqops-version",
        default=None,
        type=dqops_version_argument,
        help="DQOps version recorded in the lock by --update-pin (the spec itself only says 'v1'); "
        "the package version is made from it, so a release number such as 1.13.2",
    )
    return parser


def dqops_version_argument(text: str) -> str:
    """A DQOps release number in PEP 440's normal form (1.13.2): the package version starts with it."""
    if not DQOPS_VERSION_PATTERN.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a DQOps release number such as 1.13.2")
    return text


def options_from_arguments(arguments: argparse.Namespace, environ: dict[str, str]) -> FetchOptions:
    mirror_dir = arguments.mirror or (Path(environ[ENV_MIRROR]) if environ.get(ENV_MIRROR) else DEFAULT_MIRROR_DIR)
    upstream_template = (
        arguments.upstream_url_template or environ.get(ENV_UPSTREAM_URL_TEMPLATE) or DEFAULT_UPSTREAM_URL_TEMPLATE
    )
    return FetchOptions(
        lock_path=arguments.lock,
        out_path=arguments.out,
        explicit_source=arguments.source or environ.get(ENV_SOURCE) or None,
        update_pin=arguments.update_pin,
        mirror_dir=mirror_dir,
        upstream_url_template=upstream_template,
        timeout_seconds=arguments.timeout,
        dqops_version=arguments.dqops_version,
    )


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    arguments = build_argument_parser().parse_args(argv)
    options = options_from_arguments(arguments, dict(os.environ))
    try:
        fetch_spec(options, stdout=out, stderr=err)
    except SpecFetchError as exc:
        print(f"{LOG_PREFIX} error: {exc}", file=err)
        return exc.exit_code
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
