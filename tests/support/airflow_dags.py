"""Running DAGs on real Apache Airflow for the tests of dqops.airflow.

`AirflowHome.create(folder)` makes an AIRFLOW_HOME (SQLite metadata database made by
`airflow db migrate`, a DAGs folder) before this process imports Airflow: the
`airflow_home` fixture of conftest.py does it once per test process. `run_dag` writes a DAG file
into the DAGs folder (Airflow's `dag.test()` runs only DAGs it found there), imports it and runs
it with `dag.test()`, which runs each task in this process and each trigger inline: the fake
DQOps the test started is reachable, and what the tasks raised is recorded by
`record_failure`, the DAGs' `on_failure_callback`. Within `triggerer_acting(...)`, dag.test()
runs a deferred task's trigger in Airflow's own triggerer code instead, which kills it (the task
marked failed) or restarts the triggerer at the moment the test names.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: What each task of the last DAG run raised, by task id (filled by record_failure).
FAILURES: dict[str, BaseException] = {}

#: The start of every DAG file the tests write.
DAG_HEADER = """\
import datetime
import pendulum
from airflow.sdk import DAG
from support import airflow_dags
from dqops.client.models.rule_severity_level import RuleSeverityLevel

DEFAULT_ARGS = {"on_failure_callback": airflow_dags.record_failure}
"""


def record_failure(context: Any) -> None:
    """The DAGs' on_failure_callback: keeps the exception that failed the task."""
    FAILURES[context["ti"].task_id] = context["exception"]


@dataclass
class AirflowHome:
    path: Path
    dags: Path

    @classmethod
    def create(cls, path: Path) -> AirflowHome:
        if "airflow" in sys.modules:
            raise RuntimeError("Airflow was imported before its AIRFLOW_HOME was set up")
        dags = path / "dags"
        dags.mkdir(parents=True, exist_ok=True)
        os.environ.update(
            {
                "AIRFLOW_HOME": str(path),
                "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
                "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{path / 'airflow.db'}",
                "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": "False",
            }
        )
        subprocess.run(
            [sys.executable, "-m", "airflow", "db", "migrate"],
            check=True,
            capture_output=True,
            timeout=300,
        )
        # The DAG files import this module (record_failure): pytest's pythonpath (pyproject.toml) has it.
        return cls(path, dags)


@dataclass
class DagRun:
    state: str
    states: dict[str, str]
    returned: dict[str, Any]
    failures: dict[str, BaseException] = field(default_factory=dict)

    def failure(self, task_id: str) -> BaseException:
        assert self.states[task_id] == "failed", f"{task_id} is {self.states[task_id]}, not failed"
        return self.failures[task_id]


def dag_source(dag_id: str, body: str, imports: str = "") -> str:
    """A DAG file: the header, `imports`, and `body` (the tasks) inside `with DAG(...) as dag:`."""
    return (
        DAG_HEADER
        + textwrap.dedent(imports)
        + f"\nwith DAG(dag_id={dag_id!r}, schedule=None, start_date=pendulum.datetime(2024, 1, 1, tz='UTC'),"
        + " catchup=False, default_args=DEFAULT_ARGS) as dag:\n"
        + textwrap.indent(textwrap.dedent(body), "    ")
    )


def run_dag(home: AirflowHome, dag_id: str, source: str) -> DagRun:
    """Write the DAG file, import it and run the DAG with dag.test(); the states, return values and failures."""
    path = home.dags / f"{dag_id}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"test_dag_{dag_id}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    FAILURES.clear()
    run = module.dag.test()
    states: dict[str, str] = {}
    returned: dict[str, Any] = {}
    for ti in run.get_task_instances():
        states[ti.task_id] = str(getattr(ti.state, "value", ti.state))
        returned[ti.task_id] = ti.xcom_pull(task_ids=ti.task_id)
    return DagRun(str(getattr(run.state, "value", run.state)), states, returned, dict(FAILURES))


