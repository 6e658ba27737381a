"""Run a Prism mock server (``@stoplight/prism-cli`` from package.json): the stand-in DQOps of
`make demo` and of the contract tests.

``running_prism(spec)`` installs Prism with ``npm ci`` when node_modules is missing,
starts ``prism mock SPEC -h 127.0.0.1 -p PORT --errors`` on a free loopback port (or the one given),
waits until it listens and stops it on exit. ``--errors`` makes Prism answer requests
that violate the spec with 4xx (422 for invalid input, 401 for missing credentials)
instead of mocking a success, so tests catch requests that break the contract.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
PRISM_BIN = REPO_ROOT / "node_modules" / ".bin" / "prism"
STARTUP_DEADLINE_SECONDS = 60.0
NPM_CI_TIMEOUT_SECONDS = 600.0
SHUTDOWN_GRACE_SECONDS = 10.0
LISTENING_MARKER = "Prism is listening on"
# Markers Prism's logger puts on warning/error/fatal lines.
PROBLEM_MARKERS = ("✖", "⚠", " error ", " warning ", " fatal ")


def invalid_request_status(operation: dict) -> int:
    """The status Prism (--errors) answers a request that breaks the operation's contract: the
    operation's documented 400 if it has one (DQOps 1.13 documents "Bad request"), else 422."""
    return 400 if "400" in operation.get("responses", {}) else 422


class PrismError(RuntimeError):
    """Prism could not be installed or did not start; the message carries its output."""


def _shorten(text: str, max_chars: int = 6000) -> str:
    # Prism prints the cause first and its usage text after it; keep both ends.
    if len(text) <= max_chars:
        return text
    half = max_chars // 2
    return f"{text[:half]}\n... [{len(text) - max_chars} characters left out] ...\n{text[-half:]}"


def ensure_prism_installed(repo_root: Path = REPO_ROOT) -> Path:
    """Return the prism executable, running ``npm ci`` first when node_modules lacks it."""
    prism_bin = repo_root / "node_modules" / ".bin" / "prism"
    if prism_bin.exists():
        return prism_bin
    npm = shutil.which("npm")
    if npm is None:
        raise PrismError(f"{prism_bin} is missing and npm is not on PATH to install it (run `npm ci` in {repo_root})")
    # Scarf's postinstall would phone home; CI has no network for it anyway.
    environment = {**os.environ, "SCARF_ANALYTICS": "false"}
    completed = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund"],
        cwd=repo_root,
        env=environment,
        capture_output=True,
        text=True,
        timeout=NPM_CI_TIMEOUT_SECONDS,
        check=False,
    )
    if completed.returncode != 0 or not prism_bin.exists():
        raise PrismError(
            f"`npm ci` in {repo_root} failed with exit code {completed.returncode} "
            f"(prism installed: {prism_bin.exists()}):\n{_shorten(completed.stdout + completed.stderr)}"
        )
    return prism_bin


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclasses.dataclass
class PrismServer:
    """A started Prism process; ``output()`` is everything it printed so far."""

    base_url: str
    command: list[str]
    process: subprocess.Popen[str]
    _lines: list[str] = dataclasses.field(default_factory=list)
    _lines_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    _startup_line_count: int = 0

    def _collect_output(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            with self._lines_lock:
                self._lines.append(line.rstrip("\n"))

    def output_lines(self) -> list[str]:
        with self._lines_lock:
            return list(self._lines)

    def output(self) -> str:
        return "\n".join(self.output_lines())

    def startup_lines(self) -> list[str]:
        """What Prism printed until it said it was listening."""
        return self.output_lines()[: self._startup_line_count]

    def startup_problems(self) -> list[str]:
        return [line for line in self.startup_lines() if any(marker in line for marker in PROBLEM_MARKERS)]

    def _describe_failure(self, reason: str) -> str:
        return f"Prism {reason}\ncommand: {' '.join(self.command)}\noutput:\n{_shorten(self.output())}"

    def _wait_until_listening(self, deadline_seconds: float) -> None:
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            lines = self.output_lines()
            for index, line in enumerate(lines):
                if LISTENING_MARKER in line:
                    self._startup_line_count = index + 1
                    return
            if self.process.poll() is not None:
                # Let the reader thread drain what the process printed before it died.
                time.sleep(0.2)
                raise PrismError(self._describe_failure(f"exited with code {self.process.returncode} before listening"))
            time.sleep(0.1)
        raise PrismError(self._describe_failure(f"did not listen within {deadline_seconds:.0f} s"))

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=SHUTDOWN_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=SHUTDOWN_GRACE_SECONDS)


@contextlib.contextmanager
def running_prism(
    spec_path: Path,
    *,
    port: int | None = None,
    startup_deadline_seconds: float = STARTUP_DEADLINE_SECONDS,
    extra_arguments: Sequence[str] = (),
    own_session: bool = False,
) -> Iterator[PrismServer]:
    """Start a strict Prism mock of ``spec_path`` on 127.0.0.1 (``port``, else a free one) and stop
    it on exit. ``own_session``: Ctrl-C reaches only the caller, which then stops Prism in order."""
    prism_bin = ensure_prism_installed()
    port = port or free_loopback_port()
    command = [
        str(prism_bin),
        "mock",
        str(spec_path),
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
        "--errors",
        *extra_arguments,
    ]
    process = subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        env={**os.environ, "NO_COLOR": "1", "FORCE_COLOR": "0"},
        start_new_session=own_session,
    )
    server = PrismServer(base_url=f"http://127.0.0.1:{port}", command=command, process=process)
    # Reading continuously keeps Prism from blocking on a full pipe: it logs every request.
    reader = threading.Thread(target=server._collect_output, name="prism-output", daemon=True)
    reader.start()
    try:
        server._wait_until_listening(startup_deadline_seconds)
        yield server
    finally:
        server._stop()
        reader.join(timeout=SHUTDOWN_GRACE_SECONDS)
        process.stdout.close()  # type: ignore[union-attr]
