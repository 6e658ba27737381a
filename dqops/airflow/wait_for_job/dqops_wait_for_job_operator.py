from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow import _rules
from dqops.airflow._compat import AirflowException
from dqops.airflow._operator import DEFAULT_URL, DqopsJobOperator, _given, _NoAnswer, forwarded
from dqops.airflow.common.exceptions import DqopsUnfinishedJobException
from dqops.airflow.triggers import jobs_operation
from dqops.client.models.rule_severity_level import RuleSeverityLevel


class DqopsWaitForJobOperator(DqopsJobOperator):
    """Waits for a DQOps job that another task started (`jobs.wait_for_job`).

    The job is `job_business_key` when given, else the `jobId.jobId` of the XCom return value of
    `task_id_to_wait_for`, else of the task's single upstream task. Returns (and pushes to XCom)
    the job's DqoJobHistoryEntryModel `to_dict()`.

    In the worker (`deferrable=False`), one call waits up to `wait_timeout` seconds; a job still
    queued, waiting or running raises DqopsUnfinishedJobException, so that Airflow's `retries`
    wait again, as DQOps's own operator does. Deferred, the trigger waits until the job ends
    (or until `execution_timeout`, after which `fail_on_timeout` applies): no retries needed.
    A failed job (DqopsJobFailedException) and a run-checks job at or above `fail_at_severity`
    (DqopsDataQualityIssueDetectedException) fail the task without retries.

    Args:
        task_id_to_wait_for: The task whose return value names the job.
        base_url, job_business_key, wait_timeout, fail_on_timeout, fail_at_severity, api_key,
            dqops_conn_id, deferrable: As for DqopsRunChecksOperator.
    """

    template_fields: Sequence[str] = ("dqops_conn_id", "job_business_key", "task_id_to_wait_for")
    FIELDS = ("task_id_to_wait_for", "fail_at_severity")
    task_id_to_wait_for: Unset | None | str
    fail_at_severity: RuleSeverityLevel

    def __init__(
        self,
        *,
        task_id_to_wait_for: Unset | None | str = UNSET,
        base_url: str = DEFAULT_URL,
        job_business_key: Unset | None | str = UNSET,
        wait_timeout: Unset | None | int = UNSET,
        fail_on_timeout: bool = True,
        fail_at_severity: RuleSeverityLevel = RuleSeverityLevel.FATAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()))

    def job_to_wait_for(self, context: Any) -> str:
        """`job_business_key`, else the job id in the return value of the task it waits for."""
        key = _given(self.job_business_key)
        if key is not None:
            return str(key)
        task_id = _given(self.task_id_to_wait_for)
        if task_id is None:
            upstream = sorted(context["task"].upstream_task_ids)
            if len(upstream) != 1:
                raise AirflowException(
                    f"DqopsWaitForJobOperator needs job_business_key or task_id_to_wait_for: "
                    f"the task has {len(upstream)} upstream tasks, not one"
                )
            task_id = upstream[0]
        returned = context["ti"].xcom_pull(key="return_value", task_ids=task_id)
        job_id = _rules.job_id_of(returned) if isinstance(returned, dict) else None
        if job_id is None:
            raise AirflowException(f"the return value of task {task_id!r} names no DQOps job (jobId.jobId)")
        return job_id

    def execute(self, context: Any) -> dict[str, Any] | None:
        job_id = self.job_to_wait_for(context)
        self._job_key = job_id
        self.log.info("Waiting for DQOps job %s", job_id)
        if self.deferrable:
            self._defer_to(context, job_id, None)
        settings = self._settings()
        wait = self._wait_seconds()
        wait_for_job = jobs_operation("wait_for_job")
        try:
            entry = self._call(
                settings,
                lambda c: wait_for_job.sync(job_id, client=c, wait_timeout=wait),
                wait=wait or 1,
            )
        except _NoAnswer:
            return None
        answer = entry.to_dict()
        if not _rules.has_ended(answer):
            self.log.info("DQOps job %s is %s: Airflow's retries wait again", job_id, answer.get("status"))
            raise DqopsUnfinishedJobException(detail=f"(job {job_id}, status {answer.get('status')})")
        return self._finish(context, answer)

    def check_answer(self, context: Any, answer: dict[str, Any]) -> None:
        ti = context["ti"]
        _rules.check_job_failed(ti, answer, retry=False)
        _rules.check_timeout(ti, answer, self.fail_on_timeout)
        _rules.check_job_entry_severity(ti, answer, self.fail_at_severity)
