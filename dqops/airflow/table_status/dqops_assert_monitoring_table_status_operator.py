from __future__ import annotations

from dqops.airflow.table_status._variant import DqopsAssertTimeScaledTableStatusOperator


class DqopsAssertMonitoringTableStatusOperator(DqopsAssertTimeScaledTableStatusOperator):
    """DqopsAssertTableStatusOperator for the status of the monitoring checks alone."""

    CHECK_KIND = "monitoring"
