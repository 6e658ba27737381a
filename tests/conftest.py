"""pytest hooks and fixtures shared by the tests in this directory.

Keep this module small: one clearly named function per hook or fixture.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import summaries
from airflow_dags import AirflowHome
from fault_server import FaultServer

#: Modules whose module- or session-scoped fixtures are expensive (packages generated from other
#: specs, cached spec conversions, the built artifacts and their environments, the generated
#: reference and its mypy run, a Prism server, the bench's workers): under pytest-xdist
#: (`make test`: --dist loadgroup) each group runs in one worker, so they are built once.
#: Every other test goes to whichever worker is free; a Prism server is then started per worker.
WORKER_GROUPS = {
    "test_convert_swagger2": "spec-pipeline",
    "test_stable_names": "spec-pipeline",
    "test_api_diff": "spec-pipeline",
    "test_distribution": "distribution",
    "test_reference_docs": "reference-docs",
    "test_readme": "reference-docs",
    "test_reference_fake": "reference-docs",
    "test_reference_pagers": "reference-docs",
    "test_typing": "mypy",
    "test_prism_loads_spec": "prism-strict",
    "test_bench_smoke": "bench",
    # One AIRFLOW_HOME (airflow db migrate) and one warmed-up Airflow per worker.
    "test_airflow_dags": "airflow",
    "test_airflow_triggers": "airflow",
    "test_airflow_operators": "airflow",
    "test_airflow_docs": "airflow",
}


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of the modules of one WORKER_GROUPS group share a pytest-xdist worker."""
    for item in items:
        group = WORKER_GROUPS.get(item.module.__name__.rpartition(".")[2] if item.module else "")
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The summary of each kind of test: model properties, contract, reference and upstream docs."""
    summaries.write_all(terminalreporter)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """The local fault-injecting HTTP server (tests/fault_server.py), started; stopped after the test."""
    srv = FaultServer().start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> AirflowHome:
    """An AIRFLOW_HOME for this test process: SQLite database migrated, DAGs folder (tests/airflow_dags.py)."""
    return AirflowHome.create(tmp_path_factory.mktemp("airflow-home"))
