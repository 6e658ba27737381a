"""Run the DQOps Python client guide end to end against a local stand-in for DQOps.

    .venv/bin/python -m scripts.demo [--port PORT] [--full] [--job-timeout SECONDS]
    python -m scripts.demo --prism [--port PORT]   # against Prism on the spec instead
    python -m scripts.demo --base-url URL        # the guide against a DQOps (or stand-in) already running

By default the stand-in is `dqops.testing.FakeDQOps`, the SDK's fake DQOps, in this process on
127.0.0.1: port 8888 as a real DQOps uses, a free port when 8888 is taken, or --port /
DQOPS_DEMO_PORT. It answers every operation with the answer the reference documents for it and
runs the jobs it is given: they are queued, run and finish.

With --prism the stand-in is Stoplight Prism (node_modules, installed with `npm ci` when missing)
on the cleaned spec, openapi/dqops-api-openapi-3.cleaned.json, in static mode with --errors: every
answer is generated from the spec's response schema (strings read "string"), a request that
breaks the spec is refused with 422, and jobs stay queued. Prism is what the contract tests use,
where checking each request against the spec is the point.

Then it runs the four steps of the guide on the seed page of DQOps's docs ("Python client
guide"), once with the sync API and once with the async API, and prints each typed result:

1. list connections           get_all_connections
2. run checks                 run_checks, with RunChecksParameters(CheckSearchFilters(...))
3. wait for the job           dqops.jobs.wait_for_job (bounded by --job-timeout)
4. table data quality status  get_table_data_quality_status

The server is stopped at the end, on an error and on Ctrl-C. Needs `make generate` first, or the
SDK installed in the interpreter that runs this script: with --base-url it starts no server and
needs nothing of the repository, so it runs the guide on an installed release too (the API key is
$DQOPS_API_KEY, else the guide's placeholder).
Exit status: 0 when every step ran, 1 when a step failed, 2 when the demo could not start.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
CLEANED_SPEC = REPO_ROOT / "openapi" / "dqops-api-openapi-3.cleaned.json"
DEFAULT_PORT = 8888
PORT_VARIABLE = "DQOPS_DEMO_PORT"
HOST = "127.0.0.1"
TOKEN = "s4mp13_4u7h_70k3n"  # the guide's placeholder: the stand-ins accept any key
STARTUP_SECONDS = 90.0
MAX_REPR_CHARS = 1500

CONNECTION = "sample_connection"
SCHEMA = "sample_schema"
TABLE = "sample_table"


class DemoError(RuntimeError):
    """The demo could not start (no spec, no SDK, no Prism, port taken...)."""


# ---------------------------------------------------------------------------
# The stand-ins
# ---------------------------------------------------------------------------


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    from scripts.prism import free_loopback_port

    return free_loopback_port()


def choose_port(requested: int | None) -> int:
    """--port or DQOPS_DEMO_PORT must be free; the default 8888 falls back to a free port."""
    if requested is not None:
        if not port_is_free(requested):
            raise DemoError(f"port {requested} on {HOST} is taken; pick another with --port or {PORT_VARIABLE}")
        return requested
    if port_is_free(DEFAULT_PORT):
        return DEFAULT_PORT
    port = free_port()
    print(f"port {DEFAULT_PORT} is taken (a DQOps running?); using port {port}")
    return port


@contextlib.contextmanager
def fake_dqops(port: int) -> Iterator[str]:
    """dqops.testing.FakeDQOps at http://127.0.0.1:PORT, in this process; stopped on exit."""
    from dqops.testing import FakeDQOps

    try:
        fake = FakeDQOps(port=port).start()
    except OSError as exc:
        raise DemoError(f"cannot listen on {HOST}:{port}: {exc}") from exc
    try:
        base_url = fake.base_url.rstrip("/")
        print(f"fake DQOps (dqops.testing.FakeDQOps, documented answers, a job queue) listening on {base_url}")
        yield base_url
    finally:
        fake.stop()
        print("server stopped")


