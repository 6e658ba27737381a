"""The job helpers of dqops.jobs and the DQOps endpoints each one calls, for the job tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dqops import jobs
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
