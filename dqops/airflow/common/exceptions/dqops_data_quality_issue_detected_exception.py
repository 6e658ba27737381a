from dqops.airflow.common.exceptions._base import _DqopsAnswerException


class DqopsDataQualityIssueDetectedException(_DqopsAnswerException):
    """DQOps found a data quality issue at or above the task's `fail_at_severity`.

    `DqopsDataQualityIssueDetectedException(ti, return_value)` pushes `return_value` to XCom.
    """

    message = "DQOps has detected a data quality issue!"
