"""DQOps's operators in DAGs run by real Apache Airflow (dag.test()) against FakeDQOps over HTTP.

Every operator that waits for a job runs sync and deferred (its trigger inline, as Airflow 3's
dag.test() runs it) through the same scenarios: success, severities at and above
`fail_at_severity`, a failed job, a cancelled job, a timeout with `fail_on_timeout` both ways, an
API key the server requires, and a killed task cancelling its job: in the worker, and while
deferred (the trigger then runs in Airflow's own triggerer code, which also restarts it). The fake requires an API key
in every test: the `dqops_default` connection (AIRFLOW_CONN_DQOPS_DEFAULT) carries it, unless
the DAG gives `base_url` and `api_key` itself, as DAGs written for DQOps's own operators do.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from support.airflow_dags import AirflowHome, DagRun, connection_json, dag_source, run_dag, triggerer_acting

from dqops.testing import FakeDQOps

API_KEY = "s3cret-key"
MODES = {"sync": "deferrable=False", "deferred": "deferrable=True"}

#: Each operator that waits for a job: its import, and its task (`{args}`: the scenario's keywords).
#: The wait-for-job DAG starts the job with a run-checks task that does not wait, as DQOps's docs show.
JOB_OPERATORS = {
    "run_checks": (
        "from dqops.airflow.run_checks.dqops_run_checks_operator import DqopsRunChecksOperator",
        "DqopsRunChecksOperator(task_id='dq', connection='example', full_table_name='public.fact_*', {args})",
    ),
    "collect_statistics": (
        "from dqops.airflow.collect_statistics.dqops_collect_statistics_operator import DqopsCollectStatisticsOperator",
        "DqopsCollectStatisticsOperator(task_id='dq', connection='example', full_table_name='public.fact_sales', {args})",
    ),
    "table_import": (
        "from dqops.airflow.table_import.dqops_table_import_operator import DqopsTableImportOperator",
        (
            "DqopsTableImportOperator(task_id='dq', connection_name='example', schema_name='public', "
            "table_names=['fact_sales'], {args})"
        ),
    ),
    "wait_for_job": (
        (
            "from dqops.airflow.run_checks.dqops_run_checks_operator import DqopsRunChecksOperator\n"
            "from dqops.airflow.wait_for_job.dqops_wait_for_job_operator import DqopsWaitForJobOperator"
        ),
        (
            "start = DqopsRunChecksOperator(task_id='start', connection='example', wait_timeout=0, fail_on_timeout=False)\n"
            "start >> DqopsWaitForJobOperator(task_id='dq', {args})"
        ),
    ),
}
#: The operations that wait for a job.
WAITS = ("waitForRunChecksJob", "waitForJob")
#: The operation that starts each operator's job.
START_OPERATIONS = {
    "run_checks": "runChecks",
    "collect_statistics": "collectStatisticsOnTable",
    "table_import": "importTables",
    "wait_for_job": "runChecks",
}


pytestmark = pytest.mark.fake_dqops(api_key=API_KEY, job_delay=0.2)


@pytest.fixture
def fake(fake_dqops: FakeDQOps, airflow_home: AirflowHome, monkeypatch) -> FakeDQOps:
    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake_dqops.base_url, API_KEY))
    return fake_dqops


def run_job_dag(home: AirflowHome, name: str, operator: str, mode: str, *tasks: str) -> DagRun:
    """A DAG of the operator's task(s), one per `tasks` entry (keywords), in the given mode."""
    imports, template = JOB_OPERATORS[operator]
    body = ""
    for index, args in enumerate(tasks):
        task = template.format(args=", ".join(filter(None, [args, MODES[mode]])))
        if len(tasks) > 1:  # task ids dq_0, dq_1...; the starter of wait_for_job too
            task = task.replace("task_id='dq'", f"task_id='dq_{index}'").replace("'start'", f"'start_{index}'")
            task = task.replace("start >>", f"start_{index} >>").replace("start =", f"start_{index} =")
        body += task + "\n"
    dag_id = f"{name}_{operator}_{mode}"
    return run_dag(home, dag_id, dag_source(dag_id, body, imports))


def answers_of(fake: FakeDQOps, operation_id: str) -> list[dict]:
    return [json.loads(r.response) for r in fake.requests if r.operation_id == operation_id and r.response]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operator", JOB_OPERATORS)
