"""Apache Airflow operators for DQOps, at the module paths of DQOps's own `dqops.airflow`.

    from dqops.airflow.run_checks.dqops_run_checks_operator import DqopsRunChecksOperator

or, shorter, `from dqops.airflow import DqopsRunChecksOperator`. Needs Airflow:
`pip install 'dqops-sdk[airflow]'`. The operators find DQOps through the `dqops` Airflow
connection `dqops_default` (DqopsHook), or an explicit `base_url` / `api_key`; those that wait
for a job take `deferrable=True` to wait in the triggerer (DqopsJobTrigger). docs/airflow.md
describes them.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: Each public name and the module that defines it (imported on first use).
_EXPORTS = {
    "DqopsRunChecksOperator": "run_checks.dqops_run_checks_operator",
    "DqopsRunProfilingChecksOperator": "run_checks.dqops_run_profiling_checks_operator",
    "DqopsRunMonitoringChecksOperator": "run_checks.dqops_run_monitoring_checks_operator",
    "DqopsRunPartitionedChecksOperator": "run_checks.dqops_run_partitioned_checks_operator",
    "DqopsCollectStatisticsOperator": "collect_statistics.dqops_collect_statistics_operator",
    "DqopsTableImportOperator": "table_import.dqops_table_import_operator",
    "DqopsAssertTableStatusOperator": "table_status.dqops_assert_table_status_operator",
    "DqopsAssertProfilingTableStatusOperator": "table_status.dqops_assert_profiling_table_status_operator",
    "DqopsAssertMonitoringTableStatusOperator": "table_status.dqops_assert_monitoring_table_status_operator",
    "DqopsAssertPartitionedTableStatusOperator": "table_status.dqops_assert_partitioned_table_status_operator",
    "DqopsWaitForJobOperator": "wait_for_job.dqops_wait_for_job_operator",
    "DqopsHook": "hooks",
    "DqopsJobTrigger": "triggers",
}

__all__ = [
    "DqopsAssertMonitoringTableStatusOperator",
    "DqopsAssertPartitionedTableStatusOperator",
    "DqopsAssertProfilingTableStatusOperator",
    "DqopsAssertTableStatusOperator",
    "DqopsCollectStatisticsOperator",
    "DqopsHook",
    "DqopsJobTrigger",
    "DqopsRunChecksOperator",
    "DqopsRunMonitoringChecksOperator",
    "DqopsRunPartitionedChecksOperator",
    "DqopsRunProfilingChecksOperator",
    "DqopsTableImportOperator",
    "DqopsWaitForJobOperator",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dqops.airflow' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
