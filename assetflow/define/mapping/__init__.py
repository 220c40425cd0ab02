"""Partition mappings: which upstream partitions one downstream partition reads.

- :class:`Identity`: the same key (default when both sides share a definition).
- :class:`Window`: upstream partitions overlapping a window of downstream partitions: grain
  changes (default between time definitions) and rolling windows (``Window(lookback=6)``).
- :class:`AllPartitions`: every committed upstream partition (default next to an unpartitioned
  asset).
- :class:`DimensionMapping`: along one dimension of a multi-partitioned asset.

Mappings answer with edge frames (``partition``, ``up_partition``) computed on columns.
"""

from __future__ import annotations

from assetflow.define.mapping.base import (
    EDGE_SCHEMA,
    AllPartitions,
    Identity,
    LazyKeys,
    PartitionMapping,
)
from assetflow.define.mapping.dimension import DimensionMapping
from assetflow.define.mapping.infer import infer_mapping, resolve_mapping
from assetflow.define.mapping.window import Window

__all__ = [
    "EDGE_SCHEMA",
    "AllPartitions",
    "DimensionMapping",
    "Identity",
    "LazyKeys",
    "PartitionMapping",
    "Window",
    "infer_mapping",
    "resolve_mapping",
]
