from __future__ import annotations

from dqops.airflow.table_status._variant import DqopsAssertTimeScaledTableStatusOperator


class DqopsAssertPartitionedTableStatusOperator(DqopsAssertTimeScaledTableStatusOperator):
    """DqopsAssertTableStatusOperator for the status of the partitioned checks alone."""

    CHECK_KIND = "partitioned"
