"""DQOps's background jobs: start them, follow them, wait for them.

- The helpers (`run_checks`, `collect_statistics_on_table`, ...) start a job and wait for it
  with the server-side wait of DQOps's wait endpoints (a long poll of up to `poll_seconds`,
  never a tight loop), and return the typed result, or raise `JobFailed`, `JobCancelled` or
  `JobTimeout`.
- `start_run_checks(...)` and its kin return a `JobHandle` as soon as DQOps queued the job: wait
  on it later (`wait`), poll it, cancel it, or resume it elsewhere from `to_token()`.
  `wait_all` waits for many handles through one change feed.
- `watch(client)` follows the changes of every job (DQOps's job change feed).

Each exists in a sync and an async form (`run_checks` / `run_checks_async`, `wait` /
`wait_async`, `for` / `async for`); the async ones never block the event loop.

    from dqops import client, jobs
    dqops = client.AuthenticatedClient("http://localhost:8888/", token=...)
    result = jobs.run_checks(dqops, RunChecksParameters(check_search_filters=...), timeout=600)

`timeout=` bounds the whole wait, however the server behaves: every call's HTTP timeout ends
by the helper's deadline (plus DEADLINE_GRACE_SECONDS), and a wait that runs out raises
`JobTimeout`, never `RequestTimeout`.

The waiting logic is written once, as generators of the calls to make (`_start_steps`,
`_wait_job_steps`, `_feed_steps`...), driven by `_drive` (sync) or `_drive_async`;
`_JobDeadline` holds what the deadline decides.
"""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from dqops._runtime.client import Client
from dqops._runtime.data_domain import checked_data_domain
from dqops._runtime.errors import (
    ApiStatusError,
    ArgumentTypeError,
    ConfigurationError,
    DataQualityIssuesDetected,
    DQOpsError,
    InvalidArgument,
    JobCancelled,
    JobFailed,
    JobNotFound,
    JobTimeout,
    NotFound,
    RequestTimeout,
    ResponseDecodingError,
    TransportError,
    cut_text,
)

if TYPE_CHECKING:
    from dqops.client.models import (
        CollectErrorSamplesParameters,
        CollectErrorSamplesResult,
        CollectStatisticsQueueJobResult,
        DeleteStoredDataQueueJobParameters,
        DeleteStoredDataQueueJobResult,
        DqoJobChangeModel,
        DqoJobHistoryEntryModel,
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobResult,
        RunChecksParameters,
        RunChecksQueueJobResult,
        StatisticsCollectorSearchFilters,
        SynchronizeMultipleFoldersDqoQueueJobParameters,
        SynchronizeMultipleFoldersQueueJobResult,
    )

DEFAULT_TIMEOUT_SECONDS = 600.0
# A start that does not wait for its job: DQOps answers as soon as the job is queued.
DEFAULT_START_TIMEOUT_SECONDS = 120.0
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
R = TypeVar("R")


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


def _job_id_or_none(result: Any) -> str | None:
    job_id = getattr(getattr(result, "job_id", None), "job_id", None)
    return str(job_id) if isinstance(job_id, (int, str)) and not isinstance(job_id, bool) else None


def _drive(client: Client, steps: Generator[_Step, Any, T]) -> T:
    """Make the calls of `steps`; a call's error goes back into `steps`, which decide."""
    reply: Any = None
    failure: DQOpsError | None = None
    try:
        while True:
            step = steps.send(reply) if failure is None else steps.throw(failure)
            reply, failure = None, None
            if isinstance(step, _Sleep):
                time.sleep(step.seconds)
                continue
            target = client.with_options(timeout=step.http_timeout) if step.http_timeout else client
            try:
                # sync() raises on any status that is not a success, and never returns None for these operations.
                reply = step.operation.sync(*step.args, client=target, **step.kwargs)
            except DQOpsError as exc:
                failure = exc
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


async def _drive_async(client: Client, steps: Generator[_Step, Any, T]) -> T:
    """As _drive, awaiting each call."""
    reply: Any = None
    failure: DQOpsError | None = None
    try:
        while True:
            step = steps.send(reply) if failure is None else steps.throw(failure)
            reply, failure = None, None
            if isinstance(step, _Sleep):
                await asyncio.sleep(step.seconds)
                continue
            target = client.with_options(timeout=step.http_timeout) if step.http_timeout else client
            try:
                reply = await step.operation.asyncio(*step.args, client=target, **step.kwargs)
            except DQOpsError as exc:
                failure = exc
    except StopIteration as stop:
        return stop.value  # type: ignore[no-any-return]


def _jobs_operation(name: str) -> ModuleType:
    return import_module(f"dqops.client.api.jobs.{name}")


# The jobs: which operation starts each, which waits for it, what it ends with.


@dataclass(frozen=True)
class _JobKind:
    name: str  # the start operation's module, and the kind a token names
    wait_operation: str  # its own wait endpoint (answers the typed result) or the generic wait_for_job
    result_class_name: str  # the typed result of the start and wait operations, in dqops.client.models

    def result_class(self) -> type[Any]:
        module = import_module("dqops.client.models." + re.sub(r"(?<!^)(?=[A-Z])", "_", self.result_class_name).lower())
        result_class: type[Any] = getattr(module, self.result_class_name)
        return result_class


_KINDS: dict[str, _JobKind] = {
    kind.name: kind
    for kind in (
        _JobKind("run_checks", "wait_for_run_checks_job", "RunChecksQueueJobResult"),
        _JobKind("collect_error_samples", "wait_for_collect_error_samples_job", "CollectErrorSamplesResult"),
        _JobKind("collect_statistics_on_table", "wait_for_job", "CollectStatisticsQueueJobResult"),
        _JobKind("collect_statistics_on_data_groups", "wait_for_job", "CollectStatisticsQueueJobResult"),
        _JobKind("import_tables", "wait_for_job", "ImportTablesQueueJobResult"),
        _JobKind("delete_stored_data", "wait_for_job", "DeleteStoredDataQueueJobResult"),
        _JobKind("synchronize_folders", "wait_for_job", "SynchronizeMultipleFoldersQueueJobResult"),
    )
}
#: The kinds of job a handle can follow: the names of the operations that start them.
JOB_KINDS = tuple(_KINDS)

