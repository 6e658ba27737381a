"""DQOps's background jobs: start them, follow them, wait for them.

- The helpers (`run_checks`, `collect_statistics_on_table`, ...) start a job and wait for it
  with the server-side wait of DQOps's wait endpoints (a long poll of up to `poll_seconds`,
  never a tight loop), and return the typed result, or raise `JobFailed`, `JobCancelled` or
  `JobTimeout`.
- `start_run_checks(...)` and its kin return a `JobHandle` as soon as DQOps queued the job: wait
  on it later (`wait`), poll it, cancel it, or resume it elsewhere from `to_token()`.
  `wait_all` waits for many handles through one change feed.
- `watch(client)` follows the changes of every job (DQOps's job change feed).

Each exists in a sync and an async form (`run_checks` / `run_checks_async`, `wait` /
`wait_async`, `for` / `async for`); the async ones never block the event loop.

    from dqops import client, jobs
    dqops = client.AuthenticatedClient("http://localhost:8888/", token=...)
    result = jobs.run_checks(dqops, RunChecksParameters(check_search_filters=...), timeout=600)

`timeout=` bounds the whole wait, however the server behaves: every call's HTTP timeout ends
by the helper's deadline (plus DEADLINE_GRACE_SECONDS), and a wait that runs out raises
`JobTimeout`, never `RequestTimeout`.

The waiting logic is written once, as generators of the calls to make (`_steps`, `_feed`),
driven by a sync or an async driver (`_deadline`), which also makes each sync and async pair
of functions of one generator function, with one signature. The modules: `_deadline` (the
deadline, the steps, the drivers; the only reader of the clock), `_kinds` (the kinds of job),
`_steps` (start, wait, look up), `_shapes` (each kind's functions, typed by the body's keyword),
`_handles` (JobHandle), `_starts` (`start_*`), `_helpers` (`run_checks`... and `wait_for_job`),
`_feed` (`watch`), `_wait_all`.
"""

from dqops.jobs._deadline import (
    CANCELLED,
    DEADLINE_GRACE_SECONDS,
    DEFAULT_POLL_SECONDS,
    DEFAULT_START_TIMEOUT_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    FAILED,
    FINISHED,
    HTTP_TIMEOUT_MARGIN_SECONDS,
    MIN_POLL_INTERVAL_SECONDS,
)
from dqops.jobs._feed import (
    DQOPS_CHANGE_HISTORY_SECONDS,
    FEED_HISTORY_SECONDS,
    FEED_HTTP_TIMEOUT_SECONDS,
    JobFeed,
    watch,
)
from dqops.jobs._handles import JobHandle
from dqops.jobs._helpers import (
    collect_error_samples,
    collect_error_samples_async,
    collect_statistics_on_data_groups,
    collect_statistics_on_data_groups_async,
    collect_statistics_on_table,
    collect_statistics_on_table_async,
    import_tables,
    import_tables_async,
    run_checks,
    run_checks_async,
    wait_for_job,
    wait_for_job_async,
)
from dqops.jobs._kinds import BUSINESS_KEY_PREFIX, JOB_KINDS, SEVERITIES, START_ATTEMPTS, TOKEN_VERSION
from dqops.jobs._starts import (
    start_collect_error_samples,
    start_collect_error_samples_async,
    start_collect_statistics_on_data_groups,
    start_collect_statistics_on_data_groups_async,
    start_collect_statistics_on_table,
    start_collect_statistics_on_table_async,
    start_delete_stored_data,
    start_delete_stored_data_async,
    start_import_tables,
    start_import_tables_async,
    start_run_checks,
    start_run_checks_async,
    start_synchronize_folders,
    start_synchronize_folders_async,
)
from dqops.jobs._wait_all import wait_all, wait_all_async

__all__ = [
    "BUSINESS_KEY_PREFIX",
    "CANCELLED",
    "DEADLINE_GRACE_SECONDS",
    "DEFAULT_POLL_SECONDS",
    "DEFAULT_START_TIMEOUT_SECONDS",
    "DEFAULT_TIMEOUT_SECONDS",
    "DQOPS_CHANGE_HISTORY_SECONDS",
    "FAILED",
    "FEED_HISTORY_SECONDS",
    "FEED_HTTP_TIMEOUT_SECONDS",
    "FINISHED",
    "HTTP_TIMEOUT_MARGIN_SECONDS",
    "JOB_KINDS",
    "MIN_POLL_INTERVAL_SECONDS",
    "SEVERITIES",
    "START_ATTEMPTS",
    "TOKEN_VERSION",
    "JobFeed",
    "JobHandle",
    "collect_error_samples",
    "collect_error_samples_async",
    "collect_statistics_on_data_groups",
    "collect_statistics_on_data_groups_async",
    "collect_statistics_on_table",
    "collect_statistics_on_table_async",
    "import_tables",
    "import_tables_async",
    "run_checks",
    "run_checks_async",
    "start_collect_error_samples",
    "start_collect_error_samples_async",
    "start_collect_statistics_on_data_groups",
    "start_collect_statistics_on_data_groups_async",
    "start_collect_statistics_on_table",
    "start_collect_statistics_on_table_async",
    "start_delete_stored_data",
    "start_delete_stored_data_async",
    "start_import_tables",
    "start_import_tables_async",
    "start_run_checks",
    "start_run_checks_async",
    "start_synchronize_folders",
    "start_synchronize_folders_async",
    "wait_all",
    "wait_all_async",
    "wait_for_job",
    "wait_for_job_async",
    "watch",
]
