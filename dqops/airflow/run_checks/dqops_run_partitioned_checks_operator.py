from __future__ import annotations

from dqops.airflow.run_checks._variant import DqopsRunChecksOfTypeOperator
from dqops.client.models.check_type import CheckType


class DqopsRunPartitionedChecksOperator(DqopsRunChecksOfTypeOperator):
    """DqopsRunChecksOperator for the partitioned checks alone (`check_type=CheckType.PARTITIONED`)."""

    CHECK_TYPE = CheckType.PARTITIONED
