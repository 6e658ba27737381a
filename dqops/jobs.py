"""Start a DQOps job and wait for it to finish: run checks, collect statistics, import tables.

DQOps runs these as background jobs. Each helper here starts one, waits for it with the
server-side wait of DQOps's wait endpoints (a long poll of up to `poll_seconds`, never a tight
loop), and returns the typed result, or raises `JobFailed`, `JobCancelled` or `JobTimeout`.
Each exists in a sync and an async form (`run_checks` / `run_checks_async`); the async ones
never block the event loop, so several jobs can be awaited with `asyncio.gather`.

    from dqops import client, jobs
    dqops = client.AuthenticatedClient("http://localhost:8888/", token=...)
    result = jobs.run_checks(dqops, RunChecksParameters(check_search_filters=...), timeout=600)

`timeout=` bounds the whole wait, however the server behaves: every call's HTTP timeout ends
by the helper's deadline (plus DEADLINE_GRACE_SECONDS), and a wait that runs out raises
`JobTimeout`, never `RequestTimeout`.

The waiting logic is written once, as a generator of the calls to make (`_wait_steps`),
and driven by `_drive` (sync) or `_drive_async`; `_JobDeadline` holds what the deadline decides.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from dqops._runtime.client import Client
from dqops._runtime.errors import JobCancelled, JobFailed, JobTimeout, RequestTimeout, cut_text

if TYPE_CHECKING:
    from dqops.client.models import (
        CollectErrorSamplesParameters,
        CollectErrorSamplesResult,
        CollectStatisticsQueueJobResult,
        DqoJobHistoryEntryModel,
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobResult,
        RunChecksParameters,
        RunChecksQueueJobResult,
        StatisticsCollectorSearchFilters,
    )

DEFAULT_TIMEOUT_SECONDS = 600.0
# One server-side wait: DQOps holds the request up to this long while the job runs.
DEFAULT_POLL_SECONDS = 30.0
# If a wait endpoint answers at once although the job still runs, wait this long before asking again.
MIN_POLL_INTERVAL_SECONDS = 0.5
# The HTTP read timeout of a waiting call must outlast the server-side wait.
HTTP_TIMEOUT_MARGIN_SECONDS = 15.0
# ... but never the helper's deadline by more than this: the server's answer to a wait that
# ends with the deadline has this long to arrive.
DEADLINE_GRACE_SECONDS = 0.5

FINISHED = "finished"
FAILED = "failed"
CANCELLED = "cancelled"

T = TypeVar("T")


@dataclass
class _Call:
    """A step of the waiting logic: call `operation` with these arguments.

    `waits`: the operation takes a server-side wait (`wait_timeout`), set when the call is made.
    """

    operation: ModuleType
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    waits: bool = False
    http_timeout: float | None = None


@dataclass
class _Sleep:
    seconds: float


_Step = _Call | _Sleep


def _status_of(result: Any) -> str | None:
    status = getattr(result, "status", None)
    return None if status is None or not isinstance(status, str) else str(status)


@dataclass
class _JobDeadline:
    """When a job helper's `timeout` runs out, and what that means for each of its calls."""

    timeout: float
    now: Callable[[], float]
    at: float = field(init=False)

    def __post_init__(self) -> None:
        self.at = self.now() + self.timeout

    def left(self) -> float:
        return self.at - self.now()

    def server_wait(self, poll_seconds: float) -> int:
        """The server-side wait of the next call: whole seconds, at least 1, not past the deadline."""
        return max(1, math.floor(min(poll_seconds, self.left())))

    def http_timeout(self, server_wait: int | None) -> float:
        """The timeout of a whole call: past its server-side wait by HTTP_TIMEOUT_MARGIN_SECONDS,
        and past the deadline by DEADLINE_GRACE_SECONDS at most."""
        until_deadline = max(0.0, self.left()) + DEADLINE_GRACE_SECONDS
        if server_wait is None:
            return until_deadline
        return min(server_wait + HTTP_TIMEOUT_MARGIN_SECONDS, until_deadline)

    def pause(self, seconds: float) -> float:
        """A pause between polls, cut short by the deadline."""
        return max(0.0, min(seconds, self.left()))

    def timed_out(self, job_id: str | None, job: Any, status: str | None) -> JobTimeout:
        if job_id is None:
            return JobTimeout(
                f"DQOps did not answer the start of the job within {self.timeout:g} s "
                "(the job may have started, and goes on running in DQOps)",
                job=job,
            )
        state = f"still {status}" if status else "not finished"
        return JobTimeout(
            f"job {job_id} {state} after {self.timeout:g} s (it goes on running in DQOps)", job_id=job_id, job=job
        )

    def call(self, step: _Call, poll_seconds: float, job_id: str | None, job: Any) -> Generator[_Step, Any, Any]:
        """Make `step`, bounded by the deadline: JobTimeout when the deadline passes first."""
        if self.left() <= 0:
            raise self.timed_out(job_id, job, _status_of(job))
        server_wait = self.server_wait(poll_seconds) if step.waits else None
        if server_wait is not None:
            step.kwargs["wait_timeout"] = server_wait
        step.http_timeout = self.http_timeout(server_wait)
        try:
            return (yield step)
        except RequestTimeout as exc:
            if self.left() > 0:
                raise  # the server took longer than its own wait allows, well before the deadline
            raise self.timed_out(job_id, job, _status_of(job)) from exc


