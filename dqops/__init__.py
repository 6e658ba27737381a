"""DQOps Python SDK: `from dqops import client`, then `client.Client` / `client.AuthenticatedClient`.

`dqops.client` is generated from the DQOps OpenAPI spec (`make generate`); the hand-written
runtime it builds on lives in `dqops._runtime`. `__version__` is "<DQOps version>.<SDK release>",
and `dqops.client.API_VERSION` the DQOps version alone.
"""

try:
    from dqops._version import __version__
except ModuleNotFoundError as exc:  # a source tree where `make generate` has not run
    if exc.name != "dqops._version":
        raise
    raise ImportError(
        "dqops: this source tree has no generated client (dqops/client, dqops/_version.py): run `make generate` "
        "in it, or install a release of dqops-sdk (README.md, Install)"
    ) from None

from dqops import _coexistence

_coexistence.warn_if_upstream_installed(__version__)

__all__ = ["__version__"]
