"""The build of the SDK: fetch, convert and clean DQOps's spec, keep its names stable, generate
`dqops/client` and its reference docs, and compare two specs as SDK users see them.

Each command runs from the repository's root as `python -m scripts.<command>` (the Makefile's
targets); docs/design.md describes the modules.
"""
