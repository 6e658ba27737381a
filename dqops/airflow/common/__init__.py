"""What DQOps's operators share: their exceptions (`dqops.airflow.common.exceptions`)."""
