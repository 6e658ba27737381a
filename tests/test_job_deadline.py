"""A job helper's `timeout=` bounds the whole wait, whatever the server does: the local fault
server accepts each request and never answers it.

Every helper, sync (in threads, at once) and async (gathered): the wait ends with JobTimeout
(its __cause__ the RequestTimeout of the call under way) within timeout + DEADLINE_GRACE_SECONDS
and a little scheduling slack, never with RequestTimeout. A guard stops the server after
GUARD_SECONDS, so a helper that overruns fails in seconds, not after its poll's HTTP timeout.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pytest
from fault_server import FaultServer, hang, json_answer
from job_helpers import HELPERS as JOB_HELPERS
from job_helpers import Helper

from dqops import jobs
from dqops.client import Client, errors
from dqops.client.models.run_checks_parameters import RunChecksParameters

TIMEOUT = 0.4
SLACK_SECONDS = 1.0  # scheduling on a loaded 2-core machine; an overrun is 15 s
BOUND = TIMEOUT + jobs.DEADLINE_GRACE_SECONDS + SLACK_SECONDS
GUARD_SECONDS = 4.0
JOB_ID = 9
RUNNING = {"jobId": {"jobId": JOB_ID}, "jobType": "run_checks", "status": "running"}


@dataclass(frozen=True)
class Wait:
    """A job helper called with a timeout, and the endpoints of its start and of its polls."""

    name: str
    sync: Callable[[Client, float], Any]
    asyncio: Callable[[Client, float], Any]
    start_path: str  # answers "running" at once, or never
    wait_path: str


def _wait_of(helper: Helper) -> Wait:
    return Wait(
        helper.name,
        lambda dqops, timeout: helper.sync(dqops, helper.parameters(), timeout=timeout),
        lambda dqops, timeout: helper.asyncio(dqops, helper.parameters(), timeout=timeout),
        helper.start_path,
        helper.wait_path.format(id=JOB_ID),
    )


HELPERS = [
    *(_wait_of(helper) for helper in JOB_HELPERS),
    Wait(
        "wait_for_job",
        lambda dqops, timeout: jobs.wait_for_job(dqops, JOB_ID, timeout=timeout),
        lambda dqops, timeout: jobs.wait_for_job_async(dqops, JOB_ID, timeout=timeout),
        f"/api/jobs/jobs/{JOB_ID}",
        f"/api/jobs/jobs/{JOB_ID}/wait",
    ),
]


@pytest.fixture
def guarded(server: FaultServer) -> Iterator[FaultServer]:
    """The fault server, stopped after GUARD_SECONDS whatever the test does."""
    guard = threading.Timer(GUARD_SECONDS, server.stop)
    guard.start()
    try:
        yield server
    finally:
        guard.cancel()


def route_all(server: FaultServer, start_answers: bool) -> None:
    for helper in HELPERS:
        server.route(helper.start_path, json_answer(RUNNING) if start_answers else hang())
        server.route(helper.wait_path, hang())


def timed_sync(helper: Wait, dqops: Client) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        helper.sync(dqops, TIMEOUT)
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


async def timed_async(helper: Wait, dqops: Client) -> tuple[BaseException | None, float]:
    started = time.monotonic()
    try:
        await helper.asyncio(dqops, TIMEOUT)
    except BaseException as exc:  # noqa: BLE001 - the test inspects it
        return exc, time.monotonic() - started
    return None, time.monotonic() - started


def assert_job_timeouts(outcomes: list[tuple[BaseException | None, float]], job_id: str | None) -> None:
    for helper, (error, elapsed) in zip(HELPERS, outcomes, strict=True):
        assert isinstance(error, errors.JobTimeout), (helper.name, repr(error))
        assert isinstance(error.__cause__, errors.RequestTimeout), helper.name
        assert error.job_id == (job_id if helper.name != "wait_for_job" else str(JOB_ID)), helper.name
        assert elapsed <= BOUND, (helper.name, elapsed)


def run_sync_at_once(server: FaultServer) -> list[tuple[BaseException | None, float]]:
    # A per-phase timeout far longer than the job's: only the job's deadline can end the wait.
    with Client(server.base_url, raise_on_unexpected_status=True) as dqops, ThreadPoolExecutor(len(HELPERS)) as pool:
        return list(pool.map(lambda helper: timed_sync(helper, dqops), HELPERS))


async def run_async_at_once(server: FaultServer) -> list[tuple[BaseException | None, float]]:
    async with Client(server.base_url, raise_on_unexpected_status=True) as dqops:
        return await asyncio.wait_for(
            asyncio.gather(*(timed_async(helper, dqops) for helper in HELPERS)), GUARD_SECONDS + 1
        )


def test_every_sync_helper_ends_by_its_timeout_when_polls_are_never_answered(guarded):
    route_all(guarded, start_answers=True)
    assert_job_timeouts(run_sync_at_once(guarded), str(JOB_ID))


@pytest.mark.asyncio
async def test_every_async_helper_ends_by_its_timeout_when_polls_are_never_answered(guarded):
    route_all(guarded, start_answers=True)
    assert_job_timeouts(await run_async_at_once(guarded), str(JOB_ID))


def test_every_sync_helper_ends_by_its_timeout_when_the_start_is_never_answered(guarded):
    route_all(guarded, start_answers=False)
    assert_job_timeouts(run_sync_at_once(guarded), None)


@pytest.mark.asyncio
async def test_every_async_helper_ends_by_its_timeout_when_the_start_is_never_answered(guarded):
    route_all(guarded, start_answers=False)
    assert_job_timeouts(await run_async_at_once(guarded), None)


def test_no_call_asks_the_server_to_wait_past_the_deadline(guarded):
    """The start call and every poll ask for a server-side wait that ends by the deadline (1 s
    at least): a 1.5 s timeout never sends waitTimeout=2."""
    helper = HELPERS[0]
    guarded.route(helper.start_path, json_answer(RUNNING))
    guarded.route(helper.wait_path, json_answer(RUNNING))
    with Client(guarded.base_url, raise_on_unexpected_status=True) as dqops, pytest.raises(errors.JobTimeout):
        jobs.run_checks(dqops, RunChecksParameters(), timeout=1.5, poll_seconds=30)
    waits = [
        int(request.query.split("waitTimeout=")[1].split("&")[0])
        for request in guarded.requests
        if "waitTimeout=" in request.query
    ]
    assert len(waits) >= 2
    assert set(waits) == {1}, waits
