"""DqopsJobTrigger: waits in Airflow's triggerer for a DQOps job to end, on DQOps's long poll.

DQOps's wait endpoints hold the request until the job ends or their `waitTimeout` passes, so the
trigger makes one request per `wait_timeout` window and never sleeps between polls: a job that
ends is seen at once. Its state is the job id and an absolute deadline, so a trigger rebuilt
from `serialize()` after a triggerer restart waits for the same job until the same time.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import AsyncIterator
from importlib import import_module
from typing import Any

from dqops._runtime.errors import DQOpsError
from dqops.airflow._compat import BaseTrigger, TriggerEvent
from dqops.airflow._rules import ENDED
from dqops.airflow.hooks import DEFAULT_CONN_ID, DqopsHook

#: The server-side wait of one request when the operator gives no wait_timeout.
DEFAULT_WAIT_SECONDS = 60
#: The HTTP deadline of a waiting request: its server-side wait plus this.
HTTP_MARGIN_SECONDS = 10.0
#: A wait endpoint that answers at once while the job goes on (a server that ignores waitTimeout)
#: is asked again after this long, not in a tight loop.
MIN_REQUEST_INTERVAL_SECONDS = 1.0
#: Retries of a wait request that got no answer, or 502, 503 or 504 (DQOps restarting, a proxy):
#: waiting is idempotent, so a blip does not fail a long deferred wait.
WAIT_RETRIES = 3
#: How long cancelling the job may take when the task is killed.
CANCEL_TIMEOUT_SECONDS = 10.0
#: The wait operations a trigger may call (dqops.client.api.jobs.<name>).
WAIT_OPERATIONS = ("wait_for_job", "wait_for_run_checks_job")


def _event(payload: dict[str, Any]) -> TriggerEvent:
    return TriggerEvent(payload)  # type: ignore[no-untyped-call]


def jobs_operation(name: str) -> Any:
    return import_module(f"dqops.client.api.jobs.{name}")


class DqopsJobTrigger(BaseTrigger):
    """Fires one event when the DQOps job ends, when `deadline` passes, or when a call fails.

    Args:
        job_id: The DQOps job id, or the job business key.
        wait_operation: `wait_for_run_checks_job` (answers a run-checks result) or `wait_for_job`
            (answers the job's history entry).
        dqops_conn_id, base_url, api_key: As for DqopsHook.
        wait_timeout: The server-side wait of each request, in seconds.
        deadline: A UNIX time after which the trigger stops waiting, or None to wait until the job ends.
        started: The answer of the call that started the job, handed back in the event.

    The event is `{"status": "ended" | "timeout", "answer": <the last answer's to_dict()>, "started": ...}`,
    or `{"status": "error", "error_type": ..., "message": ...}` when DQOps could not be called.
    """

    def __init__(
        self,
        job_id: str,
        *,
        wait_operation: str = "wait_for_job",
        dqops_conn_id: str = DEFAULT_CONN_ID,
        base_url: str | None = None,
        api_key: str | None = None,
        wait_timeout: int = DEFAULT_WAIT_SECONDS,
        deadline: float | None = None,
        started: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        if wait_operation not in WAIT_OPERATIONS:
            raise ValueError(f"wait_operation must be one of {WAIT_OPERATIONS}, got {wait_operation!r}")
        self.job_id = str(job_id)
        self.wait_operation = wait_operation
        self.dqops_conn_id = dqops_conn_id
        self.base_url = base_url
        self.api_key = api_key
        self.wait_timeout = max(1, int(wait_timeout))
        self.deadline = deadline
        self.started = started

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "job_id": self.job_id,
                "wait_operation": self.wait_operation,
                "dqops_conn_id": self.dqops_conn_id,
                "base_url": self.base_url,
                "api_key": self.api_key,
                "wait_timeout": self.wait_timeout,
                "deadline": self.deadline,
                "started": self.started,
            },
        )

    def __repr__(self) -> str:  # Airflow logs triggers by their repr: never the API key
        classpath, kwargs = self.serialize()
        if kwargs.get("api_key"):
            kwargs["api_key"] = "***"
        kwargs.pop("started", None)
        return str(self.repr(classpath, kwargs))

    def _hook(self) -> DqopsHook:
        return DqopsHook(self.dqops_conn_id, base_url=self.base_url, api_key=self.api_key)

    def _next_wait(self) -> int | None:
        """The server-side wait of the next request, never past the deadline; None once it has passed."""
        if self.deadline is None:
            return self.wait_timeout
        left = self.deadline - time.time()
        return None if left <= 0 else max(1, min(self.wait_timeout, math.ceil(left)))

    async def run(self) -> AsyncIterator[TriggerEvent]:
        operation = jobs_operation(self.wait_operation)
        try:
            settings = await self._hook().aget_settings()
            async with settings.client(max_retries=WAIT_RETRIES) as client:
                while True:
                    wait = self._next_wait() or 1
                    asked_at = time.monotonic()
                    answer = await operation.asyncio(
                        self.job_id, client=client.with_options(timeout=wait + HTTP_MARGIN_SECONDS), wait_timeout=wait
                    )
                    answered = answer.to_dict()
                    if answered.get("status") in ENDED:
                        yield _event({"status": "ended", "answer": answered, "started": self.started})
                        return
                    if self._next_wait() is None:
                        yield _event({"status": "timeout", "answer": answered, "started": self.started})
                        return
                    if time.monotonic() - asked_at < MIN_REQUEST_INTERVAL_SECONDS:
                        await asyncio.sleep(MIN_REQUEST_INTERVAL_SECONDS)
        except DQOpsError as exc:
            yield _event({"status": "error", "error_type": type(exc).__name__, "message": str(exc)})

    async def on_kill(self) -> None:
        """The task was killed (marked failed, cleared...) while deferred: cancel the DQOps job."""
        await cancel_job_async(self._hook(), self.job_id, self.log)


def cancel_job(hook: DqopsHook, job_id: str, log: Any) -> None:
    """Ask DQOps to cancel a job; a failure is logged, never raised (the task is being killed anyway)."""
    cancel = jobs_operation("cancel_job")
    try:
        with hook.get_settings().client(timeout=CANCEL_TIMEOUT_SECONDS) as client:
            cancel.sync(job_id, client=client)
    except DQOpsError as exc:
        log.warning("Could not cancel DQOps job %s: %s", job_id, exc)
    else:
        log.info("Cancelled DQOps job %s", job_id)


async def cancel_job_async(hook: DqopsHook, job_id: str, log: Any) -> None:
    cancel = jobs_operation("cancel_job")
    try:
        settings = await hook.aget_settings()
        async with settings.client(timeout=CANCEL_TIMEOUT_SECONDS) as client:
            await cancel.asyncio(job_id, client=client)
    except DQOpsError as exc:
        log.warning("Could not cancel DQOps job %s: %s", job_id, exc)
    else:
        log.info("Cancelled DQOps job %s", job_id)
