from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dqops._runtime.types import UNSET, Unset
from dqops.airflow._operator import DEFAULT_URL, DqopsJobOperator, forwarded
from dqops.client.models.import_tables_queue_job_parameters import ImportTablesQueueJobParameters


class DqopsTableImportOperator(DqopsJobOperator):
    """Imports the metadata of the named tables of a schema and waits for the job (`jobs.import_tables`).

    Returns (and pushes to XCom) the ImportTablesQueueJobResult's `to_dict()`. Fails the task
    with DqopsJobFailedException when the job failed, and DqopsTimeoutException when it has not
    finished after `wait_timeout` seconds and `fail_on_timeout` is True.

    Args:
        connection_name, schema_name, table_names: What to import. Templated.
        base_url, job_business_key, wait_timeout, fail_on_timeout, api_key, dqops_conn_id,
            deferrable: As for DqopsRunChecksOperator.
    """

    start_operation = "import_tables"
    FIELDS = ("connection_name", "schema_name", "table_names")
    BODY = ImportTablesQueueJobParameters
    template_fields: Sequence[str] = (*DqopsJobOperator.template_fields, *FIELDS)

    def __init__(
        self,
        connection_name: str,
        schema_name: str,
        table_names: list[str],
        *,
        base_url: str = DEFAULT_URL,
        job_business_key: Unset | None | str = UNSET,
        wait_timeout: Unset | None | int = UNSET,
        fail_on_timeout: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**forwarded(locals()))
