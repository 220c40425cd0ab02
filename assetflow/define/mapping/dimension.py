"""DimensionMapping: map between multi-partitioned and single-dimension assets on one dimension.

- multi -> single (``2026-04-08|eu`` reads ``2026-04-08``): the downstream key's ``date`` part is
  mapped to the upstream by the inner mapping.
- single -> multi (``2026-04-08`` reads ``2026-04-08|eu``, ``2026-04-08|us``, ...): every upstream
  partition whose ``date`` part the inner mapping selects (every static combination; for a time
  dimension among the others, the committed ones).
- multi -> multi with the same dimensions: the named dimension is mapped by the inner mapping
  (e.g. a 7-day window per region), the others by identity.

The inner mapping is inferred (identity or grain change) unless given.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import polars as pl

from assetflow.define.mapping.base import (
    Definition,
    PartitionMapping,
    empty_edges,
    identity_problem,
)
from assetflow.define.partitions import MultiPartitions, StaticPartitions
from assetflow.define.partitions.multi import SEPARATOR
from assetflow.errors import DefinitionError


@dataclass(frozen=True)
class DimensionMapping(PartitionMapping):
    """Map on the named dimension of a :class:`MultiPartitions` asset.

    Args:
        dimension: the multi-partition dimension to map on, e.g. ``"date"``.
        mapping: how that dimension maps (default: inferred, e.g. identity or a grain change);
            ``af.Window(lookback=6)`` gives a rolling window along it.
    """

    dimension: str
    mapping: PartitionMapping | None = None
    _inner: PartitionMapping | None = field(default=None, compare=False, repr=False)
    _down: Definition = field(default=None, compare=False, repr=False)
    _up: Definition = field(default=None, compare=False, repr=False)

    @property
    def independent_keys(self) -> bool:  # type: ignore[override]
        """As its inner mapping: the other dimensions of a committed key are tested on their
        own."""
        inner = self._inner or self.mapping
        return inner is not None and inner.independent_keys

    def describe(self) -> str:
        inner = self._inner or self.mapping
        return f"on {self.dimension}: {inner.describe() if inner else 'inferred'}"

    def bind(self, downstream: Definition, upstream: Definition) -> PartitionMapping:
        from assetflow.define.mapping.infer import infer_inner

        dim = self.dimension
        down_multi = isinstance(downstream, MultiPartitions)
        up_multi = isinstance(upstream, MultiPartitions)
        if not down_multi and not up_multi:
            raise DefinitionError(
                f"DimensionMapping({dim!r}) needs a multi-partitioned asset on one side"
            )
        if down_multi and up_multi:
            assert isinstance(downstream, MultiPartitions) and isinstance(upstream, MultiPartitions)
            if downstream.names != upstream.names:
                raise DefinitionError(f"dimensions differ: {downstream.names} vs {upstream.names}")
            for name in downstream.names:
                if name != dim:
                    problem = identity_problem(downstream.dimension(name), upstream.dimension(name))
                    if problem:
                        raise DefinitionError(f"dimension {name!r}: {problem}")
        inner_down = downstream.dimension(dim) if down_multi else downstream  # type: ignore[union-attr]
        inner_up = upstream.dimension(dim) if up_multi else upstream  # type: ignore[union-attr]
        inner = self.mapping or infer_inner(inner_down, inner_up)
        bound = copy.copy(self)
        object.__setattr__(bound, "_inner", inner.bind(inner_down, inner_up))
        object.__setattr__(bound, "_down", downstream)
        object.__setattr__(bound, "_up", upstream)
        return bound

    def edges(self, downstream_keys, upstream, upstream_committed):
        if self._inner is None:
            raise DefinitionError("this DimensionMapping is not bound; declare it on an asset")
        keys = pl.Series("partition", list(downstream_keys), dtype=pl.String)
        if not len(keys):
            return empty_edges()
        down, up = self._down, self._up
        if isinstance(down, MultiPartitions) and isinstance(up, MultiPartitions):
            return self._multi_to_multi(keys, down, up, upstream_committed)
        if isinstance(down, MultiPartitions):
            return self._multi_to_single(keys, down, up, upstream_committed)
        assert isinstance(up, MultiPartitions)
        return self._single_to_multi(keys, up, upstream_committed)

    def _multi_to_single(self, keys, down: MultiPartitions, up, committed) -> pl.DataFrame:
        frame = pl.DataFrame({"partition": keys}).with_columns(
            _part(self.dimension, down).alias("_v")
        )
        inner = self._inner_edges(frame["_v"].unique(maintain_order=True), up, committed)
        return frame.join(inner, on="_v", how="inner", maintain_order="left").select(
            "partition", "up_partition"
        )

    def _single_to_multi(self, keys, up: MultiPartitions, committed) -> pl.DataFrame:
        dim = self.dimension
        inner_up = up.dimension(dim)
        dim_committed = {k.split(SEPARATOR)[up.names.index(dim)] for k in committed}
        inner = self._inner_edges(keys, inner_up, dim_committed).rename(
            {"_v": "partition", "up_partition": "_u"}
        )
        others = [n for n in up.names if n != dim]
        if all(isinstance(up.dimension(n), StaticPartitions) for n in others):
            combos: pl.DataFrame | None = None
            for n in others:
                values = pl.DataFrame({n: list(up.dimension(n).keys)})  # type: ignore[attr-defined]
                combos = values if combos is None else combos.join(values, how="cross")
            assert combos is not None
            expanded = inner.join(combos, how="cross", maintain_order="left").rename({"_u": dim})
            return expanded.select(
                "partition",
                pl.concat_str([pl.col(n) for n in up.names], separator=SEPARATOR).alias(
                    "up_partition"
                ),
            )
        existing = pl.DataFrame(
            {"up_partition": sorted(committed)}, schema={"up_partition": pl.String}
        ).with_columns(_part(dim, up, "up_partition").alias("_u"))
        return inner.join(existing, on="_u", how="inner", maintain_order="left").select(
            "partition", "up_partition"
        )

    def _multi_to_multi(self, keys, down: MultiPartitions, up, committed) -> pl.DataFrame:
        dim = self.dimension
        names = down.names
        frame = (
            pl.DataFrame({"partition": keys})
            .with_columns(
                pl.col("partition")
                .str.split(SEPARATOR)
                .list.to_struct(fields=list(names))
                .alias("_p")
            )
            .unnest("_p")
        )
        dim_committed = {k.split(SEPARATOR)[names.index(dim)] for k in committed}
        inner = self._inner_edges(
            frame[dim].unique(maintain_order=True), up.dimension(dim), dim_committed
        ).rename({"_v": dim, "up_partition": "_u"})
        joined = frame.join(inner, on=dim, how="inner", maintain_order="left")
        parts = [pl.col("_u") if n == dim else pl.col(n) for n in names]
        return joined.select(
            "partition", pl.concat_str(parts, separator=SEPARATOR).alias("up_partition")
        )

    def _inner_edges(self, values: pl.Series, upstream: Definition, committed) -> pl.DataFrame:
        assert self._inner is not None
        edges = self._inner.edges(values.to_list(), upstream, committed)
        return edges.rename({"partition": "_v"})


def _part(dim: str, definition: MultiPartitions, column: str = "partition") -> pl.Expr:
    return pl.col(column).str.split(SEPARATOR).list.get(definition.names.index(dim))