#: The severities of check results, lowest first (`fail_at_severity=`).
SEVERITIES = ("valid", "warning", "error", "fatal")

# A start whose answer was lost is sent again at most this often, after looking its key up.
START_ATTEMPTS = 3
BUSINESS_KEY_PREFIX = "dqops-sdk-"
_MAX_BUSINESS_KEY_LENGTH = 200
TOKEN_VERSION = 1


@dataclass
class _Job:
    """What the waiting logic knows of a job: its identity and its last known state."""

    kind: _JobKind
    job_id: str | None
    business_key: str | None
    state: Any = None  # the last answer about it: a typed result or a DqoJobHistoryEntryModel
    started: Any = None  # the start call's typed answer, when this process started it

    @property
    def reference(self) -> str:
        """What DQOps's paths take: the job id, else the business key (DQOps looks up either)."""
        reference = self.job_id or self.business_key
        if reference is None:  # JobHandle checks that one of them is given
            raise JobFailed("the job has neither a job id nor a business key", job=self.state)
        return reference


def _checked_business_key(value: object) -> str:
    if value is None:
        return BUSINESS_KEY_PREFIX + uuid.uuid4().hex
    if (
        type(value) is not str
        or not 0 < len(value) <= _MAX_BUSINESS_KEY_LENGTH
        or not value.isprintable()
        or value.isdigit()
        or value in (".", "..")
    ):
        shown = type(value).__name__ if type(value) is not str else repr(cut_text(value, 80))
        raise InvalidArgument(
            f"business_key must be a str of 1 to {_MAX_BUSINESS_KEY_LENGTH} printable characters, not all digits "
            f"(DQOps would read digits as a job id) nor a dot segment, got {shown}",
            operation="start",
            parameter="business_key",
        )
    return value


def _checked_severity(value: object, kind: _JobKind) -> str | None:
    if value is None:
        return None
    if kind.name != "run_checks":
        raise InvalidArgument(
            f"fail_at_severity applies to run_checks jobs only, not {kind.name}",
            operation="wait",
            parameter="fail_at_severity",
        )
    if not isinstance(value, str) or str(value) not in SEVERITIES:
        raise InvalidArgument(
            f"fail_at_severity must be one of {', '.join(SEVERITIES)}, got {value!r}",
            operation="wait",
            parameter="fail_at_severity",
        )
    return str(value)


def _never_sent(error: TransportError) -> bool:
    """The request cannot have reached DQOps: no connection was made for it."""
    return isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def _start_steps(
    kind: _JobKind,
    json_body: Any,
    business_key: str,
    query: dict[str, Any],
    deadline: _JobDeadline,
    server_wait: bool,
    poll_seconds: float,
) -> Generator[_Step, Any, Any]:
    """Start the job; with `server_wait` the start waits server-side too, so a short job needs one request.

    A start whose answer was lost after it may have reached DQOps is not sent again before its
    business key is looked up: a job found under the key is the job (its history entry is returned).
    """
    attempt = 1
    while True:
        kwargs = {"json_body": json_body, "job_business_key": business_key, "wait": server_wait, **query}
        try:
            return (
                yield from deadline.call(
                    _Call(_jobs_operation(kind.name), (), kwargs, waits=server_wait), poll_seconds, None, None
                )
            )
        except TransportError as exc:
            if attempt >= START_ATTEMPTS:
                raise
            if not _never_sent(exc):
                found = yield from _lookup_steps(business_key, deadline)
                if found is not None:
                    return found
            attempt += 1


def _lookup_steps(reference: str, deadline: _JobDeadline | None) -> Generator[_Step, Any, Any]:
    """The job's history entry, or None when DQOps does not know it."""
    call = _Call(_jobs_operation("get_job"), (reference,))
    try:
        if deadline is None:
            return (yield call)
        return (yield from deadline.call(call, 0, reference, None))
    except NotFound:
        return None


def _get_job_steps(reference: str, deadline: _JobDeadline | None) -> Generator[_Step, Any, Any]:
    """The job's history entry; JobNotFound when DQOps does not know it."""
    call = _Call(_jobs_operation("get_job"), (reference,))
    try:
        if deadline is None:
            return (yield call)
        return (yield from deadline.call(call, 0, reference, None))
    except NotFound as exc:
        raise JobNotFound.of(reference, exc) from exc


def _until_ended_steps(
    deadline: _JobDeadline, wait_operation: ModuleType, job: _Job, poll_seconds: float
) -> Generator[_Step, Any, Any]:
    """Poll `wait_operation` (a server-side wait each time) until the job ends; its final state."""
    reference = job.reference
    while _status_of(job.state) not in (FINISHED, FAILED, CANCELLED):
        asked_at = deadline.now()
        poll = _Call(wait_operation, (reference,), waits=True)
        try:
            job.state = yield from deadline.call(poll, poll_seconds, job.job_id or reference, job.state)
        except NotFound as exc:
            raise JobNotFound.of(reference, exc) from exc
        if (
            _status_of(job.state) not in (FINISHED, FAILED, CANCELLED)
            and deadline.now() - asked_at < MIN_POLL_INTERVAL_SECONDS
        ):
            yield _Sleep(deadline.pause(MIN_POLL_INTERVAL_SECONDS))
    return job.state


