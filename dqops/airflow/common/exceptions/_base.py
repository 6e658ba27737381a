"""The base of the exceptions that carry the answer: pushed to XCom as the task's return value."""

from __future__ import annotations

from typing import Any

from dqops.airflow._compat import AirflowException


def describe_answer(answer: Any) -> str:
    """What a job's answer says about the job, for a message: ' (job 17, status failed: <error>)'."""
    if not isinstance(answer, dict):
        return ""
    facts = []
    job_id = answer.get("jobId")
    if isinstance(job_id, dict) and job_id.get("jobId") is not None:
        facts.append(f"job {job_id['jobId']}")
    if isinstance(answer.get("status"), str):
        facts.append(f"status {answer['status']}")
    severity = answer.get("current_severity") or (answer.get("result") or {}).get("highest_severity")
    if isinstance(severity, str):
        facts.append(f"severity {severity}")
    error = answer.get("errorMessage")
    text = ", ".join(facts)
    if isinstance(error, str) and error:
        text = f"{text}: {error[:500]}" if text else error[:500]
    return f" ({text})" if text else ""


class _DqopsAnswerException(AirflowException):
    """Fails the task after pushing `return_value` (the answer's `to_dict()`) to XCom, as DQOps's operators do."""

    message = ""

    def __init__(self, ti: Any, return_value: dict[str, Any]) -> None:
        super().__init__(self.message + describe_answer(return_value))
        self.return_value = return_value
        if ti is not None:
            ti.xcom_push("return_value", return_value)
