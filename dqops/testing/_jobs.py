"""The job queue of the fake DQOps: jobs that go from queued to running to their outcome, and the change feed.

It models what DQOps's job queue shows through its REST API (JobsController and
DqoJobQueueMonitoringServiceImpl in DQOps's source):

- one counter gives job ids and change sequence numbers, both increasing, made of the time
  (epoch seconds * 1,000,000 + a counter within the second);
- every status change of a job is a change in the feed (`jobChanges`, after a sequence number);
  the change of a new job carries its whole model, a later one its status (and the model when it
  finished with a result or failed with a message);
- a job is looked up by its id or by the business key it was started with, within the data
  domain it was started in; a job no longer in the history is not found;
- cancelling a job that has not ended makes it `cancel_requested`, then `cancelled`.

Everything is guarded by one condition variable; long polls wait on it and wake on any change.
A background thread moves jobs along at the times their outcome sets.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

QUEUED = "queued"
RUNNING = "running"
FINISHED = "finished"
FAILED = "failed"
CANCEL_REQUESTED = "cancel_requested"
CANCELLED = "cancelled"
#: The statuses a job ends in.
ENDED = frozenset({FINISHED, FAILED, CANCELLED})
#: What `set_job_outcome(status=...)` accepts: how a job that is not cancelled by a client ends.
OUTCOMES = frozenset({FINISHED, FAILED, CANCELLED})
SEVERITIES = ("valid", "warning", "error", "fatal")
#: The data domain of a call without the DQODataDomain cookie: DQOps names its root domain "".
DEFAULT_DATA_DOMAIN = ""
SEQUENCES_PER_SECOND = 1_000_000


@dataclass(frozen=True)
class JobKind:
    """What a start operation queues: its job type, where its parameters go in the job's model
    (DqoJobEntryParametersModel) and where the parameters keep the job's result."""

    job_type: str
    parameters_field: str
    parameters_from_body: Callable[[Any], dict[str, Any]]
    result_field: str | None  # in the parameters


def _as_parameters(body: Any) -> dict[str, Any]:
    return dict(body) if isinstance(body, dict) else {}


def _statistics_parameters(body: Any) -> dict[str, Any]:
    return {"statistics_collector_search_filters": body if isinstance(body, dict) else {}}


#: The start operations (operationId) and the jobs they queue.
JOB_KINDS: dict[str, JobKind] = {
    "runChecks": JobKind("run_checks", "runChecksParameters", _as_parameters, "run_checks_result"),
    "collectStatisticsOnTable": JobKind(
        "collect_statistics", "collectStatisticsParameters", _statistics_parameters, "collect_statistics_result"
    ),
    "collectStatisticsOnDataGroups": JobKind(
        "collect_statistics", "collectStatisticsParameters", _statistics_parameters, "collect_statistics_result"
    ),
    "collectErrorSamples": JobKind(
        "collect_error_samples", "collectErrorSamplesParameters", _as_parameters, "error_sampler_result"
    ),
    "importTables": JobKind("import_tables", "importTableParameters", _as_parameters, None),
    "deleteStoredData": JobKind("delete_stored_data", "deleteStoredDataParameters", _as_parameters, None),
    "synchronizeFolders": JobKind(
        "synchronize_multiple_folders", "synchronizeMultipleFoldersParameters", _as_parameters, None
    ),
}


@dataclass(frozen=True)
class JobOutcome:
    """How the jobs started from now on end: `status` after `delay` seconds (running from half of it)."""

    status: str = FINISHED
    highest_severity: str = "valid"
    delay: float = 0.5
    error_message: str | None = None

    def __post_init__(self) -> None:
        if self.status not in OUTCOMES:
            raise ValueError(f"status must be one of {sorted(OUTCOMES)}, got {self.status!r}")
        if self.highest_severity not in SEVERITIES:
            raise ValueError(f"highest_severity must be one of {list(SEVERITIES)}, got {self.highest_severity!r}")
        if not isinstance(self.delay, (int, float)) or self.delay < 0:
            raise ValueError(f"delay must be a number of seconds from 0, got {self.delay!r}")


