"""Which committed files a partition reads: exactly what a run would hand its asset function.

The mappings decide the upstream keys (all-partitions mappings read what is committed); the
published snapshot names each key's current file. ``Project.inputs`` loads them the way the
engine does (``execute/materializer.load_input``), to debug one partition by hand.
"""

from __future__ import annotations

import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.errors import PartitionKeyError
from assetflow.observe.snapshot import Snapshot
from assetflow.observe.why import committed_keys, label


def input_files(graph: AssetGraph, snap: Snapshot, asset: str, key: str) -> dict[str, list[str]]:
    """Per data input (parameter) of ``asset``, the storage keys of the files of the
    partitions ``key`` reads.

    Raises:
        PartitionKeyError: an upstream partition it reads is not committed (naming it, and
            the command that builds it).
    """
    found: dict[str, list[str]] = {}
    for up in graph[asset].inputs:
        mapping = graph.mappings[(asset, up)]
        keys = mapping.upstream_keys(key, graph[up].partitions, committed_keys(snap, up))
        files = pl.DataFrame(schema={"partition": pl.String, "file_path": pl.String})
        if not snap.empty and keys:
            files = snap.sql(
                """select c.partition, m.file_path from assetflow.current c
                   join assetflow.materializations m on m.id = c.materialization_id
                   where c.asset = ? and list_contains(?::varchar[], c.partition)""",
                [up, keys],
            )
        by_key = dict(files.iter_rows())
        missing = [k for k in keys if k not in by_key]
        if missing:
            raise PartitionKeyError(
                f"{label(asset, key)} reads {label(up, missing[0])}, which is not committed"
                f"{f' (nor {len(missing) - 1} more)' if len(missing) > 1 else ''}; "
                f"run `asset materialize {up} --partition {missing[0]}` first"
            )
        found[up] = [by_key[k] for k in keys]
    return found
