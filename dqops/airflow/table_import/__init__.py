"""The operator that imports tables' metadata into DQOps (DQOps's `dqops.airflow.table_import`)."""