def connection_json(base_url: str, api_key: str | None = None, **extra: Any) -> str:
    """An AIRFLOW_CONN_<ID> value (Airflow's JSON form) for a `dqops` connection to `base_url`."""
    scheme, _, rest = base_url.rstrip("/").partition("://")
    host, _, port = rest.partition(":")
    conn: dict[str, Any] = {"conn_type": "dqops", "host": host, "port": int(port), "schema": scheme}
    if api_key is not None:
        conn["password"] = api_key
    if extra:
        conn["extra"] = extra
    return json.dumps(conn)


class TaskKilled(Exception):
    """What the `kill` action of `triggerer_acting` raises into dag.test(): the user marked the deferred task failed."""


@contextmanager
def triggerer_acting(action: str, when: Callable[[], bool], *, within: float = 20.0) -> Iterator[None]:
    """dag.test() runs each trigger in Airflow's own triggerer code, which acts on it once `when()` holds.

    dag.test() iterates a deferred task's trigger inline to its first event: nothing there kills
    it or restarts the triggerer. Within this block the trigger runs instead in
    `TriggerRunner.run_trigger`, the coroutine Airflow's triggerer runs each trigger in, and
    once `when()` holds (checked every 50 ms, for up to `within` seconds):

    - "kill": the triggerer's `cancel_triggers()`, as for a task marked failed or cleared while
      deferred (the cancel that makes `run_trigger` call the trigger's `on_kill()`); the task
      then fails, as the user's action leaves it (`TaskKilled`);
    - "restart": the cancel a triggerer's shutdown gives its triggers (no message), then the
      trigger is rebuilt from its database row (`Trigger.from_object`, decrypted and decoded as
      the next triggerer does) and runs in a new `TriggerRunner`; its event resumes the task.
    """
    from airflow.sdk.definitions import dag as dag_module

    if action not in ("kill", "restart"):
        raise ValueError(f"action must be 'kill' or 'restart', got {action!r}")
    run_inline = dag_module._run_inline_trigger

    def run_in_triggerer(trigger: Any, ti: Any) -> Any:
        return run_inline(_ActingTriggerer(trigger, action, when, within), ti)

    dag_module._run_inline_trigger = run_in_triggerer
    try:
        yield
    finally:
        dag_module._run_inline_trigger = run_inline


#: The trigger id of the one trigger an `_ActingTriggerer` runs.
TRIGGER_ID = 1


@dataclass
class _ActingTriggerer:
    """Stands in for the trigger in dag.test()'s inline run: its `run()` is the triggerer's run of the trigger."""

    trigger: Any
    action: str
    when: Callable[[], bool]
    within: float

    async def run(self) -> AsyncIterator[Any]:
        from airflow.jobs.triggerer_job_runner import TriggerRunner

        runner = TriggerRunner()
        running = _start_trigger(runner, self.trigger)
        deadline = time.monotonic() + self.within
        while not self.when():
            if running.done() or time.monotonic() > deadline:
                running.cancel()
                raise AssertionError(f"the trigger ended, or {self.within}s passed, before the moment to {self.action}")
            await asyncio.sleep(0.05)
        if self.action == "kill":
            runner.to_cancel.append(TRIGGER_ID)
            await runner.cancel_triggers()
            await asyncio.gather(running, return_exceptions=True)
            raise TaskKilled("the task was marked failed while deferred")
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        next_runner = TriggerRunner()
        await _start_trigger(next_runner, _from_database_row(next_runner, self.trigger))
        yield next_runner.events[0].event


def _start_trigger(runner: Any, trigger: Any) -> asyncio.Task[None]:
    running = asyncio.ensure_future(runner.run_trigger(TRIGGER_ID, trigger))
    runner.triggers[TRIGGER_ID] = {"task": running, "name": repr(trigger), "events": 0, "is_watcher": False}
    return running


def _from_database_row(runner: Any, trigger: Any) -> Any:
    """The trigger as a triggerer makes it from its row: `Trigger.from_object`, then TriggerRunner's decoding."""
    from airflow.models.trigger import Trigger
    from airflow.serialization.decoders import smart_decode_trigger_kwargs

    row = Trigger.from_object(trigger)
    kwargs = {k: smart_decode_trigger_kwargs(v) for k, v in Trigger._decrypt_kwargs(row.encrypted_kwargs).items()}
    return runner.get_trigger_by_classpath(row.classpath)(**kwargs)