@dataclass
class Job:
    job_id: int
    business_key: str | None
    operation_id: str
    kind: JobKind
    parameters: dict[str, Any]
    data_domain: str
    created_at: str  # ISO 8601, as DQOps sends a Java Instant
    outcome: JobOutcome
    result: Any  # the job's result when it has finished (the documented sample, with the outcome's severity)
    running_at: float  # time.monotonic() when it starts running
    ends_at: float
    status: str = QUEUED
    status_changed_at: int = 0
    error_message: str | None = None

    @property
    def ended(self) -> bool:
        return self.status in ENDED

    def id_model(self) -> dict[str, Any]:
        model: dict[str, Any] = {"jobId": self.job_id}
        if self.business_key is not None:
            model["jobBusinessKey"] = self.business_key
        model["createdAt"] = self.created_at
        return model

    def parameters_model(self) -> dict[str, Any]:
        parameters = copy.deepcopy(self.parameters)
        if self.kind.result_field is not None and self.status == FINISHED and self.result is not None:
            parameters[self.kind.result_field] = copy.deepcopy(self.result)
        return {self.kind.parameters_field: parameters}

    def history_model(self) -> dict[str, Any]:
        """The job as DqoJobHistoryEntryModel."""
        model: dict[str, Any] = {
            "jobId": self.id_model(),
            "jobType": self.kind.job_type,
            "parameters": self.parameters_model(),
            "status": self.status,
        }
        if self.error_message is not None:
            model["errorMessage"] = self.error_message
        model["statusChangedAt"] = _iso_instant(self.status_changed_at)
        model["dataDomain"] = self.data_domain
        return model

    def queue_result(self) -> dict[str, Any]:
        """The job as its start and typed wait operations answer it (RunChecksQueueJobResult...)."""
        answer: dict[str, Any] = {"jobId": self.id_model()}
        if self.status == FINISHED and self.result is not None:
            answer["result"] = copy.deepcopy(self.result)
        answer["status"] = self.status
        return answer


@dataclass
class Change:
    sequence: int
    job: Job
    status: str
    status_changed_at: int
    model: dict[str, Any] | None  # the job's whole model, sent with some changes

    def as_json(self) -> dict[str, Any]:
        """The change as DqoJobChangeModel."""
        change: dict[str, Any] = {"status": self.status, "jobId": self.job.id_model(), "changeSequence": self.sequence}
        if self.model is not None:
            change["updatedModel"] = self.model
        change["statusChangedAt"] = self.status_changed_at
        change["domainName"] = self.job.data_domain
        return change


def run_checks_result(documented: dict[str, Any], highest_severity: str) -> dict[str, Any]:
    """The documented RunChecksResult, with counts that agree with `highest_severity`: one check
    at that severity (when it is not "valid"), the others valid."""
    executed = documented.get("executed_checks", 10)
    issues = {"warnings": 0, "errors": 0, "fatals": 0}
    if highest_severity != "valid":
        issues[{"warning": "warnings", "error": "errors", "fatal": "fatals"}[highest_severity]] = 1
    counts = {
        "executed_checks": executed,
        "valid_results": executed - sum(issues.values()),
        **issues,
        "execution_errors": 0,
    }
    return {**documented, "highest_severity": highest_severity, **{k: v for k, v in counts.items() if k in documented}}


def _now_ms() -> int:
    return int(time.time() * 1000)


