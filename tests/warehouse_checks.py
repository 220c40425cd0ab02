"""What a reader of a warehouse may rely on, as checks shared by crash, stress and concurrency
tests (and the reader probe process, which imports this module).

Every check reads the *published* snapshot, the file readers open, and returns a list of
problems (empty when consistent) rather than asserting, so a polling process can count them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import duckdb

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG

Query = Callable[[str], list[tuple]]


def rows_for(day: int, gen: int) -> int:
    """Rows of ``events`` for a day in generation ``gen`` (mirrors tests/resources/gen.py)."""
    return 5 + day % 4 + 3 * gen


def consistency_problems(query: Query) -> list[str]:
    """Readers' invariants on one snapshot: one version per partition, views == catalog.

    - no partition has two current versions;
    - every version a committed partition read was committed itself (dependents start on
      their upstream's staged output, so their commit must never land without it);
    - each asset view returns exactly the rows its current partitions recorded (a view that
      read two versions of a partition, or half of one, would not);
    - for the ``gen`` pipeline, each day of ``events`` holds one generation, completely.
    """
    problems: list[str] = []
    dupes = query(
        "select asset, partition, count(*) from assetflow.current group by all having count(*) > 1"
    )
    problems += [f"{a} {p} has {n} current versions" for a, p, n in dupes]
    unread = query(
        """select m.asset, m.partition, i.upstream, i.partition from assetflow.materializations m
           join assetflow.inputs i on i.materialization_id = m.id
           anti join assetflow.materializations u
             on u.asset = i.upstream and u.partition = i.partition
             and u.data_version = i.data_version and u.id <= m.id
           limit 3"""
    )
    problems += [f"{a} {p} read {u} {q}, never committed before it" for a, p, u, q in unread]
    expected = dict(query("select asset, sum(row_count) from assetflow.partitions group by 1"))
    views = {r[0] for r in query("select view_name from duckdb_views() where not internal")}
    for asset, rows in sorted(expected.items()):
        if asset not in views:
            problems.append(f"{asset} has current partitions but no view")
            continue
        seen = query(f'select count(*) from "{asset}"')[0][0]
        if seen != rows:
            problems.append(f"view {asset} has {seen} rows, its catalog records {rows}")
    if "events" in views:
        for day, gens, gen, n in query(
            "select day, count(distinct gen), min(gen), count(*) from events group by day"
        ):
            if gens != 1:
                problems.append(f"events {day} mixes {gens} generations")
            elif n != rows_for(int(day[-2:]), gen):
                problems.append(f"events {day} has {n} rows, not generation {gen}'s count")
    return problems


def duckdb_query(con: duckdb.DuckDBPyConnection) -> Query:
    return lambda sql: con.sql(sql).fetchall()


def open_snapshot(warehouse: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True)


def snapshot_problems(warehouse: Path) -> list[str]:
    """:func:`consistency_problems` on the warehouse's published snapshot (none if unpublished)."""
    if not (warehouse / PUBLISHED_CATALOG).exists():
        return []
    con = open_snapshot(warehouse)
    try:
        return consistency_problems(duckdb_query(con))
    finally:
        con.close()


def versions(warehouse: Path) -> dict[tuple[str, str], str]:
    """(asset, partition) -> data version, as the published snapshot has them."""
    con = open_snapshot(warehouse)
    try:
        rows = con.sql("select asset, partition, data_version from assetflow.partitions").fetchall()
    finally:
        con.close()
    return {(a, p): v for a, p, v in rows}


def view_rows(warehouse: Path) -> dict[str, int]:
    """Asset -> rows its view returns in the published snapshot."""
    con = open_snapshot(warehouse)
    try:
        assets = [r[0] for r in con.sql("select distinct asset from assetflow.current").fetchall()]
        return {a: con.sql(f'select count(*) from "{a}"').fetchall()[0][0] for a in assets}
    finally:
        con.close()


def fingerprint(warehouse: Path) -> tuple:
    """What a failed command must leave unchanged: data files (by content), current versions,
    the number of materializations, and the view definitions readers see."""
    files = sorted(
        (p.relative_to(warehouse).as_posix(), hashlib.blake2b(p.read_bytes()).hexdigest())
        for p in warehouse.rglob("*.parquet")
    )
    if not (warehouse / PUBLISHED_CATALOG).exists():
        return (files,)
    con = open_snapshot(warehouse)
    try:
        current = sorted(
            con.sql(
                "select asset, partition, id, data_version from assetflow.partitions"
            ).fetchall()
        )
        count = con.sql("select count(*) from assetflow.materializations").fetchall()[0][0]
        views = sorted(
            con.sql("select view_name, sql from duckdb_views() where not internal").fetchall()
        )
    finally:
        con.close()
    return files, current, count, views


# The same invariants as one statement, for readers (``project.query``) that open a snapshot per
# query: several queries could each see a different snapshot.
ONE_STATEMENT_CHECK = """
select
  (select count(*) from events) - (select sum(row_count) from assetflow.partitions
                                   where asset = 'events') as events_rows_off,
  (select count(*) from totals) - (select sum(row_count) from assetflow.partitions
                                   where asset = 'totals') as totals_rows_off,
  (select count(*) from summary) - (select sum(row_count) from assetflow.partitions
                                    where asset = 'summary') as summary_rows_off,
  (select count(*) from (select asset, partition from assetflow.current
                         group by all having count(*) > 1)) as doubled_partitions,
  (select count(*) from (select day, min(gen) as g, count(distinct gen) as gens, count(*) as n
                         from events group by day)
   where gens > 1 or n <> 5 + cast(right(day, 2) as integer) % 4 + 3 * g) as torn_days,
  (select count(distinct day) from events where gen = 2) as gen2_days
"""
