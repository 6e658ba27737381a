"""The Airflow names the operators use, imported once from where Airflow 3 keeps them.

DAG-author classes come from the Task SDK (`airflow.sdk`), the trigger classes from Airflow's
core. The `airflow` extra requires Airflow 3.3 or a later Airflow 3; the test suite runs on 3.3.2.
"""

from __future__ import annotations

from airflow.sdk import BaseHook, BaseOperator, conf
from airflow.sdk.exceptions import AirflowException, AirflowFailException, AirflowNotFoundException
from airflow.triggers.base import BaseTrigger, TriggerEvent


def default_deferrable() -> bool:
    """Airflow's `[operators] default_deferrable`: whether operators defer unless told otherwise."""
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
