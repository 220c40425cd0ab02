"""Catalog bookkeeping for automation: source observations, schedule ticks and backfills.

These live in the same DuckDB catalog (schema ``assetflow``, DDL in ``schema.py``) as
materializations, so the writer lock that serializes runs also serializes their bookkeeping,
and readers see them in the published snapshot. Readers get :class:`AutomationReads`
(``reader.automation``), the writer :class:`AutomationWrites` (``writer.automation``).

A source's observed version is recorded on its materialization as an ``assetflow.inputs`` row
whose upstream is the source itself: it is what the materialization "read" from outside, and the
runner's early cutoff then sees a changed source as changed input.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import polars as pl

from assetflow.commit.records import TickRecord
from assetflow.commit.session import CatalogSession

if TYPE_CHECKING:
    from assetflow.commit.row_models import BackfillRecord

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


def latest_observations(session: CatalogSession) -> pl.DataFrame:
    """The latest observation per (source, partition); ``version`` None = not there."""
    return session.frame(
        """select asset, partition, version, observed_at from assetflow.observations
           qualify row_number() over (partition by asset, partition order by id desc) = 1
           order by asset, partition""",
        schema=OBSERVATION_SCHEMA,
        missing_ok=True,  # a snapshot published before these tables existed
    )


class AutomationReads:
    """Ticks, backfills and what runs committed, as readers see them."""

    def __init__(self, session: CatalogSession) -> None:
        self._session = session

    def last_ticks(self) -> dict[str, TickRecord]:
        """Schedule name -> its latest tick (by cron time)."""
        frame = self._session.frame(
            """select * from assetflow.ticks
               qualify row_number() over (partition by schedule order by tick_time desc,
                                          ticked_at desc) = 1""",
            schema=TICK_SCHEMA,
            missing_ok=True,
        )
        ticks = {}
        for row in frame.iter_rows(named=True) if frame.height else ():
            row.update(partitions=json.loads(row["partitions"]), run_ids=json.loads(row["run_ids"]))
            ticks[row["schedule"]] = TickRecord(**row)
        return ticks

    def backfills(self, backfill_id: int | None = None) -> list[BackfillRecord]:
        """Backfills, newest first (or the one with ``backfill_id``)."""
        from assetflow.commit.row_models import BackfillRecord  # pydantic: only where read

        where = "" if backfill_id is None else f"where id = {int(backfill_id)}"
        frame = self._session.frame(
            f"select * from assetflow.backfills {where} order by id desc", missing_ok=True
        )
        found = []
        for row in frame.iter_rows(named=True) if frame.height else ():
            row.update(selection=json.loads(row["selection"]), run_ids=json.loads(row["run_ids"]))
            found.append(BackfillRecord(**row))
        return found

    def materialized_by(self, run_ids: list[str]) -> set[tuple[str, str]]:
        """(asset, partition) pairs whose *current* version was committed by one of ``run_ids``."""
        if not run_ids:
            return set()
        frame = self._session.frame(
            """select c.asset, c.partition from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where list_contains(?, m.run_id)""",
            [run_ids],
            schema={"asset": pl.String, "partition": pl.String},
        )
        return set(frame.iter_rows())


class AutomationWrites(AutomationReads):
    """The writer's automation bookkeeping; each call is its own transaction.

    ``changed(asset)`` tells the writer an asset's published state changed (its view and the
    snapshot must be republished).
    """

    def __init__(self, session: CatalogSession, changed: Callable[[str], None]) -> None:
        super().__init__(session)
        self._changed = changed

    def record_observations(
        self, rows: Iterable[tuple[str, str, str | None]], observed_at: datetime
    ) -> int:
        """Append observations (only pass the ones that changed); returns how many."""
        rows = list(rows)
        if not rows:
            return 0
        first = self._session.rows("select coalesce(max(id), 0) from assetflow.observations")
        start = int(first[0][0])
        with self._session.transaction("source observations") as con:
            con.executemany(
                "insert into assetflow.observations values (?, ?, ?, ?, ?)",
                [(start + i + 1, a, p, v, observed_at) for i, (a, p, v) in enumerate(rows)],
            )
        return len(rows)

    def record_source_versions(
        self, versions: Mapping[tuple[str, str], str], run_ids: Iterable[str] | None
    ) -> int:
        """Record ``versions[(source, partition)]`` on the current materialization of each pair.

        With ``run_ids``, only materializations made by those runs are stamped (the versions
        were observed just before those runs); with None, only those without a recorded version.
        """
        if not versions:
            return 0
        frame = pl.DataFrame(
            [(a, p, v) for (a, p), v in versions.items()],
            schema={"asset": pl.String, "partition": pl.String, "version": pl.String},
            orient="row",
        )
        runs = list(run_ids) if run_ids is not None else None
        condition = (
            "list_contains(?, m.run_id)"
            if runs is not None
            else "not exists (select 1 from assetflow.inputs i "
            "where i.materialization_id = m.id and i.upstream = o.asset)"
        )
        con = self._session.live
        con.register("_observed", frame.to_arrow())
        try:
            targets = self._session.rows(
                f"""select m.id, o.asset, o.partition, o.version from _observed o
                   join assetflow.current c on c.asset = o.asset and c.partition = o.partition
                   join assetflow.materializations m on m.id = c.materialization_id
                   where {condition}""",
                [runs] if runs is not None else [],
            )
        finally:
            con.unregister("_observed")
        if not targets:
            return 0
        with self._session.transaction("observed source versions") as con:
            con.executemany(
                "delete from assetflow.inputs where materialization_id = ? and upstream = ?",
                [(mid, a) for mid, a, _, _ in targets],
            )
            con.executemany("insert into assetflow.inputs values (?, ?, ?, ?)", targets)
        self._changed(targets[0][1])  # republish the snapshot even if nothing else changed
        return len(targets)

    def record_tick(
        self,
        *,
        schedule: str,
        tick_time: datetime,
        ticked_at: datetime,
        partitions: Mapping[str, list[str]],
        run_ids: list[str],
        status: str,
        pid: int,
    ) -> None:
        with self._session.transaction(f"the tick of {schedule}") as con:
            con.execute(
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

    def create_backfill(
        self,
        *,
        selection: list[str] | None,
        from_key: str,
        to_key: str,
        force: bool,
        created_by: str,
        created_at: datetime,
        total: int,
        pid: int,
    ) -> int:
        """Record a new ``running`` backfill; return its id."""
        row = self._session.rows("select coalesce(max(id), 0) + 1 from assetflow.backfills")
        new_id = int(row[0][0])
        values = [new_id, json.dumps(selection), from_key, to_key, force, created_by]
        values += [created_at, created_at, "running", total, 0, 0, "[]", pid]
        with self._session.transaction("a new backfill") as con:
            con.execute(
                "insert into assetflow.backfills values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                values,
            )
        return new_id

    def update_backfill(self, backfill_id: int, **fields: Any) -> None:
        """Set columns of one backfill (``run_ids`` as a list)."""
        if "run_ids" in fields:
            fields["run_ids"] = json.dumps(fields["run_ids"])
        names = ", ".join(f"{k} = ?" for k in fields)
        with self._session.transaction(f"backfill {backfill_id}'s progress") as con:
            con.execute(
                f"update assetflow.backfills set {names} where id = ?",
                [*fields.values(), backfill_id],
            )