def test_a_finished_job_passes_and_returns_the_answer(airflow_home, fake, operator, mode) -> None:
    run = run_job_dag(airflow_home, "success", operator, mode, "")
    assert run.state == "success", run.failures
    returned = run.returned["dq"]
    assert returned["status"] == "finished"
    started = answers_of(fake, START_OPERATIONS[operator])[0]
    assert returned["jobId"] == started["jobId"]
    every_call = [r for r in fake.requests]
    assert every_call and all(r.headers.get("authorization") == f"Bearer {API_KEY}" for r in every_call)
    if operator == "run_checks":
        assert returned["result"]["highest_severity"] == "valid"
    if mode == "sync" and operator != "wait_for_job":
        # One call, which DQOps holds until the job ends; its answer is the XCom return value.
        assert [r.operation_id for r in fake.requests] == [START_OPERATIONS[operator]]
        assert returned == started
    if operator == "collect_statistics":
        assert "executed_statistics_collectors" in returned["result"]  # deferred: from the job's history entry
    if mode == "deferred" and operator != "wait_for_job":
        start = fake.requests[0]
        assert start.query["wait"] == ["false"]
        waits = [r for r in fake.requests[1:]]
        assert waits and all(r.operation_id in ("waitForRunChecksJob", "waitForJob") for r in waits)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operator", ["run_checks", "wait_for_job"])
def test_a_severity_at_or_above_fail_at_severity_fails_the_task(airflow_home, fake, operator, mode) -> None:
    fake.set_job_outcome(highest_severity="error", delay=0.2)
    run = run_job_dag(
        airflow_home,
        "severity",
        operator,
        mode,
        "fail_at_severity=RuleSeverityLevel.ERROR",  # at
        "fail_at_severity='warning'",  # above
        "",  # below the default, fatal
    )
    from dqops.airflow.common.exceptions.dqops_data_quality_issue_detected_exception import (
        DqopsDataQualityIssueDetectedException,
    )

    for task_id in ("dq_0", "dq_1"):
        assert isinstance(run.failure(task_id), DqopsDataQualityIssueDetectedException)
        assert run.returned[task_id]["status"] == "finished"  # the answer is still the return value
    assert run.states["dq_2"] == "success"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operator", JOB_OPERATORS)
def test_a_failed_job_fails_the_task_and_a_cancelled_one_does_not(airflow_home, fake, operator, mode) -> None:
    from dqops.airflow.common.exceptions.dqops_job_failed_exception import DqopsJobFailedException

    fake.set_job_outcome(status="failed", delay=0.2, error_message="the table is gone")
    run = run_job_dag(airflow_home, "failed", operator, mode, "")
    error = run.failure("dq")
    assert isinstance(error, DqopsJobFailedException)
    assert run.returned["dq"]["status"] == "failed"
    if operator == "wait_for_job":
        assert "the table is gone" in str(error)

    fake.set_job_outcome(status="cancelled", delay=0.2)
    run = run_job_dag(airflow_home, "cancelled", operator, mode, "")
    assert run.states["dq"] == "success"  # as DQOps's operators: a cancelled job is no data quality issue
    assert run.returned["dq"]["status"] == "cancelled"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operator", ["run_checks", "collect_statistics", "table_import"])
def test_an_unfinished_job_follows_fail_on_timeout(airflow_home, fake, operator, mode) -> None:
    """Sync: still running after wait_timeout. Deferred: still running at execution_timeout."""
    from dqops.airflow.common.exceptions.dqops_timeout_exception import DqopsTimeoutException

    fake.set_job_outcome(delay=6)
    limit = "wait_timeout=1" if mode == "sync" else "wait_timeout=1, execution_timeout=datetime.timedelta(seconds=2)"
    run = run_job_dag(
        airflow_home, "timeout", operator, mode, f"{limit}, fail_on_timeout=True", f"{limit}, fail_on_timeout=False"
    )
    assert isinstance(run.failure("dq_0"), DqopsTimeoutException)
    assert run.returned["dq_0"]["status"] in ("queued", "running")
    assert run.states["dq_1"] == "success"
    assert run.returned["dq_1"]["status"] in ("queued", "running")
    if mode == "deferred":  # one long poll per wait_timeout window, not a tight loop
        waits = [r for r in fake.requests if r.operation_id in ("waitForRunChecksJob", "waitForJob")]
        assert 2 <= len(waits) <= 2 * 4


