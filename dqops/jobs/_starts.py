"""Starting jobs: each `start_*` returns a handle as soon as DQOps has queued the job."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeVar

from dqops._runtime.client import Client
from dqops.jobs._deadline import DEFAULT_START_TIMEOUT_SECONDS, Step
from dqops.jobs._handles import JobHandle
from dqops.jobs._kinds import (
    COLLECT_ERROR_SAMPLES,
    COLLECT_STATISTICS_ON_DATA_GROUPS,
    COLLECT_STATISTICS_ON_TABLE,
    DELETE_STORED_DATA,
    IMPORT_TABLES,
    RUN_CHECKS,
    SYNCHRONIZE_FOLDERS,
    JobKind,
    checked_business_key,
)
from dqops.jobs._shapes import on_filters, on_parameters
from dqops.jobs._steps import start_handle_steps

Result = TypeVar("Result")


def _start(
    kind: JobKind[Any, Result],
    client: Client,
    body: Any,
    *,
    business_key: str | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[Result]]:
    return (yield from _start_with_query(kind, client, body, business_key=business_key, timeout=timeout))


def _start_with_query(
    kind: JobKind[Any, Result],
    client: Client,
    body: Any,
    *,
    business_key: str | None = None,
    configure_table: bool | None = None,
    samples_limit: int | None = None,
    timeout: float = DEFAULT_START_TIMEOUT_SECONDS,
) -> Generator[Step, Any, JobHandle[Result]]:
    """Start the job, sending `configure_table` and `samples_limit` (when given) as DQOps's query parameters."""
    query = {"configure_table": configure_table, "samples_limit": samples_limit}
    given = {name: value for name, value in query.items() if value is not None}
    job = yield from start_handle_steps(kind, body, checked_business_key(business_key), given, timeout)
    handle: JobHandle[Result] = JobHandle._of(client, job)
    return handle


start_run_checks, start_run_checks_async = on_parameters(
    RUN_CHECKS,
    "start_run_checks",
    _start,
    """Start a job that runs the checks `parameters` select; returns its handle as soon as DQOps queued it.

    The start sends `business_key` as DQOps's `jobBusinessKey` (a unique one is made when None).
    If the answer is lost after the request may have reached DQOps (a dropped connection, a read
    timeout), the key is looked up before the start is sent again, so a retried start never makes
    a second job. `timeout` bounds the start, look-ups and retries included.
    """,
)
start_collect_error_samples, start_collect_error_samples_async = on_parameters(
    COLLECT_ERROR_SAMPLES,
    "start_collect_error_samples",
    _start,
    """Start a job that collects error samples of the checks `parameters` select. Returns its handle at
    once (see `start_run_checks`).""",
)
start_import_tables, start_import_tables_async = on_parameters(
    IMPORT_TABLES,
    "start_import_tables",
    _start,
    """Start a job that imports the metadata of the tables `parameters` select. Returns its handle at
    once (see `start_run_checks`).""",
)
start_delete_stored_data, start_delete_stored_data_async = on_parameters(
    DELETE_STORED_DATA,
    "start_delete_stored_data",
    _start,
    """Start a job that deletes the stored data `parameters` select. Returns its handle at once (see
    `start_run_checks`).""",
)
start_synchronize_folders, start_synchronize_folders_async = on_parameters(
    SYNCHRONIZE_FOLDERS,
    "start_synchronize_folders",
    _start,
    """Start a job that synchronizes the folders `parameters` select with DQOps Cloud. Returns its
    handle at once (see `start_run_checks`).""",
)
start_collect_statistics_on_table, start_collect_statistics_on_table_async = on_filters(
    COLLECT_STATISTICS_ON_TABLE,
    "start_collect_statistics_on_table",
    _start_with_query,
    """Start a job that collects statistics of the tables `filters` select. Returns its handle at once
    (see `start_run_checks`). `configure_table` and `samples_limit` are sent as DQOps's query
    parameters.""",
)
start_collect_statistics_on_data_groups, start_collect_statistics_on_data_groups_async = on_filters(
    COLLECT_STATISTICS_ON_DATA_GROUPS,
    "start_collect_statistics_on_data_groups",
    _start_with_query,
    """Start a job that collects statistics per data group of the tables `filters` select. Returns its
    handle at once (see `start_run_checks`). `configure_table` and `samples_limit` are sent as
    DQOps's query parameters.""",
)
