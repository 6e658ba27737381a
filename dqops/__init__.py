"""DQOps Python SDK: `from dqops import client`, then `client.Client` / `client.AuthenticatedClient`.

`dqops.client` is generated from the DQOps OpenAPI spec (`make generate`); the hand-written
runtime it builds on lives in `dqops._runtime`.
"""
