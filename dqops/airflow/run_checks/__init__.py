"""Operators that run DQOps's data quality checks (DQOps's `dqops.airflow.run_checks`)."""
