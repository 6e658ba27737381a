"""The kinds of job the helpers start, what the waiting logic knows of a job, and the checks of
the arguments that name one."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from dqops._runtime.errors import InvalidArgument, JobFailed, cut_text

if TYPE_CHECKING:
    from dqops.client.models import (
        CollectErrorSamplesParameters,
        CollectErrorSamplesParametersDict,
        CollectErrorSamplesResult,
        CollectStatisticsQueueJobResult,
        DeleteStoredDataQueueJobParameters,
        DeleteStoredDataQueueJobParametersDict,
        DeleteStoredDataQueueJobResult,
        ImportTablesQueueJobParameters,
        ImportTablesQueueJobParametersDict,
        ImportTablesQueueJobResult,
        RunChecksParameters,
        RunChecksParametersDict,
        RunChecksQueueJobResult,
        StatisticsCollectorSearchFilters,
        StatisticsCollectorSearchFiltersDict,
        SynchronizeMultipleFoldersDqoQueueJobParameters,
        SynchronizeMultipleFoldersDqoQueueJobParametersDict,
        SynchronizeMultipleFoldersQueueJobResult,
    )

Body = TypeVar("Body")  # what the start takes: the body's model or a mapping of its JSON form
Result = TypeVar("Result")  # the typed result of the start and wait operations


def _model_class(name: str) -> type[Any]:
    module = import_module("dqops.client.models." + re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower())
    model: type[Any] = getattr(module, name)
    return model


@dataclass(frozen=True)
class JobKind(Generic[Body, Result]):
    """A kind of job; its type arguments are what mypy sees of its start's body and of its result."""

    name: str  # the start operation's module, and the kind a token names
    wait_operation: str  # its own wait endpoint (answers the typed result) or the generic wait_for_job
    body_class_name: str  # the model of the start's body (json_body), in dqops.client.models
    result_class_name: str  # the typed result of the start and wait operations, in dqops.client.models

    def body_class(self) -> type[Any]:
        return _model_class(self.body_class_name)

    def result_class(self) -> type[Any]:
        return _model_class(self.result_class_name)


RUN_CHECKS: JobKind[RunChecksParameters | RunChecksParametersDict, RunChecksQueueJobResult] = JobKind(
    "run_checks", "wait_for_run_checks_job", "RunChecksParameters", "RunChecksQueueJobResult"
)
COLLECT_ERROR_SAMPLES: JobKind[
    CollectErrorSamplesParameters | CollectErrorSamplesParametersDict, CollectErrorSamplesResult
] = JobKind(
    "collect_error_samples",
    "wait_for_collect_error_samples_job",
    "CollectErrorSamplesParameters",
    "CollectErrorSamplesResult",
)
COLLECT_STATISTICS_ON_TABLE: JobKind[
    StatisticsCollectorSearchFilters | StatisticsCollectorSearchFiltersDict, CollectStatisticsQueueJobResult
] = JobKind(
    "collect_statistics_on_table", "wait_for_job", "StatisticsCollectorSearchFilters", "CollectStatisticsQueueJobResult"
)
COLLECT_STATISTICS_ON_DATA_GROUPS: JobKind[
    StatisticsCollectorSearchFilters | StatisticsCollectorSearchFiltersDict, CollectStatisticsQueueJobResult
] = JobKind(
    "collect_statistics_on_data_groups",
    "wait_for_job",
    "StatisticsCollectorSearchFilters",
    "CollectStatisticsQueueJobResult",
)
IMPORT_TABLES: JobKind[
    ImportTablesQueueJobParameters | ImportTablesQueueJobParametersDict, ImportTablesQueueJobResult
] = JobKind("import_tables", "wait_for_job", "ImportTablesQueueJobParameters", "ImportTablesQueueJobResult")
DELETE_STORED_DATA: JobKind[
    DeleteStoredDataQueueJobParameters | DeleteStoredDataQueueJobParametersDict, DeleteStoredDataQueueJobResult
] = JobKind(
    "delete_stored_data", "wait_for_job", "DeleteStoredDataQueueJobParameters", "DeleteStoredDataQueueJobResult"
)
SYNCHRONIZE_FOLDERS: JobKind[
    SynchronizeMultipleFoldersDqoQueueJobParameters | SynchronizeMultipleFoldersDqoQueueJobParametersDict,
    SynchronizeMultipleFoldersQueueJobResult,
] = JobKind(
    "synchronize_folders",
    "wait_for_job",
    "SynchronizeMultipleFoldersDqoQueueJobParameters",
    "SynchronizeMultipleFoldersQueueJobResult",
)

KINDS: dict[str, JobKind[Any, Any]] = {
    kind.name: kind
    for kind in (
        RUN_CHECKS,
        COLLECT_ERROR_SAMPLES,
        COLLECT_STATISTICS_ON_TABLE,
        COLLECT_STATISTICS_ON_DATA_GROUPS,
        IMPORT_TABLES,
        DELETE_STORED_DATA,
        SYNCHRONIZE_FOLDERS,
    )
}
#: The kinds of job a handle can follow: the names of the operations that start them.
JOB_KINDS = tuple(KINDS)

#: The severities of check results, lowest first (`fail_at_severity=`).
SEVERITIES = ("valid", "warning", "error", "fatal")

# A start whose answer was lost is sent again at most this often, after looking its key up.
START_ATTEMPTS = 3
BUSINESS_KEY_PREFIX = "dqops-sdk-"
_MAX_BUSINESS_KEY_LENGTH = 200
TOKEN_VERSION = 1


@dataclass
class Job:
    """What the waiting logic knows of a job: its identity and its last known state."""

    kind: JobKind[Any, Any]
    job_id: str | None
    business_key: str | None
    state: Any = None  # the last answer about it: a typed result or a DqoJobHistoryEntryModel
    started: Any = None  # the start call's typed answer, when this process started it

    @property
    def reference(self) -> str:
        """What DQOps's paths take: the job id, else the business key (DQOps looks up either)."""
        reference = self.job_id or self.business_key
        if reference is None:  # JobHandle checks that one of them is given
            raise JobFailed("the job has neither a job id nor a business key", job=self.state)
        return reference


def checked_business_key(value: object) -> str:
    if value is None:
        return BUSINESS_KEY_PREFIX + uuid.uuid4().hex
    if (
        type(value) is not str
        or not 0 < len(value) <= _MAX_BUSINESS_KEY_LENGTH
        or not value.isprintable()
        or value.isdigit()
        or value in (".", "..")
    ):
        shown = type(value).__name__ if type(value) is not str else repr(cut_text(value, 80))
        raise InvalidArgument(
            f"business_key must be a str of 1 to {_MAX_BUSINESS_KEY_LENGTH} printable characters, not all digits "
            f"(DQOps would read digits as a job id) nor a dot segment, got {shown}",
            operation="start",
            parameter="business_key",
        )
    return value


def checked_severity(value: object, kind: JobKind[Any, Any]) -> str | None:
    if value is None:
        return None
    if kind.name != "run_checks":
        raise InvalidArgument(
            f"fail_at_severity applies to run_checks jobs only, not {kind.name}",
            operation="wait",
            parameter="fail_at_severity",
        )
    if not isinstance(value, str) or str(value) not in SEVERITIES:
        raise InvalidArgument(
            f"fail_at_severity must be one of {', '.join(SEVERITIES)}, got {value!r}",
            operation="wait",
            parameter="fail_at_severity",
        )
    return str(value)
