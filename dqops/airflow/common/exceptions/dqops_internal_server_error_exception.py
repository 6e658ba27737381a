from dqops.airflow._compat import AirflowException


class DqopsInternalServerErrorException(AirflowException):
    """DQOps answered an HTTP 5xx server error.

    `detail`, when given, says more: it follows the message.
    """

    def __init__(self, *, detail: str = "") -> None:
        super().__init__("DQOps has returned an internal server error!" + (f" {detail}" if detail else ""))