def test_wait_for_job_sync_leaves_an_unfinished_job_to_airflow_retries(airflow_home, fake) -> None:
    from dqops.airflow.common.exceptions.dqops_unfinished_job_exception import DqopsUnfinishedJobException

    fake.set_job_outcome(delay=6)
    run = run_job_dag(airflow_home, "unfinished", "wait_for_job", "sync", "wait_timeout=1")
    assert isinstance(run.failure("dq"), DqopsUnfinishedJobException)


def test_wait_for_job_deferred_waits_until_the_job_ends_without_retries(airflow_home, fake) -> None:
    fake.set_job_outcome(delay=3.5)
    run = run_job_dag(airflow_home, "long_wait", "wait_for_job", "deferred", "wait_timeout=1")
    assert run.state == "success", run.failures
    assert run.returned["dq"]["status"] == "finished"
    waits = [r for r in fake.requests if r.operation_id == "waitForJob"]
    assert 3 <= len(waits) <= 5  # one request per one-second window of a 3.5 s job


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("operator", JOB_OPERATORS)
def test_the_api_key_the_server_requires(airflow_home, fake, monkeypatch, operator, mode) -> None:
    """No key: the SDK's Unauthorized, wrapped in an AirflowException. The key as `api_key=`, without a connection: passes."""
    from airflow.exceptions import AirflowException

    from dqops.client import errors

    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake.base_url))
    run = run_job_dag(airflow_home, "no_key", operator, mode, "")
    failed = "start" if operator == "wait_for_job" else "dq"
    error = run.failure(failed)
    assert isinstance(error, AirflowException) and isinstance(error.__cause__, errors.Unauthorized)

    monkeypatch.delenv("AIRFLOW_CONN_DQOPS_DEFAULT")
    explicit = f"base_url={fake.base_url + 'ignored/path'!r}, api_key={API_KEY!r}"
    if operator == "wait_for_job":
        imports, _ = JOB_OPERATORS[operator]
        body = (
            f"start = DqopsRunChecksOperator(task_id='start', connection='example', wait_timeout=0, "
            f"fail_on_timeout=False, {explicit})\n"
            f"start >> DqopsWaitForJobOperator(task_id='dq', {explicit}, {MODES[mode]})\n"
        )
        run = run_dag(airflow_home, f"explicit_key_{mode}", dag_source(f"explicit_key_{mode}", body, imports))
    else:
        run = run_job_dag(airflow_home, "explicit_key", operator, mode, explicit)
    assert run.state == "success", run.failures


@pytest.mark.parametrize("operator", ["run_checks", "collect_statistics", "table_import", "wait_for_job"])
def test_a_killed_task_cancels_its_job(airflow_home, fake, operator) -> None:
    """execution_timeout kills the task while it waits in the worker: on_kill cancels the DQOps job."""
    fake.set_job_outcome(delay=30)
    run = run_job_dag(
        airflow_home, "killed", operator, "sync", "wait_timeout=20, execution_timeout=datetime.timedelta(seconds=1)"
    )
    assert run.states["dq"] == "failed"
    cancels = [r for r in fake.requests if r.operation_id == "cancelJob"]
    assert len(cancels) == 1
    assert [job["status"] for job in fake.jobs] == ["cancelled"]


def long_poll_held(fake: FakeDQOps) -> Callable[[], bool]:
    """Whether the fake holds a wait request unanswered: the trigger is waiting on DQOps's long poll."""
    return lambda: any(r.operation_id in WAITS and r.status is None for r in fake.requests)


@pytest.mark.parametrize("operator", JOB_OPERATORS)
def test_a_task_killed_while_deferred_cancels_its_job(airflow_home, fake, operator) -> None:
    """The task is marked failed while its trigger waits in the triggerer: the trigger's on_kill cancels the job."""
    fake.set_job_outcome(delay=30)
    with triggerer_acting("kill", when=long_poll_held(fake)):
        run = run_job_dag(airflow_home, "killed", operator, "deferred", "wait_timeout=20")
    assert run.states["dq"] == "failed"
    (job,) = fake.jobs
    assert job["status"] == "cancelled"
    (cancel,) = [r for r in fake.requests if r.operation_id == "cancelJob"]
    assert cancel.path_parameters["jobId"] == str(job["jobId"]["jobId"])
    assert cancel.headers["authorization"] == f"Bearer {API_KEY}"


