"""Partition mappings: which upstream partitions one downstream partition reads.

A mapping answers the question in bulk, as an edge frame with columns ``partition`` (downstream
key) and ``up_partition`` (upstream key), so the planner can join it against catalog state
instead of looping over keys in Python.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection
from dataclasses import dataclass

import polars as pl

from assetflow.define.partitions import UNPARTITIONED, PartitionsDefinition
from assetflow.errors import DefinitionError

EDGE_SCHEMA = {"partition": pl.String, "up_partition": pl.String}


class PartitionMapping(ABC):
    """Maps downstream partition keys to the upstream keys they read."""

    @abstractmethod
    def edges(
        self,
        downstream_keys: list[str],
        upstream: PartitionsDefinition | None,
        upstream_committed: Collection[str],
    ) -> pl.DataFrame:
        """Edge frame (``partition``, ``up_partition``) for ``downstream_keys``."""

    def upstream_keys(
        self,
        downstream_key: str,
        upstream: PartitionsDefinition | None,
        upstream_committed: Collection[str],
    ) -> list[str]:
        """The upstream keys one downstream partition reads, in order."""
        frame = self.edges([downstream_key], upstream, upstream_committed)
        return frame["up_partition"].to_list()


@dataclass(frozen=True)
class Identity(PartitionMapping):
    """Partition ``k`` reads upstream partition ``k`` (both sides share one definition)."""

    def edges(self, downstream_keys, upstream, upstream_committed):
        keys = pl.Series("partition", downstream_keys, dtype=pl.String)
        return pl.DataFrame({"partition": keys, "up_partition": keys})


@dataclass(frozen=True)
class AllPartitions(PartitionMapping):
    """Every downstream partition reads every committed upstream partition.

    An unpartitioned upstream has exactly one partition, which is always required.
    """

    def edges(self, downstream_keys, upstream, upstream_committed):
        up = [UNPARTITIONED] if upstream is None else sorted(upstream_committed)
        down = pl.DataFrame({"partition": downstream_keys}, schema={"partition": pl.String})
        return down.join(
            pl.DataFrame({"up_partition": up}, schema={"up_partition": pl.String}), how="cross"
        )


def infer_mapping(
    downstream_name: str,
    downstream: PartitionsDefinition | None,
    upstream_name: str,
    upstream: PartitionsDefinition | None,
) -> PartitionMapping:
    """The default mapping between two definitions, or a DefinitionError saying what to declare."""
    if upstream is None or downstream is None:
        return AllPartitions()
    if upstream == downstream:
        return Identity()
    raise DefinitionError(
        f"asset {downstream_name!r} ({downstream.describe()}) reads {upstream_name!r} "
        f"({upstream.describe()}) but their partitions differ; declare "
        f"mappings={{{upstream_name!r}: af.AllPartitions()}} or use the same definition"
    )
