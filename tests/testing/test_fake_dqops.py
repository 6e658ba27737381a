"""dqops.testing.FakeDQOps: the fake DQOps users run their tests against, over real HTTP.

Each test talks to a real FakeDQOps server on 127.0.0.1 through the SDK's own clients, sync and
async (the reference's 1,364 examples run against it in test_reference_docs.py). One server is
shared by the tests of this module (`fake`, reset before each test); the tests that need their
own server or settings (an API key) take the plugin's `fake_dqops`, with a `fake_dqops` marker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import build_commands

from dqops import client, jobs
from dqops.client import errors
from dqops.client.api.connections import get_all_connections, get_connection
from dqops.client.api.jobs import (
    cancel_job,
    collect_statistics_on_table,
    get_all_jobs,
    get_job,
    get_job_changes_since,
    import_tables,
    run_checks,
    wait_for_job,
    wait_for_run_checks_job,
)
from dqops.client.models import (
    CheckSearchFilters,
    DqoJobStatus,
    ImportTablesQueueJobParameters,
    RunChecksParameters,
    StatisticsCollectorSearchFilters,
)
from dqops.client.types import UNSET
from dqops.testing import FakeDQOps, RecordedRequest
from dqops.testing._fake import FAULT_MODES, JOB_QUEUE_OPERATIONS
from dqops.testing._routes import route_table
from scripts.prism import free_loopback_port

GUARD_SECONDS = 10.0


#: The conftest's `shared_fake`, one for the module, with these options; each test resets it.
pytestmark = pytest.mark.fake_dqops(job_delay=0.2, change_feed_wait=0.5)


@pytest.fixture
def fake(shared_fake: FakeDQOps) -> FakeDQOps:
    shared_fake.reset()
    return shared_fake


def checks() -> RunChecksParameters:
    return RunChecksParameters(check_search_filters=CheckSearchFilters(connection="sales", enabled=True))


# ---------------------------------------------------------------------------
# Documented answers, routes, auth
# ---------------------------------------------------------------------------


def sample_path(template: str) -> str:
    return "/".join("sample%2Fvalue" if part.startswith("{") else part for part in template.split("/"))


def test_every_other_operation_answers_its_documented_answer(fake: FakeDQOps) -> None:
    """Every route of the table but the job queue's answers its documented status, media type and
    body, for any value of its path parameters (one with a `/` in it too)."""
    table = route_table()
    assert len(table.routes) == 341
    with httpx.Client(base_url=fake.base_url.rstrip("/")) as http:
        for route in table.routes:
            if route.operation_id in JOB_QUEUE_OPERATIONS:
                continue
            answer = http.request(route.method, sample_path(route.path))
            assert answer.status_code == route.status, route
            assert answer.headers.get("content-type") == route.content_type, route
            assert answer.content == route.content, route
            if route.content_type is None:
                assert answer.content == b"", route
    assert {request.operation_id for request in fake.requests} == {
        route.operation_id for route in table.routes if route.operation_id not in JOB_QUEUE_OPERATIONS
    }


def test_the_job_queue_answers_every_job_operation_of_the_spec_but_the_scheduler_s() -> None:
    job_operations = {
        route.operation_id
        for route in route_table().routes
        if route.path.startswith("/api/jobs/") and not route.path.startswith("/api/jobs/scheduler/")
    }
    assert job_operations == JOB_QUEUE_OPERATIONS


def test_the_route_table_is_the_generated_client_s() -> None:
    import dqops.client

    table = route_table()
    assert (table.api_version, table.spec_sha256) == (dqops.client.API_VERSION, dqops.client.API_SPEC_SHA256)


def test_documented_answers_parse_with_the_sdk(dqops: client.Client) -> None:
    connections = get_all_connections.sync(client=dqops)
    assert connections is not None and connections[0].connection_name == "sample_connection"
    assert get_connection.sync("any/name", client=dqops) is not None


@pytest.mark.parametrize(
    "method, path",
    [("GET", "/api/no-such-thing"), ("GET", "/"), ("PATCH", "/api/connections"), ("GET", "/api/jobs/runchecks")],
)
def test_an_unknown_route_or_method_answers_404_with_spring_s_error(fake: FakeDQOps, method: str, path: str) -> None:
    answer = httpx.request(method, fake.base_url.rstrip("/") + path)
    assert answer.status_code == 404
    payload = answer.json()
    assert (payload["status"], payload["error"], payload["path"]) == (404, "Not Found", path)
    assert fake.requests[-1].operation_id is None


def test_an_unknown_route_raises_not_found_in_the_sdk(fake: FakeDQOps) -> None:
    nowhere = fake.base_url + "nowhere/"
    with client.Client(nowhere, raise_on_unexpected_status=True) as dqops, pytest.raises(errors.NotFound):
        get_all_connections.sync(client=dqops)


def test_by_default_calls_are_accepted_with_or_without_a_key(fake: FakeDQOps) -> None:
    with client.Client(fake.base_url) as anonymous:
        assert get_all_connections.sync(client=anonymous)
    with client.AuthenticatedClient(fake.base_url, token="anything") as keyed:
        assert get_all_connections.sync(client=keyed)
    assert [request.headers.get("authorization") for request in fake.requests] == [None, "Bearer anything"]


@pytest.mark.fake_dqops(api_key="s3cret")
def test_an_api_key_is_required_when_set(fake_dqops: FakeDQOps) -> None:
    fake = fake_dqops
    anonymous = client.Client(fake.base_url, raise_on_unexpected_status=True)
    wrong = client.AuthenticatedClient(fake.base_url, token="wrong", raise_on_unexpected_status=True)
    for refused_client in (anonymous, wrong):
        with refused_client, pytest.raises(errors.Unauthorized):
            get_all_connections.sync(client=refused_client)
    with client.AuthenticatedClient(fake.base_url, token="s3cret") as right:
        assert get_all_connections.sync(client=right)
    refused = httpx.get(fake.base_url + "api/connections")
    assert refused.status_code == 401 and refused.json()["error"] == "Unauthorized"
    # The key is checked before the route: an unknown route answers 401 too.
    assert httpx.get(fake.base_url + "nowhere").status_code == 401


def test_set_answer_replaces_an_operation_s_answer_until_reset(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_answer("get_connection", {"status": 404, "error": "Not Found"}, status=404)
    with pytest.raises(errors.NotFound):
        get_connection.sync("sales", client=dqops)
    fake.set_answer("getAllConnections", [{"connection_name": "sales"}])
    assert [c.connection_name for c in get_all_connections.sync(client=dqops)] == ["sales"]
    fake.set_answer("jobs.run_checks", status=503)  # the job queue too: no job is started
    with pytest.raises(errors.ServerError):
        run_checks.sync(client=dqops, json_body=checks())
    assert fake.jobs == []
    fake.reset()
    assert get_connection.sync("sales", client=dqops).connection_name == "sample_connection"
    for wrong in ("no_such_operation", "get"):
        with pytest.raises(ValueError, match="names no operation"):
            fake.set_answer(wrong, {})
    with pytest.raises(ValueError, match="status"):
        fake.set_answer("get_connection", status=1000)
    with pytest.raises(ValueError, match="names no operation"):
        fake.fail_next(operation="run_check")  # a typo fails at once instead of never matching


# ---------------------------------------------------------------------------
# Recorded requests
# ---------------------------------------------------------------------------


def test_requests_are_recorded_with_method_path_query_headers_and_json_body(
    fake: FakeDQOps, dqops: client.Client
) -> None:
    run_checks.sync(client=dqops, json_body=checks(), job_business_key="nightly-1", wait=False)
    [request] = fake.requests
    assert isinstance(request, RecordedRequest)
    assert (request.method, request.path, request.operation_id) == ("POST", "/api/jobs/runchecks", "runChecks")
    assert request.query == {"jobBusinessKey": ["nightly-1"], "wait": ["false"]}
    assert request.headers["content-type"] == "application/json"
    assert request.json == checks().to_dict()
    assert json.loads(request.body) == request.json
    assert request.status == 201 and json.loads(request.response)["jobId"]["jobBusinessKey"] == "nightly-1"
    get_connection.sync("a/b", client=dqops)
    assert fake.requests[-1].path == "/api/connections/a%2Fb"
    assert fake.requests[-1].path_parameters == {"connectionName": "a/b"}
    fake.clear_requests()
    assert fake.requests == []


def test_a_chunked_body_is_read_and_recorded(fake: FakeDQOps) -> None:
    body = json.dumps(checks().to_dict()).encode()
    chunks = iter([body[:7], body[7:]])
    answer = httpx.post(fake.base_url + "api/jobs/runchecks?wait=false", content=chunks)
    assert answer.status_code == 201
    [request] = fake.requests
    assert request.headers["transfer-encoding"] == "chunked" and request.body == body
    assert fake.jobs[0]["parameters"]["runChecksParameters"] == checks().to_dict()


# ---------------------------------------------------------------------------
# The job queue
# ---------------------------------------------------------------------------


def test_a_started_job_goes_from_queued_to_running_to_finished(fake: FakeDQOps, dqops: client.Client) -> None:
    """Not before its times: running from half of the delay, finished after it (the feed's epoch milliseconds)."""
    fake.set_job_outcome(delay=0.4)
    since = get_all_jobs.sync(client=dqops).last_sequence_number
    started = run_checks.sync(client=dqops, json_body=checks(), wait=False)
    assert started is not None and started.status is UNSET  # DQOps sends only the id when not waiting
    job_id = str(started.job_id.job_id)
    assert wait_for_job.sync(job_id, client=dqops, wait_timeout=10).status == DqoJobStatus.FINISHED
    changes = get_job_changes_since.sync(since, client=dqops).job_changes
    assert [change.status for change in changes] == ["queued", "running", "finished"]
    queued, running, finished = (change.status_changed_at for change in changes)
    assert running - queued >= 190 and finished - queued >= 390, (queued, running, finished)


def test_wait_on_the_start_returns_the_finished_result(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(highest_severity="error", delay=0.1)
    result = run_checks.sync(client=dqops, json_body=checks(), wait=True, wait_timeout=5)
    assert result is not None
    assert result.status == DqoJobStatus.FINISHED
    assert result.result.highest_severity == "error"
    assert (result.result.errors, result.result.warnings, result.result.fatals) == (1, 0, 0)


def test_wait_timeout_on_the_start_returns_the_unfinished_job(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=6)
    started_at = time.monotonic()
    result = run_checks.sync(client=dqops, json_body=checks(), wait_timeout=1)
    assert 0.9 <= time.monotonic() - started_at < 5
    assert result is not None and result.status in (DqoJobStatus.QUEUED, DqoJobStatus.RUNNING)
    assert result.result is UNSET


def test_wait_endpoints_honour_wait_timeout_and_answer_the_end(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=1.5, highest_severity="warning")
    started = run_checks.sync(client=dqops, json_body=checks(), wait=False)
    job_id = str(started.job_id.job_id)
    early = wait_for_job.sync(job_id, client=dqops, wait_timeout=0)
    assert early.status in (DqoJobStatus.QUEUED, DqoJobStatus.RUNNING)
    typed = wait_for_run_checks_job.sync(job_id, client=dqops, wait_timeout=10)
    assert typed.status == DqoJobStatus.FINISHED and typed.result.highest_severity == "warning"
    entry = wait_for_job.sync(job_id, client=dqops, wait_timeout=10)
    assert entry.status == DqoJobStatus.FINISHED
    assert entry.parameters.run_checks_parameters.run_checks_result.highest_severity == "warning"
    assert entry.parameters.run_checks_parameters.check_search_filters.connection == "sales"


def test_failed_and_cancelled_outcomes(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(status="failed", error_message="connection refused", delay=0)
    failed = run_checks.sync(client=dqops, json_body=checks())
    assert failed.status == DqoJobStatus.FAILED and failed.result is UNSET
    entry = get_job.sync(str(failed.job_id.job_id), client=dqops)
    assert entry.error_message == "connection refused"
    with pytest.raises(errors.JobFailed, match="connection refused"):
        jobs.run_checks(dqops, checks(), timeout=5)
    fake.set_job_outcome(status="cancelled", delay=0)
    with pytest.raises(errors.JobCancelled):
        jobs.run_checks(dqops, checks(), timeout=5)


def test_a_job_is_found_by_its_business_key(fake: FakeDQOps, dqops: client.Client) -> None:
    started = import_tables.sync(
        client=dqops,
        json_body=ImportTablesQueueJobParameters(connection_name="sales", schema_name="public"),
        job_business_key="import-sales",
        wait=False,
    )
    by_key = get_job.sync("import-sales", client=dqops)
    assert by_key.job_id.job_id == started.job_id.job_id
    assert by_key.job_id.job_business_key == "import-sales"
    assert by_key.job_type == "import_tables"
    assert by_key.parameters.import_table_parameters.connection_name == "sales"


def test_cancel_job(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=30)
    started = run_checks.sync(client=dqops, json_body=checks(), wait=False)
    job_id = str(started.job_id.job_id)
    assert cancel_job.sync_detailed(job_id, client=dqops).status_code == 204
    assert get_job.sync(job_id, client=dqops).status == DqoJobStatus.CANCELLED
    changes = get_job_changes_since.sync(0, client=dqops).job_changes
    assert [change.status for change in changes] == ["queued", "cancel_requested", "cancelled"]
    # Cancelling an ended job, or one DQOps does not know, answers 204 too.
    assert cancel_job.sync_detailed(job_id, client=dqops).status_code == 204
    assert cancel_job.sync_detailed("no-such-job", client=dqops).status_code == 204


def test_a_job_no_longer_in_the_history_answers_404(fake: FakeDQOps, dqops: client.Client) -> None:
    started = run_checks.sync(client=dqops, json_body=checks(), job_business_key="gone", wait=False)
    fake.forget_job_history()
    for job_id in (str(started.job_id.job_id), "gone", "12345", "never-seen"):
        with pytest.raises(errors.NotFound):
            get_job.sync(job_id, client=dqops)
        with pytest.raises(errors.NotFound):
            wait_for_job.sync(job_id, client=dqops, wait_timeout=1)
        with pytest.raises(errors.NotFound):
            wait_for_run_checks_job.sync(job_id, client=dqops, wait_timeout=1)
    assert get_all_jobs.sync(client=dqops).jobs == []


def test_the_change_feed_and_the_snapshot(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=0)
    snapshot = get_all_jobs.sync(client=dqops)
    assert snapshot.jobs == []
    since = snapshot.last_sequence_number
    first = run_checks.sync(client=dqops, json_body=checks(), wait=False, job_business_key="a")
    second = collect_statistics_on_table.sync(
        client=dqops, json_body=StatisticsCollectorSearchFilters(connection="sales"), wait=False
    )
    feed = get_job_changes_since.sync(since, client=dqops)
    changes = [(change.job_id.job_id, change.status) for change in feed.job_changes]
    first_id, second_id = first.job_id.job_id, second.job_id.job_id
    assert changes == [
        (first_id, "queued"), (first_id, "running"), (first_id, "finished"),
        (second_id, "queued"), (second_id, "running"), (second_id, "finished"),
    ]  # fmt: skip
    sequences = [change.change_sequence for change in feed.job_changes]
    assert sequences == sorted(sequences) and sequences[0] > since and feed.last_sequence_number > sequences[-1]
    # As DQOps makes them: epoch seconds * 1,000,000 + a counter within the second.
    assert abs(feed.last_sequence_number // 1_000_000 - time.time()) < 60
    assert feed.job_changes[0].updated_model.job_id.job_business_key == "a"
    assert feed.job_changes[2].updated_model.parameters.run_checks_parameters.run_checks_result.highest_severity
    snapshot = get_all_jobs.sync(client=dqops)
    assert [(job.job_id.job_id, job.status) for job in snapshot.jobs] == [
        (first_id, "finished"),
        (second_id, "finished"),
    ]
    assert snapshot.last_sequence_number > sequences[-1]
    assert get_job_changes_since.sync(sequences[2], client=dqops).job_changes[0].job_id.job_id == second_id


def test_the_change_feed_long_polls_until_a_change(fake: FakeDQOps, dqops: client.Client) -> None:
    since = get_all_jobs.sync(client=dqops).last_sequence_number
    started_at = time.monotonic()
    idle = get_job_changes_since.sync(since, client=dqops)  # the fake waits change_feed_wait (0.5 s)
    assert 0.4 <= time.monotonic() - started_at < 3
    assert idle.job_changes is UNSET and idle.last_sequence_number > since
    timer = threading.Timer(0.3, lambda: run_checks.sync(client=dqops, json_body=checks(), wait=False))
    fake.set_job_outcome(delay=5)
    timer.start()
    try:
        woke = get_job_changes_since.sync(idle.last_sequence_number, client=dqops)
    finally:
        timer.join()
    assert [change.status for change in woke.job_changes] == ["queued"]


def test_the_forgotten_history_is_missing_from_the_feed(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=0)
    since = get_all_jobs.sync(client=dqops).last_sequence_number
    run_checks.sync(client=dqops, json_body=checks(), wait=False)
    fake.forget_job_history()
    later = run_checks.sync(client=dqops, json_body=checks(), wait=False)
    feed = get_job_changes_since.sync(since, client=dqops)
    assert {change.job_id.job_id for change in feed.job_changes} == {later.job_id.job_id}
    fake.forget_job_history(changes_only=True)
    assert get_job_changes_since.sync(since, client=dqops).job_changes is UNSET
    assert get_job.sync(str(later.job_id.job_id), client=dqops).status == DqoJobStatus.FINISHED
    assert [job.job_id.job_id for job in get_all_jobs.sync(client=dqops).jobs] == [later.job_id.job_id]


def test_jobs_are_kept_per_data_domain(fake: FakeDQOps) -> None:
    with client.Client(fake.base_url, cookies={"DQODataDomain": "sales"}) as sales:
        started = run_checks.sync(client=sales, json_body=checks(), wait=False, job_business_key="k")
        assert get_job.sync("k", client=sales).data_domain == "sales"
    with client.Client(fake.base_url, raise_on_unexpected_status=True) as default:
        with pytest.raises(errors.NotFound):
            get_job.sync(str(started.job_id.job_id), client=default)
        assert get_all_jobs.sync(client=default).jobs == []
        run_checks.sync(client=default, json_body=checks(), wait=False)
        assert [job.data_domain for job in get_all_jobs.sync(client=default).jobs] == [""]  # DQOps's root domain
    assert [job["dataDomain"] for job in fake.jobs] == ["sales", ""]


def test_the_job_helpers_run_against_the_fake(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.set_job_outcome(delay=0.3, highest_severity="fatal")
    result = jobs.run_checks(dqops, checks(), timeout=5, poll_seconds=1)
    assert result.status == DqoJobStatus.FINISHED and result.result.highest_severity == "fatal"
    imported = jobs.import_tables(
        dqops, ImportTablesQueueJobParameters(connection_name="c", schema_name="s"), timeout=5, poll_seconds=1
    )
    assert imported.status == DqoJobStatus.FINISHED


def test_set_job_outcome_rejects_what_dqops_cannot_answer(fake: FakeDQOps) -> None:
    with pytest.raises(ValueError, match="status"):
        fake.set_job_outcome(status="done")
    with pytest.raises(ValueError, match="highest_severity"):
        fake.set_job_outcome(highest_severity="bad")
    with pytest.raises(ValueError, match="delay"):
        fake.set_job_outcome(delay=-1)


# ---------------------------------------------------------------------------
# Faults
# ---------------------------------------------------------------------------


def test_a_dropped_answer_after_the_start_leaves_exactly_one_job(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.fail_next(operation="runChecks")
    with pytest.raises(errors.TransportError):
        run_checks.sync(client=dqops, json_body=checks(), job_business_key="once", wait=False)
    assert [job["jobId"]["jobBusinessKey"] for job in fake.jobs] == ["once"]
    assert get_job.sync("once", client=dqops).job_id.job_business_key == "once"
    assert [request.status for request in fake.requests] == [None, 200]


def test_a_dropped_unprocessed_request_starts_no_job(fake: FakeDQOps, dqops: client.Client) -> None:
    fake.fail_next(2, mode="drop_unprocessed", operation="run_checks")
    get_all_connections.sync(client=dqops)  # another operation: not dropped
    for _ in range(2):
        with pytest.raises(errors.TransportError):
            run_checks.sync(client=dqops, json_body=checks(), wait=False)
    assert fake.jobs == []
    assert run_checks.sync(client=dqops, json_body=checks(), wait=False) is not None
    assert len(fake.jobs) == 1
    with pytest.raises(ValueError, match="mode"):
        fake.fail_next(mode="explode")


def served_and_stopped(fake: FakeDQOps, calls: list[Any]) -> None:
    """Make each call (a request to `fake`, which may fail), then stop the fake: its connections' threads are done."""
    for call in calls:
        try:
            call()
        except httpx.HTTPError:
            pass
    fake.stop()


def fake_reports(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "dqops.testing" and record.levelno >= logging.WARNING]


def test_the_faults_a_test_asks_for_are_quiet(fake_dqops: FakeDQOps, capfd, caplog) -> None:
    """A dropped connection is the test's doing: no traceback on stderr, nothing logged as the fake's failure."""
    start = fake_dqops.base_url + "api/jobs/runchecks?wait=false"
    body = {"check_search_filters": {}}
    with httpx.Client() as keep_alive:
        calls = []
        for mode in FAULT_MODES:
            fake_dqops.fail_next(3, mode)
            calls += [lambda: keep_alive.post(start, json=body)] * 2 + [lambda: httpx.post(start, json=body)]
        calls.append(lambda: keep_alive.post(start, json=body).raise_for_status())
        served_and_stopped(fake_dqops, calls)
    assert [request.status for request in fake_dqops.requests] == [None] * 6 + [201]
    assert capfd.readouterr().err == ""
    assert fake_reports(caplog) == []


def test_a_failure_of_the_fake_itself_is_logged_with_its_traceback(
    fake_dqops: FakeDQOps, capfd, caplog, monkeypatch
) -> None:
    """Not a fault the test asked for: logged as an error of `dqops.testing`, which pytest shows with the test."""
    from dqops.testing._fake import _Handler

    def broken(handler: _Handler) -> bytes:
        raise RuntimeError("a bug in the fake")

    monkeypatch.setattr(_Handler, "_read_body", broken)
    served_and_stopped(fake_dqops, [lambda: httpx.get(fake_dqops.base_url + "api/connections")])
    (report,) = fake_reports(caplog)
    assert report.levelno == logging.ERROR and report.exc_info is not None
    assert isinstance(report.exc_info[1], RuntimeError) and "a bug in the fake" in str(report.exc_info[1])
    assert "Exception occurred during processing of request" not in capfd.readouterr().err


# ---------------------------------------------------------------------------
# Async, lifecycle
# ---------------------------------------------------------------------------


@pytest.mark.asyncio
async def test_the_async_client_runs_jobs_and_follows_the_feed(fake: FakeDQOps) -> None:
    fake.set_job_outcome(delay=0.2)
    async with client.Client(fake.base_url, raise_on_unexpected_status=True) as dqops:
        since = (await get_all_jobs.asyncio(client=dqops)).last_sequence_number
        results = await asyncio.wait_for(
            asyncio.gather(*(jobs.run_checks_async(dqops, checks(), timeout=5, poll_seconds=1) for _ in range(3))),
            GUARD_SECONDS,
        )
        assert [result.status for result in results] == [DqoJobStatus.FINISHED] * 3
        feed = await get_job_changes_since.asyncio(since, client=dqops)
        assert sum(change.status == "finished" for change in feed.job_changes) == 3
        with pytest.raises(errors.NotFound):
            await get_job.asyncio("no-such-job", client=dqops)


def test_stop_answers_pending_long_polls_and_closes_connections() -> None:
    fake = FakeDQOps(change_feed_wait=30).start()
    base_url = fake.base_url
    outcome: dict[str, Any] = {}

    def poll() -> None:
        try:
            outcome["answer"] = httpx.get(base_url + "api/jobs/jobchangessince/0", timeout=10).status_code
        except httpx.HTTPError as error:
            outcome["answer"] = error

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(0.2)
    started_at = time.monotonic()
    fake.stop()
    poller.join(timeout=GUARD_SECONDS)
    assert not poller.is_alive() and time.monotonic() - started_at < 5
    assert outcome["answer"] in (200,) or isinstance(outcome["answer"], httpx.HTTPError)
    fake.stop()  # idempotent
    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.base_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url, timeout=2)


def test_python_m_dqops_testing_serves_until_terminated() -> None:
    """The fake in a process of its own, for code under test that runs in other processes."""
    port = free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "dqops.testing", "--port", str(port), "--api-key", "k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert f"listening on http://127.0.0.1:{port}/" in line, line
        with client.AuthenticatedClient(f"http://127.0.0.1:{port}/", token="k") as dqops:
            assert get_all_connections.sync(client=dqops)
        assert httpx.get(f"http://127.0.0.1:{port}/api/connections").status_code == 401
    finally:
        process.terminate()
        assert process.wait(timeout=GUARD_SECONDS) == 0
        process.stdout.close()


# ---------------------------------------------------------------------------
# make demo
# ---------------------------------------------------------------------------

DEMO_STEPS = ("list connections", "run checks", "wait for the job", "table data quality status")


def test_make_demo_runs_the_seed_guide_against_the_fake_with_no_error_status() -> None:
    """scripts/demo.py (`make demo`) on a free port: the guide's four steps, sync and async, with
    the job finished by step 3, and no 401, 500 or other error status on the way."""
    port_number = free_loopback_port()
    completed = build_commands.run(
        "demo", "--port", port_number, timeout=120, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert f"FakeDQOps, documented answers, a job queue) listening on http://127.0.0.1:{port_number}" in output
    for mode in ("sync", "async"):
        for step, name in enumerate(DEMO_STEPS, start=1):
            assert f"[{mode}] step {step}: {name}" in output, output
        waited = output.split(f"[{mode}] step 3: wait for the job", 1)[1].split(f"[{mode}] step 4", 1)[0]
        assert "status=DqoJobStatus.FINISHED" in waited, waited
    assert "all steps ran, sync and async" in output and "server stopped" in output
    for error in ("Unauthorized", "ServerError", "ApiStatusError", "JobTimeout", "a step failed", "Traceback"):
        assert error not in output, output


# ---------------------------------------------------------------------------
# The pytest plugin
# ---------------------------------------------------------------------------


def test_the_pytest_plugin_offers_a_started_fake(tmp_path: Path) -> None:
    """A user's test suite, run by pytest in a subprocess, gets `fake_dqops` from the installed entry point."""
    (tmp_path / "test_user.py").write_text(
        textwrap.dedent(
            """
            import pytest
            from dqops import client
            from dqops.client import errors
            from dqops.client.api.connections import get_all_connections
            from dqops.testing import FakeDQOps

            def test_uses_the_fixture(fake_dqops):
                assert isinstance(fake_dqops, FakeDQOps)
                with client.Client(fake_dqops.base_url) as dqops:
                    assert get_all_connections.sync(client=dqops)[0].connection_name == "sample_connection"
                assert [r.path for r in fake_dqops.requests] == ["/api/connections"]

            def test_gets_a_fresh_fake(fake_dqops):
                assert fake_dqops.requests == []

            @pytest.mark.fake_dqops(api_key="k")
            def test_takes_its_options_from_the_marker(fake_dqops):
                with client.Client(fake_dqops.base_url, raise_on_unexpected_status=True) as dqops:
                    with pytest.raises(errors.Unauthorized):
                        get_all_connections.sync(client=dqops)
            """
        ),
        encoding="utf-8",
    )
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "--strict-markers",
            str(tmp_path),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "3 passed" in completed.stdout


def test_a_fake_never_stopped_does_not_keep_the_process_from_exiting() -> None:
    """Not even with a client's keep-alive connection to it still open."""
    code = textwrap.dedent(
        """
        import httpx
        from dqops.testing import FakeDQOps
        fake = FakeDQOps().start()
        print(httpx.Client().get(fake.base_url + "api/connections").status_code)
        """
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert completed.stdout.split() == ["200"]


def test_importing_the_sdk_imports_neither_pytest_nor_the_fake() -> None:
    code = (
        "import sys, dqops, dqops.client, dqops.testing; print('pytest' in sys.modules, 'http.server' in sys.modules)"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert completed.stdout.split() == ["False", "True"]
    code = "import sys, dqops, dqops.client; print('dqops.testing' in sys.modules)"
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert completed.stdout.split() == ["False"]