def _raise_unless_finished_steps(deadline: _JobDeadline, job: _Job) -> Generator[_Step, Any, None]:
    """JobFailed (with DQOps's message) or JobCancelled for a job that ended so."""
    result = job.state
    status = _status_of(result)
    shown = job.job_id or job.reference
    if status == FAILED:
        message = getattr(result, "error_message", None)
        if not isinstance(message, str) and deadline.left() > 0:
            # Typed results carry no error message; the job's history entry does.
            try:
                entry = yield from _lookup_steps(job.reference, deadline)
            except JobTimeout:
                entry = None  # the job failed: that is the answer, with or without its message
            message = getattr(entry, "error_message", None)
        if not isinstance(message, str) or not message:
            message = None
        detail = f": {cut_text(message)}" if message else ""
        raise JobFailed(f"job {shown} failed{detail}", job_id=shown, job=result, error_message=message)
    if status == CANCELLED:
        raise JobCancelled(f"job {shown} was cancelled", job_id=shown, job=result)


def _typed_outcome(job: _Job) -> Any:
    """The job's typed result: the wait endpoint's own, else the start call's with the final status,
    else one made of the final job id and status."""
    result_class = job.kind.result_class()
    final = job.state
    if isinstance(final, result_class):
        return final
    started: Any = job.started
    if isinstance(started, result_class):
        started.status = final.status
        return started
    return result_class(job_id=final.job_id, status=final.status)


def _raise_if_issues(job: _Job, outcome: Any, fail_at_severity: str | None) -> None:
    if fail_at_severity is None:
        return
    severity = getattr(getattr(outcome, "result", None), "highest_severity", None)
    if not isinstance(severity, str) or str(severity) not in SEVERITIES:
        return
    if SEVERITIES.index(str(severity)) >= SEVERITIES.index(fail_at_severity):
        shown = job.job_id or job.reference
        raise DataQualityIssuesDetected(
            f"job {shown}: the checks found issues of severity {severity} (fail_at_severity={fail_at_severity})",
            job_id=shown,
            job=outcome,
            highest_severity=str(severity),
            fail_at_severity=fail_at_severity,
        )


def _wait_job_steps(
    job: _Job, deadline: _JobDeadline, poll_seconds: float, fail_at_severity: str | None
) -> Generator[_Step, Any, Any]:
    yield from _until_ended_steps(deadline, _jobs_operation(job.kind.wait_operation), job, poll_seconds)
    yield from _raise_unless_finished_steps(deadline, job)
    outcome = _typed_outcome(job)
    _raise_if_issues(job, outcome, fail_at_severity)
    return outcome


def _started_job(kind: _JobKind, business_key: str, answer: Any) -> _Job:
    """The job a start answered (its typed result) or a look-up of its key found (its history entry)."""
    started = answer if isinstance(answer, kind.result_class()) else None
    return _Job(kind, _job_id_or_none(answer), business_key, state=answer, started=started)


def _start_and_wait_steps(
    kind_name: str, json_body: Any, timeout: float, poll_seconds: float, query: dict[str, Any] | None = None
) -> Generator[_Step, Any, Any]:
    """The job helpers: start (waiting server-side), then wait until the job ends; its typed result."""
    kind = _KINDS[kind_name]
    deadline = _JobDeadline(timeout, time.monotonic)
    business_key = _checked_business_key(None)
    answer = yield from _start_steps(kind, json_body, business_key, query or {}, deadline, True, poll_seconds)
    job = _started_job(kind, business_key, answer)
    return (yield from _wait_job_steps(job, deadline, poll_seconds, None))


def _start_handle_steps(
    kind: _JobKind, json_body: Any, business_key: str, query: dict[str, Any], timeout: float
) -> Generator[_Step, Any, _Job]:
    deadline = _JobDeadline(timeout, time.monotonic)
    answer = yield from _start_steps(kind, json_body, business_key, query, deadline, False, 0)
    return _started_job(kind, business_key, answer)


# Handles.


