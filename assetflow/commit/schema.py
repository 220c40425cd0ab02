"""DDL of the catalog's state tables (schema ``assetflow``)."""

from __future__ import annotations

SCHEMA_VERSION = "1"

# No indexes or keys beyond meta's: DuckDB scans these columnar tables fast, and unindexed
# tables avoid its update-on-indexed-row restrictions. Ids are assigned by the single writer.
DDL = """
create schema if not exists assetflow;
create table if not exists assetflow.meta (key varchar primary key, value varchar);
create table if not exists assetflow.materializations (
    id bigint not null,
    asset varchar not null,
    partition varchar not null,
    run_id varchar not null,
    data_version varchar not null,
    code_version varchar not null,
    file_path varchar not null,
    file_checksum varchar not null,
    row_count bigint not null,
    bytes bigint not null,
    schema varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null
);
create table if not exists assetflow.inputs (
    materialization_id bigint not null,
    upstream varchar not null,
    partition varchar not null,
    data_version varchar not null
);
create table if not exists assetflow.current (
    asset varchar not null,
    partition varchar not null,
    materialization_id bigint not null
);
create table if not exists assetflow.runs (
    run_id varchar not null,
    status varchar not null,
    command varchar,
    started_at timestamptz not null,
    finished_at timestamptz,
    pid integer
);
create table if not exists assetflow.tasks (
    run_id varchar not null,
    asset varchar not null,
    partition varchar not null,
    status varchar not null,
    attempts integer not null,
    reason varchar,
    error varchar,
    started_at timestamptz,
    finished_at timestamptz
);
create or replace view assetflow.partitions as
    select c.asset, c.partition, m.*exclude (asset, partition)
    from assetflow.current c join assetflow.materializations m on m.id = c.materialization_id;
"""
