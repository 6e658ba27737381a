"""The operator that collects DQOps's basic statistics (DQOps's `dqops.airflow.collect_statistics`)."""
