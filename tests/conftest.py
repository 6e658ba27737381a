"""pytest hooks and fixtures shared by the tests in this directory.

Keep this module small: one clearly named function per hook or fixture.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
import respx
from support import spec_facts, summaries
from support.airflow_dags import AirflowHome
from support.fault_server import FaultServer
from support.paths import TESTS_DIR

from scripts.prism import PrismServer, running_prism

if TYPE_CHECKING:  # the generated client is imported by the fixtures that use it, so that the tests
    # that do not (the spec pipeline's) run before `make generate` too.
    from dqops.client import Client
    from dqops.testing import FakeDQOps

#: The modules (by their path in tests/) whose module- or session-scoped fixtures are expensive
#: (packages generated from other specs, cached spec conversions, the built artifacts and their
#: environments, the generated reference and its mypy run, a Prism server, the bench's workers):
#: under pytest-xdist (`make test`: --dist loadgroup) each group runs in one worker, so they are
#: built once.
#: Every other test goes to whichever worker is free; a Prism server is then started per worker.
WORKER_GROUPS = {
    "pipeline/test_convert_swagger2.py": "spec-pipeline",
    "pipeline/test_stable_names.py": "spec-pipeline",
    "pipeline/test_api_diff.py": "spec-pipeline",
    "release/test_distribution.py": "distribution",
    "docs/test_reference_docs.py": "reference-docs",
    "docs/test_readme.py": "reference-docs",
    "testing/test_reference_fake.py": "reference-docs",
    "docs/test_reference_pagers.py": "reference-docs",
    "client/test_typing.py": "mypy",
    "pipeline/test_prism_loads_spec.py": "prism-strict",
    "release/test_bench_smoke.py": "bench",
    # One AIRFLOW_HOME (airflow db migrate) and one warmed-up Airflow per worker.
    "airflow/test_airflow_dags.py": "airflow",
    "airflow/test_airflow_triggers.py": "airflow",
    "airflow/test_airflow_operators.py": "airflow",
    "airflow/test_airflow_docs.py": "airflow",
}


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", "prism(*arguments): more arguments of the module's Prism (prism_server)")


def pytest_collection_modifyitems(config, items) -> None:
    """Tests of the modules of one WORKER_GROUPS group share a pytest-xdist worker."""
    moved = sorted(path for path in WORKER_GROUPS if not (TESTS_DIR / path).is_file())
    if moved:
        raise pytest.UsageError(f"conftest.py's WORKER_GROUPS names modules that do not exist: {moved}")
    for item in items:
        group = WORKER_GROUPS.get(item.path.relative_to(TESTS_DIR).as_posix())
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """The summary of each kind of test: model properties, contract, reference and upstream docs."""
    summaries.write_all(terminalreporter)


@pytest.fixture
def server() -> Iterator[FaultServer]:
    """The local fault-injecting HTTP server (tests/support/fault_server.py), started; stopped after the test."""
    with FaultServer() as running:
        yield running


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    """respx in place of the network for the test: routes are added by the test, and a request
    that matches none fails it."""
    with respx.mock(assert_all_called=False) as router:
        yield router


@pytest.fixture
def fake(fake_dqops: FakeDQOps) -> FakeDQOps:
    """A started FakeDQOps for the test: the `fake_dqops` fixture of dqops.testing's pytest plugin,
    which users' tests get too; a module's `pytest.mark.fake_dqops(...)` gives its options."""
    return fake_dqops


@pytest.fixture(scope="module")
def shared_fake(request) -> Iterator[FakeDQOps]:
    """One started FakeDQOps for all the tests of a module that can share it, with the options of
    the module's `pytest.mark.fake_dqops(...)`."""
    from dqops.testing import FakeDQOps

    marker = request.node.get_closest_marker("fake_dqops")
    with FakeDQOps(**(marker.kwargs if marker is not None else {})) as running:
        yield running


@pytest.fixture
def dqops(fake: FakeDQOps) -> Iterator[Client]:
    """A client of `fake` that raises on an unexpected status."""
    from dqops.client import Client

    with Client(fake.base_url, raise_on_unexpected_status=True) as client:
        yield client


@pytest.fixture(scope="module")
def prism_server(request) -> Iterator[PrismServer]:
    """Prism serving the cleaned spec and validating every request strictly, one per test module;
    the module's `pytest.mark.prism(...)` adds to its arguments (`--dynamic`)."""
    if not spec_facts.CLEANED_SPEC_PATH.is_file():
        pytest.fail(f"{spec_facts.CLEANED_SPEC_PATH} is missing: run `make generate` before the tests", pytrace=False)
    marker = request.node.get_closest_marker("prism")
    with running_prism(spec_facts.CLEANED_SPEC_PATH, extra_arguments=marker.args if marker else ()) as running:
        yield running


@pytest.fixture(scope="module")
def runner() -> Iterator[asyncio.Runner]:
    """One event loop for the module's tests that call async code from sync tests."""
    with asyncio.Runner() as loop_runner:
        yield loop_runner


@pytest.fixture
def no_dqops_env(monkeypatch) -> None:
    """Neither DQOPS_BASE_URL nor DQOPS_API_KEY is set for the test."""
    monkeypatch.delenv("DQOPS_BASE_URL", raising=False)
    monkeypatch.delenv("DQOPS_API_KEY", raising=False)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> AirflowHome:
    """An AIRFLOW_HOME for this test process: SQLite database migrated, DAGs folder (tests/support/airflow_dags.py)."""
    return AirflowHome.create(tmp_path_factory.mktemp("airflow-home"))
