"""Tests of scripts/fetch_spec.py: sources, fall-through, checksum pinning, caching.

Every test works on its own lock/out files in tmp_path, points the upstream URL at a
closed loopback port and serves URLs from a local http.server, so no test reaches the
internet or writes to the repository's openapi/ directory.
"""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import build_commands
import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


from scripts import fetch_spec

SPEC_FILE_NAME = "dqops-api-openapi-3.test.json"
SPEC_BYTES = b'{\n  "openapi" : "3.0.1",\n  "info" : {"title": "DQOps", "version": "v1"},\n  "paths" : {}\n}\n'
SPEC_SHA256 = hashlib.sha256(SPEC_BYTES).hexdigest()
OTHER_SPEC_BYTES = b'{"swagger": "2.0", "info": {"title": "DQOps", "version": "v1"}, "paths": {}}'
OTHER_SPEC_SHA256 = hashlib.sha256(OTHER_SPEC_BYTES).hexdigest()
PINNED_COMMIT = "9b1cb137d5f1d55af63c2cf86ffe54ed55494dd8"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (fetch_spec.ENV_SOURCE, fetch_spec.ENV_MIRROR, fetch_spec.ENV_UPSTREAM_URL_TEMPLATE):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nobody listens on, so a connection to it is refused at once."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def unreachable_upstream_template(closed_port: int) -> str:
    return f"http://127.0.0.1:{closed_port}/dqops/dqo/{{commit}}/swagger-api/{{file}}"


@pytest.fixture
def mirror_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "mirror"
    directory.mkdir()
    (directory / SPEC_FILE_NAME).write_bytes(SPEC_BYTES)
    return directory


