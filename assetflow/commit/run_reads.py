"""Run state as readers see it: runs, their tasks, attempts and logs (``reader.runs``).

Every query over ``assetflow.runs`` / ``tasks`` / ``task_events`` / ``attempts`` / ``logs``
that the CLI, resume, the observability read model and the UI need lives here, so the schema
(``schema.py``) has one reader. A snapshot without these tables (none published yet, or one
from an older assetflow) reads as having no runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import polars as pl

from assetflow.commit.session import CatalogSession

if TYPE_CHECKING:
    from assetflow.commit.row_models import RunRecord

_RUN_COLUMNS = "run_id, status, command, started_at, finished_at, pid"
_TS = pl.Datetime("us", "UTC")
LOG_SCHEMA = {
    "seq": pl.Int64,
    "asset": pl.String,
    "partition": pl.String,
    "attempt": pl.Int32,
    "logged_at": _TS,
    "stream": pl.String,
    "message": pl.String,
}


class RunReads:
    """Questions about runs; every method reads one snapshot (or the live catalog)."""

    def __init__(self, session: CatalogSession) -> None:
        self._session = session

    def _frame(self, sql: str, params: Sequence | None = None, schema=None) -> pl.DataFrame:
        # DuckDB's own types (timestamps in the session's time zone), as printed before.
        return self._session.frame(sql, params, schema, missing_ok=True, cast=False)

    def _records(self, sql: str, params: Sequence) -> list[RunRecord]:
        from assetflow.commit.row_models import RunRecord  # pydantic: only where rows are read

        frame = self._frame(f"select {_RUN_COLUMNS} from assetflow.runs {sql}", params)
        return [RunRecord(**r) for r in frame.iter_rows(named=True)] if frame.height else []

    def ids_starting_with(self, prefix: str) -> list[str]:
        """Run ids that start with ``prefix``, sorted."""
        frame = self._frame(
            "select run_id from assetflow.runs where starts_with(run_id, ?) order by run_id",
            [prefix],
            {"run_id": pl.String},
        )
        return frame["run_id"].to_list()

    def with_command(self, command: str) -> list[str]:
        """Ids of the runs started with exactly ``command``, oldest first."""
        frame = self._frame(
            "select run_id from assetflow.runs where command = ? order by started_at",
            [command],
            {"run_id": pl.String},
        )
        return frame["run_id"].to_list()

    def request(self, run_id: str) -> str | None:
        """The JSON request run ``run_id`` stored (None: an older assetflow ran it)."""
        frame = self._frame(
            "select request from assetflow.run_requests where run_id = ?",
            [run_id],
            {"request": pl.String},
        )
        return frame["request"][0] if frame.height else None

    def recent(self, limit: int) -> list[RunRecord]:
        """The ``limit`` most recent runs, newest first."""
        return self._records("order by started_at desc, run_id desc limit ?", [limit])

    def get(self, run_id: str) -> RunRecord | None:
        found = self._records("where run_id = ?", [run_id])
        return found[0] if found else None

    def unfinished(self, root: str) -> list[tuple[str, str]]:
        """Tasks of run ``root`` that neither it nor any resume of it finished."""
        frame = self._frame(
            """with chain as (
                   select run_id from assetflow.run_requests
                   where run_id = ? or json_extract_string(request, '$.resume_of') = ?
               ),
               done as (
                   select distinct asset, partition from assetflow.task_states
                   where run_id in (select run_id from chain)
                     and status in ('succeeded', 'skipped')
               )
               select distinct e.asset, e.partition from assetflow.task_events e
               left join done d on d.asset = e.asset and d.partition = e.partition
               where e.run_id = ? and e.status = 'queued' and d.asset is null
               order by e.asset, e.partition""",
            [root, root, root],
            {"asset": pl.String, "partition": pl.String},
        )
        return list(frame.iter_rows())

    def logs(
        self,
        run_id: str,
        *,
        asset: str | None = None,
        partition: str | None = None,
        attempt: int | None = None,
        after: int = 0,
    ) -> pl.DataFrame:
        """Captured log lines of a run (optionally one asset / partition / attempt), in order.

        ``after`` skips lines up to that sequence number (for following a running run).
        """
        where = ["run_id = ?", "seq > ?"]
        params: list = [run_id, after]
        for column, value in (("asset", asset), ("partition", partition), ("attempt", attempt)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        return self._frame(
            "select seq, asset, partition, attempt, logged_at, stream, message "
            f"from assetflow.logs where {' and '.join(where)} order by seq",
            params,
            LOG_SCHEMA,
        )

    def attempt_outcomes(self, run_id: str) -> dict[tuple[str, str, int], str]:
        """(asset, partition, attempt) -> how the attempt ended, e.g. ``failed: HTTPError``."""
        rows = self._frame(
            "select asset, partition, attempt, status, error_type from assetflow.attempts "
            "where run_id = ?",
            [run_id],
        )
        return {
            (a, p, n): status + (f": {kind}" if kind else "")
            for a, p, n, status, kind in rows.iter_rows()
        }
