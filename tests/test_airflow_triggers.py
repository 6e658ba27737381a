"""DqopsJobTrigger run directly (its async generator) against FakeDQOps: the long poll, the
deadline, a triggerer restart, the task killed while deferred, errors, and serialize()."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from dqops.testing import FakeDQOps

API_KEY = "trigger-key"
WAITS = ("waitForJob", "waitForRunChecksJob")


@pytest.fixture
def fake(airflow_home) -> Iterator[FakeDQOps]:
    with FakeDQOps(api_key=API_KEY) as server:
        yield server


def start_job(fake: FakeDQOps) -> str:
    from dqops.client import AuthenticatedClient
    from dqops.client.api.jobs import run_checks

    with AuthenticatedClient(fake.base_url, token=API_KEY) as client:
        started = run_checks.sync(client=client, json_body={"check_search_filters": {}}, wait=False)
    return str(started.job_id.job_id)


def trigger_for(fake: FakeDQOps, job_id: str, **kwargs):
    from dqops.airflow.triggers import DqopsJobTrigger

    return DqopsJobTrigger(job_id, base_url=fake.base_url, api_key=API_KEY, **kwargs)


async def first_event(trigger) -> dict:
    async for event in trigger.run():
        return event.payload
    raise AssertionError("the trigger ended without an event")


def wait_requests(fake: FakeDQOps) -> list:
    return [r for r in fake.requests if r.operation_id in WAITS]


def test_serialize_round_trips(airflow_home) -> None:
    from dqops.airflow.triggers import DqopsJobTrigger

    trigger = DqopsJobTrigger(
        "17", wait_operation="wait_for_run_checks_job", dqops_conn_id="dq", wait_timeout=5, deadline=123.5
    )
    classpath, kwargs = trigger.serialize()
    assert classpath == "dqops.airflow.triggers.DqopsJobTrigger"
    rebuilt = DqopsJobTrigger(**kwargs)
    assert rebuilt.serialize() == (classpath, kwargs)
    assert "s3cr3t" not in repr(DqopsJobTrigger("17", api_key="s3cr3t"))


@pytest.mark.asyncio
async def test_one_long_poll_per_wait_timeout_window(fake) -> None:
    fake.set_job_outcome(delay=2.5, highest_severity="warning")
    job_id = start_job(fake)
    started = time.monotonic()
    event = await first_event(trigger_for(fake, job_id, wait_operation="wait_for_run_checks_job", wait_timeout=1))
    assert event["status"] == "ended"
    assert event["answer"]["status"] == "finished"
    assert event["answer"]["result"]["highest_severity"] == "warning"
    waits = wait_requests(fake)
    # A 2.5 s job, 1 s windows: 3 requests, each held by the server (no sleep-and-poll loop).
    assert 2 <= len(waits) <= 4
    assert all(r.query["waitTimeout"] == ["1"] for r in waits)
    assert time.monotonic() - started < 5


@pytest.mark.asyncio
async def test_a_job_that_ends_is_seen_at_once(fake) -> None:
    fake.set_job_outcome(delay=0.3)
    job_id = start_job(fake)
    started = time.monotonic()
    event = await first_event(trigger_for(fake, job_id, wait_timeout=30))
    assert event["answer"]["status"] == "finished"
    assert len(wait_requests(fake)) == 1
    assert time.monotonic() - started < 5


@pytest.mark.asyncio
async def test_the_deadline_ends_the_wait_with_the_last_answer(fake) -> None:
    fake.set_job_outcome(delay=30)
    job_id = start_job(fake)
    event = await first_event(trigger_for(fake, job_id, wait_timeout=10, deadline=time.time() + 1.5))
    assert event["status"] == "timeout"
    assert event["answer"]["status"] in ("queued", "running")
    # The server-side waits never outlast the deadline.
    assert all(int(r.query["waitTimeout"][0]) <= 2 for r in wait_requests(fake))


@pytest.mark.asyncio
async def test_it_resumes_after_a_triggerer_restart(fake) -> None:
    """The triggerer stops mid-wait (the run is cancelled); a trigger rebuilt from serialize() finishes the wait."""
    from dqops.airflow.triggers import DqopsJobTrigger

    fake.set_job_outcome(delay=2)
    job_id = start_job(fake)
    trigger = trigger_for(fake, job_id, wait_timeout=1, deadline=time.time() + 60)
    running = asyncio.ensure_future(first_event(trigger))
    await asyncio.sleep(0.5)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    _, kwargs = trigger.serialize()
    event = await first_event(DqopsJobTrigger(**kwargs))
    assert event["status"] == "ended" and event["answer"]["status"] == "finished"
    assert [job["status"] for job in fake.jobs] == ["finished"]  # the restart did not cancel the job


@pytest.mark.asyncio
async def test_on_kill_cancels_the_job(fake) -> None:
    """The task is killed while deferred (Airflow 3.3 calls the trigger's on_kill): the DQOps job is cancelled."""
    fake.set_job_outcome(delay=30)
    job_id = start_job(fake)
    trigger = trigger_for(fake, job_id, wait_timeout=10)
    running = asyncio.ensure_future(first_event(trigger))
    await asyncio.sleep(0.3)
    await trigger.on_kill()
    event = await asyncio.wait_for(running, 10)
    assert event["answer"]["status"] == "cancelled"
    assert [r.operation_id for r in fake.requests].count("cancelJob") == 1


@pytest.mark.asyncio
async def test_an_error_is_an_event_naming_the_sdk_error(fake) -> None:
    from dqops.airflow.triggers import DqopsJobTrigger

    job_id = start_job(fake)
    event = await first_event(DqopsJobTrigger(job_id, base_url=fake.base_url, api_key="wrong"))
    assert event["status"] == "error"
    assert event["error_type"] == "Unauthorized"


@pytest.mark.asyncio
async def test_the_connection_gives_url_and_key(fake, monkeypatch) -> None:
    from airflow_dags import connection_json

    from dqops.airflow.triggers import DqopsJobTrigger

    monkeypatch.setenv("AIRFLOW_CONN_DQ_TRIGGER", connection_json(fake.base_url, API_KEY))
    fake.set_job_outcome(delay=0.2)
    job_id = start_job(fake)
    event = await first_event(DqopsJobTrigger(job_id, dqops_conn_id="dq_trigger"))
    assert event["status"] == "ended"
    assert wait_requests(fake)[0].headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.asyncio
async def test_a_dropped_wait_request_is_asked_again(fake) -> None:
    fake.set_job_outcome(delay=0.5)
    job_id = start_job(fake)
    fake.fail_next(1, "drop", operation="waitForJob")
    event = await first_event(trigger_for(fake, job_id, wait_timeout=5))
    assert event["status"] == "ended" and event["answer"]["status"] == "finished"
    assert len(wait_requests(fake)) == 2


@pytest.mark.parametrize(
    ("error_type", "fail_on_timeout", "raised"),
    [
        ("RequestTimeout", True, "DqopsTimeoutException"),
        ("RequestTimeout", False, None),
        ("ServerError", True, "DqopsInternalServerErrorException"),
        ("Unauthorized", True, "AirflowException"),
    ],
)
def test_execute_complete_fails_an_error_event_as_the_sync_path(
    airflow_home, error_type, fail_on_timeout, raised
) -> None:
    from dqops.airflow import DqopsRunChecksOperator

    op = DqopsRunChecksOperator(task_id="t", fail_on_timeout=fail_on_timeout, deferrable=True)
    event = {"status": "error", "error_type": error_type, "message": "what the SDK said"}
    if raised is None:
        assert op.execute_complete({"ti": None}, event) is None
        return
    with pytest.raises(Exception) as failure:
        op.execute_complete({"ti": None}, event)
    assert type(failure.value).__name__ == raised
    assert f"{error_type}: what the SDK said" in str(failure.value)
