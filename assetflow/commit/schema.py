"""DDL of the catalog's state tables (schema ``assetflow``): materializations, run state and
automation bookkeeping. :data:`ALL_DDL` creates every table."""

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
create table if not exists assetflow.metadata (
    materialization_id bigint not null,
    metadata varchar not null
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
-- The part views of assets with many files (commit/views.py): what each was built from.
create schema if not exists assetflow_parts;
create table if not exists assetflow.view_parts (
    asset varchar not null,
    part integer not null,
    signature varchar not null,
    columns varchar not null
);
create or replace view assetflow.partitions as
    select c.asset, c.partition, m.*exclude (asset, partition)
    from assetflow.current c join assetflow.materializations m on m.id = c.materialization_id;
"""

# Run state (execution engine): append-only, so the writer never scans to update a row.
# task_events holds every task state transition in order (seq per run); a task's state is its
# latest event. attempts gets one row when an attempt ends; logs one row per captured line.
RUN_STATE_DDL = """
create table if not exists assetflow.run_requests (
    run_id varchar not null,
    request varchar not null
);
create table if not exists assetflow.task_events (
    run_id varchar not null,
    seq bigint not null,
    asset varchar not null,
    partition varchar not null,
    status varchar not null,
    attempt integer not null,
    event_at timestamptz not null,
    detail varchar
);
create table if not exists assetflow.attempts (
    run_id varchar not null,
    asset varchar not null,
    partition varchar not null,
    attempt integer not null,
    status varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    error_type varchar,
    error_message varchar,
    traceback varchar
);
create table if not exists assetflow.logs (
    run_id varchar not null,
    seq bigint not null,
    asset varchar not null,
    partition varchar not null,
    attempt integer not null,
    logged_at timestamptz not null,
    stream varchar not null,
    message varchar not null
);
create or replace view assetflow.task_states as
    select run_id, asset, partition, arg_max(status, seq) as status,
           max(attempt) as attempts, max(event_at) as updated_at
    from assetflow.task_events group by run_id, asset, partition;
"""

# Automation: source observations, schedule ticks and backfills (``commit/automation.py``).
AUTOMATION_DDL = """
create table if not exists assetflow.observations (
    id bigint not null,
    asset varchar not null,
    partition varchar not null,
    version varchar,
    observed_at timestamptz not null
);
create table if not exists assetflow.ticks (
    schedule varchar not null,
    tick_time timestamptz not null,
    ticked_at timestamptz not null,
    partitions varchar not null,
    run_ids varchar not null,
    status varchar not null,
    pid integer
);
create table if not exists assetflow.backfills (
    id bigint not null,
    selection varchar not null,
    from_key varchar not null,
    to_key varchar not null,
    force boolean not null,
    created_by varchar,
    created_at timestamptz not null,
    updated_at timestamptz not null,
    state varchar not null,
    total bigint not null,
    done bigint not null,
    failed bigint not null,
    run_ids varchar not null,
    pid integer
);
"""

ALL_DDL = DDL + AUTOMATION_DDL + RUN_STATE_DDL
