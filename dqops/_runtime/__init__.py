"""Hand-written runtime of the generated `dqops.client` package: clients, errors, shared types.

Kept apart from generated code so that regenerating the package never touches it.
"""
