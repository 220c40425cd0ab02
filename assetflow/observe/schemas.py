"""The schema of an asset: the column lists its current partitions were written with.

Each materialization records its schema (JSON ``[[name, type], ...]``, written by
``assetflow.commit.schema_check.describe_schema``). Partitions written by different code
versions may differ, so the answer is every distinct schema with how many partitions have it.
"""

from __future__ import annotations

import json

import polars as pl

from assetflow.observe.snapshot import Snapshot

SCHEMA_SCHEMA = {
    "columns": pl.List(pl.Struct({"name": pl.String, "type": pl.String})),
    "partitions": pl.Int64,
    "code_versions": pl.List(pl.String),
    "last_written": pl.Datetime("us", "UTC"),
}
"""One distinct schema among an asset's current partitions, most recently written first."""


def asset_schemas(snap: Snapshot, asset: str) -> pl.DataFrame:
    """Every distinct schema of ``asset``'s current partitions (:data:`SCHEMA_SCHEMA`)."""
    if snap.empty:
        return pl.DataFrame(schema=SCHEMA_SCHEMA)
    frame = snap.sql(
        """select m.schema, count(*) as partitions,
                  list_sort(list_distinct(list(m.code_version))) as code_versions,
                  max(m.finished_at) as last_written
           from assetflow.current c join assetflow.materializations m
             on m.id = c.materialization_id
           where c.asset = ? group by m.schema order by last_written desc""",
        [asset],
    )
    if not frame.height:
        return pl.DataFrame(schema=SCHEMA_SCHEMA)
    columns = [
        [{"name": str(n), "type": str(t)} for n, t in _parse(text)] for text in frame["schema"]
    ]
    return pl.DataFrame(
        {
            "columns": columns,
            "partitions": frame["partitions"],
            "code_versions": frame["code_versions"],
            "last_written": frame["last_written"],
        },
        schema=SCHEMA_SCHEMA,
    )


def _parse(text: str) -> list[tuple[str, str]]:
    try:
        columns = json.loads(text)
    except (TypeError, ValueError):
        return []
    return [tuple(c) for c in columns if isinstance(c, list) and len(c) == 2]