@pytest.fixture
def lock_path(tmp_path: Path) -> Path:
    path = tmp_path / "openapi" / "spec.lock.json"
    path.parent.mkdir()
    path.write_text(
        json.dumps(
            {
                "file": SPEC_FILE_NAME,
                "upstream_file": "dqops-api-openapi-3.json",
                "upstream_commit": PINNED_COMMIT,
                "sha256": SPEC_SHA256,
                "dqops_version": "1.6.2",
                "sdk_release": 2,
                "spec_format": "openapi-3.0.1",
                "source": "test",
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def out_path(tmp_path: Path) -> Path:
    return tmp_path / "openapi" / "dqops-api-openapi-3.raw.json"


@pytest.fixture
def served_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A directory served by a real http.server on an ephemeral loopback port."""
    directory = tmp_path / "served"
    directory.mkdir()
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield directory, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


Fetch = Callable[..., tuple[int, str, str]]


@pytest.fixture
def fetch(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    lock_path: Path,
    out_path: Path,
    unreachable_upstream_template: str,
) -> Fetch:
    """Run the CLI on the test's lock and output: `fetch(*arguments, mirror=..., upstream=...)` ->
    (exit code, stdout, stderr). By default no mirror and an upstream that refuses connections."""

    def run(*extra: str, mirror: Path | None = None, upstream: str | None = None) -> tuple[int, str, str]:
        arguments = ["--lock", str(lock_path), "--out", str(out_path), "--timeout", "2"]
        arguments += ["--mirror", str(mirror or tmp_path / "no-mirror")]
        arguments += ["--upstream-url-template", upstream or unreachable_upstream_template]
        exit_code = fetch_spec.main([*arguments, *extra])
        captured = capsys.readouterr()
        return exit_code, captured.out, captured.err

    return run


def test_explicit_path_source_writes_the_bytes_unchanged(fetch: Fetch, tmp_path: Path, out_path: Path) -> None:
    source = tmp_path / "from-dqops.json"
    source.write_bytes(SPEC_BYTES)

    exit_code, out, err = fetch("--source", str(source))

    assert (exit_code, err) == (0, "")
    assert out_path.read_bytes() == SPEC_BYTES
    assert f"explicit source {source}" in out


def test_explicit_url_source_served_by_a_local_http_server(
    fetch: Fetch, out_path: Path, served_dir: tuple[Path, str]
) -> None:
    directory, base_url = served_dir
    (directory / "swagger-api").mkdir()
    (directory / "swagger-api" / "dqops-api-openapi-3.json").write_bytes(SPEC_BYTES)
    url = f"{base_url}/swagger-api/dqops-api-openapi-3.json"

    exit_code, out, err = fetch("--source", url)

    assert (exit_code, err) == (0, "")
    assert out_path.read_bytes() == SPEC_BYTES
    assert url in out


def test_source_from_environment_variable(fetch: Fetch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = tmp_path / "env-source.json"
    source.write_bytes(SPEC_BYTES)
    monkeypatch.setenv(fetch_spec.ENV_SOURCE, str(source))

    exit_code, out, err = fetch()

    assert (exit_code, err) == (0, "")
    assert f"explicit source {source}" in out


def test_unreachable_upstream_falls_through_to_the_mirror_with_one_stderr_line(
    fetch: Fetch, out_path: Path, mirror_dir: Path, closed_port: int
) -> None:
    exit_code, out, err = fetch(mirror=mirror_dir)

    assert exit_code == 0
    assert out_path.read_bytes() == SPEC_BYTES
    stderr_lines = err.splitlines()
    assert len(stderr_lines) == 1, err
    line = stderr_lines[0]
    upstream_url = f"http://127.0.0.1:{closed_port}/dqops/dqo/{PINNED_COMMIT}/swagger-api/dqops-api-openapi-3.json"
    assert line.startswith(f"fetch_spec: upstream source {upstream_url} failed: ConnectError")
    assert line.endswith(f"; trying mirror source {mirror_dir / SPEC_FILE_NAME}")
    assert "from mirror source" in out


def test_upstream_http_error_status_falls_through_to_the_mirror(
    fetch: Fetch, out_path: Path, mirror_dir: Path, served_dir: tuple[Path, str]
) -> None:
    _, base_url = served_dir  # serves an empty directory: every file is a 404
    template = base_url + "/{commit}/{file}"

    exit_code, _, err = fetch(mirror=mirror_dir, upstream=template)

    assert exit_code == 0
    assert out_path.read_bytes() == SPEC_BYTES
    assert "failed: HTTP 404 File not found; trying mirror source" in err
    assert len(err.splitlines()) == 1


def test_no_source_working_exits_1(fetch: Fetch, out_path: Path) -> None:
    exit_code, _, err = fetch()

    assert exit_code == 1
    lines = err.splitlines()
    assert len(lines) == 3, err
    assert lines[1].endswith("No such file or directory; no source left")
    assert lines[2].startswith("fetch_spec: error: no source delivered the spec")
    assert not out_path.exists()


def test_failing_explicit_source_is_an_error_without_fall_through(
    fetch: Fetch, out_path: Path, mirror_dir: Path, closed_port: int
) -> None:
    url = f"http://127.0.0.1:{closed_port}/swagger-api/dqops-api-openapi-3.json"

    exit_code, _, err = fetch("--source", url, mirror=mirror_dir)

    assert exit_code == 1
    assert err.splitlines() == [
        f"fetch_spec: error: explicit source {url} failed: ConnectError: [Errno 111] Connection refused; "
        "not falling back to the default sources because the source was given explicitly"
    ]
    assert not out_path.exists()


def test_checksum_mismatch_is_refused_with_exit_code_2_and_the_lock_untouched(
    tmp_path: Path,
    lock_path: Path,
    out_path: Path,
    mirror_dir: Path,
    unreachable_upstream_template: str,
) -> None:
    (mirror_dir / SPEC_FILE_NAME).write_bytes(OTHER_SPEC_BYTES)
    lock_before = lock_path.read_bytes()

    # Run the real CLI: the exit code and the absence of a traceback are what a user sees.
    completed = build_commands.run(
        "fetch_spec",
        *("--lock", lock_path, "--out", out_path, "--mirror", mirror_dir),
        *("--upstream-url-template", unreachable_upstream_template),
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )

    assert completed.returncode == 2
    error_line = completed.stderr.splitlines()[-1]
    assert error_line.startswith("fetch_spec: error: checksum mismatch for mirror source")
    assert f"lock expects sha256 {SPEC_SHA256}" in error_line
    assert f"fetched bytes have sha256 {OTHER_SPEC_SHA256}" in error_line
    assert "--update-pin" in error_line
    assert "Traceback" not in completed.stderr
    assert lock_path.read_bytes() == lock_before
    assert not out_path.exists()


def test_checksum_mismatch_raises_a_typed_error(lock_path: Path, out_path: Path, tmp_path: Path) -> None:
    source = tmp_path / "other.json"
    source.write_bytes(OTHER_SPEC_BYTES)
    options = fetch_spec.FetchOptions(lock_path=lock_path, out_path=out_path, explicit_source=str(source))

    with pytest.raises(fetch_spec.SpecChecksumMismatch) as raised:
        fetch_spec.fetch_spec(options)

    assert (raised.value.expected_sha256, raised.value.actual_sha256) == (SPEC_SHA256, OTHER_SPEC_SHA256)


def test_update_pin_with_an_explicit_swagger2_source_rewrites_the_lock(
    fetch: Fetch, tmp_path: Path, lock_path: Path, out_path: Path
) -> None:
    source = tmp_path / "dqops-api-swagger-2.1.13.2.json"
    source.write_bytes(OTHER_SPEC_BYTES)

    exit_code, out, err = fetch("--source", str(source), "--update-pin", "--dqops-version", "1.13.2")

    assert (exit_code, err) == (0, "")
    assert out_path.read_bytes() == OTHER_SPEC_BYTES
    assert json.loads(lock_path.read_text(encoding="utf-8")) == {
        "file": "dqops-api-swagger-2.1.13.2.json",
        "upstream_file": "dqops-api-swagger-2.1.13.2.json",
        "upstream_commit": None,
        "sha256": OTHER_SPEC_SHA256,
        "dqops_version": "1.13.2",
        "sdk_release": 0,  # a new DQOps version: its first SDK release
        "spec_format": "swagger-2.0",
        "source": str(source),
    }
    assert "now pins sha256" in out


def test_update_pin_from_the_default_chain_keeps_the_pinned_identity(
    fetch: Fetch, lock_path: Path, out_path: Path, mirror_dir: Path
) -> None:
    (mirror_dir / SPEC_FILE_NAME).write_bytes(OTHER_SPEC_BYTES)

    exit_code, _, _ = fetch("--update-pin", mirror=mirror_dir)

    assert exit_code == 0
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    assert lock["sha256"] == OTHER_SPEC_SHA256
    assert (lock["file"], lock["upstream_commit"], lock["dqops_version"]) == (SPEC_FILE_NAME, PINNED_COMMIT, "1.6.2")
    assert lock["sdk_release"] == 2, "the same DQOps version keeps its SDK release count"
    assert out_path.read_bytes() == OTHER_SPEC_BYTES


@pytest.mark.parametrize(("dqops_version", "sdk_release"), [("1.6.2", 2), ("1.6.3", 0), (None, 2)])
def test_update_pin_keeps_the_sdk_release_for_the_same_dqops_version_and_restarts_it_for_another(
    lock_path: Path, dqops_version: str | None, sdk_release: int
) -> None:
    previous = fetch_spec.load_lock(lock_path)
    for source in (
        fetch_spec.explicit_source("/specs/dqops-api.json"),
        fetch_spec.default_sources(previous, "{commit}{file}", Path("m"))[-1],
    ):
        fetched = fetch_spec.FetchedSpec(source, OTHER_SPEC_BYTES, OTHER_SPEC_SHA256, "openapi-3.0.1")
        new = fetch_spec.updated_lock(previous, fetched, dqops_version)
        if source.kind == "explicit" and dqops_version is None:
            assert (new.dqops_version, new.sdk_release) == (None, 0), "an explicit source names no DQOps version"
        else:
            assert (new.dqops_version, new.sdk_release) == (dqops_version or "1.6.2", sdk_release)


@pytest.mark.parametrize("version", ["1.13.2-SNAPSHOT", "v1.13.2", "1.013.2", "1.13.", ""])
def test_a_dqops_version_that_cannot_start_the_package_version_is_refused(
    fetch: Fetch, capsys: pytest.CaptureFixture[str], lock_path: Path, mirror_dir: Path, version: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        fetch("--update-pin", "--dqops-version", version, mirror=mirror_dir, upstream="{commit}{file}")
    assert exited.value.code == 2
    assert "is not a DQOps release number such as 1.13.2" in capsys.readouterr().err
    assert json.loads(lock_path.read_text(encoding="utf-8"))["sdk_release"] == 2


def test_update_pin_creates_a_missing_lock_from_an_upstream_url(tmp_path: Path) -> None:
    url = f"https://raw.githubusercontent.com/dqops/dqo/{PINNED_COMMIT}/dqops/src/main/resources/static/swagger-api/dqops-api-openapi-3.json"

    source = fetch_spec.explicit_source(url)
    fetched = fetch_spec.FetchedSpec(source, SPEC_BYTES, SPEC_SHA256, "openapi-3.0.1")
    lock = fetch_spec.updated_lock(None, fetched, None)

    assert (lock.upstream_commit, lock.upstream_file, lock.file) == (
        PINNED_COMMIT,
        "dqops-api-openapi-3.json",
        "dqops-api-openapi-3.json",
    )
    assert (
        fetch_spec.explicit_source("http://localhost:8888/swagger-api/dqops-api-openapi-3.json").upstream_commit is None
    )


def test_cached_output_is_not_fetched_again(fetch: Fetch, out_path: Path) -> None:
    out_path.write_bytes(SPEC_BYTES)

    # No mirror and an unreachable upstream: any fetch attempt would fail.
    exit_code, out, err = fetch()

    assert (exit_code, err) == (0, "")
    assert "is cached" in out


def test_stale_output_is_replaced(fetch: Fetch, out_path: Path, mirror_dir: Path) -> None:
    out_path.write_bytes(b"{}")

    exit_code, out, _ = fetch(mirror=mirror_dir)

    assert exit_code == 0
    assert out_path.read_bytes() == SPEC_BYTES
    assert "is cached" not in out


@pytest.mark.parametrize(
    ("content", "expected_message"),
    [
        (b"<html>proxy login</html>", "is not JSON"),
        (b'{"hello": "world"}', "not an OpenAPI/Swagger document"),
    ],
)
def test_a_source_that_is_not_an_openapi_json_document_is_refused(
    fetch: Fetch, tmp_path: Path, lock_path: Path, content: bytes, expected_message: str
) -> None:
    source = tmp_path / "not-a-spec.json"
    source.write_bytes(content)

    exit_code, _, err = fetch("--source", str(source), "--update-pin")

    assert exit_code == 2
    assert expected_message in err
    assert len(err.splitlines()) == 1
    assert json.loads(lock_path.read_text(encoding="utf-8"))["sha256"] == SPEC_SHA256


def test_malformed_lock_exits_2(fetch: Fetch, lock_path: Path, mirror_dir: Path) -> None:
    lock_path.write_text('{"file": "x.json"}', encoding="utf-8")

    exit_code, _, err = fetch(mirror=mirror_dir)

    assert exit_code == 2
    assert "'sha256' must be 64 lower-case hex digits" in err


@pytest.mark.parametrize("sdk_release", [-1, "1", 1.0, None])
def test_a_lock_with_a_bad_sdk_release_exits_2(
    fetch: Fetch, lock_path: Path, mirror_dir: Path, sdk_release: object
) -> None:
    lock = json.loads(lock_path.read_text(encoding="utf-8"))
    lock_path.write_text(json.dumps({**lock, "sdk_release": sdk_release}), encoding="utf-8")

    exit_code, _, err = fetch(mirror=mirror_dir)

    assert exit_code == 2
    assert "'sdk_release' must be a whole number from 0" in err


def test_committed_lock_pins_the_shared_mirror_file() -> None:
    """The real lock must name a mirror file whose bytes have the pinned checksum (read-only check)."""
    lock = fetch_spec.load_lock(fetch_spec.DEFAULT_LOCK_PATH)
    mirror_file = fetch_spec.DEFAULT_MIRROR_DIR / lock.file
    assert mirror_file.is_file(), f"mirror file {mirror_file} is missing (shared/ must sit beside the repo)"

    fetched = fetch_spec.fetch_from(fetch_spec.SpecSource("mirror", str(mirror_file), None, None), 10.0)

    assert fetched.sha256 == lock.sha256
    assert fetched.spec_format == lock.spec_format
