"""Job handles: a job started by `start_run_checks(...)` and its kin, or resumed from a token."""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dqops._runtime.client import Client
from dqops._runtime.data_domain import checked_data_domain
from dqops._runtime.errors import ConfigurationError, InvalidArgument, cut_text
from dqops.jobs._deadline import (
    DEFAULT_POLL_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    Call,
    JobDeadline,
    Step,
    job_id_or_none,
    jobs_operation,
    status_of,
    twins,
)
from dqops.jobs._kinds import JOB_KINDS, KINDS, TOKEN_VERSION, Job, checked_business_key, checked_severity
from dqops.jobs._steps import get_job_steps, wait_job_steps

if TYPE_CHECKING:
    from dqops.client.models import DqoJobHistoryEntryModel

R = TypeVar("R")


def _handle_client(arguments: dict[str, Any]) -> Client:
    client: Client = arguments["self"]._client
    return client


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
        if kind not in KINDS:
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
            business_key = checked_business_key(business_key)
        if job_id is None and business_key is None:
            raise InvalidArgument(
                "a job handle needs a job_id or a business_key", operation="JobHandle", parameter="job_id"
            )
        data_domain = checked_data_domain(data_domain, "data_domain")
        self._job = Job(KINDS[kind], job_id, business_key)
        self.data_domain = data_domain if data_domain is not None else client.data_domain
        self._client = (
            client if data_domain in (None, client.data_domain) else client.with_options(data_domain=data_domain)
        )

    @classmethod
    def _of(cls, client: Client, job: Job) -> JobHandle[Any]:
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
        return status_of(self._job.state)

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

    def _wait(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        poll_seconds: float = DEFAULT_POLL_SECONDS,
        fail_at_severity: str | None = None,
    ) -> Generator[Step, Any, R]:
        """Wait until the job ends; its typed result (RunChecksQueueJobResult for run_checks...).

        `timeout` bounds the whole wait (JobTimeout after it; the job goes on in DQOps). DQOps's
        wait endpoints hold each poll up to `poll_seconds`. Raises JobFailed, JobCancelled,
        JobNotFound (DQOps does not know the job), and with `fail_at_severity` ("valid" <
        "warning" < "error" < "fatal", run_checks only) DataQualityIssuesDetected when the checks
        found issues at that severity or above.
        """
        severity = checked_severity(fail_at_severity, self._job.kind)
        result: R = yield from wait_job_steps(self._job, JobDeadline.starting(timeout), poll_seconds, severity)
        return result

    wait, wait_async = twins(_wait, _handle_client)

    def _poll(self) -> Generator[Step, Any, DqoJobHistoryEntryModel]:
        """Ask DQOps once for the job's state (no waiting); its history entry. JobNotFound if unknown."""
        entry: DqoJobHistoryEntryModel = yield from get_job_steps(self._job.reference, None)
        self._job.state = entry
        if self._job.job_id is None:
            self._job.job_id = job_id_or_none(entry)
        return entry

    poll, poll_async = twins(_poll, _handle_client)

    def _cancel(self) -> Generator[Step, Any, None]:
        """Ask DQOps to cancel the job (cancelJob). A running job becomes `cancel_requested`, then
        `cancelled`; DQOps accepts the request for a job that already ended, and changes nothing."""
        yield Call(jobs_operation("cancel_job"), (self._job.reference,))

    cancel, cancel_async = twins(_cancel, _handle_client)


def _bad_token(reason: str) -> InvalidArgument:
    return InvalidArgument(f"not a job token: {reason}", operation="JobHandle.from_token", parameter="token")
