"""Commit: the only writers of durable state (Parquet files and the DuckDB catalog)."""