def _iso_instant(epoch_ms: int) -> str:
    """A time as DQOps writes a Java Instant: `2024-05-17T10:30:00.123Z`. The spec's models keep
    it as text where DQOps sends text (DqoQueueJobId.createdAt, DqoJobHistoryEntryModel.statusChangedAt),
    while DqoJobChangeModel.statusChangedAt is epoch milliseconds."""
    seconds, millis = divmod(epoch_ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


@dataclass
class JobQueue:
    """The jobs and their changes. `results` gives the result a finished job of a start operation holds."""

    results: Callable[[str], Any]
    outcome: JobOutcome = field(default_factory=JobOutcome)
    jobs: dict[int, Job] = field(default_factory=dict)
    changes: list[Change] = field(default_factory=list)
    condition: threading.Condition = field(default_factory=threading.Condition)
    closed: bool = False
    _sequence: int = 0
    _clock: threading.Thread | None = None

    # -- the clock -------------------------------------------------------------------------

    def start(self) -> None:
        self.closed = False
        self._clock = threading.Thread(target=self._run_clock, name="FakeDQOps job clock", daemon=True)
        self._clock.start()

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()
        if self._clock is not None:
            self._clock.join(timeout=5)
            self._clock = None

    def _run_clock(self) -> None:
        with self.condition:
            while not self.closed:
                due = self._advance(time.monotonic())
                self.condition.wait(timeout=None if due is None else max(0.0, due - time.monotonic()))

    def _advance(self, now: float) -> float | None:
        """Move every job whose time has come; the next time a job moves, if any. Holds the lock."""
        next_due: float | None = None
        for job in list(self.jobs.values()):
            if job.status == QUEUED and now >= job.running_at:
                self._set_status(job, RUNNING)
            if job.status == RUNNING and now >= job.ends_at:
                if job.outcome.status == FAILED:
                    job.error_message = job.outcome.error_message or "the job failed (FakeDQOps.set_job_outcome)"
                self._set_status(job, job.outcome.status)
            due = job.running_at if job.status == QUEUED else job.ends_at if job.status == RUNNING else None
            if due is not None:
                next_due = due if next_due is None else min(next_due, due)
        return next_due

    # -- changes ---------------------------------------------------------------------------

    def next_sequence(self) -> int:
        """The next job id or change sequence number, made as DQOps's DqoJobIdGeneratorImpl makes
        them: epoch seconds * 1,000,000 + a counter within the second. Holds the lock."""
        self._sequence = max(int(time.time()) * SEQUENCES_PER_SECOND, self._sequence + 1)
        return self._sequence

    def _set_status(self, job: Job, status: str) -> None:
        job.status = status
        job.status_changed_at = _now_ms()
        # DQOps sends the whole model with a new job, a finished one (its parameters now hold the
        # result) and a failed one (its error message); a status otherwise.
        with_model = status in (QUEUED, FAILED) or (status == FINISHED and job.kind.result_field is not None)
        model = job.history_model() if with_model else None
        self.changes.append(Change(self.next_sequence(), job, status, job.status_changed_at, model))
        self.condition.notify_all()

    def changes_after(self, sequence: int, data_domain: str) -> list[dict[str, Any]]:
        return [
            change.as_json()
            for change in self.changes
            if change.sequence > sequence and change.job.data_domain == data_domain
        ]

    # -- the operations --------------------------------------------------------------------

    def start_job(self, operation_id: str, body: Any, business_key: str | None, data_domain: str) -> Job:
        with self.condition:
            kind = JOB_KINDS[operation_id]
            outcome = self.outcome
            now = time.monotonic()
            result = self.results(operation_id)
            if isinstance(result, dict) and "highest_severity" in result:
                result = run_checks_result(result, outcome.highest_severity)
            job = Job(
                job_id=self.next_sequence(),
                business_key=business_key,
                operation_id=operation_id,
                kind=kind,
                parameters=kind.parameters_from_body(body),
                data_domain=data_domain,
                created_at=_iso_instant(_now_ms()),
                outcome=outcome,
                result=result,
                running_at=now + outcome.delay / 2,
                ends_at=now + outcome.delay,
            )
            self.jobs[job.job_id] = job
            self._set_status(job, QUEUED)
            self._advance(now)
            return job

    def find(self, job_id_or_key: str, data_domain: str) -> Job | None:
        """The job with this id or business key in this data domain, if the history still has it. Holds the lock."""
        for job in reversed(self.jobs.values()):
            if job.business_key == job_id_or_key and job.data_domain == data_domain:
                return job
        if job_id_or_key.isdigit():
            found = self.jobs.get(int(job_id_or_key))
            if found is not None and found.data_domain == data_domain:
                return found
        return None

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Wait, holding the lock, until `predicate()` or `timeout` seconds or close."""
        deadline = time.monotonic() + max(0.0, timeout)
        while not predicate():
            left = deadline - time.monotonic()
            if left <= 0 or self.closed:
                return False
            self.condition.wait(timeout=left)
        return True

    def cancel(self, job: Job) -> None:
        """Holds the lock."""
        if job.ended or job.status == CANCEL_REQUESTED:
            return
        self._set_status(job, CANCEL_REQUESTED)
        self._set_status(job, CANCELLED)

    def forget_history(self, changes_only: bool = False) -> None:
        """Drop every change, and every job unless `changes_only`, as DQOps drops the old ones."""
        with self.condition:
            if not changes_only:
                self.jobs.clear()
            self.changes.clear()
            self.condition.notify_all()

    def all_jobs(self, data_domain: str) -> Iterator[Job]:
        return (job for job in self.jobs.values() if job.data_domain == data_domain)
