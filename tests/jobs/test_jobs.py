"""dqops.jobs: start a DQOps job and wait for it (finished, failed, cancelled, timed out).

Real generated operations against a respx mock of DQOps's job endpoints. No test waits for
real: MIN_POLL_INTERVAL_SECONDS is patched small, or the module's clock is a fake whose sleep
advances it, and every async test is guarded by asyncio.wait_for.
"""

from __future__ import annotations

import asyncio
import inspect
import itertools
import json
import time
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from support.job_helpers import HELPERS, JSON_BODIES, Helper, job_functions_with_a_body, with_a_python_name

import dqops.jobs
from dqops import jobs
from dqops.client import Client, errors
from dqops.client.models.collect_statistics_queue_job_result import CollectStatisticsQueueJobResult
from dqops.client.models.dqo_job_history_entry_model import DqoJobHistoryEntryModel
from dqops.client.models.import_tables_queue_job_parameters import ImportTablesQueueJobParameters
from dqops.client.models.import_tables_queue_job_result import ImportTablesQueueJobResult
from dqops.client.models.run_checks_parameters import RunChecksParameters
from dqops.client.models.run_checks_queue_job_result import RunChecksQueueJobResult
from dqops.client.models.statistics_collector_search_filters import StatisticsCollectorSearchFilters
from dqops.jobs._kinds import KINDS

HOST = "http://dqops.test"
GUARD_SECONDS = 5.0


HELPER_PARAMS = [pytest.param(helper, id=helper.name) for helper in HELPERS]


def queued(job_id: int, status: str, **extra: Any) -> dict[str, Any]:
    """A typed start/wait answer (RunChecksQueueJobResult and its kind)."""
    return {"jobId": {"jobId": job_id, "createdAt": 1714550000000}, "status": status, **extra}


def history(job_id: int, status: str, **extra: Any) -> dict[str, Any]:
    """A DqoJobHistoryEntryModel."""
    return {"jobId": {"jobId": job_id}, "jobType": "run_checks", "status": status, **extra}


def wait_answer(helper: Helper, job_id: int, status: str, **extra: Any) -> dict[str, Any]:
    return queued(job_id, status, **extra) if helper.typed_wait else history(job_id, status, **extra)


@pytest.fixture
def fast_polls(monkeypatch):
    monkeypatch.setattr(dqops.jobs._deadline, "MIN_POLL_INTERVAL_SECONDS", 0.0)


@pytest.fixture
def dqops_client():
    client = Client(HOST + "/", raise_on_unexpected_status=True, timeout=1.0)
    yield client
    client.close()


