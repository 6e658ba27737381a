"""The DAG examples of docs/airflow.md and README.md run on Airflow (dag.test()) against FakeDQOps.

Each ```python block that imports Airflow is written to the DAGs folder as it is and run with the
`dqops_default` connection pointing at the fake, which requires an API key; every task must
succeed. (tests/docs/test_readme.py runs the README's other blocks.)
"""

from __future__ import annotations

import re
import tomllib

import pytest
from support.airflow_dags import connection_json, run_dag
from support.paths import REPO_ROOT

from dqops.testing import FakeDQOps

FENCE = re.compile(r"^```(?P<info>[a-z]*)\n(?P<code>.*?)^```$", re.MULTILINE | re.DOTALL)
DAG_ID = re.compile(r'dag_id="(?P<dag_id>[^"]+)"')


def is_airflow_block(code: str) -> bool:
    return "from airflow" in code


def dag_blocks() -> list[tuple[str, str]]:
    blocks = []
    for name in ("docs/airflow.md", "README.md"):
        text = (REPO_ROOT / name).read_text(encoding="utf-8")
        for match in FENCE.finditer(text):
            if match.group("info") == "python" and is_airflow_block(match.group("code")):
                line = text.count("\n", 0, match.start()) + 2
                blocks.append((f"{name}:{line}", match.group("code")))
    return blocks


BLOCKS = dag_blocks()


def test_the_docs_show_sync_and_deferrable_dags() -> None:
    assert any("deferrable=True" in code for _, code in BLOCKS)
    assert any("deferrable" not in code for _, code in BLOCKS)
    assert {name.partition(":")[0] for name, _ in BLOCKS} == {"docs/airflow.md", "README.md"}


@pytest.mark.fake_dqops(api_key="docs-key", job_delay=0.3)
@pytest.mark.parametrize(("where", "code"), BLOCKS, ids=[where for where, _ in BLOCKS])
def test_a_dag_example_runs(airflow_home, fake: FakeDQOps, monkeypatch, where, code) -> None:
    dag_id = DAG_ID.search(code)
    assert dag_id, f"{where}: the example names no dag_id"
    monkeypatch.setenv("AIRFLOW_CONN_DQOPS_DEFAULT", connection_json(fake.base_url, "docs-key"))
    run = run_dag(airflow_home, dag_id.group("dag_id"), code)
    assert run.state == "success", run.failures
    assert all(state == "success" for state in run.states.values()), run.states
    assert fake.requests and all(r.status is not None and r.status < 400 for r in fake.requests)


def test_the_supported_airflow_range_is_the_extra_and_holds_the_tested_airflow() -> None:
    """pyproject's `airflow` extra is the range README.md and docs/airflow.md state, and admits the Airflow the tests run."""
    from importlib.metadata import version

    from packaging.requirements import Requirement

    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (line,) = pyproject["project"]["optional-dependencies"]["airflow"]
    extra = Requirement(line)
    assert extra.name == "apache-airflow"
    tested = version("apache-airflow")
    assert extra.specifier.contains(tested)
    assert not extra.specifier.contains("2.10.5") and not extra.specifier.contains("4.0.0")
    lowest = min(spec.version for spec in extra.specifier if spec.operator == ">=")
    for name in ("README.md", "docs/airflow.md"):
        text = " ".join((REPO_ROOT / name).read_text(encoding="utf-8").split())
        assert f"Apache Airflow {lowest} or a later Airflow 3" in text, name
        assert f"tested on {tested}" in text, name
        assert "2.10" not in text, name
    assert f"`{line}`" in (REPO_ROOT / "docs/airflow.md").read_text(encoding="utf-8")