class JobHandle(Generic[R]):
    """A DQOps job: started by `start_run_checks(...)` and its kin, or resumed from a token.

    It can be waited on (`wait` / `wait_async`, with a deadline for the whole wait, however long
    the job stays queued, waiting or running), polled once (`poll`), cancelled (`cancel`), and
    turned into a small JSON-able token (`to_token`) from which `JobHandle.from_token` makes a
    handle to the same job in another process.

    Attributes:
        kind: The operation that started the job (`run_checks`, `import_tables`, ...; JOB_KINDS).
        job_id: DQOps's id of the job (digits), or None when only its business key is known.
        business_key: The key the job was started with (`jobBusinessKey`), or None.
        data_domain: The data domain the job runs in (None: the client's).
    """

    def __init__(
        self,
        client: Client,
        kind: str,
        *,
        job_id: str | int | None = None,
        business_key: str | None = None,
        data_domain: str | None = None,
    ) -> None:
        if kind not in _KINDS:
            raise InvalidArgument(
                f"kind must be one of {', '.join(JOB_KINDS)}, got {cut_text(repr(kind), 80)}",
                operation="JobHandle",
                parameter="kind",
            )
        if job_id is not None:
            job_id = str(job_id) if type(job_id) is int else job_id
            if type(job_id) is not str or not job_id.isdigit() or not job_id.isascii() or len(job_id) > 20:
                raise InvalidArgument(
                    f"job_id must be DQOps's job id (digits), got {cut_text(repr(job_id), 80)}",
                    operation="JobHandle",
                    parameter="job_id",
                )
        if business_key is not None:
            business_key = _checked_business_key(business_key)
        if job_id is None and business_key is None:
            raise InvalidArgument(
                "a job handle needs a job_id or a business_key", operation="JobHandle", parameter="job_id"
            )
        data_domain = checked_data_domain(data_domain, "data_domain")
        self._job = _Job(_KINDS[kind], job_id, business_key)
        self.data_domain = data_domain if data_domain is not None else client.data_domain
        self._client = (
            client if data_domain in (None, client.data_domain) else client.with_options(data_domain=data_domain)
        )

    @classmethod
    def _of(cls, client: Client, job: _Job) -> JobHandle[Any]:
        handle: JobHandle[Any] = cls.__new__(cls)
        handle._job = job
        handle._client = client
        handle.data_domain = client.data_domain
        return handle

    @property
    def kind(self) -> str:
        return self._job.kind.name

    @property
    def job_id(self) -> str | None:
        return self._job.job_id

    @property
    def business_key(self) -> str | None:
        return self._job.business_key

    @property
    def status(self) -> str | None:
        """The job's status when this handle last heard of it ("queued", "running", "finished"...), or None."""
        return _status_of(self._job.state)

    @property
    def last_state(self) -> Any:
        """The last answer about the job: the start's or a wait's typed result, or a DqoJobHistoryEntryModel."""
        return self._job.state

    def __repr__(self) -> str:
        return (
            f"JobHandle(kind={self.kind!r}, job_id={self.job_id!r}, business_key={self.business_key!r}, "
            f"data_domain={self.data_domain!r}, status={self.status!r})"
        )

    # Tokens.

    def to_token(self) -> dict[str, Any]:
        """A small JSON-able dict naming the job: `JobHandle.from_token(client, token)` resumes it."""
        return {
            "dqops_job": TOKEN_VERSION,
            "kind": self.kind,
            "job_id": self.job_id,
            "business_key": self.business_key,
            "data_domain": self.data_domain,
        }

    @classmethod
    def from_token(cls, client: Client, token: Mapping[str, Any] | str) -> JobHandle[Any]:
        """A handle to the job a token names (a dict from `to_token()`, or its JSON text).

        Raises InvalidArgument for anything that is not such a token; nothing is sent.
        """
        if isinstance(token, str):
            try:
                token = json.loads(token)
            except ValueError as exc:
                raise _bad_token(f"not JSON: {exc}") from None
        if not isinstance(token, Mapping):
            raise _bad_token(f"expected a dict, got {type(token).__name__}")
        if token.get("dqops_job") != TOKEN_VERSION:
            raise _bad_token(f"expected dqops_job={TOKEN_VERSION}, got {cut_text(repr(token.get('dqops_job')), 80)}")
        try:
            return cls(
                client,
                token.get("kind"),  # type: ignore[arg-type]
                job_id=token.get("job_id"),
                business_key=token.get("business_key"),
                data_domain=token.get("data_domain"),
            )
        except (InvalidArgument, ConfigurationError) as exc:
            raise _bad_token(str(exc)) from None

    # Waiting, polling, cancelling.

    def wait(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        fail_at_severity: str | None = None,
    ) -> R:
        """Wait until the job ends; its typed result (RunChecksQueueJobResult for run_checks...).

        `timeout` bounds the whole wait (JobTimeout after it; the job goes on in DQOps). DQOps's
        wait endpoints hold each poll up to `poll_seconds`. Raises JobFailed, JobCancelled,
        JobNotFound (DQOps does not know the job), and with `fail_at_severity` ("valid" <
        "warning" < "error" < "fatal", run_checks only) DataQualityIssuesDetected when the checks
        found issues at that severity or above.
        """
        severity = _checked_severity(fail_at_severity, self._job.kind)
        steps = _wait_job_steps(self._job, _JobDeadline(timeout, time.monotonic), poll_seconds, severity)
        result: R = _drive(self._client, steps)
        return result

    async def wait_async(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        fail_at_severity: str | None = None,
    ) -> R:
        """As `wait`, awaiting DQOps's long polls without blocking the event loop."""
        severity = _checked_severity(fail_at_severity, self._job.kind)
        steps = _wait_job_steps(self._job, _JobDeadline(timeout, time.monotonic), poll_seconds, severity)
        result: R = await _drive_async(self._client, steps)
        return result

    def poll(self) -> DqoJobHistoryEntryModel:
        """Ask DQOps once for the job's state (no waiting); its history entry. JobNotFound if unknown."""
        entry: DqoJobHistoryEntryModel = _drive(self._client, self._poll_steps())
        return entry

    async def poll_async(self) -> DqoJobHistoryEntryModel:
        entry: DqoJobHistoryEntryModel = await _drive_async(self._client, self._poll_steps())
        return entry

    def _poll_steps(self) -> Generator[_Step, Any, Any]:
        entry = yield from _get_job_steps(self._job.reference, None)
        self._job.state = entry
        if self._job.job_id is None:
            self._job.job_id = _job_id_or_none(entry)
        return entry

    def cancel(self) -> None:
        """Ask DQOps to cancel the job (cancelJob). A running job becomes `cancel_requested`, then
        `cancelled`; DQOps accepts the request for a job that already ended, and changes nothing."""
        _drive(self._client, self._cancel_steps())

    async def cancel_async(self) -> None:
        await _drive_async(self._client, self._cancel_steps())

    def _cancel_steps(self) -> Generator[_Step, Any, None]:
        yield _Call(_jobs_operation("cancel_job"), (self._job.reference,))


def _bad_token(reason: str) -> InvalidArgument:
    return InvalidArgument(f"not a job token: {reason}", operation="JobHandle.from_token", parameter="token")


def _start_handle(
    kind_name: str, json_body: Any, business_key: str | None, query: dict[str, Any], timeout: float
) -> Generator[_Step, Any, _Job]:
    return _start_handle_steps(_KINDS[kind_name], json_body, _checked_business_key(business_key), query, timeout)


