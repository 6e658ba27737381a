"""The waiting logic of the job helpers and handles, as generators of steps (see `_deadline`):
start a job (and look its key up when the answer was lost), wait until it ends, and turn how it
ended into a typed result or an error."""

from __future__ import annotations

from collections.abc import Generator
from types import ModuleType
from typing import Any

import httpx

from dqops._runtime.errors import (
    DataQualityIssuesDetected,
    JobCancelled,
    JobFailed,
    JobNotFound,
    JobTimeout,
    NotFound,
    TransportError,
    cut_text,
)
from dqops.jobs import _deadline
from dqops.jobs._deadline import (
    CANCELLED,
    FAILED,
    FINISHED,
    Call,
    JobDeadline,
    Sleep,
    Step,
    job_id_or_none,
    jobs_operation,
    status_of,
)
from dqops.jobs._kinds import KINDS, SEVERITIES, START_ATTEMPTS, Job, JobKind, checked_business_key


def never_sent(error: TransportError) -> bool:
    """The request cannot have reached DQOps: no connection was made for it."""
    return isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))


def start_steps(
    kind: JobKind[Any, Any],
    json_body: Any,
    business_key: str,
    query: dict[str, Any],
    deadline: JobDeadline,
    server_wait: bool,
    poll_seconds: float,
) -> Generator[Step, Any, Any]:
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
                    Call(jobs_operation(kind.name), (), kwargs, waits=server_wait), poll_seconds, None, None
                )
            )
        except TransportError as exc:
            if attempt >= START_ATTEMPTS:
                raise
            if not never_sent(exc):
                found = yield from lookup_steps(business_key, deadline)
                if found is not None:
                    return found
            attempt += 1


def get_job_steps(reference: str, deadline: JobDeadline | None) -> Generator[Step, Any, Any]:
    """The job's history entry; JobNotFound when DQOps does not know it."""
    call = Call(jobs_operation("get_job"), (reference,))
    try:
        if deadline is None:
            return (yield call)
        return (yield from deadline.call(call, 0, reference, None))
    except NotFound as exc:
        raise JobNotFound.of(reference, exc) from exc


def lookup_steps(reference: str, deadline: JobDeadline | None) -> Generator[Step, Any, Any]:
    """The job's history entry, or None when DQOps does not know it."""
    try:
        return (yield from get_job_steps(reference, deadline))
    except JobNotFound:
        return None


def until_ended_steps(
    deadline: JobDeadline, wait_operation: ModuleType, job: Job, poll_seconds: float
) -> Generator[Step, Any, Any]:
    """Poll `wait_operation` (a server-side wait each time) until the job ends; its final state."""
    reference = job.reference
    while status_of(job.state) not in (FINISHED, FAILED, CANCELLED):
        asked_at = deadline.now()
        poll = Call(wait_operation, (reference,), waits=True)
        try:
            job.state = yield from deadline.call(poll, poll_seconds, job.job_id or reference, job.state)
        except NotFound as exc:
            raise JobNotFound.of(reference, exc) from exc
        if (
            status_of(job.state) not in (FINISHED, FAILED, CANCELLED)
            and deadline.now() - asked_at < _deadline.MIN_POLL_INTERVAL_SECONDS
        ):
            yield Sleep(deadline.pause(_deadline.MIN_POLL_INTERVAL_SECONDS))
    return job.state


def raise_unless_finished_steps(deadline: JobDeadline, job: Job) -> Generator[Step, Any, None]:
    """JobFailed (with DQOps's message) or JobCancelled for a job that ended so."""
    result = job.state
    status = status_of(result)
    shown = job.job_id or job.reference
    if status == FAILED:
        message = getattr(result, "error_message", None)
        if not isinstance(message, str) and deadline.left() > 0:
            # Typed results carry no error message; the job's history entry does.
            try:
                entry = yield from lookup_steps(job.reference, deadline)
            except JobTimeout:
                entry = None  # the job failed: that is the answer, with or without its message
            message = getattr(entry, "error_message", None)
        if not isinstance(message, str) or not message:
            message = None
        detail = f": {cut_text(message)}" if message else ""
        raise JobFailed(f"job {shown} failed{detail}", job_id=shown, job=result, error_message=message)
    if status == CANCELLED:
        raise JobCancelled(f"job {shown} was cancelled", job_id=shown, job=result)


def typed_outcome(job: Job) -> Any:
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


def raise_if_issues(job: Job, outcome: Any, fail_at_severity: str | None) -> None:
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


def wait_job_steps(
    job: Job, deadline: JobDeadline, poll_seconds: float, fail_at_severity: str | None
) -> Generator[Step, Any, Any]:
    yield from until_ended_steps(deadline, jobs_operation(job.kind.wait_operation), job, poll_seconds)
    yield from raise_unless_finished_steps(deadline, job)
    outcome = typed_outcome(job)
    raise_if_issues(job, outcome, fail_at_severity)
    return outcome


def started_job(kind: JobKind[Any, Any], business_key: str, answer: Any) -> Job:
    """The job a start answered (its typed result) or a look-up of its key found (its history entry)."""
    started = answer if isinstance(answer, kind.result_class()) else None
    return Job(kind, job_id_or_none(answer), business_key, state=answer, started=started)


def start_and_wait_steps(
    kind: JobKind[Any, Any], json_body: Any, timeout: float, poll_seconds: float, query: dict[str, Any] | None = None
) -> Generator[Step, Any, Any]:
    """The job helpers: start (waiting server-side), then wait until the job ends; its typed result."""
    deadline = JobDeadline.starting(timeout)
    business_key = checked_business_key(None)
    answer = yield from start_steps(kind, json_body, business_key, query or {}, deadline, True, poll_seconds)
    job = started_job(kind, business_key, answer)
    return (yield from wait_job_steps(job, deadline, poll_seconds, None))


def start_handle_steps(
    kind: JobKind[Any, Any], json_body: Any, business_key: str, query: dict[str, Any], timeout: float
) -> Generator[Step, Any, Job]:
    deadline = JobDeadline.starting(timeout)
    answer = yield from start_steps(kind, json_body, business_key, query, deadline, False, 0)
    return started_job(kind, business_key, answer)


def existing_job_steps(reference: str, timeout: float, poll_seconds: float) -> Generator[Step, Any, Any]:
    """A job started elsewhere (its id or business key): wait until it ends; its history entry."""
    deadline = JobDeadline.starting(timeout)
    entry = yield from get_job_steps(reference, deadline)
    job = Job(KINDS["run_checks"], job_id_or_none(entry) or reference, None, state=entry)
    yield from until_ended_steps(deadline, jobs_operation("wait_for_job"), job, poll_seconds)
    yield from raise_unless_finished_steps(deadline, job)
    return job.state
