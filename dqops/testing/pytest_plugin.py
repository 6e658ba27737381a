"""The pytest plugin of dqops.testing (registered as the `dqops` entry point of `pytest11`).

Fixtures:
    fake_dqops: a started `FakeDQOps` accepting any API key, stopped after the test.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dqops.testing import FakeDQOps


@pytest.fixture
def fake_dqops() -> Iterator[FakeDQOps]:
    """A started fake DQOps server for this test (`fake_dqops.base_url`), stopped after it."""
    with FakeDQOps() as fake:
        yield fake
