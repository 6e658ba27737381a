"""The job helpers of dqops.jobs and the DQOps endpoints each one calls, for the job tests."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

from dqops import jobs
from dqops._runtime.fields import json_names, model_of_field
from dqops.client.models.collect_error_samples_parameters import CollectErrorSamplesParameters
from dqops.client.models.collect_error_samples_result import CollectErrorSamplesResult
from dqops.client.models.collect_statistics_queue_job_result import CollectStatisticsQueueJobResult
from dqops.client.models.import_tables_queue_job_parameters import ImportTablesQueueJobParameters
from dqops.client.models.import_tables_queue_job_result import ImportTablesQueueJobResult
from dqops.client.models.run_checks_parameters import RunChecksParameters
from dqops.client.models.run_checks_queue_job_result import RunChecksQueueJobResult
from dqops.client.models.statistics_collector_search_filters import StatisticsCollectorSearchFilters


@dataclass(frozen=True)
class Helper:
    """A job helper and the endpoints it uses."""

    name: str
    sync: Any
    asyncio: Any
    start_path: str
    wait_path: str  # with {id}
    parameters: Any
    result_class: type
    typed_wait: bool  # its wait endpoint answers the typed result (else the generic job history entry)

    def __str__(self) -> str:
        return self.name

    @property
    def json_body(self) -> dict[str, Any]:
        return JSON_BODIES[self.name]


HELPERS = [
    Helper(
        "run_checks",
        jobs.run_checks,
        jobs.run_checks_async,
        "/api/jobs/runchecks",
        "/api/jobs/runchecks/{id}/wait",
        RunChecksParameters,
        RunChecksQueueJobResult,
        True,
    ),
    Helper(
        "collect_error_samples",
        jobs.collect_error_samples,
        jobs.collect_error_samples_async,
        "/api/jobs/collecterrorsamples",
        "/api/jobs/collecterrorsamples/{id}/wait",
        CollectErrorSamplesParameters,
        CollectErrorSamplesResult,
        True,
    ),
    Helper(
        "collect_statistics_on_table",
        jobs.collect_statistics_on_table,
        jobs.collect_statistics_on_table_async,
        "/api/jobs/collectstatistics/table",
        "/api/jobs/jobs/{id}/wait",
        StatisticsCollectorSearchFilters,
        CollectStatisticsQueueJobResult,
        False,
    ),
    Helper(
        "collect_statistics_on_data_groups",
        jobs.collect_statistics_on_data_groups,
        jobs.collect_statistics_on_data_groups_async,
        "/api/jobs/collectstatistics/withgrouping",
        "/api/jobs/jobs/{id}/wait",
        StatisticsCollectorSearchFilters,
        CollectStatisticsQueueJobResult,
        False,
    ),
    Helper(
        "import_tables",
        jobs.import_tables,
        jobs.import_tables_async,
        "/api/jobs/importtables",
        "/api/jobs/jobs/{id}/wait",
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobResult,
        False,
    ),
]

#: The body of each kind's start as a mapping of its JSON form (JSON names), as a user writes it.
JSON_BODIES: dict[str, dict[str, Any]] = {
    "run_checks": {
        "check_search_filters": {"connection": "sales", "fullTableName": "public.orders", "timeScale": "daily"},
        "dummy_execution": True,
    },
    "collect_error_samples": {"check_search_filters": {"connection": "sales", "checkType": "monitoring"}},
    "collect_statistics_on_table": {"connection": "sales", "fullTableName": "public.orders", "columnNames": ["id"]},
    "collect_statistics_on_data_groups": {"connection": "sales", "fullTableName": "public.orders"},
    "import_tables": {"connectionName": "sales", "schemaName": "public", "tableNames": ["orders"]},
    "delete_stored_data": {"connection": "sales", "fullTableName": "public.orders", "deleteErrors": True},
    "synchronize_folders": {"dataCheckResults": True, "forceRefreshNativeTables": False},
}


def job_functions_with_a_body() -> list[Any]:
    """Every public function of dqops.jobs that starts a job: its second parameter is the body."""
    found = []
    for name in jobs.__all__:
        function = getattr(jobs, name)
        if inspect.isfunction(function):
            parameters = list(inspect.signature(function).parameters)
            if parameters[1:2] in (["parameters"], ["filters"]):
                found.append(function)
    return found


def with_a_python_name(body: dict[str, Any], model: type) -> tuple[dict[str, Any], str, str]:
    """A copy of the JSON-form `body` of `model` in which the first key (nested, where a level has
    none) whose Python name differs from its JSON name is written by its Python name; that Python
    name and the JSON name it stands for."""
    python_names = {json_name: python_name for python_name, json_name in json_names(model).items()}
    for key, value in body.items():
        if key in python_names:
            renamed = {python_names[key] if item == key else item: found for item, found in body.items()}
            return renamed, python_names[key], key
        nested = model_of_field(model, key)
        if nested is not None and nested.shape == "one" and isinstance(value, dict):
            inner, python_name, json_name = with_a_python_name(value, nested.cls)
            return {**body, key: inner}, python_name, json_name
    raise AssertionError(f"{model.__name__}: the body {body!r} has no key whose Python name differs")
