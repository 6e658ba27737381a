from dqops.airflow.common.exceptions._base import _DqopsAnswerException


class DqopsJobFailedException(_DqopsAnswerException):
    """The DQOps job failed. `DqopsJobFailedException(ti, return_value)` pushes `return_value` to XCom."""

    message = "DQOps job has failed!"
