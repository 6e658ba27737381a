"""The older module path of DQOps's operators: `dqops.airflow_operators.<...>` is `dqops.airflow.<...>`.

DQOps's documentation still imports, for example,
`dqops.airflow_operators.run_checks.dqops_run_profiling_checks_operator`. Importing this package
registers every module of `dqops.airflow` under this name too: the same module objects, so
the classes are the same.
"""

from __future__ import annotations

import pkgutil
import sys
from importlib import import_module

import dqops.airflow as _target


def _alias_every_module() -> None:
    for info in pkgutil.walk_packages(_target.__path__, prefix=f"{_target.__name__}."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        module = import_module(info.name)
        alias = __name__ + info.name[len(_target.__name__) :]
        sys.modules.setdefault(alias, module)
        parent, _, child = alias.rpartition(".")
        setattr(sys.modules[parent], child, module)


_alias_every_module()
