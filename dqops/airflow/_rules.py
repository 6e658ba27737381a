"""When a DQOps task fails: the rules every operator applies to DQOps's answer, sync or deferred.

Each rule takes the answer as its `to_dict()` (what the task pushes to XCom) so that the sync path
and `execute_complete`, which gets the answer back from the triggerer as JSON, apply the same code.
"""

from __future__ import annotations

import logging
from typing import Any

from dqops._runtime import errors
from dqops.airflow._compat import AirflowException, AirflowFailException
from dqops.airflow.common.exceptions import (
    DqopsDataQualityIssueDetectedException,
    DqopsEmptyResponseException,
    DqopsInternalServerErrorException,
    DqopsJobFailedException,
    DqopsTimeoutException,
)
from dqops.airflow.common.exceptions._base import describe_answer

log = logging.getLogger(__name__)

#: Severities from the least to the most severe (DQOps's RuleSeverityLevel).
SEVERITIES = ("valid", "warning", "error", "fatal")
FINISHED = "finished"
FAILED = "failed"
CANCELLED = "cancelled"
#: The statuses of a job that has ended; any other (queued, waiting, running, cancel_requested) has not.
ENDED = (FINISHED, FAILED, CANCELLED)


def severity_rank(level: Any) -> int:
    """The rank of a severity (a RuleSeverityLevel or its value): valid 0 < warning < error < fatal 3."""
    value = str(getattr(level, "value", level)).lower()
    try:
        return SEVERITIES.index(value)
    except ValueError:
        raise ValueError(f"unknown severity {level!r}: expected one of {', '.join(SEVERITIES)}") from None


def job_status(answer: dict[str, Any]) -> str | None:
    status = answer.get("status")
    return status if isinstance(status, str) else None


def has_ended(answer: dict[str, Any]) -> bool:
    return job_status(answer) in ENDED


def job_id_of(answer: dict[str, Any]) -> str | None:
    """The DQOps job id in an answer (`jobId.jobId`), as text."""
    job_id = answer.get("jobId")
    value = job_id.get("jobId") if isinstance(job_id, dict) else None
    return str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else None


def _at_or_above(severity: Any, fail_at_severity: Any) -> bool:
    return isinstance(severity, str) and severity_rank(severity) >= severity_rank(fail_at_severity)


def check_timeout(ti: Any, answer: dict[str, Any], fail_on_timeout: bool) -> None:
    """A job still unfinished after the wait: fails the task when `fail_on_timeout`, else a warning."""
    if has_ended(answer):
        return
    message = f"DQOps' job has not finished in time{describe_answer(answer)}; it goes on running in DQOps"
    if fail_on_timeout:
        log.error(message)
        ti.xcom_push("return_value", answer)
        raise DqopsTimeoutException(detail=message)
    log.warning("%s (fail_on_timeout=False: the task succeeds)", message)


def check_job_failed(ti: Any, answer: dict[str, Any], *, retry: bool = True) -> None:
    if job_status(answer) == FAILED:
        raise (DqopsJobFailedException if retry else _JobFailedNoRetry)(ti, answer)


def check_run_checks_severity(ti: Any, answer: dict[str, Any], fail_at_severity: Any, *, retry: bool = True) -> None:
    """A run-checks answer whose highest severity is at or above `fail_at_severity` (not for a cancelled job)."""
    result = answer.get("result")
    severity = result.get("highest_severity") if isinstance(result, dict) else None
    if job_status(answer) != CANCELLED and _at_or_above(severity, fail_at_severity):
        raise (DqopsDataQualityIssueDetectedException if retry else _IssueDetectedNoRetry)(ti, answer)


def check_job_entry_severity(ti: Any, entry: dict[str, Any], fail_at_severity: Any) -> None:
    """A finished run-checks job's history entry (wait_for_job) at or above `fail_at_severity`: no more retries."""
    if entry.get("jobType") != "run_checks" or job_status(entry) == CANCELLED:
        return
    parameters = entry.get("parameters") or {}
    run_checks = parameters.get("runChecksParameters") if isinstance(parameters, dict) else None
    result = run_checks.get("run_checks_result") if isinstance(run_checks, dict) else None
    severity = result.get("highest_severity") if isinstance(result, dict) else None
    if _at_or_above(severity, fail_at_severity):
        raise _IssueDetectedNoRetry(ti, entry)


def check_table_status(ti: Any, status: dict[str, Any], fail_at_severity: Any) -> None:
    if _at_or_above(status.get("current_severity"), fail_at_severity):
        raise DqopsDataQualityIssueDetectedException(ti, status)


class _JobFailedNoRetry(DqopsJobFailedException, AirflowFailException):
    """DqopsJobFailedException that Airflow does not retry: waiting again cannot change a failed job."""


class _IssueDetectedNoRetry(DqopsDataQualityIssueDetectedException, AirflowFailException):
    """DqopsDataQualityIssueDetectedException that Airflow does not retry."""


def airflow_error(exc: errors.DQOpsError) -> AirflowException:
    """The Airflow exception that fails a task for one of the SDK's errors (raise it `from exc`)."""
    if isinstance(exc, errors.ServerError):
        return DqopsInternalServerErrorException(detail=str(exc))
    if isinstance(exc, errors.ResponseDecodingError) and exc.status_code is not None and not exc.content:
        return DqopsEmptyResponseException(detail=str(exc))
    return AirflowException(f"DQOps call failed: {exc}")


def handle_call_timeout(exc: errors.RequestTimeout, fail_on_timeout: bool) -> None:
    """DQOps did not answer in time: DqopsTimeoutException when `fail_on_timeout`, else a warning (no result)."""
    if fail_on_timeout:
        log.error("DQOps did not answer in time: %s", exc)
        raise DqopsTimeoutException(detail=str(exc)) from exc
    log.warning("DQOps did not answer in time (fail_on_timeout=False: the task succeeds): %s", exc)
