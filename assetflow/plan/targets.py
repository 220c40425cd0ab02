"""Which (asset, partition) pairs a request names: keys, an inclusive range, or everything due.

Shared by the planner (what to materialize) and the status report (what to show).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping.rows import take
from assetflow.define.partitions import UNPARTITIONED, PartitionsDefinition
from assetflow.errors import PartitionKeyError

TARGET_SCHEMA = {"asset": pl.String, "partition": pl.String}


def resolve_targets(
    graph: AssetGraph,
    chosen: Sequence[str],
    as_of: datetime,
    *,
    keys: Sequence[str] | None = None,
    key_range: tuple[str, str] | None = None,
    explicit: bool = True,
) -> pl.DataFrame | None:
    """The requested (asset, partition) pairs with canonical keys, or None for "everything due".

    Every key is checked against each chosen asset's definition (form, range, due). When the
    assets were not named (``explicit=False``), an asset whose keys have another form is simply
    not involved: ``--partition 2026-04-08`` leaves monthly and static assets out. A range
    (``key_range``) in another time grain's keys selects, for a time-partitioned asset, the due
    partitions whose whole window lies inside it: days 2026-02-01 .. 2026-03-31 select the
    months 2026-02 and 2026-03 and the weeks between.
    """
    if keys is None and key_range is None:
        return None
    if key_range is not None and len(key_range) != 2:
        raise PartitionKeyError("partition_range must be a pair (first, last)")
    names: list[str] = []
    parts: list[pl.Series] = []
    rejected: PartitionKeyError | None = None
    # By definition (id): assets often share one definition object.
    selections: dict[int, pl.Series] = {}
    grains: dict[int, tuple[bool, PartitionKeyError | None]] = {}
    for name in chosen:
        definition = graph[name].partitions
        if definition is None:
            names.append(name)
            parts.append(pl.Series("partition", [UNPARTITIONED], dtype=pl.String))
            continue
        if not explicit:
            if id(definition) not in grains:
                grains[id(definition)] = _other_grain(definition, keys, key_range)
            other, error = grains[id(definition)]
            if other:
                rejected = rejected or error
                continue  # another grain's key: this asset is simply not involved
        if id(definition) not in selections:
            found = definition.select(as_of, keys, key_range)
            selections[id(definition)] = pl.Series("partition", found, dtype=pl.String)
        selected = selections[id(definition)]
        if explicit and key_range is not None and not keys and not len(selected):
            first, last = key_range
            raise PartitionKeyError(
                f"no due partition of {name} ({definition.describe()}) lies inside "
                f"{first} .. {last}; a range selects the partitions whose whole window is "
                "inside it: widen --from/--to"
            )
        names.append(name)
        parts.append(selected)
    partitioned = [p for p in parts if len(p) and p[0] != UNPARTITIONED]
    if rejected is not None and not partitioned:
        raise rejected  # the key fits no partitioned asset: a typo, not "just the rest"
    if not names:
        return pl.DataFrame(schema=TARGET_SCHEMA)
    # Columns, not a frame per asset (~0.1 ms each, 1,000 times): the names spread by rows.
    owner = np.repeat(np.arange(len(names)), [len(p) for p in parts])
    tag = take(pl.Series("asset", names, dtype=pl.String), owner)
    return pl.DataFrame([tag, pl.concat(parts).rename("partition")])


def _other_grain(
    definition: PartitionsDefinition,
    keys: Sequence[str] | None,
    key_range: tuple[str, str] | None,
) -> tuple[bool, PartitionKeyError | None]:
    """Whether the keys or range are of another form than ``definition``'s, and the error that
    names the key if it is not a key of this definition's grain either."""
    odd = next((k for k in keys or () if not definition.looks_like_key(k)), None)
    if odd is None and key_range is not None and not definition.accepts_range(*key_range):
        odd = next((k for k in key_range if not definition.looks_like_key(k)), None)
    if odd is None:
        return False, None
    try:
        definition.parse_key(odd)
    except PartitionKeyError as exc:
        return True, exc
    return True, None


def asset_targets(
    graph: AssetGraph, keys_by_asset: Mapping[str, Sequence[str]], as_of: datetime
) -> pl.DataFrame:
    """The (asset, partition) pairs of explicit keys per asset, canonical and checked (due)."""
    rows = []
    for name, keys in keys_by_asset.items():
        definition = graph[name].partitions
        chosen = [UNPARTITIONED] if definition is None else definition.select(as_of, list(keys))
        rows.append(
            pl.DataFrame(
                {"asset": name, "partition": pl.Series(chosen, dtype=pl.String)},
                schema=TARGET_SCHEMA,
            )
        )
    return pl.concat(rows) if rows else pl.DataFrame(schema=TARGET_SCHEMA)


def partition_range(first: str | None, last: str | None) -> tuple[str, str] | None:
    """``(first, last)`` from ``--from``/``--to``, which go together."""
    if first is None and last is None:
        return None
    if first is None or last is None:
        raise PartitionKeyError("--from and --to go together: give both (the range is inclusive)")
    return first, last