def _query(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


# Starting jobs: each returns a handle as soon as DQOps has queued the job.


def start_run_checks(
    client: Client,
    parameters: RunChecksParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[RunChecksQueueJobResult]:
    """Start a job that runs the checks `parameters` select; returns its handle as soon as DQOps queued it.

    The start sends `business_key` as DQOps's `jobBusinessKey` (a unique one is made when None).
    If the answer is lost after the request may have reached DQOps (a dropped connection, a read
    timeout), the key is looked up before the start is sent again, so a retried start never makes
    a second job. `timeout` bounds the start, look-ups and retries included.
    """
    steps = _start_handle("run_checks", parameters, business_key, {}, timeout)
    return JobHandle._of(client, _drive(client, steps))


async def start_run_checks_async(
    client: Client,
    parameters: RunChecksParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[RunChecksQueueJobResult]:
    """As `start_run_checks`, awaiting the start without blocking the event loop."""
    steps = _start_handle("run_checks", parameters, business_key, {}, timeout)
    return JobHandle._of(client, await _drive_async(client, steps))


def start_collect_error_samples(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectErrorSamplesResult]:
    """Start a job that collects error samples of the checks `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    steps = _start_handle("collect_error_samples", parameters, business_key, {}, timeout)
    return JobHandle._of(client, _drive(client, steps))


async def start_collect_error_samples_async(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectErrorSamplesResult]:
    """Start a job that collects error samples of the checks `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    steps = _start_handle("collect_error_samples", parameters, business_key, {}, timeout)
    return JobHandle._of(client, await _drive_async(client, steps))


def start_collect_statistics_on_table(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectStatisticsQueueJobResult]:
    """Start a job that collects statistics of the tables `filters` select. Returns its handle at once
    (see `start_run_checks`). `configure_table` and `samples_limit` are sent as DQOps's query
    parameters."""
    steps = _start_handle(
        "collect_statistics_on_table",
        filters,
        business_key,
        _query(configure_table=configure_table, samples_limit=samples_limit),
        timeout,
    )
    return JobHandle._of(client, _drive(client, steps))


async def start_collect_statistics_on_table_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectStatisticsQueueJobResult]:
    """Start a job that collects statistics of the tables `filters` select. Returns its handle at once
    (see `start_run_checks`). `configure_table` and `samples_limit` are sent as DQOps's query
    parameters."""
    steps = _start_handle(
        "collect_statistics_on_table",
        filters,
        business_key,
        _query(configure_table=configure_table, samples_limit=samples_limit),
        timeout,
    )
    return JobHandle._of(client, await _drive_async(client, steps))


def start_collect_statistics_on_data_groups(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectStatisticsQueueJobResult]:
    """Start a job that collects statistics per data group of the tables `filters` select. Returns its
    handle at once (see `start_run_checks`). `configure_table` and `samples_limit` are sent as
    DQOps's query parameters."""
    steps = _start_handle(
        "collect_statistics_on_data_groups",
        filters,
        business_key,
        _query(configure_table=configure_table, samples_limit=samples_limit),
        timeout,
    )
    return JobHandle._of(client, _drive(client, steps))


async def start_collect_statistics_on_data_groups_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[CollectStatisticsQueueJobResult]:
    """Start a job that collects statistics per data group of the tables `filters` select. Returns its
    handle at once (see `start_run_checks`). `configure_table` and `samples_limit` are sent as
    DQOps's query parameters."""
    steps = _start_handle(
        "collect_statistics_on_data_groups",
        filters,
        business_key,
        _query(configure_table=configure_table, samples_limit=samples_limit),
        timeout,
    )
    return JobHandle._of(client, await _drive_async(client, steps))


def start_import_tables(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[ImportTablesQueueJobResult]:
    """Start a job that imports the metadata of the tables `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    steps = _start_handle("import_tables", parameters, business_key, {}, timeout)
    return JobHandle._of(client, _drive(client, steps))


async def start_import_tables_async(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[ImportTablesQueueJobResult]:
    """Start a job that imports the metadata of the tables `parameters` select. Returns its handle at
    once (see `start_run_checks`)."""
    steps = _start_handle("import_tables", parameters, business_key, {}, timeout)
    return JobHandle._of(client, await _drive_async(client, steps))


def start_delete_stored_data(
    client: Client,
    parameters: DeleteStoredDataQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[DeleteStoredDataQueueJobResult]:
    """Start a job that deletes the stored data `parameters` select. Returns its handle at once (see
    `start_run_checks`)."""
    steps = _start_handle("delete_stored_data", parameters, business_key, {}, timeout)
    return JobHandle._of(client, _drive(client, steps))


async def start_delete_stored_data_async(
    client: Client,
    parameters: DeleteStoredDataQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[DeleteStoredDataQueueJobResult]:
    """Start a job that deletes the stored data `parameters` select. Returns its handle at once (see
    `start_run_checks`)."""
    steps = _start_handle("delete_stored_data", parameters, business_key, {}, timeout)
    return JobHandle._of(client, await _drive_async(client, steps))


def start_synchronize_folders(
    client: Client,
    parameters: SynchronizeMultipleFoldersDqoQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[SynchronizeMultipleFoldersQueueJobResult]:
    """Start a job that synchronizes the folders `parameters` select with DQOps Cloud. Returns its
    handle at once (see `start_run_checks`)."""
    steps = _start_handle("synchronize_folders", parameters, business_key, {}, timeout)
    return JobHandle._of(client, _drive(client, steps))


async def start_synchronize_folders_async(
    client: Client,
    parameters: SynchronizeMultipleFoldersDqoQueueJobParameters,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> JobHandle[SynchronizeMultipleFoldersQueueJobResult]:
    """Start a job that synchronizes the folders `parameters` select with DQOps Cloud. Returns its
    handle at once (see `start_run_checks`)."""
    steps = _start_handle("synchronize_folders", parameters, business_key, {}, timeout)
    return JobHandle._of(client, await _drive_async(client, steps))


# Start and wait in one call.


def run_checks(
    client: Client,
    parameters: RunChecksParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> RunChecksQueueJobResult:
    """Run the checks selected by `parameters`; returns their result when the job has finished."""
    result: RunChecksQueueJobResult = _drive(
        client, _start_and_wait_steps("run_checks", parameters, timeout, poll_seconds)
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
    result: RunChecksQueueJobResult = await _drive_async(
        client, _start_and_wait_steps("run_checks", parameters, timeout, poll_seconds)
    )
    return result


def collect_error_samples(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectErrorSamplesResult:
    """Collect error samples of the selected checks; returns when the job has finished."""
    result: CollectErrorSamplesResult = _drive(
        client, _start_and_wait_steps("collect_error_samples", parameters, timeout, poll_seconds)
    )
    return result


async def collect_error_samples_async(
    client: Client,
    parameters: CollectErrorSamplesParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectErrorSamplesResult:
    """Async collect_error_samples: awaits the job without blocking the event loop."""
    result: CollectErrorSamplesResult = await _drive_async(
        client, _start_and_wait_steps("collect_error_samples", parameters, timeout, poll_seconds)
    )
    return result


def collect_statistics_on_table(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Collect statistics of the tables selected by `filters`; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = _drive(
        client, _start_and_wait_steps("collect_statistics_on_table", filters, timeout, poll_seconds)
    )
    return result


async def collect_statistics_on_table_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Async collect_statistics_on_table: awaits the job without blocking the event loop."""
    result: CollectStatisticsQueueJobResult = await _drive_async(
        client, _start_and_wait_steps("collect_statistics_on_table", filters, timeout, poll_seconds)
    )
    return result


def collect_statistics_on_data_groups(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Collect statistics per data group of the selected tables; returns when the job has finished."""
    result: CollectStatisticsQueueJobResult = _drive(
        client, _start_and_wait_steps("collect_statistics_on_data_groups", filters, timeout, poll_seconds)
    )
    return result


async def collect_statistics_on_data_groups_async(
    client: Client,
    filters: StatisticsCollectorSearchFilters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> CollectStatisticsQueueJobResult:
    """Async collect_statistics_on_data_groups: awaits the job without blocking the event loop."""
    result: CollectStatisticsQueueJobResult = await _drive_async(
        client, _start_and_wait_steps("collect_statistics_on_data_groups", filters, timeout, poll_seconds)
    )
    return result


def import_tables(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> ImportTablesQueueJobResult:
    """Import the selected tables' metadata; returns when the job has finished."""
    result: ImportTablesQueueJobResult = _drive(
        client, _start_and_wait_steps("import_tables", parameters, timeout, poll_seconds)
    )
    return result


async def import_tables_async(
    client: Client,
    parameters: ImportTablesQueueJobParameters,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> ImportTablesQueueJobResult:
    """Async import_tables: awaits the job without blocking the event loop."""
    result: ImportTablesQueueJobResult = await _drive_async(
        client, _start_and_wait_steps("import_tables", parameters, timeout, poll_seconds)
    )
    return result


# Jobs started elsewhere, by id or business key.


def _existing_job_steps(reference: str, timeout: float, poll_seconds: float) -> Generator[_Step, Any, Any]:
    deadline = _JobDeadline(timeout, time.monotonic)
    entry = yield from _get_job_steps(reference, deadline)
    job = _Job(_KINDS["run_checks"], _job_id_or_none(entry) or reference, None, state=entry)
    yield from _until_ended_steps(deadline, _jobs_operation("wait_for_job"), job, poll_seconds)
    yield from _raise_unless_finished_steps(deadline, job)
    return job.state


def wait_for_job(
    client: Client,
    job_id: str | int,
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
) -> DqoJobHistoryEntryModel:
    """Wait for a job started elsewhere (its id or business key); returns its history entry once it has finished."""
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


# The job change feed.

# DQOps keeps the changes of its job queue this long (dqo.queue.keep-jobs-changes-history-seconds).
DQOPS_CHANGE_HISTORY_SECONDS = 300.0
# The feed takes a fresh snapshot when its position is this old: DQOps's history, less a margin
# for its long poll (20 s) and the second-granularity of its sequence numbers.
FEED_HISTORY_SECONDS = DQOPS_CHANGE_HISTORY_SECONDS - 30.0
# DQOps holds a change-feed call up to 20 s (dqo.queue.get-job-changes-since-wait-seconds).
FEED_HTTP_TIMEOUT_SECONDS = 20.0 + HTTP_TIMEOUT_MARGIN_SECONDS
# DQOps makes its sequence numbers of the time: epoch seconds * 1,000,000 + a counter within the second.
_SEQUENCE_PER_SECOND = 1_000_000
_TIMED_SEQUENCES = range(10**15, 10**17)  # epoch seconds from 2001 to 5138


@dataclass
class _Emit:
    """A step of the feed: give these changes; the feed's position is `position` once they are given."""

    changes: list[Any]
    position: int
    snapshot: bool


_FeedStep = _Call | _Emit


def _position_age(position: int, answer_sequence: int, asked_after: float | None) -> float:
    """How old the feed's position was when it was sent: by DQOps's clock where its sequence numbers
    tell the time, and by ours since the feed received it (`asked_after` seconds before asking)."""
    ages = [] if asked_after is None else [asked_after]
    if position in _TIMED_SEQUENCES and answer_sequence in _TIMED_SEQUENCES:
        ages.append(float(answer_sequence // _SEQUENCE_PER_SECOND - position // _SEQUENCE_PER_SECOND))
    return max(ages, default=0.0)


def _snapshot_steps() -> Generator[_FeedStep, Any, int]:
    """getAllJobs, given as changes: each job DQOps knows, with the snapshot's sequence number."""
    from dqops.client.models.dqo_job_change_model import DqoJobChangeModel

    snapshot = yield _Call(_jobs_operation("get_all_jobs"), http_timeout=FEED_HTTP_TIMEOUT_SECONDS)
    position = snapshot.last_sequence_number
    if not isinstance(position, int):
        raise ResponseDecodingError(
            "getAllJobs answered no lastSequenceNumber, which the change feed resumes from: "
            + cut_text(repr(snapshot), 300),
            expected="DqoJobQueueInitialSnapshotModel",
        )
    jobs = snapshot.jobs if isinstance(snapshot.jobs, list) else []
    changes = [
        DqoJobChangeModel(status=job.status, job_id=job.job_id, change_sequence=position, updated_model=job)
        for job in jobs
    ]
    yield _Emit(changes, position, snapshot=True)
    return position


def _feed_steps(since: int | None, history_seconds: float) -> Generator[_FeedStep, Any, None]:
    """Follow the change feed from `since` (None: a snapshot first), for ever."""
    position = since
    received_at: float | None = None  # when this feed received `position` (None: given by the caller)
    if position is None:
        position = yield from _snapshot_steps()
        received_at = time.monotonic()
    while True:
        asked_at = time.monotonic()
        call = _Call(_jobs_operation("get_job_changes_since"), (position,), http_timeout=FEED_HTTP_TIMEOUT_SECONDS)
        try:
            answer = yield call
        except ApiStatusError as exc:
            if exc.status_code not in (404, 410):
                raise
            answer = None  # a DQOps (or a proxy) that says the position is gone
        sequence = getattr(answer, "last_sequence_number", None)
        asked_after = None if received_at is None else asked_at - received_at
        if (
            answer is None
            or not isinstance(sequence, int)
            or sequence < position
            or _position_age(position, sequence, asked_after) >= history_seconds
        ):
            # DQOps may have dropped changes after `position`: it never says so, so the feed
            # starts again from what DQOps knows now.
            position = yield from _snapshot_steps()
            received_at = time.monotonic()
            continue
        changes = answer.job_changes if isinstance(answer.job_changes, list) else []
        changes = sorted((change for change in changes if _change_sequence(change) > position), key=_change_sequence)
        received_at = time.monotonic()
        if changes:
            yield _Emit(changes, sequence, snapshot=False)
        position = sequence


def _change_sequence(change: Any) -> int:
    sequence = getattr(change, "change_sequence", None)
    return sequence if isinstance(sequence, int) else 0


class JobFeed:
    """The changes of DQOps's job queue, as they happen: `jobs.watch(client)`.

    Iterate it with `for` or `async for`; each item is a DqoJobChangeModel (`status`, `job_id`,
    `change_sequence`, and `updated_model` when DQOps sends the whole job). DQOps's long poll
    (`getJobChangesSince`, held up to 20 s) does the waiting: one connection follows every job.

    - Without `since`, the feed starts with a snapshot (`getAllJobs`): every job DQOps knows,
      each given as a change whose `change_sequence` is the snapshot's sequence number.
    - `position` is the sequence number to resume from: `jobs.watch(client, since=feed.position)`,
      in this process or another, gives the changes after the ones this feed gave.
    - DQOps keeps changes for 300 s and never says when it dropped some. When the position is
      `history_seconds` old or more (by DQOps's sequence numbers, which tell the time, and by the
      time since the feed received it), or DQOps answers 404 / 410 to it, the feed takes a fresh
      snapshot, gives it as changes, and goes on from there (`snapshots` counts them).
    - Breaking out of the loop or cancelling the task stops it; nothing runs in the background.
    """

    def __init__(
        self, client: Client, since: int | None = None, *, history_seconds: float = FEED_HISTORY_SECONDS
    ) -> None:
        if since is not None and (type(since) is not int or since < 0):
            raise InvalidArgument(
                f"since must be a sequence number (an int >= 0) or None, got {cut_text(repr(since), 80)}",
                operation="watch",
                parameter="since",
            )
        if type(history_seconds) not in (int, float) or not history_seconds > 0:
            raise InvalidArgument(
                f"history_seconds must be a number > 0, got {history_seconds!r}",
                operation="watch",
                parameter="history_seconds",
            )
        self._client = client
        self.position: int | None = since
        self.history_seconds = float(history_seconds)
        self.snapshots = 0

    def __repr__(self) -> str:
        return f"JobFeed(position={self.position!r}, snapshots={self.snapshots})"

    def __iter__(self) -> Iterator[DqoJobChangeModel]:
        steps = _feed_steps(self.position, self.history_seconds)
        reply: Any = None
        failure: DQOpsError | None = None
        while True:
            step = steps.send(reply) if failure is None else steps.throw(failure)
            reply, failure = None, None
            if isinstance(step, _Emit):
                yield from self._give(step)
                continue
            target = self._client.with_options(timeout=step.http_timeout) if step.http_timeout else self._client
            try:
                reply = step.operation.sync(*step.args, client=target, **step.kwargs)
            except DQOpsError as exc:
                failure = exc

    async def __aiter__(self) -> AsyncIterator[DqoJobChangeModel]:
        steps = _feed_steps(self.position, self.history_seconds)
        reply: Any = None
        failure: DQOpsError | None = None
        while True:
            step = steps.send(reply) if failure is None else steps.throw(failure)
            reply, failure = None, None
            if isinstance(step, _Emit):
                for change in self._give(step):
                    yield change
                continue
            target = self._client.with_options(timeout=step.http_timeout) if step.http_timeout else self._client
            try:
                reply = await step.operation.asyncio(*step.args, client=target, **step.kwargs)
            except DQOpsError as exc:
                failure = exc

    def _give(self, emit: _Emit) -> Iterator[Any]:
        """The changes of one answer. The position moves as each change is given, so that a
        consumer that stops resumes after the last change it got; a snapshot moves it once its
        last change is given (a snapshot cut short is taken again)."""
        if emit.snapshot:
            self.snapshots += 1
        last = len(emit.changes) - 1
        for index, change in enumerate(emit.changes):
            if index == last:
                self.position = emit.position
            elif not emit.snapshot:
                self.position = _change_sequence(change)
            yield change
        self.position = emit.position


def watch(client: Client, since: int | None = None, *, history_seconds: float = FEED_HISTORY_SECONDS) -> JobFeed:
    """The changes of DQOps's job queue: `async for change in jobs.watch(client)` or `for change in ...`.

    See JobFeed. Nothing is requested before the first change is asked for.
    """
    return JobFeed(client, since, history_seconds=history_seconds)


# Many jobs awaited through one feed.


def _same_job(job: _Job, job_id: Any) -> bool:
    """Whether a DqoQueueJobId of the feed names this job (by id, else by business key)."""
    number = getattr(job_id, "job_id", None)
    if job.job_id is not None and isinstance(number, int) and not isinstance(number, bool):
        return str(number) == job.job_id
    key = getattr(job_id, "job_business_key", None)
    return job.business_key is not None and key == job.business_key


def _wait_all_steps(
    jobs: list[_Job], deadline: _JobDeadline, poll_seconds: float, fail_at_severity: str | None
) -> Generator[_Step, Any, list[Any]]:
    """Wait for every job through one change feed; each job's typed result or its error, in order.

    A snapshot first (getAllJobs) tells which jobs already ended; then the feed's long poll gives
    the changes of them all on one connection. A job that ended is then read once for its typed
    result, as `wait` would (which also raises its JobFailed, JobCancelled, JobNotFound...).
    """
    outcomes: list[Any] = [None] * len(jobs)
    waiting = dict(enumerate(jobs))
    ended: list[int] = []
    position: int | None = None
    received_at = 0.0
    try:
        while waiting:
            if position is None or time.monotonic() - received_at >= FEED_HISTORY_SECONDS:
                snapshot = yield from deadline.call(_Call(_jobs_operation("get_all_jobs")), 0, None, None)
                position = snapshot.last_sequence_number if isinstance(snapshot.last_sequence_number, int) else 0
                entries = snapshot.jobs if isinstance(snapshot.jobs, list) else []
                for index, job in waiting.items():
                    found = [entry for entry in entries if _same_job(job, entry.job_id)]
                    # A job the snapshot lacks is read on its own: its 404 says DQOps does not know it.
                    if not found or _status_of(found[0]) in (FINISHED, FAILED, CANCELLED):
                        ended.append(index)
            else:
                try:
                    answer = yield from deadline.call(
                        _Call(_jobs_operation("get_job_changes_since"), (position,)), 0, None, None
                    )
                except ApiStatusError as exc:
                    if exc.status_code not in (404, 410):
                        raise
                    answer = None  # the position is gone: a snapshot again
                sequence = getattr(answer, "last_sequence_number", None)
                if answer is None or not isinstance(sequence, int) or sequence < position:
                    position = None
                    continue
                position = sequence
                changes = answer.job_changes if isinstance(answer.job_changes, list) else []
                for index, job in waiting.items():
                    if any(
                        _same_job(job, change.job_id) and _status_of(change) in (FINISHED, FAILED, CANCELLED)
                        for change in changes
                    ):
                        ended.append(index)
            received_at = time.monotonic()
            for index in ended:
                job = waiting.pop(index)
                job.state = None  # read it once more, for its typed result
                try:
                    outcomes[index] = yield from _wait_job_steps(job, deadline, poll_seconds, fail_at_severity)
                except DQOpsError as exc:
                    outcomes[index] = exc
            ended.clear()
    except JobTimeout:
        for index, job in waiting.items():
            outcomes[index] = deadline.timed_out(job.job_id or job.reference, job.state, _status_of(job.state))
    return outcomes


def _checked_handles(
    handles: Sequence[JobHandle[Any]], fail_at_severity: object
) -> tuple[Client, list[_Job], str | None]:
    if not handles:
        raise InvalidArgument("wait_all needs at least one job handle", operation="wait_all", parameter="handles")
    if not all(isinstance(handle, JobHandle) for handle in handles):
        raise ArgumentTypeError("wait_all takes JobHandle objects", operation="wait_all", parameter="handles")
    first = handles[0]._client
    if any(
        (handle._client.base_url, handle.data_domain) != (first.base_url, handles[0].data_domain) for handle in handles
    ):
        raise InvalidArgument(
            "wait_all follows one DQOps and one data domain: the handles name several (wait for each group apart)",
            operation="wait_all",
            parameter="handles",
        )
    severity = None
    if fail_at_severity is not None:
        severity = _checked_severity(fail_at_severity, _KINDS["run_checks"])
    return first, [handle._job for handle in handles], severity


def _finish_all(outcomes: list[Any], return_exceptions: bool) -> list[Any]:
    if not return_exceptions:
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
    return outcomes


def wait_all(
    handles: Sequence[JobHandle[Any]],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    fail_at_severity: str | None = None,
    return_exceptions: bool = False,
) -> list[Any]:
    """Wait for many jobs at once through one change feed (one connection, not one per job).

    Returns each job's typed result, in the order of `handles`. The first error in that order is
    raised (JobFailed, JobCancelled, JobNotFound, JobTimeout, DataQualityIssuesDetected for a
    run-checks job with `fail_at_severity`), or with `return_exceptions=True` each job's error
    is in its place. `timeout` bounds the whole wait. The handles must share one DQOps and one
    data domain.
    """
    client, jobs, severity = _checked_handles(handles, fail_at_severity)
    steps = _wait_all_steps(jobs, _JobDeadline(timeout, time.monotonic), poll_seconds, severity)
    return _finish_all(_drive(client, steps), return_exceptions)


async def wait_all_async(
    handles: Sequence[JobHandle[Any]],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    fail_at_severity: str | None = None,
    return_exceptions: bool = False,
) -> list[Any]:
    """As `wait_all`, awaiting the feed without blocking the event loop."""
    client, jobs, severity = _checked_handles(handles, fail_at_severity)
    steps = _wait_all_steps(jobs, _JobDeadline(timeout, time.monotonic), poll_seconds, severity)
    return _finish_all(await _drive_async(client, steps), return_exceptions)
