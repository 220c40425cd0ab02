"""Catalog tables for automation: source observations, schedule ticks and backfills.

These live in the same DuckDB catalog (schema ``assetflow``) as materializations, so the writer
lock that serializes runs also serializes their bookkeeping, and readers see them in the
published snapshot. Functions take a :class:`~assetflow.commit.catalog.CatalogReader` (reads) or
a :class:`~assetflow.commit.catalog.Catalog` (writes); only a process holding the writer calls
the latter.

A source's observed version is recorded on its materialization as an ``assetflow.inputs`` row
whose upstream is the source itself: it is what the materialization "read" from outside, and the
runner's early cutoff then sees a changed source as changed input.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl

if TYPE_CHECKING:
    from assetflow.commit.catalog import Catalog, CatalogReader

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

OBSERVATION_SCHEMA = {
    "asset": pl.String,
    "partition": pl.String,
    "version": pl.String,
    "observed_at": pl.Datetime("us", "UTC"),
}
TICK_SCHEMA = {
    "schedule": pl.String,
    "tick_time": pl.Datetime("us", "UTC"),
    "ticked_at": pl.Datetime("us", "UTC"),
    "partitions": pl.String,
    "run_ids": pl.String,
    "status": pl.String,
    "pid": pl.Int32,
}


def _read(reader: CatalogReader, sql: str, params: list | None = None, schema=None):
    try:
        return reader._frame(sql, params, schema=schema)
    except duckdb.CatalogException:  # a snapshot published before these tables existed
        return pl.DataFrame(schema=schema)


def _con(catalog: Catalog) -> duckdb.DuckDBPyConnection:
    assert catalog._con is not None, "the catalog is closed"
    return catalog._con


# -- observations -------------------------------------------------------------------------


def latest_observations(reader: CatalogReader) -> pl.DataFrame:
    """The latest observation per (source, partition); ``version`` None = not there."""
    return _read(
        reader,
        """select asset, partition, version, observed_at from assetflow.observations
           qualify row_number() over (partition by asset, partition order by id desc) = 1
           order by asset, partition""",
        schema=OBSERVATION_SCHEMA,
    )


def record_observations(
    catalog: Catalog, rows: Iterable[tuple[str, str, str | None]], observed_at: datetime
) -> int:
    """Append observations (only pass the ones that changed); returns how many were written."""
    con = _con(catalog)
    rows = list(rows)
    if not rows:
        return 0
    first = int(con.sql("select coalesce(max(id), 0) from assetflow.observations").fetchall()[0][0])
    con.execute("begin")
    con.executemany(
        "insert into assetflow.observations values (?, ?, ?, ?, ?)",
        [(first + i + 1, a, p, v, observed_at) for i, (a, p, v) in enumerate(rows)],
    )
    con.execute("commit")
    return len(rows)


def record_source_versions(
    catalog: Catalog, versions: Mapping[tuple[str, str], str], run_ids: Iterable[str] | None
) -> int:
    """Record ``versions[(source, partition)]`` on the current materialization of each pair.

    With ``run_ids``, only materializations made by those runs are stamped (the versions were
    observed just before those runs); with None, only those without a recorded version yet.
    """
    con = _con(catalog)
    if not versions:
        return 0
    frame = pl.DataFrame(
        [(a, p, v) for (a, p), v in versions.items()],
        schema={"asset": pl.String, "partition": pl.String, "version": pl.String},
        orient="row",
    )
    runs = list(run_ids) if run_ids is not None else None
    con.register("_observed", frame.to_arrow())
    try:
        condition = (
            "list_contains(?, m.run_id)"
            if runs is not None
            else "not exists (select 1 from assetflow.inputs i "
            "where i.materialization_id = m.id and i.upstream = o.asset)"
        )
        targets = con.execute(
            f"""select m.id, o.asset, o.partition, o.version from _observed o
               join assetflow.current c on c.asset = o.asset and c.partition = o.partition
               join assetflow.materializations m on m.id = c.materialization_id
               where {condition}""",
            [runs] if runs is not None else [],
        ).fetchall()
    finally:
        con.unregister("_observed")
    if not targets:
        return 0
    con.execute("begin")
    con.executemany(
        "delete from assetflow.inputs where materialization_id = ? and upstream = ?",
        [(mid, a) for mid, a, _, _ in targets],
    )
    con.executemany("insert into assetflow.inputs values (?, ?, ?, ?)", targets)
    con.execute("commit")
    catalog._dirty.add(targets[0][1])  # republish the snapshot even if nothing else changed
    return len(targets)


# -- ticks --------------------------------------------------------------------------------


def record_tick(
    catalog: Catalog,
    *,
    schedule: str,
    tick_time: datetime,
    ticked_at: datetime,
    partitions: Mapping[str, list[str]],
    run_ids: list[str],
    status: str,
    pid: int,
) -> None:
    _con(catalog).execute(
        "insert into assetflow.ticks values (?, ?, ?, ?, ?, ?, ?)",
        [
            schedule,
            tick_time,
            ticked_at,
            json.dumps(partitions),
            json.dumps(run_ids),
            status,
            pid,
        ],
    )


def last_ticks(reader: CatalogReader) -> pl.DataFrame:
    """The latest tick per schedule (by cron time)."""
    return _read(
        reader,
        """select * from assetflow.ticks
           qualify row_number() over (partition by schedule order by tick_time desc,
                                      ticked_at desc) = 1""",
        schema=TICK_SCHEMA,
    )


# -- backfills ----------------------------------------------------------------------------


def create_backfill(catalog: Catalog, **row: Any) -> int:
    con = _con(catalog)
    row_ = con.sql("select coalesce(max(id), 0) + 1 from assetflow.backfills").fetchall()
    new_id = int(row_[0][0])
    con.execute(
        "insert into assetflow.backfills values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            new_id,
            json.dumps(row["selection"]),
            row["from_key"],
            row["to_key"],
            row["force"],
            row["created_by"],
            row["created_at"],
            row["created_at"],
            row["state"],
            row["total"],
            0,
            0,
            "[]",
            row["pid"],
        ],
    )
    return new_id


def update_backfill(catalog: Catalog, backfill_id: int, **fields: Any) -> None:
    if "run_ids" in fields:
        fields["run_ids"] = json.dumps(fields["run_ids"])
    names = ", ".join(f"{k} = ?" for k in fields)
    _con(catalog).execute(
        f"update assetflow.backfills set {names} where id = ?", [*fields.values(), backfill_id]
    )


def backfill_rows(reader: CatalogReader, backfill_id: int | None = None) -> list[dict[str, Any]]:
    """Backfills, newest first (or the one with ``backfill_id``), JSON columns decoded."""
    where = "" if backfill_id is None else f"where id = {int(backfill_id)}"
    frame = _read(reader, f"select * from assetflow.backfills {where} order by id desc")
    rows = frame.to_dicts() if frame.height else []
    for r in rows:
        r["selection"] = json.loads(r["selection"])
        r["run_ids"] = json.loads(r["run_ids"])
    return rows


def materialized_by(reader: CatalogReader, run_ids: list[str]) -> set[tuple[str, str]]:
    """(asset, partition) pairs whose *current* version was committed by one of ``run_ids``."""
    if not run_ids:
        return set()
    frame = _read(
        reader,
        """select c.asset, c.partition from assetflow.current c
           join assetflow.materializations m on m.id = c.materialization_id
           where list_contains(?, m.run_id)""",
        [run_ids],
        schema={"asset": pl.String, "partition": pl.String},
    )
    return set(frame.iter_rows())


def runs_with_command(reader: CatalogReader, command: str) -> list[str]:
    """Ids of the runs started with exactly ``command``, oldest first."""
    frame = _read(
        reader,
        "select run_id from assetflow.runs where command = ? order by started_at",
        [command],
        schema={"run_id": pl.String},
    )
    return frame["run_id"].to_list()
