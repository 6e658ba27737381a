"""Operators that assert a table's data quality status (DQOps's `dqops.airflow.table_status`)."""
