"""The Airflow names the operators use, imported where the installed Airflow keeps them.

Airflow 3 moves the DAG-author classes into the Task SDK (`airflow.sdk`); the releases before it
finished (and Airflow 2) keep them in `airflow.models`, `airflow.hooks` and `airflow.exceptions`.
Each name is imported here once, so the rest of `dqops.airflow` never branches on the Airflow
version. The `airflow` extra requires Airflow 3; the test suite runs on 3.3.2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.triggers.base import BaseTrigger, TriggerEvent

if TYPE_CHECKING:
    from airflow.sdk import BaseHook, BaseOperator
    from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException
else:
    try:
        from airflow.sdk import BaseHook, BaseOperator
        from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException
    except ImportError:  # an Airflow without these names in airflow.sdk
        from airflow.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException
        from airflow.hooks.base import BaseHook
        from airflow.models import BaseOperator


def default_deferrable() -> bool:
    """Airflow's `[operators] default_deferrable`: whether operators defer unless told otherwise."""
    try:
        from airflow.sdk import conf
    except ImportError:  # an Airflow without these names in airflow.sdk
        from airflow.configuration import conf as core_conf

        return bool(core_conf.getboolean("operators", "default_deferrable", fallback=False))
    return bool(conf.getboolean("operators", "default_deferrable", fallback=False))


__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "BaseHook",
    "BaseOperator",
    "BaseTrigger",
    "TriggerEvent",
    "default_deferrable",
]