@contextlib.contextmanager
def mock_dqops(port: int) -> Iterator[str]:
    """Prism on the cleaned spec at http://127.0.0.1:PORT; stopped on exit, whatever happens."""
    # Imported here: `--base-url` runs this file alone against an installed SDK (python -I).
    from scripts.prism import PrismError, running_prism

    if not CLEANED_SPEC.is_file():
        raise DemoError(f"{CLEANED_SPEC} is missing: run `make generate` first")
    try:
        with running_prism(
            CLEANED_SPEC, port=port, startup_deadline_seconds=STARTUP_SECONDS, own_session=True
        ) as server:
            print(
                f"mock DQOps (Prism, static answers from the spec) listening on {server.base_url} (pid {server.process.pid})"
            )
            yield server.base_url
    except PrismError as exc:
        raise DemoError(str(exc)) from exc
    finally:
        print("server stopped")


# ---------------------------------------------------------------------------
# The guide
# ---------------------------------------------------------------------------


def show(mode: str, step: int, name: str, call: str, result: Any, full: bool) -> None:
    text = repr(result)
    if not full and len(text) > MAX_REPR_CHARS:
        text = f"{text[:MAX_REPR_CHARS]} ... [{len(text) - MAX_REPR_CHARS} more characters; --full prints all]"
    print(f"\n[{mode}] step {step}: {name}\n    {call}\n{text}", flush=True)


def run_checks_parameters() -> Any:
    from dqops.client.models import CheckSearchFilters, RunChecksParameters

    return RunChecksParameters(
        check_search_filters=CheckSearchFilters(
            connection=CONNECTION, full_table_name=f"{SCHEMA}.{TABLE}", enabled=True
        ),
        collect_error_samples=False,
        dummy_execution=False,
    )


def job_id_of(started: Any) -> str:
    return str(started.job_id.job_id)


def describe_job_error(error: Exception) -> str:
    job = getattr(error, "job", None)
    status = getattr(job, "status", None)
    return (
        f"{type(error).__name__}: {error}\n"
        f"(a stand-in that runs no jobs, as Prism, answers the same {status!s} status for ever: "
        "DQOps and FakeDQOps run the job and finish it)\n"
        f"last state: {job!r}"
    )


def api_key() -> str:
    return os.environ.get("DQOPS_API_KEY") or TOKEN


def describe_sdk() -> str:
    import dqops
    import dqops.client

    location = Path(dqops.__file__).resolve().parent
    return f"dqops-sdk {dqops.__version__}, speaking the DQOps {dqops.client.API_VERSION} API, from {location}"


def guide_sync(base_url: str, job_timeout: float, full: bool) -> None:
    from dqops import client, jobs
    from dqops.client.api.check_results import get_table_data_quality_status
    from dqops.client.api.connections import get_all_connections
    from dqops.client.api.jobs import run_checks
    from dqops.client.errors import JobError

    with client.AuthenticatedClient(base_url, token=api_key(), raise_on_unexpected_status=True) as dqops_client:
        connections = get_all_connections.sync(client=dqops_client)
        show("sync", 1, "list connections", "get_all_connections.sync(client=dqops_client)", connections, full)

        started = run_checks.sync(client=dqops_client, json_body=run_checks_parameters())
        show(
            "sync",
            2,
            "run checks",
            "run_checks.sync(client=dqops_client, json_body=RunChecksParameters(...))",
            started,
            full,
        )

        call = f"jobs.wait_for_job(dqops_client, {job_id_of(started)!r}, timeout={job_timeout:g})"
        try:
            finished: Any = jobs.wait_for_job(dqops_client, job_id_of(started), timeout=job_timeout, poll_seconds=1)
        except JobError as error:
            finished = _Text(describe_job_error(error))
        show("sync", 3, "wait for the job", call, finished, full)

        status = get_table_data_quality_status.sync(CONNECTION, SCHEMA, TABLE, client=dqops_client)
        show(
            "sync",
            4,
            "table data quality status",
            f"get_table_data_quality_status.sync({CONNECTION!r}, {SCHEMA!r}, {TABLE!r}, client=dqops_client)",
            status,
            full,
        )


