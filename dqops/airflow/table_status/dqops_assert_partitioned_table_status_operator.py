from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from dqops.airflow.table_status.dqops_assert_table_status_operator import DqopsAssertTableStatusOperator


class DqopsAssertPartitionedTableStatusOperator(DqopsAssertTableStatusOperator):
    """DqopsAssertTableStatusOperator for the status of the partitioned checks alone."""

    FIXED: ClassVar[Mapping[str, Any]] = {"profiling": False, "monitoring": False, "partitioned": True}