def _wait_steps(
    start: _Call,
    wait_operation: ModuleType,
    timeout: float,
    poll_seconds: float,
    now: Callable[[], float],
    known_job_id: str | None = None,
) -> Generator[_Step, Any, tuple[Any, Any]]:
    """Start a job (or, given `known_job_id`, read it), then poll `wait_operation` until it ends.

    Returns (what the start call answered, the job's final state). Raises JobFailed,
    JobCancelled or JobTimeout.
    """
    deadline = _JobDeadline(timeout, now)
    started = yield from deadline.call(start, poll_seconds, known_job_id, None)
    result = started
    job_id = _job_id_or_none(started)
    while _status_of(result) not in (FINISHED, FAILED, CANCELLED):
        if job_id is None:
            raise JobFailed(f"DQOps did not return a job id for the started job: {started!r}", job=started)
        asked_at = now()
        poll = _Call(wait_operation, (job_id,), waits=True)
        result = yield from deadline.call(poll, poll_seconds, job_id, result)
        if _status_of(result) not in (FINISHED, FAILED, CANCELLED) and now() - asked_at < MIN_POLL_INTERVAL_SECONDS:
            yield _Sleep(deadline.pause(MIN_POLL_INTERVAL_SECONDS))
    status = _status_of(result)
    if status == FAILED:
        message = getattr(result, "error_message", None)
        if not isinstance(message, str) and job_id is not None and deadline.left() > 0:
            # Typed results carry no error message; the job's history entry does.
            try:
                entry = yield from deadline.call(_Call(_jobs_operation("get_job"), (job_id,)), 0, job_id, result)
            except JobTimeout:
                entry = None  # the job failed: that is the answer, with or without its message
            message = getattr(entry, "error_message", None)
        if not isinstance(message, str) or not message:
            message = None
        detail = f": {cut_text(message)}" if message else ""
        raise JobFailed(f"job {job_id} failed{detail}", job_id=job_id, job=result, error_message=message)
    if status == CANCELLED:
        raise JobCancelled(f"job {job_id} was cancelled", job_id=job_id, job=result)
    return started, result


def _job_id_or_none(result: Any) -> str | None:
    job_id = getattr(getattr(result, "job_id", None), "job_id", None)
    return str(job_id) if isinstance(job_id, (int, str)) else None


def _drive(client: Client, steps: Generator[_Step, Any, T]) -> T:
    """Make the calls of `steps`; a call's RequestTimeout goes back into `steps`, which decide."""
    reply: Any = None
    timed_out: RequestTimeout | None = None
    try:
        while True:
            step = steps.send(reply) if timed_out is None else steps.throw(timed_out)
            reply, timed_out = None, None
            if isinstance(step, _Sleep):
                time.sleep(step.seconds)
                continue
            target = client.with_options(timeout=step.http_timeout) if step.http_timeout else client
            try:
                # sync() raises on any status that is not a success, and never returns None for these operations.
                reply = step.operation.sync(*step.args, client=target, **step.kwargs)
            except RequestTimeout as exc:
                timed_out = exc
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _drive_async(client: Client, steps: Generator[_Step, Any, T]) -> T:
    """As _drive, awaiting each call."""
    reply: Any = None
    timed_out: RequestTimeout | None = None
    try:
        while True:
            step = steps.send(reply) if timed_out is None else steps.throw(timed_out)
            reply, timed_out = None, None
            if isinstance(step, _Sleep):
                await asyncio.sleep(step.seconds)
                continue
            target = client.with_options(timeout=step.http_timeout) if step.http_timeout else client
            try:
                reply = await step.operation.asyncio(*step.args, client=target, **step.kwargs)
            except RequestTimeout as exc:
                timed_out = exc
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def _jobs_operation(name: str) -> ModuleType:
    return import_module(f"dqops.client.api.jobs.{name}")


