"""The pytest plugin of dqops.testing, registered as the `dqops` entry point of `pytest11`.

Fixtures:
    fake_dqops: a started `FakeDQOps` for the test, stopped after it. The marker
        `@pytest.mark.fake_dqops(api_key="k", job_delay=0.1)` passes its keywords to `FakeDQOps`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dqops.testing import FakeDQOps


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fake_dqops(**options): the keyword arguments of FakeDQOps for the fake_dqops fixture"
    )


@pytest.fixture
def fake_dqops(request: pytest.FixtureRequest) -> Iterator[FakeDQOps]:
    """A started fake DQOps server for this test (`fake_dqops.base_url`), stopped after it."""
    marker = request.node.get_closest_marker("fake_dqops")
    options = dict(marker.kwargs) if marker is not None else {}
    with FakeDQOps(**options) as fake:
        yield fake