async def guide_async(base_url: str, job_timeout: float, full: bool) -> None:
    from dqops import client, jobs
    from dqops.client.api.check_results import get_table_data_quality_status
    from dqops.client.api.connections import get_all_connections
    from dqops.client.api.jobs import run_checks
    from dqops.client.errors import JobError

    async with client.AuthenticatedClient(base_url, token=api_key(), raise_on_unexpected_status=True) as dqops_client:
        connections = await get_all_connections.asyncio(client=dqops_client)
        show(
            "async", 1, "list connections", "await get_all_connections.asyncio(client=dqops_client)", connections, full
        )

        started = await run_checks.asyncio(client=dqops_client, json_body=run_checks_parameters())
        show(
            "async",
            2,
            "run checks",
            "await run_checks.asyncio(client=dqops_client, json_body=RunChecksParameters(...))",
            started,
            full,
        )

        call = f"await jobs.wait_for_job_async(dqops_client, {job_id_of(started)!r}, timeout={job_timeout:g})"
        try:
            finished: Any = await jobs.wait_for_job_async(
                dqops_client, job_id_of(started), timeout=job_timeout, poll_seconds=1
            )
        except JobError as error:
            finished = _Text(describe_job_error(error))
        show("async", 3, "wait for the job", call, finished, full)

        status = await get_table_data_quality_status.asyncio(CONNECTION, SCHEMA, TABLE, client=dqops_client)
        show(
            "async",
            4,
            "table data quality status",
            f"await get_table_data_quality_status.asyncio({CONNECTION!r}, {SCHEMA!r}, {TABLE!r}, client=dqops_client)",
            status,
            full,
        )


class _Text(str):
    """A message printed as is by show() (its repr is itself)."""

    def __repr__(self) -> str:
        return str(self)


# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"port of the stand-in server (default: ${PORT_VARIABLE}, else {DEFAULT_PORT} or a free "
        "port when it is taken)",
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="run the guide against this DQOps (or stand-in) instead of starting one, e.g. http://localhost:8888",
    )
    parser.add_argument(
        "--prism",
        action="store_true",
        help="start Prism on the spec as the stand-in instead of dqops.testing.FakeDQOps (jobs then stay queued)",
    )
    parser.add_argument(
        "--job-timeout",
        type=float,
        default=3.0,
        help="seconds to wait for the job in step 3 (default: 3; Prism never finishes it)",
    )
    parser.add_argument(
        "--full", action="store_true", help=f"print whole results (default: {MAX_REPR_CHARS} characters of each)"
    )
    arguments = parser.parse_args(argv)
    if arguments.port is None and os.environ.get(PORT_VARIABLE):
        try:
            arguments.port = int(os.environ[PORT_VARIABLE])
        except ValueError:
            parser.error(f"{PORT_VARIABLE} must be a port number, got {os.environ[PORT_VARIABLE]!r}")
    return arguments


def run_guide(base_url: str, arguments: argparse.Namespace) -> None:
    print("\n=== the Python client guide with the sync API ===")
    guide_sync(base_url, arguments.job_timeout, arguments.full)
    print("\n=== the same guide with the async API ===")
    asyncio.run(guide_async(base_url, arguments.job_timeout, arguments.full))
    print("\nall steps ran, sync and async")


def _stop_on_sigterm(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    # Ctrl-C and SIGTERM stop the demo and its server, even when started with SIGINT ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    try:
        import dqops.client  # noqa: F401
    except ImportError as exc:
        print(f"demo: cannot import dqops.client ({exc}): run `make generate` first", file=sys.stderr)
        return 2
    print(describe_sdk())
    try:
        if arguments.base_url:
            run_guide(arguments.base_url, arguments)
        else:
            stand_in = mock_dqops if arguments.prism else fake_dqops
            with stand_in(choose_port(arguments.port)) as base_url:
                run_guide(base_url, arguments)
    except DemoError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("demo: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - report any failure of a step in one line, after stopping the server
        print(f"demo: a step failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
