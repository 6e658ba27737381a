"""Job handles (dqops.jobs.start_* and JobHandle) against dqops.testing.FakeDQOps, over real HTTP.

The fake models DQOps's job queue: jobs get ids, keep the business key they were started with,
go from queued to running to the outcome `set_job_outcome` sets, honour the wait endpoints'
server-side waits, are kept per data domain, and are forgotten by `forget_job_history`.
`fail_next` drops a connection after (or before) processing a request. Every async test is
bounded by asyncio.wait_for; every sync wait by its own timeout.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

import pytest
from support.job_helpers import JSON_BODIES

from dqops import jobs
from dqops.client import errors
from dqops.client.models.collect_error_samples_parameters import CollectErrorSamplesParameters
from dqops.client.models.delete_stored_data_queue_job_parameters import DeleteStoredDataQueueJobParameters
from dqops.client.models.dqo_job_history_entry_model import DqoJobHistoryEntryModel
from dqops.client.models.import_tables_queue_job_parameters import ImportTablesQueueJobParameters
from dqops.client.models.run_checks_parameters import RunChecksParameters
from dqops.client.models.run_checks_queue_job_result import RunChecksQueueJobResult
from dqops.client.models.statistics_collector_search_filters import StatisticsCollectorSearchFilters
from dqops.client.models.synchronize_multiple_folders_dqo_queue_job_parameters import (
    SynchronizeMultipleFoldersDqoQueueJobParameters,
)
from dqops.testing import FakeDQOps

GUARD_SECONDS = 15.0


@dataclass(frozen=True)
class Kind:
    name: str
    operation_id: str
    parameters: Any
    wait_operation_id: str

    @property
    def start(self) -> Any:
        return getattr(jobs, f"start_{self.name}")

    @property
    def start_async(self) -> Any:
        return getattr(jobs, f"start_{self.name}_async")


KINDS = [
    Kind("run_checks", "runChecks", RunChecksParameters, "waitForRunChecksJob"),
    Kind(
        "collect_error_samples", "collectErrorSamples", CollectErrorSamplesParameters, "waitForCollectErrorSamplesJob"
    ),
    Kind("collect_statistics_on_table", "collectStatisticsOnTable", StatisticsCollectorSearchFilters, "waitForJob"),
    Kind(
        "collect_statistics_on_data_groups",
        "collectStatisticsOnDataGroups",
        StatisticsCollectorSearchFilters,
        "waitForJob",
    ),
    Kind("import_tables", "importTables", ImportTablesQueueJobParameters, "waitForJob"),
    Kind("delete_stored_data", "deleteStoredData", DeleteStoredDataQueueJobParameters, "waitForJob"),
    Kind("synchronize_folders", "synchronizeFolders", SynchronizeMultipleFoldersDqoQueueJobParameters, "waitForJob"),
]
KIND_PARAMS = [pytest.param(kind, id=kind.name) for kind in KINDS]
RUN_CHECKS = KINDS[0]


#: The conftest's `fake` (and its client, `dqops`) with these options.
pytestmark = pytest.mark.fake_dqops(job_delay=0.4)


def requests_of(fake: FakeDQOps, operation_id: str) -> list[Any]:
    return [request for request in fake.requests if request.operation_id == operation_id]


# Starting returns a handle at once; waiting uses DQOps's long poll.


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_start_returns_a_handle_at_once_and_wait_long_polls(fake, dqops, kind):
    fake.set_job_outcome(delay=2.0)
    started_at = time.monotonic()
    handle = kind.start(dqops, kind.parameters())
    assert time.monotonic() - started_at < 1.8, "the start waited for the job"
    assert handle.kind == kind.name
    assert handle.job_id is not None and handle.job_id.isdigit()
    assert handle.business_key.startswith(jobs.BUSINESS_KEY_PREFIX)
    assert handle.status in (None, "queued", "running")  # DQOps answers a start that does not wait with the id alone
    (start,) = requests_of(fake, kind.operation_id)
    assert start.query["jobBusinessKey"] == [handle.business_key]
    assert start.query["wait"] == ["false"]

    result = handle.wait(timeout=10, poll_seconds=30)
    assert result.status == "finished"
    assert str(result.job_id.job_id) == handle.job_id
    assert handle.status == "finished"
    polls = requests_of(fake, kind.wait_operation_id)
    # One long poll held by the server until the job ended: no sleep loop.
    assert len(polls) == 1
    assert polls[0].path_parameters["jobId"] == handle.job_id
    assert int(polls[0].query["waitTimeout"][0]) > 1
    assert [job["jobId"]["jobBusinessKey"] for job in fake.jobs] == [handle.business_key]


@pytest.mark.parametrize("kind", KIND_PARAMS)
@pytest.mark.asyncio
async def test_start_and_wait_async(fake, dqops, kind):
    async with dqops:
        handle = await asyncio.wait_for(
            kind.start_async(dqops, kind.parameters(), business_key=f"nightly-{kind.name}"), GUARD_SECONDS
        )
        assert handle.business_key == f"nightly-{kind.name}"
        result = await asyncio.wait_for(handle.wait_async(timeout=10), GUARD_SECONDS)
    assert result.status == "finished"
    assert fake.jobs[0]["jobId"]["jobBusinessKey"] == f"nightly-{kind.name}"


@pytest.mark.parametrize("kind", KIND_PARAMS)
def test_a_mapping_of_json_names_starts_the_job_as_written(fake, dqops, kind):
    handle = kind.start(dqops, JSON_BODIES[kind.name])
    (start,) = requests_of(fake, kind.operation_id)
    assert start.json == JSON_BODIES[kind.name]
    assert handle.wait(timeout=10).status == "finished"


@pytest.mark.parametrize("kind", KIND_PARAMS)
@pytest.mark.asyncio
async def test_a_mapping_of_json_names_starts_the_job_as_written_async(fake, dqops, kind):
    async with dqops:
        handle = await asyncio.wait_for(kind.start_async(dqops, JSON_BODIES[kind.name]), GUARD_SECONDS)
        result = await asyncio.wait_for(handle.wait_async(timeout=10), GUARD_SECONDS)
    assert result.status == "finished"
    (start,) = requests_of(fake, kind.operation_id)
    assert start.json == JSON_BODIES[kind.name]


def test_poll_asks_once_without_waiting(fake, dqops):
    fake.set_job_outcome(delay=5.0)
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    entry = handle.poll()
    assert isinstance(entry, DqoJobHistoryEntryModel)
    assert entry.status in ("queued", "running")
    assert str(entry.job_id.job_id) == handle.job_id
    assert len(requests_of(fake, "getJob")) == 1


# A token resumes the job elsewhere.

RESUME_SCRIPT = """
import json, sys
from dqops import client, jobs
token = json.loads(sys.stdin.read())
with client.Client(sys.argv[1]) as dqops:
    handle = jobs.JobHandle.from_token(dqops, token)
    result = handle.wait(timeout=20)