@pytest.mark.parametrize("operator", JOB_OPERATORS)
def test_a_triggerer_restart_while_deferred_resumes_the_wait(airflow_home, fake, operator) -> None:
    """The triggerer shuts down while the trigger waits; the next one rebuilds it and the task ends with the job."""
    fake.set_job_outcome(delay=1)
    with triggerer_acting("restart", when=long_poll_held(fake)):
        run = run_job_dag(airflow_home, "restarted", operator, "deferred", "wait_timeout=20")
    assert run.state == "success", run.failures
    assert run.returned["dq"]["status"] == "finished"
    assert [job["status"] for job in fake.jobs] == ["finished"]
    operations = [r.operation_id for r in fake.requests]
    assert "cancelJob" not in operations
    assert sum(operation in WAITS for operation in operations) == 2  # the one cut by the restart, the next


def test_run_checks_variants_select_their_check_type(airflow_home, fake) -> None:
    imports = "\n".join(
        f"from dqops.airflow_operators.run_checks.dqops_run_{kind}_checks_operator import DqopsRun{kind.title()}ChecksOperator"
        for kind in ("profiling", "monitoring", "partitioned")
    )
    body = "\n".join(
        f"DqopsRun{kind.title()}ChecksOperator(task_id='{kind}', connection='example', base_url={fake.base_url!r}, "
        f"api_key={API_KEY!r})"
        for kind in ("profiling", "monitoring", "partitioned")
    )
    run = run_dag(airflow_home, "variants", dag_source("variants", body, imports))
    assert run.state == "success", run.failures
    sent = sorted(r.json["check_search_filters"]["checkType"] for r in fake.requests if r.operation_id == "runChecks")
    assert sent == ["monitoring", "partitioned", "profiling"]


STATUS_OPERATORS = {
    "DqopsAssertTableStatusOperator": "table_status.dqops_assert_table_status_operator",
    "DqopsAssertProfilingTableStatusOperator": "table_status.dqops_assert_profiling_table_status_operator",
    "DqopsAssertMonitoringTableStatusOperator": "table_status.dqops_assert_monitoring_table_status_operator",
    "DqopsAssertPartitionedTableStatusOperator": "table_status.dqops_assert_partitioned_table_status_operator",
}


@pytest.mark.parametrize("operator", STATUS_OPERATORS)
def test_table_status_fails_at_fail_at_severity(airflow_home, fake, operator) -> None:
    """The fake's documented status has a current severity; at and above fail_at_severity fails, below passes."""
    from dqops.airflow.common.exceptions.dqops_data_quality_issue_detected_exception import (
        DqopsDataQualityIssueDetectedException,
    )

    def task(task_id: str, args: str) -> str:
        return f"{operator}(task_id={task_id!r}, connection_name='example', schema_name='public', table_name='fact_sales'{args})\n"

    probe = run_dag(
        airflow_home,
        f"status_probe_{operator}",
        dag_source(
            f"status_probe_{operator}",
            task("probe", ", fail_at_severity='fatal'"),
            f"from dqops.airflow.{STATUS_OPERATORS[operator]} import {operator}",
        ),
    )
    severity = probe.returned["probe"]["current_severity"]
    from dqops.airflow._rules import SEVERITIES

    rank = SEVERITIES.index(severity)
    body = task("at", f", fail_at_severity={severity!r}")
    if rank < len(SEVERITIES) - 1:
        body += task("below", f", fail_at_severity={SEVERITIES[rank + 1]!r}")
    if rank > 0:
        body += task("above", f", fail_at_severity={SEVERITIES[rank - 1]!r}")
    run = run_dag(
        airflow_home,
        f"status_{operator}",
        dag_source(f"status_{operator}", body, f"from dqops.airflow.{STATUS_OPERATORS[operator]} import {operator}"),
    )
    assert isinstance(run.failure("at"), DqopsDataQualityIssueDetectedException)
    assert run.returned["at"] == probe.returned["probe"]
    if "below" in run.states:
        assert run.states["below"] == "success"
    if "above" in run.states:
        assert isinstance(run.failure("above"), DqopsDataQualityIssueDetectedException)
    status_calls = [r for r in fake.requests if r.operation_id == "getTableDataQualityStatus"]
    assert all(r.headers["authorization"] == f"Bearer {API_KEY}" for r in status_calls)
    flags = {"Profiling": "profiling", "Monitoring": "monitoring", "Partitioned": "partitioned"}
    for word, flag in flags.items():
        if word in operator:
            assert status_calls[0].query[flag] == ["true"]


