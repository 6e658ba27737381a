"""The operator that waits for a DQOps job started elsewhere (DQOps's `dqops.airflow.wait_for_job`)."""
