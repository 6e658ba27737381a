"""The job change feed (`jobs.watch`): against dqops.testing.FakeDQOps over real HTTP, and with
respx where the point is DQOps's sequence numbers.

DQOps never says that it dropped changes: it keeps them 300 s and answers a change-feed call
from an older position with what is left. The feed re-snapshots (getAllJobs) when its position
is too old, by DQOps's sequence numbers (epoch seconds * 1,000,000 + a counter) and by the time
since it received it, and when DQOps answers 404 / 410. The fake's `forget_job_history` drops
the history as DQOps drops old changes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dqops import jobs
from dqops.client import Client, errors
from dqops.client.models.dqo_job_change_model import DqoJobChangeModel
from dqops.client.models.run_checks_parameters import RunChecksParameters

GUARD_SECONDS = 15.0
# The feeds of the re-snapshot tests take a position this old as lost. DQOps's sequence numbers
# tell the time to the second, so it is above the 2 s that a change and a long poll can span.
HISTORY_SECONDS = 2.5


#: The conftest's `fake` (and its client, `dqops`) with these options.
pytestmark = pytest.mark.fake_dqops(job_delay=0.4, change_feed_wait=1.0)


def until_job_ends(changes: Iterator[DqoJobChangeModel], job_id: str) -> list[DqoJobChangeModel]:
    """The changes given until `job_id` ended (bounded by GUARD_SECONDS)."""
    seen: list[DqoJobChangeModel] = []
    deadline = time.monotonic() + GUARD_SECONDS
    for change in changes:
        seen.append(change)
        if str(change.job_id.job_id) == job_id and change.status in ("finished", "failed", "cancelled"):
            return seen
        assert time.monotonic() < deadline, seen
    raise AssertionError("the feed ended")


def statuses_of(changes: list[DqoJobChangeModel], job_id: str) -> list[str]:
    return [str(change.status) for change in changes if str(change.job_id.job_id) == job_id]


def test_the_feed_starts_with_a_snapshot_then_follows_each_change(fake, dqops):
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    feed = jobs.watch(dqops)
    assert fake.requests[-1].operation_id == "runChecks"  # nothing asked before the first change
    changes = iter(feed)
    first = next(changes)
    assert feed.snapshots == 1
    assert str(first.job_id.job_id) == handle.job_id
    assert first.updated_model.job_id.job_id == first.job_id.job_id
    rest = until_job_ends(changes, handle.job_id)
    assert statuses_of([first, *rest], handle.job_id)[-1] == "finished"
    sequences = [change.change_sequence for change in rest]
    assert sequences == sorted(sequences) and len(set(sequences)) == len(sequences)
    assert feed.position >= sequences[-1]
    assert len([r for r in fake.requests if r.operation_id == "getAllJobs"]) == 1


def test_a_feed_resumed_from_a_position_gives_the_changes_after_it(fake, dqops):
    first = jobs.watch(dqops)
    changes = iter(first)
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    until_job_ends(changes, handle.job_id)
    later = jobs.start_import_tables(dqops, {})
    resumed = jobs.watch(dqops, since=first.position)
    seen = until_job_ends(iter(resumed), later.job_id)
    assert resumed.snapshots == 0
    assert statuses_of(seen, handle.job_id) == []  # only what came after the position
    assert statuses_of(seen, later.job_id)[0] == "queued"
    assert statuses_of(seen, later.job_id)[-1] == "finished"


def test_the_feed_across_a_forced_re_snapshot(fake, dqops):
    feed = jobs.watch(dqops, history_seconds=HISTORY_SECONDS)
    changes = iter(feed)
    early = jobs.start_run_checks(dqops, RunChecksParameters())
    until_job_ends(changes, early.job_id)
    assert feed.snapshots == 1
    # While the consumer is away, DQOps drops its history and more jobs run.
    fake.forget_job_history()
    fake.set_job_outcome(delay=10.0)
    late = jobs.start_run_checks(dqops, RunChecksParameters())
    time.sleep(HISTORY_SECONDS + 0.1)
    change = next(changes)
    assert feed.snapshots == 2, "the feed went on from a position whose changes DQOps may have dropped"
    assert str(change.job_id.job_id) == late.job_id
    assert change.change_sequence == feed.position  # a snapshot's change
    assert change.updated_model.status in ("queued", "running")
    assert len([r for r in fake.requests if r.operation_id == "getAllJobs"]) == 2
    late.cancel()
    assert statuses_of(until_job_ends(changes, late.job_id), late.job_id)[-1] == "cancelled"


def test_a_feed_resumed_from_a_position_dqops_no_longer_covers_re_snapshots(fake, dqops):
    """Another feed (or process) resumes from a stored position: only DQOps's sequence numbers,
    which are made of the time, tell that the position is older than the history."""
    first = jobs.watch(dqops)
    early = jobs.start_run_checks(dqops, RunChecksParameters())
    until_job_ends(iter(first), early.job_id)
    stored = first.position
    fake.forget_job_history()
    fake.set_job_outcome(delay=10.0)
    late = jobs.start_run_checks(dqops, RunChecksParameters())
    time.sleep(HISTORY_SECONDS + 1.0)  # whole seconds of DQOps's clock
    resumed = jobs.watch(dqops, since=stored, history_seconds=HISTORY_SECONDS)
    change = next(iter(resumed))
    assert resumed.snapshots == 1
    assert str(change.job_id.job_id) == late.job_id and change.change_sequence == resumed.position
    late.cancel()


@pytest.mark.asyncio
async def test_the_feed_across_a_forced_re_snapshot_async(fake, dqops):
    async with dqops:
        feed = jobs.watch(dqops, history_seconds=HISTORY_SECONDS)
        changes = aiter(feed)
        early = await jobs.start_run_checks_async(dqops, RunChecksParameters())
        while True:
            change = await asyncio.wait_for(anext(changes), GUARD_SECONDS)
            if str(change.job_id.job_id) == early.job_id and change.status == "finished":
                break
        fake.forget_job_history()
        late = await jobs.start_run_checks_async(dqops, RunChecksParameters())
        await asyncio.sleep(HISTORY_SECONDS + 0.1)
        change = await asyncio.wait_for(anext(changes), GUARD_SECONDS)
        assert feed.snapshots == 2
        assert str(change.job_id.job_id) == late.job_id
        await changes.aclose()


@pytest.mark.asyncio
@pytest.mark.fake_dqops(change_feed_wait=10.0)
async def test_cancelling_the_iteration_stops_it_cleanly(fake):
    # Any socket left open would fail the run: pytest runs with -W error::ResourceWarning.
    async with Client(fake.base_url, raise_on_unexpected_status=True) as dqops:
        received: list[Any] = []

        async def follow() -> None:
            async for change in jobs.watch(dqops):
                received.append(change)

        task = asyncio.create_task(follow())
        await asyncio.sleep(0.5)  # the task is inside the feed's 10 s long poll now
        assert [r.operation_id for r in fake.requests][-1] == "getJobChangesSince"
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert time.monotonic() - started < 2.0  # not at the end of the long poll
        # The pool still works: the cancelled call left nothing behind.
        handle = await jobs.start_run_checks_async(dqops, RunChecksParameters())
        assert handle.job_id


def test_breaking_out_of_a_sync_feed(fake, dqops):
    jobs.start_run_checks(dqops, RunChecksParameters())
    feed = jobs.watch(dqops)
    for _change in feed:
        break
    position = feed.position
    assert position is not None
    # Nothing runs in the background: no more requests arrive.
    count = len(fake.requests)
    time.sleep(0.3)
    assert len(fake.requests) == count


@pytest.mark.parametrize("since", [-1, "12", 1.5, True])
def test_a_wrong_since_is_refused(dqops, since):
    with pytest.raises(errors.InvalidArgument):
        jobs.watch(dqops, since=since)


# DQOps's sequence numbers tell the time: epoch seconds * 1,000,000 + a counter.

HOST = "http://dqops.test"
NOW = 1_765_000_000


def sequence(epoch_seconds: int, counter: int = 0) -> int:
    return epoch_seconds * 1_000_000 + counter


def change(job_id: int, status: str, at: int) -> dict[str, Any]:
    return {"jobId": {"jobId": job_id}, "status": status, "changeSequence": at}


def first_changes(client: Client, since: int, count: int) -> tuple[list[DqoJobChangeModel], jobs.JobFeed]:
    feed = jobs.watch(client, since=since)
    changes = iter(feed)
    return [next(changes) for _ in range(count)], feed


def test_a_position_older_than_dqops_keeps_changes_re_snapshots(mock):
    since = sequence(NOW - 400)
    mock.get(f"{HOST}/api/jobs/jobchangessince/{since}").mock(
        return_value=httpx.Response(
            200, json={"jobChanges": [change(7, "finished", sequence(NOW, 2))], "lastSequenceNumber": sequence(NOW, 3)}
        )
    )
    snapshot = mock.get(f"{HOST}/api/jobs/jobs").mock(
        return_value=httpx.Response(
            200,
            json={
                "jobs": [{"jobId": {"jobId": 5}, "status": "running"}, {"jobId": {"jobId": 7}, "status": "finished"}],
                "lastSequenceNumber": sequence(NOW, 4),
            },
        )
    )
    with Client(HOST + "/") as client:
        given, feed = first_changes(client, since, 2)
    assert snapshot.call_count == 1
    assert [(c.job_id.job_id, c.status, c.change_sequence) for c in given] == [
        (5, "running", sequence(NOW, 4)),
        (7, "finished", sequence(NOW, 4)),
    ]
    assert feed.snapshots == 1 and feed.position == sequence(NOW, 4)


def test_a_recent_position_goes_on_without_a_snapshot(mock):
    since = sequence(NOW - 10)
    mock.get(f"{HOST}/api/jobs/jobchangessince/{since}").mock(
        return_value=httpx.Response(
            200,
            json={
                "jobChanges": [change(7, "finished", sequence(NOW, 2)), change(7, "running", sequence(NOW, 1))],
                "lastSequenceNumber": sequence(NOW, 3),
            },
        )
    )
    snapshot = mock.get(f"{HOST}/api/jobs/jobs")
    with Client(HOST + "/") as client:
        given, feed = first_changes(client, since, 2)
    assert snapshot.call_count == 0
    assert [c.status for c in given] == ["running", "finished"]  # in sequence order
    assert feed.position == sequence(NOW, 3)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(410, json={"message": "gone"}),
        httpx.Response(404),
        # A sequence number that went back: a DQOps restarted with none of the history.
        httpx.Response(200, json={"jobChanges": [], "lastSequenceNumber": 12}),
    ],
)
def test_dqops_saying_the_position_is_gone_re_snapshots(mock, answer):
    since = sequence(NOW - 5)
    mock.get(f"{HOST}/api/jobs/jobchangessince/{since}").mock(return_value=answer)
    mock.get(f"{HOST}/api/jobs/jobs").mock(
        return_value=httpx.Response(
            200, json={"jobs": [{"jobId": {"jobId": 9}, "status": "queued"}], "lastSequenceNumber": sequence(NOW)}
        )
    )
    with Client(HOST + "/") as client:
        given, feed = first_changes(client, since, 1)
    assert given[0].job_id.job_id == 9 and feed.snapshots == 1


def test_another_error_of_the_feed_surfaces_typed(mock):
    mock.get(f"{HOST}/api/jobs/jobchangessince/5").mock(return_value=httpx.Response(500, json={"message": "down"}))
    with Client(HOST + "/") as client, pytest.raises(errors.ServerError):
        next(iter(jobs.watch(client, since=5)))
