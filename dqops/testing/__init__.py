"""A fake DQOps for tests: a real HTTP server that answers every operation of DQOps's API as its
reference documents, and runs a model of DQOps's job queue.

    from dqops import client
    from dqops.testing import FakeDQOps

    with FakeDQOps() as fake:
        dqops_client = client.Client(fake.base_url)
        ...
        assert fake.requests[-1].path == "/api/connections"

With pytest, the `fake_dqops` fixture gives a started FakeDQOps (the plugin is registered when
the SDK is installed). Needs nothing beyond the SDK and the standard library.
"""

from dqops.testing._fake import FakeDQOps, RecordedRequest

__all__ = ["FakeDQOps", "RecordedRequest"]
