"""The provider metadata Airflow reads through the `apache_airflow_provider` entry point.

It makes Airflow list the `dqops` connection type (`airflow providers list`, the connection form).
"""

from __future__ import annotations

from typing import Any


def get_provider_info() -> dict[str, Any]:
    from dqops import __version__

    return {
        "package-name": "dqops-sdk",
        "name": "DQOps",
        "description": "Run DQOps data quality checks, collect statistics, import tables and wait for DQOps jobs.",
        "versions": [__version__],
        "connection-types": [{"hook-class-name": "dqops.airflow.hooks.DqopsHook", "connection-type": "dqops"}],
        "hooks": [{"integration-name": "DQOps", "python-modules": ["dqops.airflow.hooks"]}],
        "triggers": [{"integration-name": "DQOps", "python-modules": ["dqops.airflow.triggers"]}],
        "operators": [
            {
                "integration-name": "DQOps",
                "python-modules": [
                    "dqops.airflow.run_checks.dqops_run_checks_operator",
                    "dqops.airflow.run_checks.dqops_run_profiling_checks_operator",
                    "dqops.airflow.run_checks.dqops_run_monitoring_checks_operator",
                    "dqops.airflow.run_checks.dqops_run_partitioned_checks_operator",
                    "dqops.airflow.collect_statistics.dqops_collect_statistics_operator",
                    "dqops.airflow.table_import.dqops_table_import_operator",
                    "dqops.airflow.table_status.dqops_assert_table_status_operator",
                    "dqops.airflow.table_status.dqops_assert_profiling_table_status_operator",
                    "dqops.airflow.table_status.dqops_assert_monitoring_table_status_operator",
                    "dqops.airflow.table_status.dqops_assert_partitioned_table_status_operator",
                    "dqops.airflow.wait_for_job.dqops_wait_for_job_operator",
                ],
            }
        ],
        "integrations": [
            {"integration-name": "DQOps", "external-doc-url": "https://dqops.com/docs/", "tags": ["software"]}
        ],
    }