def test_table_status_timeouts_server_errors_and_keys(airflow_home, server, fake, monkeypatch) -> None:
    """On the fault server: a slow answer past wait_timeout both ways, a 500, an empty answer; on the fake: no key."""
    from airflow.exceptions import AirflowException
    from support.fault_server import json_answer, respond, slow, status

    from dqops.airflow.common.exceptions import (
        DqopsEmptyResponseException,
        DqopsInternalServerErrorException,
        DqopsTimeoutException,
    )
    from dqops.client import errors

    tables = "/api/connections/example/schemas/public/tables/"
    valid = {"connection_name": "example", "current_severity": "valid"}
    server.route(tables + "slow_a/status", slow(4, json_answer(valid)))
    server.route(tables + "slow_b/status", slow(4, json_answer(valid)))
    server.route(tables + "broken/status", status(500))
    server.route(tables + "empty/status", respond(200, b""))
    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(server.base_url))

    def task(table: str, args: str = "") -> str:
        return (
            f"DqopsAssertTableStatusOperator(task_id={table!r}, connection_name='example', schema_name='public', "
            f"table_name={table!r}{args})\n"
        )

    imports = "from dqops.airflow.table_status.dqops_assert_table_status_operator import DqopsAssertTableStatusOperator"
    body = (
        task("slow_a", ", wait_timeout=1")
        + task("slow_b", ", wait_timeout=1, fail_on_timeout=False")
        + task("broken")
        + task("empty")
    )
    run = run_dag(airflow_home, "status_faults", dag_source("status_faults", body, imports))
    assert isinstance(run.failure("slow_a"), DqopsTimeoutException)
    assert isinstance(run.failure("slow_a").__cause__, errors.RequestTimeout)
    assert run.states["slow_b"] == "success" and run.returned["slow_b"] is None
    assert isinstance(run.failure("broken"), DqopsInternalServerErrorException)
    assert isinstance(run.failure("broken").__cause__, errors.ServerError)
    assert isinstance(run.failure("empty"), DqopsEmptyResponseException)

    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake.base_url))
    run = run_dag(airflow_home, "status_no_key", dag_source("status_no_key", task("fact_sales"), imports))
    error = run.failure("fact_sales")
    assert isinstance(error, AirflowException) and isinstance(error.__cause__, errors.Unauthorized)


@pytest.mark.parametrize("mode", MODES)
def test_names_and_filters_are_templated(airflow_home, fake, mode) -> None:
    run = run_job_dag(
        airflow_home,
        "templated",
        "run_checks",
        mode,
        "labels=['{{ task.task_id }}'], job_business_key='key-{{ dag.dag_id }}'",
    )
    assert run.state == "success", run.failures
    (start,) = [r for r in fake.requests if r.operation_id == "runChecks"]
    assert start.query["jobBusinessKey"] == [f"key-templated_run_checks_{mode}"]
    assert start.json["check_search_filters"]["labels"] == ["dq"]


def test_a_dag_written_for_dqops_own_operators_runs_unchanged(airflow_home, fake) -> None:
    """As DQOps's run-checks page writes it: Airflow 2's `from airflow import DAG`, the older module
    path, a `base_url` with no trailing slash, no connection (the URL is the fake's, the key added)."""
    source = f'''\
import datetime
import pendulum
from airflow import DAG
from dqops.airflow_operators.run_checks.dqops_run_profiling_checks_operator import DqopsRunProfilingChecksOperator

with DAG(
    dag_id="upstream_style_run_profiling_checks",
    schedule=datetime.timedelta(hours=12),
    start_date=pendulum.datetime(2023, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    run_checks_task = DqopsRunProfilingChecksOperator(
        task_id="dqops_run_profiling_checks_operator_task",
        base_url="{fake.base_url.rstrip("/")}",
        api_key="{API_KEY}",
        connection="example_connection",
        full_table_name="maven_restaurant_ratings.consumers"
    )
'''
    run = run_dag(airflow_home, "upstream_style_run_profiling_checks", source)
    assert run.state == "success", run.failures
    returned = run.returned["dqops_run_profiling_checks_operator_task"]
    assert returned["status"] == "finished" and "highest_severity" in returned["result"]
    (start,) = [r for r in fake.requests if r.operation_id == "runChecks"]
    assert start.json["check_search_filters"] == {
        "connection": "example_connection",
        "fullTableName": "maven_restaurant_ratings.consumers",
        "checkType": "profiling",
    }