class FakeClock:
    """Replaces dqops.jobs._deadline.time: monotonic() reads it, sleep() advances it (never waits)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    fake = FakeClock()
    monkeypatch.setattr(dqops.jobs._deadline, "time", SimpleNamespace(monotonic=fake.monotonic, sleep=fake.sleep))
    return fake


def wait_timeouts(route) -> list[int]:
    return [int(call.request.url.params["waitTimeout"]) for call in route.calls]


def assert_server_side_waits(route) -> None:
    """Every poll asked the server to hold the request, and allowed the HTTP read long enough for
    it, unless the helper's deadline came first: a wait of 1 s (the least the server takes) may
    outlast the time left, and its read timeout ends with the deadline."""
    assert route.calls, "the helper never polled"
    for call in route.calls:
        assert "waitTimeout" in call.request.url.params, call.request.url
        wait_timeout = int(call.request.url.params["waitTimeout"])
        assert wait_timeout > 0
        read_timeout = call.request.extensions["timeout"]["read"]
        assert read_timeout <= wait_timeout + jobs.HTTP_TIMEOUT_MARGIN_SECONDS
        assert read_timeout > wait_timeout or wait_timeout == 1


def run_sync(helper: Helper, client: Client, **kwargs: Any) -> Any:
    return helper.sync(client, helper.parameters(), **kwargs)


async def run_async(helper: Helper, client: Client, **kwargs: Any) -> Any:
    return await asyncio.wait_for(helper.asyncio(client, helper.parameters(), **kwargs), GUARD_SECONDS)


# Finished.


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_job_finished_within_the_start_call(mock, dqops_client, helper):
    start = mock.post(HOST + helper.start_path).mock(
        return_value=httpx.Response(200, json=queued(4, "finished", result={}))
    )
    result = run_sync(helper, dqops_client, timeout=60)
    assert isinstance(result, helper.result_class)
    assert result.status == "finished"
    assert result.job_id.job_id == 4
    assert start.call_count == 1
    params = start.calls[0].request.url.params
    assert params["wait"] == "true"
    assert int(params["waitTimeout"]) > 0
    assert len(mock.calls) == 1


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_job_finished_after_polling(mock, dqops_client, fast_polls, helper):
    start = mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(7, "running")))
    wait = mock.get(HOST + helper.wait_path.format(id=7)).mock(
        side_effect=[
            httpx.Response(200, json=wait_answer(helper, 7, "running")),
            httpx.Response(200, json=wait_answer(helper, 7, "finished")),
        ]
    )
    result = run_sync(helper, dqops_client, timeout=60)
    assert isinstance(result, helper.result_class)
    assert result.status == "finished"
    assert result.job_id.job_id == 7
    assert start.call_count == 1
    assert wait.call_count == 2
    assert_server_side_waits(start)
    assert_server_side_waits(wait)
    assert start.calls[0].request.url.params["wait"] == "true"


@pytest.mark.parametrize("helper", HELPER_PARAMS)
@pytest.mark.asyncio
async def test_job_finished_after_polling_async(mock, dqops_client, fast_polls, helper):
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(8, "queued")))
    wait = mock.get(HOST + helper.wait_path.format(id=8)).mock(
        side_effect=[
            httpx.Response(200, json=wait_answer(helper, 8, "running")),
            httpx.Response(200, json=wait_answer(helper, 8, "finished")),
        ]
    )
    async with dqops_client:
        result = await run_async(helper, dqops_client, timeout=60)
    assert isinstance(result, helper.result_class)
    assert result.status == "finished"
    assert wait.call_count == 2
    assert_server_side_waits(wait)


def test_run_checks_returns_the_typed_result_of_the_checks(mock, dqops_client, fast_polls):
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(3, "running")))
    mock.get(HOST + "/api/jobs/runchecks/3/wait").mock(
        return_value=httpx.Response(
            200,
            json=queued(3, "finished", result={"highest_severity": "warning", "executed_checks": 12, "errors": 0}),
        )
    )
    result = jobs.run_checks(dqops_client, RunChecksParameters(), timeout=60)
    assert isinstance(result, RunChecksQueueJobResult)
    assert result.result.executed_checks == 12
    assert result.result.highest_severity == "warning"


def test_the_start_call_sends_the_parameters(mock, dqops_client):
    start = mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(1, "finished")))
    parameters = RunChecksParameters.from_dict({"check_search_filters": {"connection": "sales", "enabled": True}})
    jobs.run_checks(dqops_client, parameters, timeout=60)
    assert json.loads(start.calls[0].request.content) == {
        "check_search_filters": {"connection": "sales", "enabled": True}
    }


# The body as a mapping of the model's JSON form (`RunChecksParametersDict`...).


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_a_mapping_of_json_names_is_sent_as_written(mock, dqops_client, helper):
    start = mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(5, "finished")))
    result = helper.sync(dqops_client, helper.json_body, timeout=60)
    assert isinstance(result, helper.result_class)
    assert result.status == "finished"
    assert json.loads(start.calls[0].request.content) == helper.json_body


@pytest.mark.parametrize("helper", HELPER_PARAMS)
@pytest.mark.asyncio
async def test_a_mapping_of_json_names_is_sent_as_written_async(mock, dqops_client, fast_polls, helper):
    start = mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(6, "running")))
    mock.get(HOST + helper.wait_path.format(id=6)).mock(
        return_value=httpx.Response(200, json=wait_answer(helper, 6, "finished"))
    )
    async with dqops_client:
        result = await asyncio.wait_for(helper.asyncio(dqops_client, helper.json_body, timeout=60), GUARD_SECONDS)
    assert isinstance(result, helper.result_class)
    assert result.status == "finished"
    assert json.loads(start.calls[0].request.content) == helper.json_body


@pytest.mark.parametrize("function", [pytest.param(f, id=f.__name__) for f in job_functions_with_a_body()])
@pytest.mark.asyncio
async def test_a_python_name_key_raises_before_anything_is_sent(mock, dqops_client, function):
    """`full_table_name` for `fullTableName` (nested too): DQOps would ignore the key, so the
    job function refuses it, as the operations refuse it in `json_body`, naming the JSON name."""
    kind = KINDS[function.__name__.removeprefix("start_").removesuffix("_async")]
    body, python_name, json_name = with_a_python_name(JSON_BODIES[kind.name], kind.body_class())
    keyword = list(inspect.signature(function).parameters)[1]
    with pytest.raises(errors.ArgumentTypeError) as raised:
        called = function(dqops_client, **{keyword: body}, timeout=60)
        if inspect.iscoroutine(called):
            await called
    assert raised.value.parameter.startswith(keyword)
    assert python_name in str(raised.value) and repr(json_name) in str(raised.value)
    assert not mock.calls


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_a_body_of_another_type_raises_before_anything_is_sent(mock, dqops_client, helper):
    with pytest.raises(errors.ArgumentTypeError) as raised:
        helper.sync(dqops_client, [helper.json_body], timeout=60)
    assert raised.value.parameter in ("parameters", "filters")
    assert not mock.calls


# Failed: JobFailed with the server's errorMessage.


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_job_failed_raises_job_failed_with_the_error_message(mock, dqops_client, fast_polls, helper):
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(9, "running")))
    mock.get(HOST + helper.wait_path.format(id=9)).mock(
        return_value=httpx.Response(200, json=wait_answer(helper, 9, "failed"))
    )
    get_job = mock.get(HOST + "/api/jobs/jobs/9").mock(
        return_value=httpx.Response(200, json=history(9, "failed", errorMessage="Connection to sales refused"))
    )
    with pytest.raises(errors.JobFailed) as info:
        run_sync(helper, dqops_client, timeout=60)
    error = info.value
    assert isinstance(error, errors.JobError)
    assert isinstance(error, errors.DQOpsError)
    assert "Connection to sales refused" in str(error)
    assert error.job_id == "9"
    assert get_job.call_count == 1


def test_job_failed_with_the_message_in_the_wait_answer_needs_no_extra_call(mock, dqops_client, fast_polls):
    mock.post(HOST + "/api/jobs/importtables").mock(return_value=httpx.Response(200, json=queued(5, "running")))
    mock.get(HOST + "/api/jobs/jobs/5/wait").mock(
        return_value=httpx.Response(200, json=history(5, "failed", errorMessage="Schema not found"))
    )
    get_job = mock.get(HOST + "/api/jobs/jobs/5").mock(return_value=httpx.Response(200, json=history(5, "failed")))
    with pytest.raises(errors.JobFailed) as info:
        jobs.import_tables(dqops_client, ImportTablesQueueJobParameters(), timeout=60)
    assert "Schema not found" in str(info.value)
    assert get_job.call_count == 0


def test_job_failed_within_the_start_call(mock, dqops_client):
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(6, "failed")))
    mock.get(HOST + "/api/jobs/jobs/6").mock(
        return_value=httpx.Response(200, json=history(6, "failed", errorMessage="Sensor query timed out"))
    )
    with pytest.raises(errors.JobFailed) as info:
        jobs.run_checks(dqops_client, RunChecksParameters(), timeout=60)
    assert "Sensor query timed out" in str(info.value)


@pytest.mark.parametrize("helper", HELPER_PARAMS)
@pytest.mark.asyncio
async def test_job_failed_async(mock, dqops_client, fast_polls, helper):
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(9, "running")))
    mock.get(HOST + helper.wait_path.format(id=9)).mock(
        return_value=httpx.Response(200, json=wait_answer(helper, 9, "failed"))
    )
    mock.get(HOST + "/api/jobs/jobs/9").mock(
        return_value=httpx.Response(200, json=history(9, "failed", errorMessage="Out of disk space"))
    )
    async with dqops_client:
        with pytest.raises(errors.JobFailed) as info:
            await run_async(helper, dqops_client, timeout=60)
    assert "Out of disk space" in str(info.value)
    assert info.value.job_id == "9"


# Cancelled.


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_job_cancelled_raises_job_cancelled(mock, dqops_client, fast_polls, helper):
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(11, "running")))
    mock.get(HOST + helper.wait_path.format(id=11)).mock(
        side_effect=[
            httpx.Response(200, json=wait_answer(helper, 11, "cancel_requested")),
            httpx.Response(200, json=wait_answer(helper, 11, "cancelled")),
        ]
    )
    with pytest.raises(errors.JobCancelled) as info:
        run_sync(helper, dqops_client, timeout=60)
    assert isinstance(info.value, errors.JobError)
    assert info.value.job_id == "11"


@pytest.mark.parametrize("helper", HELPER_PARAMS)
@pytest.mark.asyncio
async def test_job_cancelled_async(mock, dqops_client, fast_polls, helper):
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(11, "cancelled")))
    async with dqops_client:
        with pytest.raises(errors.JobCancelled):
            await run_async(helper, dqops_client, timeout=60)


# Timed out: the job is still running when the helper's timeout elapses.


@pytest.mark.parametrize("helper", HELPER_PARAMS)
def test_job_timeout_when_the_server_answers_at_once(mock, dqops_client, clock, helper):
    """The server answers "running" at once: the helper waits MIN_POLL_INTERVAL between polls, no tight loop."""
    start = mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(21, "running")))
    wait = mock.get(HOST + helper.wait_path.format(id=21)).mock(
        return_value=httpx.Response(200, json=wait_answer(helper, 21, "running"))
    )
    with pytest.raises(errors.JobTimeout) as info:
        run_sync(helper, dqops_client, timeout=3)
    assert isinstance(info.value, errors.JobError)
    assert info.value.job_id == "21"
    assert clock.now >= 1003.0
    interval = dqops.jobs.MIN_POLL_INTERVAL_SECONDS
    assert interval > 0
    assert clock.sleeps == [interval] * wait.call_count
    assert wait.call_count == pytest.approx(3 / interval, abs=1)
    assert wait_timeouts(start) == [3]
    # Never asks the server to hold the request past the helper's deadline (1 s at least).
    assert wait_timeouts(wait) == [3, 2, 2, 1, 1, 1]
    assert_server_side_waits(wait)


def test_job_timeout_when_the_server_holds_each_poll(mock, dqops_client, clock):
    """The server holds each poll for its waitTimeout: the helper needs no sleep of its own."""

    def held_running(request: httpx.Request) -> httpx.Response:
        clock.now += int(request.url.params["waitTimeout"])
        return httpx.Response(200, json=queued(22, "running"))

    mock.post(HOST + "/api/jobs/runchecks").mock(side_effect=held_running)
    wait = mock.get(HOST + "/api/jobs/runchecks/22/wait").mock(side_effect=held_running)
    with pytest.raises(errors.JobTimeout):
        jobs.run_checks(dqops_client, RunChecksParameters(), timeout=100, poll_seconds=30)
    assert clock.sleeps == []
    assert wait_timeouts(wait) == [30, 30, 10]


@pytest.mark.asyncio
async def test_job_timeout_async_real_clock(mock, dqops_client, monkeypatch):
    monkeypatch.setattr(dqops.jobs._deadline, "MIN_POLL_INTERVAL_SECONDS", 0.02)
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(23, "running")))
    wait = mock.get(HOST + "/api/jobs/runchecks/23/wait").mock(
        return_value=httpx.Response(200, json=queued(23, "running"))
    )
    started = time.monotonic()
    async with dqops_client:
        with pytest.raises(errors.JobTimeout) as info:
            await asyncio.wait_for(
                jobs.run_checks_async(dqops_client, RunChecksParameters(), timeout=0.3), GUARD_SECONDS
            )
    elapsed = time.monotonic() - started
    assert info.value.job_id == "23"
    assert 0.25 <= elapsed < 2.0
    # Not a tight loop: at most one poll per MIN_POLL_INTERVAL (plus the first).
    assert 1 <= wait.call_count <= 0.3 / 0.02 + 2
    assert_server_side_waits(wait)


@pytest.mark.parametrize("helper", HELPER_PARAMS)
@pytest.mark.asyncio
async def test_job_timeout_async(mock, dqops_client, monkeypatch, helper):
    monkeypatch.setattr(dqops.jobs._deadline, "MIN_POLL_INTERVAL_SECONDS", 0.05)
    mock.post(HOST + helper.start_path).mock(return_value=httpx.Response(200, json=queued(24, "running")))
    mock.get(HOST + helper.wait_path.format(id=24)).mock(
        return_value=httpx.Response(200, json=wait_answer(helper, 24, "running"))
    )
    async with dqops_client:
        with pytest.raises(errors.JobTimeout):
            await run_async(helper, dqops_client, timeout=0.2)


@pytest.mark.asyncio
async def test_async_polling_does_not_block_the_event_loop(mock, dqops_client, monkeypatch):
    """While a job is polled, other coroutines keep running (the pause is asyncio.sleep, not time.sleep)."""
    monkeypatch.setattr(dqops.jobs._deadline, "MIN_POLL_INTERVAL_SECONDS", 0.05)
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(25, "running")))
    mock.get(HOST + "/api/jobs/runchecks/25/wait").mock(
        side_effect=itertools.chain(
            [httpx.Response(200, json=queued(25, "running"))] * 4,
            itertools.repeat(httpx.Response(200, json=queued(25, "finished"))),
        )
    )
    ticks = 0
    stop = asyncio.Event()

    async def ticker() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            await asyncio.sleep(0.005)

    async with dqops_client:
        ticking = asyncio.create_task(ticker())
        try:
            result = await asyncio.wait_for(
                jobs.run_checks_async(dqops_client, RunChecksParameters(), timeout=60), GUARD_SECONDS
            )
        finally:
            stop.set()
            await ticking
    assert result.status == "finished"
    assert ticks >= 10


# wait_for_job: a job started elsewhere.


def test_wait_for_job_finished(mock, dqops_client, fast_polls):
    get_job = mock.get(HOST + "/api/jobs/jobs/31").mock(return_value=httpx.Response(200, json=history(31, "queued")))
    wait = mock.get(HOST + "/api/jobs/jobs/31/wait").mock(
        side_effect=[
            httpx.Response(200, json=history(31, "running")),
            httpx.Response(200, json=history(31, "finished", statusChangedAt=1714550001000)),
        ]
    )
    entry = jobs.wait_for_job(dqops_client, 31, timeout=60)
    assert isinstance(entry, DqoJobHistoryEntryModel)
    assert entry.status == "finished"
    assert entry.status_changed_at == 1714550001000
    assert get_job.call_count == 1
    assert wait.call_count == 2
    assert_server_side_waits(wait)


def test_wait_for_job_already_finished_needs_one_call(mock, dqops_client):
    mock.get(HOST + "/api/jobs/jobs/32").mock(return_value=httpx.Response(200, json=history(32, "finished")))
    entry = jobs.wait_for_job(dqops_client, "32", timeout=60)
    assert entry.status == "finished"
    assert len(mock.calls) == 1


def test_wait_for_job_failed(mock, dqops_client, fast_polls):
    mock.get(HOST + "/api/jobs/jobs/33").mock(return_value=httpx.Response(200, json=history(33, "running")))
    mock.get(HOST + "/api/jobs/jobs/33/wait").mock(
        return_value=httpx.Response(200, json=history(33, "failed", errorMessage="Table sales.orders not found"))
    )
    with pytest.raises(errors.JobFailed) as info:
        jobs.wait_for_job(dqops_client, 33, timeout=60)
    assert "Table sales.orders not found" in str(info.value)
    assert info.value.job_id == "33"


def test_wait_for_job_cancelled(mock, dqops_client, fast_polls):
    mock.get(HOST + "/api/jobs/jobs/34").mock(return_value=httpx.Response(200, json=history(34, "running")))
    mock.get(HOST + "/api/jobs/jobs/34/wait").mock(return_value=httpx.Response(200, json=history(34, "cancelled")))
    with pytest.raises(errors.JobCancelled):
        jobs.wait_for_job(dqops_client, 34, timeout=60)


def test_wait_for_job_timeout(mock, dqops_client, clock):
    mock.get(HOST + "/api/jobs/jobs/35").mock(return_value=httpx.Response(200, json=history(35, "running")))
    wait = mock.get(HOST + "/api/jobs/jobs/35/wait").mock(return_value=httpx.Response(200, json=history(35, "running")))
    with pytest.raises(errors.JobTimeout) as info:
        jobs.wait_for_job(dqops_client, 35, timeout=2)
    assert info.value.job_id == "35"
    assert wait_timeouts(wait) == [2, 1, 1, 1]
    assert clock.sleeps == [dqops.jobs.MIN_POLL_INTERVAL_SECONDS] * 4


@pytest.mark.asyncio
async def test_wait_for_job_async(mock, dqops_client, fast_polls):
    mock.get(HOST + "/api/jobs/jobs/36").mock(return_value=httpx.Response(200, json=history(36, "running")))
    mock.get(HOST + "/api/jobs/jobs/36/wait").mock(return_value=httpx.Response(200, json=history(36, "finished")))
    async with dqops_client:
        entry = await asyncio.wait_for(jobs.wait_for_job_async(dqops_client, 36, timeout=60), GUARD_SECONDS)
    assert isinstance(entry, DqoJobHistoryEntryModel)
    assert entry.status == "finished"


@pytest.mark.asyncio
async def test_wait_for_job_async_failed_and_timeout(mock, dqops_client, monkeypatch):
    monkeypatch.setattr(dqops.jobs._deadline, "MIN_POLL_INTERVAL_SECONDS", 0.02)
    mock.get(HOST + "/api/jobs/jobs/37").mock(return_value=httpx.Response(200, json=history(37, "running")))
    mock.get(HOST + "/api/jobs/jobs/37/wait").mock(
        return_value=httpx.Response(200, json=history(37, "failed", errorMessage="boom"))
    )
    mock.get(HOST + "/api/jobs/jobs/38").mock(return_value=httpx.Response(200, json=history(38, "running")))
    mock.get(HOST + "/api/jobs/jobs/38/wait").mock(return_value=httpx.Response(200, json=history(38, "running")))
    async with dqops_client:
        with pytest.raises(errors.JobFailed, match="boom"):
            await asyncio.wait_for(jobs.wait_for_job_async(dqops_client, 37, timeout=60), GUARD_SECONDS)
        with pytest.raises(errors.JobTimeout):
            await asyncio.wait_for(jobs.wait_for_job_async(dqops_client, 38, timeout=0.2), GUARD_SECONDS)


# Several jobs at once.


@pytest.mark.asyncio
async def test_three_jobs_awaited_concurrently(mock, dqops_client, fast_polls):
    """Three run_checks_async with asyncio.gather: distinct job ids, polled concurrently, all finish."""
    ids = itertools.count(101)
    mock.post(HOST + "/api/jobs/runchecks").mock(
        side_effect=lambda request: httpx.Response(200, json=queued(next(ids), "running"))
    )
    waiting: set[str] = set()
    all_waiting = asyncio.Event()

    async def held_until_all_wait(request: httpx.Request, job_id: str) -> httpx.Response:
        # Each job's first poll is held until all three jobs are being polled at the same time:
        # jobs awaited one after the other would never get here (bounded by the wait_for below).
        waiting.add(job_id)
        if len(waiting) == 3:
            all_waiting.set()
        await asyncio.wait_for(all_waiting.wait(), 2.0)
        return httpx.Response(200, json=queued(int(job_id), "finished", result={"executed_checks": int(job_id) - 100}))

    wait = mock.get(url__regex=HOST + r"/api/jobs/runchecks/(?P<job_id>\d+)/wait").mock(side_effect=held_until_all_wait)
    async with dqops_client:
        results = await asyncio.wait_for(
            asyncio.gather(*(jobs.run_checks_async(dqops_client, RunChecksParameters(), timeout=60) for _ in range(3))),
            GUARD_SECONDS,
        )
    assert sorted(result.job_id.job_id for result in results) == [101, 102, 103]
    assert all(result.status == "finished" for result in results)
    assert sorted(result.result.executed_checks for result in results) == [1, 2, 3]
    assert wait.call_count == 3
    assert_server_side_waits(wait)


@pytest.mark.asyncio
async def test_different_helpers_awaited_concurrently(mock, dqops_client, fast_polls):
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(201, "running")))
    mock.get(HOST + "/api/jobs/runchecks/201/wait").mock(return_value=httpx.Response(200, json=queued(201, "finished")))
    mock.post(HOST + "/api/jobs/collectstatistics/table").mock(
        return_value=httpx.Response(200, json=queued(202, "running"))
    )
    mock.post(HOST + "/api/jobs/importtables").mock(return_value=httpx.Response(200, json=queued(203, "running")))
    mock.get(url__regex=HOST + r"/api/jobs/jobs/(?P<job_id>20[23])/wait").mock(
        side_effect=lambda request, job_id: httpx.Response(200, json=history(int(job_id), "finished"))
    )
    async with dqops_client:
        checks, statistics, imported = await asyncio.wait_for(
            asyncio.gather(
                jobs.run_checks_async(dqops_client, RunChecksParameters(), timeout=60),
                jobs.collect_statistics_on_table_async(dqops_client, StatisticsCollectorSearchFilters(), timeout=60),
                jobs.import_tables_async(dqops_client, ImportTablesQueueJobParameters(), timeout=60),
            ),
            GUARD_SECONDS,
        )
    assert (checks.job_id.job_id, statistics.job_id.job_id, imported.job_id.job_id) == (201, 202, 203)
    assert isinstance(statistics, CollectStatisticsQueueJobResult)
    assert isinstance(imported, ImportTablesQueueJobResult)
    assert {checks.status, statistics.status, imported.status} == {"finished"}


# Errors of the calls themselves surface typed.


def test_an_error_status_while_polling_surfaces_typed(mock, dqops_client, fast_polls):
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(41, "running")))
    mock.get(HOST + "/api/jobs/runchecks/41/wait").mock(
        return_value=httpx.Response(404, json={"status": 404, "error": "Not Found", "message": "no job 41"})
    )
    with pytest.raises(errors.NotFound) as info:
        jobs.run_checks(dqops_client, RunChecksParameters(), timeout=60)
    assert info.value.message == "no job 41"


def test_an_error_status_without_raise_still_raises(mock, fast_polls):
    """A client made without raise_on_unexpected_status must not make a helper return None."""
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(500, text="oops"))
    with Client(HOST + "/") as quiet, pytest.raises(errors.DQOpsError):
        jobs.run_checks(quiet, RunChecksParameters(), timeout=60)


def test_unknown_job_status_keeps_polling_until_a_final_one(mock, dqops_client, fast_polls):
    """A status added by a newer DQOps (here "paused") is not final: the helper keeps waiting."""
    mock.post(HOST + "/api/jobs/runchecks").mock(return_value=httpx.Response(200, json=queued(42, "paused")))
    wait = mock.get(HOST + "/api/jobs/runchecks/42/wait").mock(
        side_effect=[
            httpx.Response(200, json=queued(42, "paused")),
            httpx.Response(200, json=queued(42, "finished")),
        ]
    )
    result = jobs.run_checks(dqops_client, RunChecksParameters(), timeout=60)
    assert result.status == "finished"
    assert wait.call_count == 2