print(json.dumps({"status": str(result.status), "job_id": result.job_id.job_id, "kind": handle.kind}))
"""


def test_a_handle_resumed_from_its_token_in_a_subprocess(fake, dqops):
    fake.set_job_outcome(delay=1.5, highest_severity="warning")
    handle = jobs.start_run_checks(dqops.with_options(data_domain="sales"), RunChecksParameters())
    token = handle.to_token()
    text = json.dumps(token)
    assert json.loads(text) == token
    assert token["data_domain"] == "sales"
    done = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, fake.base_url],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen == {"status": "finished", "job_id": int(handle.job_id), "kind": "run_checks"}
    # The other process waited on the same job, in its data domain.
    polls = requests_of(fake, "waitForRunChecksJob")
    assert polls and all(poll.path_parameters["jobId"] == handle.job_id for poll in polls)
    assert all("DQODataDomain=sales" in poll.headers.get("cookie", "") for poll in polls)
    assert len(fake.jobs) == 1


@pytest.mark.asyncio
async def test_a_token_resumed_in_the_same_process_async(fake, dqops):
    async with dqops:
        handle = await jobs.start_import_tables_async(dqops, ImportTablesQueueJobParameters())
        resumed = jobs.JobHandle.from_token(dqops, json.dumps(handle.to_token()))
        assert resumed.status is None  # nothing heard of it yet
        result = await asyncio.wait_for(resumed.wait_async(timeout=10), GUARD_SECONDS)
    assert result.status == "finished"
    assert str(result.job_id.job_id) == handle.job_id


@pytest.mark.parametrize(
    "token",
    [
        "not json",
        [],
        {},
        {"dqops_job": 2, "kind": "run_checks", "job_id": "1"},
        {"dqops_job": 1, "kind": "drop_tables", "job_id": "1"},
        {"dqops_job": 1, "kind": "run_checks"},
        {"dqops_job": 1, "kind": "run_checks", "job_id": "../../connections"},
        {"dqops_job": 1, "kind": "run_checks", "job_id": 1.5},
        {"dqops_job": 1, "kind": "run_checks", "business_key": "x\nInjected: 1"},
        {"dqops_job": 1, "kind": "run_checks", "business_key": ".."},
        {"dqops_job": 1, "kind": "run_checks", "business_key": "12345"},
        {"dqops_job": 1, "kind": "run_checks", "job_id": "1", "data_domain": "a;b=c"},
    ],
)
def test_a_bad_token_is_refused_before_anything_is_sent(fake, dqops, token):
    with pytest.raises(errors.InvalidArgument):
        jobs.JobHandle.from_token(dqops, token)
    assert fake.requests == []


# A retried start never makes a second job.


@pytest.mark.parametrize("mode", ["drop", "drop_unprocessed"])
def test_a_start_whose_answer_was_lost_is_looked_up_before_it_is_sent_again(fake, dqops, mode):
    fake.fail_next(1, mode, operation="runChecks")
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    assert len(fake.jobs) == 1, "a retried start made a second job"
    assert str(fake.jobs[0]["jobId"]["jobId"]) == handle.job_id
    starts = requests_of(fake, "runChecks")
    lookups = requests_of(fake, "getJob")
    assert all(start.query["jobBusinessKey"] == [handle.business_key] for start in starts)
    assert [lookup.path_parameters["jobId"] for lookup in lookups] == [handle.business_key]
    # Processed: the key finds the job, the start is not sent again. Not processed: sent once more.
    assert len(starts) == (1 if mode == "drop" else 2)
    assert handle.wait(timeout=10).status == "finished"


@pytest.mark.asyncio
async def test_a_start_whose_answer_was_lost_async(fake, dqops):
    fake.fail_next(1, "drop", operation="runChecks")
    async with dqops:
        result = await asyncio.wait_for(jobs.run_checks_async(dqops, RunChecksParameters(), timeout=10), GUARD_SECONDS)
    assert result.status == "finished"
    assert len(fake.jobs) == 1
    assert len(requests_of(fake, "runChecks")) == 1


def test_the_helpers_send_a_business_key_and_survive_a_lost_answer(fake, dqops):
    fake.fail_next(1, "drop", operation="importTables")
    result = jobs.import_tables(dqops, ImportTablesQueueJobParameters(), timeout=10)
    assert result.status == "finished"
    assert len(fake.jobs) == 1
    (start,) = requests_of(fake, "importTables")
    assert start.query["jobBusinessKey"][0].startswith(jobs.BUSINESS_KEY_PREFIX)


def test_a_start_that_keeps_failing_raises_after_its_attempts(fake, dqops):
    fake.fail_next(10, "drop_unprocessed", operation="runChecks")
    with pytest.raises(errors.ConnectionFailed):
        jobs.start_run_checks(dqops, RunChecksParameters())
    assert len(requests_of(fake, "runChecks")) == jobs.START_ATTEMPTS
    assert fake.jobs == []


# Cancelling.


def test_cancel(fake, dqops):
    fake.set_job_outcome(delay=5.0)
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    handle.cancel()
    with pytest.raises(errors.JobCancelled) as info:
        handle.wait(timeout=10)
    assert info.value.job_id == handle.job_id
    (cancel,) = requests_of(fake, "cancelJob")
    assert cancel.method == "DELETE" and cancel.path_parameters["jobId"] == handle.job_id


@pytest.mark.asyncio
async def test_cancel_async_while_another_task_waits(fake, dqops):
    fake.set_job_outcome(delay=5.0)
    async with dqops:
        handle = await jobs.start_collect_statistics_on_table_async(dqops, StatisticsCollectorSearchFilters())
        waiting = asyncio.create_task(handle.wait_async(timeout=10))
        await asyncio.sleep(0.2)
        await handle.cancel_async()
        started = time.monotonic()
        with pytest.raises(errors.JobCancelled):
            await asyncio.wait_for(waiting, GUARD_SECONDS)
        assert time.monotonic() - started < 3.0  # the long poll ended with the job, not at its timeout


# Outcomes: failed, issues found, timed out, unknown.


def test_failed_job_raises_job_failed_with_dqops_message(fake, dqops):
    fake.set_job_outcome(status="failed", delay=0.2, error_message="Connection to sales refused")
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    with pytest.raises(errors.JobFailed, match="Connection to sales refused"):
        handle.wait(timeout=10)


@pytest.mark.parametrize(
    ("highest", "fail_at", "raises"),
    [
        ("error", "error", True),
        ("fatal", "warning", True),
        ("warning", "error", False),
        ("valid", "warning", False),
    ],
)
def test_fail_at_severity(fake, dqops, highest, fail_at, raises):
    fake.set_job_outcome(delay=0.2, highest_severity=highest)
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    if raises:
        with pytest.raises(errors.DataQualityIssuesDetected) as info:
            handle.wait(timeout=10, fail_at_severity=fail_at)
        error = info.value
        assert isinstance(error, errors.JobError)
        assert (error.highest_severity, error.fail_at_severity) == (highest, fail_at)
        assert isinstance(error.result, RunChecksQueueJobResult)
        assert error.result.result.highest_severity == highest
        assert error.job_id == handle.job_id
    else:
        result = handle.wait(timeout=10, fail_at_severity=fail_at)
        assert result.result.highest_severity == highest


@pytest.mark.asyncio
async def test_fail_at_severity_async(fake, dqops):
    fake.set_job_outcome(delay=0.2, highest_severity="fatal")
    async with dqops:
        handle = await jobs.start_run_checks_async(dqops, RunChecksParameters())
        with pytest.raises(errors.DataQualityIssuesDetected):
            await asyncio.wait_for(handle.wait_async(timeout=10, fail_at_severity="fatal"), GUARD_SECONDS)


@pytest.mark.parametrize("bad", ["severe", "ERROR ", 3])
def test_a_wrong_fail_at_severity_is_refused_before_waiting(fake, dqops, bad):
    handle = jobs.JobHandle(dqops, "run_checks", job_id="12")
    with pytest.raises(errors.InvalidArgument):
        handle.wait(fail_at_severity=bad)
    with pytest.raises(errors.InvalidArgument):
        jobs.JobHandle(dqops, "import_tables", job_id="12").wait(fail_at_severity="error")
    assert fake.requests == []


def test_wait_timeout_bounds_the_whole_wait(fake, dqops):
    fake.set_job_outcome(delay=30.0)
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    started = time.monotonic()
    with pytest.raises(errors.JobTimeout) as info:
        handle.wait(timeout=1.2, poll_seconds=30)
    assert 1.0 <= time.monotonic() - started < 3.0
    assert info.value.job_id == handle.job_id
    handle.cancel()


def test_a_job_dqops_no_longer_knows_raises_job_not_found(fake, dqops):
    handle = jobs.start_run_checks(dqops, RunChecksParameters())
    handle.wait(timeout=10)
    token = handle.to_token()
    fake.forget_job_history()
    with pytest.raises(errors.JobNotFound) as info:
        handle.poll()
    assert isinstance(info.value, errors.JobError) and isinstance(info.value, errors.NotFound)
    assert info.value.job_id == handle.job_id
    assert "not known to DQOps" in str(info.value)
    with pytest.raises(errors.JobNotFound):
        jobs.JobHandle.from_token(dqops, token).wait(timeout=10)
    with pytest.raises(errors.JobNotFound):
        jobs.wait_for_job(dqops, handle.job_id, timeout=10)


@pytest.mark.asyncio
async def test_job_not_found_async(fake, dqops):
    async with dqops:
        handle = jobs.JobHandle(dqops, "collect_error_samples", business_key="never-started")
        with pytest.raises(errors.JobNotFound) as info:
            await asyncio.wait_for(handle.wait_async(timeout=10), GUARD_SECONDS)
    assert info.value.job_id == "never-started"


def test_a_job_in_another_data_domain_is_not_found_from_the_default_one(fake, dqops):
    handle = jobs.start_run_checks(dqops.with_options(data_domain="sales"), RunChecksParameters())
    assert handle.data_domain == "sales"
    plain = jobs.JobHandle(dqops, "run_checks", job_id=handle.job_id)
    with pytest.raises(errors.JobNotFound):
        plain.poll()
    assert jobs.JobHandle.from_token(dqops, handle.to_token()).poll().status in ("queued", "running", "finished")


# Many jobs through one feed.


def test_wait_all_follows_many_jobs_through_one_feed(fake, dqops):
    fake.set_job_outcome(delay=0.8, highest_severity="warning")
    handles = [jobs.start_run_checks(dqops, RunChecksParameters()) for _ in range(6)]
    fake.clear_requests()
    results = jobs.wait_all(handles, timeout=15)
    assert [str(result.job_id.job_id) for result in results] == [handle.job_id for handle in handles]
    assert {result.status for result in results} == {"finished"}
    assert {result.result.highest_severity for result in results} == {"warning"}
    asked = [request.operation_id for request in fake.requests]
    # One snapshot, the feed's long polls (each answers when a job changes: running, then ended,
    # so at most two a job and one more), and one read of each ended job for its typed result:
    # the calls are made one after the other, never a long poll per job.
    assert asked.count("getAllJobs") == 1
    assert asked.count("waitForRunChecksJob") == 6
    assert asked.count("getJobChangesSince") <= 2 * 6 + 1
    assert all(
        int(request.query["waitTimeout"][0]) >= 1 and request.status == 200
        for request in fake.requests
        if request.operation_id == "waitForRunChecksJob"
    )


@pytest.mark.asyncio
async def test_wait_all_async_with_each_outcome_in_its_place(fake, dqops):
    async with dqops:
        fake.set_job_outcome(delay=0.6)
        finished = await jobs.start_import_tables_async(dqops, ImportTablesQueueJobParameters())
        fake.set_job_outcome(delay=5.0)
        cancelled = await jobs.start_run_checks_async(dqops, RunChecksParameters())
        unknown = jobs.JobHandle(dqops, "run_checks", business_key="never-started")
        await cancelled.cancel_async()
        outcomes = await asyncio.wait_for(
            jobs.wait_all_async([finished, cancelled, unknown], timeout=10, return_exceptions=True), GUARD_SECONDS
        )
    assert outcomes[0].status == "finished"
    assert isinstance(outcomes[1], errors.JobCancelled)
    assert isinstance(outcomes[2], errors.JobNotFound)


def test_wait_all_raises_the_first_error_and_bounds_the_wait(fake, dqops):
    fake.set_job_outcome(delay=0.3, highest_severity="fatal")
    failing = jobs.start_run_checks(dqops, RunChecksParameters())
    with pytest.raises(errors.DataQualityIssuesDetected):
        jobs.wait_all([failing], timeout=10, fail_at_severity="error")
    fake.set_job_outcome(delay=30.0)
    slow = [jobs.start_run_checks(dqops, RunChecksParameters()) for _ in range(2)]
    started = time.monotonic()
    with pytest.raises(errors.JobTimeout) as info:
        jobs.wait_all(slow, timeout=1.0)
    assert time.monotonic() - started < 3.0
    assert info.value.job_id == slow[0].job_id
    for handle in slow:
        handle.cancel()


def test_wait_all_refuses_handles_of_several_domains(fake, dqops):
    plain = jobs.JobHandle(dqops, "run_checks", job_id="1")
    sales = jobs.JobHandle(dqops, "run_checks", job_id="2", data_domain="sales")
    with pytest.raises(errors.InvalidArgument):
        jobs.wait_all([plain, sales])
    with pytest.raises(errors.InvalidArgument):
        jobs.wait_all([])
    assert fake.requests == []


@pytest.mark.parametrize("key", ["", "42", "..", "a\tb", "k" * 201, 7])
def test_a_business_key_dqops_would_misread_is_refused_before_the_start(fake, dqops, key):
    with pytest.raises(errors.InvalidArgument):
        jobs.start_run_checks(dqops, RunChecksParameters(), business_key=key)
    assert fake.requests == []
