"""What the writer compares a new partition's schema with: the asset's schemas, counted.

``check_output`` (``commit/writer.py``) compares a new partition with the asset's *other* current
partitions built by the same code version (``commit/schema_check.py``). It needs, per asset, each
distinct (code version, schema) with how many current partitions have it and one to name in an
error, plus which of them the partitions being committed have now. It used to read every current
partition of the asset with its schema text: a cron call on ten years of ten daily assets read
36,500 rows of schema text (~0.2-0.4 s), for ten checks. Now the groups come counted, with
their first few partitions, and the group of just the partitions a run may commit.

Loaded per asset before a run (:meth:`SchemaIndex.load`) and kept up to date by the writer, the
only process changing ``assetflow.current`` while it holds the lock: a check costs microseconds
and never touches the connection, which the committer thread is using. Outside a run (a
rollback), a partition not loaded is looked up when first asked about.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from assetflow.commit.session import CatalogSession

EXAMPLES = 3
"""Partitions kept per group to name in an error (the first ones, in key order)."""

Group = tuple[str, str]
"""(code version, schema text)."""


@dataclass
class _Count:
    """How many current partitions are in one group, and the first few of them."""

    partitions: int
    examples: list[str] = field(default_factory=list)

    def add(self, partition: str) -> None:
        self.partitions += 1
        self.examples = sorted({*self.examples, partition})[:EXAMPLES]

    def remove(self, partition: str) -> None:
        self.partitions -= 1
        if partition in self.examples:
            self.examples.remove(partition)


class SchemaIndex:
    """Per asset, its current partitions counted by (code version, schema)."""

    def __init__(self, session: CatalogSession) -> None:
        self._session = session
        self._groups: dict[str, dict[Group, _Count]] = {}
        self._where: dict[tuple[str, str], Group | None] = {}
        """The group of a partition looked up (None: not current)."""

    def load(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read the groups of the assets of ``keys`` (asset, partition) not loaded yet, and the
        groups of those partitions (the ones a run may check or commit): two queries."""
        keys = list(keys)
        self._load_groups({asset for asset, _ in keys})
        asked = [key for key in dict.fromkeys(keys) if key not in self._where]
        if asked:
            self._look_up(asked)

    def others(self, asset: str, partition: str, code_version: str) -> list[tuple[str, object]]:
        """(schema, an example partition) per schema of the asset's *other* current partitions
        built by ``code_version``."""
        own = self._group_of(asset, partition)
        out: list[tuple[str, object]] = []
        for group, count in self._asset(asset).items():
            if group[0] == code_version and count.partitions > (group == own):
                out.append((group[1], _FirstOther(count.examples, partition)))
        return out

    def record(self, asset: str, partition: str, code_version: str, schema: str) -> None:
        """``partition`` is now current with this code version and schema."""
        self.forget(asset, partition)
        group = (code_version, schema)
        self._asset(asset).setdefault(group, _Count(0)).add(partition)
        self._where[(asset, partition)] = group

    def forget(self, asset: str, partition: str) -> None:
        """``partition`` has no current version any more."""
        group = self._group_of(asset, partition)
        if group is not None:
            groups = self._asset(asset)
            groups[group].remove(partition)
            if not groups[group].partitions:
                del groups[group]
        self._where[(asset, partition)] = None

    def _asset(self, asset: str) -> dict[Group, _Count]:
        self._load_groups({asset})
        return self._groups[asset]

    def _load_groups(self, assets: set[str]) -> None:
        wanted = sorted(assets - self._groups.keys())
        if not wanted:
            return
        for asset in wanted:
            self._groups[asset] = {}
        for asset, code, schema, count, first in self._session.live.execute(
            f"""select c.asset, m.code_version, m.schema, count(*),
                      list(c.partition order by c.partition)[1:{EXAMPLES}]
               from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where list_contains(?::varchar[], c.asset)
               group by all""",
            [wanted],
        ).fetchall():
            self._groups[asset][(code, schema)] = _Count(count, list(first))

    def _group_of(self, asset: str, partition: str) -> Group | None:
        if (asset, partition) not in self._where:
            self._look_up([(asset, partition)])
        return self._where[(asset, partition)]

    def _look_up(self, keys: list[tuple[str, str]]) -> None:
        frame = pl.DataFrame(
            {"asset": [a for a, _ in keys], "partition": [p for _, p in keys]},
            schema={"asset": pl.String, "partition": pl.String},
        )
        with self._session.registered("schema_keys", frame):
            rows = self._session.live.execute(
                """select c.asset, c.partition, m.code_version, m.schema
                   from assetflow.current c semi join schema_keys using (asset, partition)
                   join assetflow.materializations m on m.id = c.materialization_id"""
            ).fetchall()
        for key in keys:
            self._where[key] = None
        for asset, partition, code, schema in rows:
            self._where[(asset, partition)] = (code, schema)


class _FirstOther:
    """The first of a group's partitions other than one, spelled only if a message needs it."""

    def __init__(self, examples: list[str], exclude: str) -> None:
        self._examples, self._exclude = examples, exclude

    def __str__(self) -> str:
        found = [p for p in self._examples if p != self._exclude]
        return f"partition {found[0]}" if found else "its other partitions"
