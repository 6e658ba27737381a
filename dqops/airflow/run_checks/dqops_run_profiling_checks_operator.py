from __future__ import annotations

from dqops.airflow.run_checks._variant import DqopsRunChecksOfTypeOperator
from dqops.client.models.check_type import CheckType


class DqopsRunProfilingChecksOperator(DqopsRunChecksOfTypeOperator):
    """DqopsRunChecksOperator for the profiling checks alone (`check_type=CheckType.PROFILING`)."""

    CHECK_TYPE = CheckType.PROFILING