def _start(operation_name: str, json_body: Any) -> _Call:
    """The call that starts a job; it waits server-side too, so a short job needs one request."""
    return _Call(_jobs_operation(operation_name), (), {"json_body": json_body, "wait": True}, waits=True)


def _typed_wait_steps(
    operation_name: str, wait_name: str, json_body: Any, timeout: float, poll_seconds: float
) -> Generator[_Step, Any, Any]:
    """Jobs whose own wait endpoint answers their typed result: that result, when the job ends."""
    start = _start(operation_name, json_body)
    _, final = yield from _wait_steps(start, _jobs_operation(wait_name), timeout, poll_seconds, time.monotonic)
    return final


def _generic_wait_steps(
    operation_name: str, json_body: Any, timeout: float, poll_seconds: float
) -> Generator[_Step, Any, Any]:
    """Jobs followed with the generic wait_for_job: the start call's typed result, with the final status.

    Its `result` is filled when the job ended within the start call's own server-side wait.
    """
    start = _start(operation_name, json_body)
    started, final = yield from _wait_steps(
        start, _jobs_operation("wait_for_job"), timeout, poll_seconds, time.monotonic
    )
    if started is not final:
        started.status = final.status
    return started


def run_checks(
    client: Client,
    parameters: RunChecksParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> RunChecksQueueJobResult:
    """Run the checks selected by `parameters`; returns their result when the job has finished."""
    result: RunChecksQueueJobResult = _drive(
        client, _typed_wait_steps("run_checks", "wait_for_run_checks_job", parameters, timeout, poll_seconds)
    )
    return result


async def run_checks_async(
    client: Client,
    parameters: RunChecksParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> RunChecksQueueJobResult:
    """Async run_checks: awaits the job without blocking the event loop."""
    steps = _typed_wait_steps("run_checks", "wait_for_run_checks_job", parameters, timeout, poll_seconds)
    return await _drive_async(client, steps)


def collect_error_samples(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectErrorSamplesResult:
    """Collect error samples of the selected checks; returns when the job has finished."""
    steps = _typed_wait_steps(
        "collect_error_samples", "wait_for_collect_error_samples_job", parameters, timeout, poll_seconds
    )
    result: CollectErrorSamplesResult = _drive(client, steps)
    return result


async def collect_error_samples_async(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectErrorSamplesResult:
    steps = _typed_wait_steps(
        "collect_error_samples", "wait_for_collect_error_samples_job", parameters, timeout, poll_seconds
    )
    return await _drive_async(client, steps)


def collect_statistics_on_table(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Collect statistics of the tables selected by `filters`; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = _drive(
        client, _generic_wait_steps("collect_statistics_on_table", filters, timeout, poll_seconds)
    )
    return result


async def collect_statistics_on_table_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    steps = _generic_wait_steps("collect_statistics_on_table", filters, timeout, poll_seconds)
    return await _drive_async(client, steps)


def collect_statistics_on_data_groups(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Collect statistics per data group of the selected tables; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = _drive(
        client, _generic_wait_steps("collect_statistics_on_data_groups", filters, timeout, poll_seconds)
    )
    return result


async def collect_statistics_on_data_groups_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    steps = _generic_wait_steps("collect_statistics_on_data_groups", filters, timeout, poll_seconds)
    return await _drive_async(client, steps)


def import_tables(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> ImportTablesQueueJobResult:
    """Import the selected tables' metadata; returns when the job has finished."""
    result: ImportTablesQueueJobResult = _drive(
        client, _generic_wait_steps("import_tables", parameters, timeout, poll_seconds)
    )
    return result


async def import_tables_async(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> ImportTablesQueueJobResult:
    steps = _generic_wait_steps("import_tables", parameters, timeout, poll_seconds)
    return await _drive_async(client, steps)


def _existing_job_steps(job_id: str, timeout: float, poll_seconds: float) -> Generator[_Step, Any, Any]:
    start = _Call(_jobs_operation("get_job"), (job_id,))
    _, final = yield from _wait_steps(
        start, _jobs_operation("wait_for_job"), timeout, poll_seconds, time.monotonic, known_job_id=job_id
    )
    return final


def wait_for_job(
    client: Client,
    job_id: str | int,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> DqoJobHistoryEntryModel:
    """Wait for a job started elsewhere; returns its history entry once it has finished."""
    result: DqoJobHistoryEntryModel = _drive(client, _existing_job_steps(str(job_id), timeout, poll_seconds))
    return result


async def wait_for_job_async(
    client: Client,
    job_id: str | int,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> DqoJobHistoryEntryModel:
    return await _drive_async(client, _existing_job_steps(str(job_id), timeout, poll_seconds))
