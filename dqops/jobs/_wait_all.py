"""Many jobs awaited through one change feed: `wait_all(handles)`."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import Any

from dqops._runtime.client import Client
from dqops._runtime.errors import ApiStatusError, ArgumentTypeError, DQOpsError, InvalidArgument, JobTimeout
from dqops.jobs._deadline import (
    CANCELLED,
    DEFAULT_POLL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    FAILED,
    FINISHED,
    Call,
    JobDeadline,
    Step,
    jobs_operation,
    now,
    status_of,
    twins,
)
from dqops.jobs._feed import FEED_HISTORY_SECONDS
from dqops.jobs._handles import JobHandle
from dqops.jobs._kinds import KINDS, Job, checked_severity
from dqops.jobs._steps import wait_job_steps


def _same_job(job: Job, job_id: Any) -> bool:
    """Whether a DqoQueueJobId of the feed names this job (by id, else by business key)."""
    number = getattr(job_id, "job_id", None)
    if job.job_id is not None and isinstance(number, int) and not isinstance(number, bool):
        return str(number) == job.job_id
    key = getattr(job_id, "job_business_key", None)
    return job.business_key is not None and key == job.business_key


def _wait_all_steps(
    jobs: list[Job], deadline: JobDeadline, poll_seconds: float, fail_at_severity: str | None
) -> Generator[Step, Any, list[Any]]:
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
            if position is None or now() - received_at >= FEED_HISTORY_SECONDS:
                snapshot = yield from deadline.call(Call(jobs_operation("get_all_jobs")), 0, None, None)
                position = snapshot.last_sequence_number if isinstance(snapshot.last_sequence_number, int) else 0
                entries = snapshot.jobs if isinstance(snapshot.jobs, list) else []
                for index, job in waiting.items():
                    found = [entry for entry in entries if _same_job(job, entry.job_id)]
                    # A job the snapshot lacks is read on its own: its 404 says DQOps does not know it.
                    if not found or status_of(found[0]) in (FINISHED, FAILED, CANCELLED):
                        ended.append(index)
            else:
                try:
                    answer = yield from deadline.call(
                        Call(jobs_operation("get_job_changes_since"), (position,)), 0, None, None
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
                        _same_job(job, change.job_id) and status_of(change) in (FINISHED, FAILED, CANCELLED)
                        for change in changes
                    ):
                        ended.append(index)
            received_at = now()
            for index in ended:
                job = waiting.pop(index)
                job.state = None  # read it once more, for its typed result
                try:
                    outcomes[index] = yield from wait_job_steps(job, deadline, poll_seconds, fail_at_severity)
                except DQOpsError as exc:
                    outcomes[index] = exc
            ended.clear()
    except JobTimeout:
        for index, job in waiting.items():
            outcomes[index] = deadline.timed_out(job.job_id or job.reference, job.state, status_of(job.state))
    return outcomes


def _checked_handles(
    handles: Sequence[JobHandle[Any]], fail_at_severity: object
) -> tuple[Client, list[Job], str | None]:
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
        severity = checked_severity(fail_at_severity, KINDS["run_checks"])
    return first, [handle._job for handle in handles], severity


def _finish_all(outcomes: list[Any], return_exceptions: bool) -> list[Any]:
    if not return_exceptions:
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
    return outcomes


def _handles_client(arguments: dict[str, Any]) -> Client:
    return _checked_handles(arguments["handles"], arguments["fail_at_severity"])[0]


def _wait_all(
    handles: Sequence[JobHandle[Any]],
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    fail_at_severity: str | None = None,
    return_exceptions: bool = False,
) -> Generator[Step, Any, list[Any]]:
    """Wait for many jobs at once through one change feed (one connection, not one per job).

    Returns each job's typed result, in the order of `handles`. The first error in that order is
    raised (JobFailed, JobCancelled, JobNotFound, JobTimeout, DataQualityIssuesDetected for a
    run-checks job with `fail_at_severity`), or with `return_exceptions=True` each job's error
    is in its place. `timeout` bounds the whole wait. The handles must share one DQOps and one
    data domain.
    """
    _, jobs, severity = _checked_handles(handles, fail_at_severity)
    outcomes = yield from _wait_all_steps(jobs, JobDeadline.starting(timeout), poll_seconds, severity)
    return _finish_all(outcomes, return_exceptions)


wait_all, wait_all_async = twins(_wait_all, _handles_client)
