"""Default mappings, and binding a mapping to two assets with a message that says what works."""

from __future__ import annotations

from assetflow.define.mapping.base import (
    AllPartitions,
    Definition,
    Identity,
    PartitionMapping,
    identity_problem,
)
from assetflow.define.mapping.dimension import DimensionMapping
from assetflow.define.mapping.window import Window
from assetflow.define.partitions import MultiPartitions, TimeWindowPartitions
from assetflow.errors import DefinitionError


def infer_inner(downstream: Definition, upstream: Definition) -> PartitionMapping:
    """The default mapping between two single-dimension definitions."""
    if downstream is None or upstream is None:
        return AllPartitions()
    if identity_problem(downstream, upstream) is None:
        return Identity()
    if isinstance(downstream, TimeWindowPartitions) and isinstance(upstream, TimeWindowPartitions):
        return Window()
    raise DefinitionError(
        f"no default mapping from {upstream.describe()} to {downstream.describe()}"
    )


def infer_mapping(
    downstream_name: str,
    downstream: Definition,
    upstream_name: str,
    upstream: Definition,
) -> PartitionMapping:
    """The default (unbound) mapping between two assets, or a DefinitionError saying what to do.

    Identity when both share a definition (or grid); a grain change (``Window()``) between time
    definitions; :class:`DimensionMapping` between a multi-partitioned asset and one dimension;
    :class:`AllPartitions` when either side is unpartitioned.
    """
    if downstream is None or upstream is None:
        return AllPartitions()
    for candidate in _candidates(downstream, upstream):
        if isinstance(candidate, AllPartitions):
            break  # reading everything is a choice to declare, not a default
        try:
            candidate.bind(downstream, upstream)
        except DefinitionError:
            continue
        return candidate
    raise DefinitionError(
        f"asset {downstream_name!r} ({_describe(downstream)}) reads {upstream_name!r} "
        f"({_describe(upstream)}) but their partitions do not line up; declare "
        f"mappings={{{upstream_name!r}: {_suggest(downstream, upstream)}}}"
    )


def resolve_mapping(
    downstream_name: str,
    downstream: Definition,
    upstream_name: str,
    upstream: Definition,
    declared: PartitionMapping | None,
) -> PartitionMapping:
    """The declared (or inferred) mapping bound to both definitions; errors name both assets."""
    mapping = declared or infer_mapping(downstream_name, downstream, upstream_name, upstream)
    if not isinstance(mapping, PartitionMapping):
        raise DefinitionError(
            f"asset {downstream_name!r}: mappings[{upstream_name!r}] must be a partition "
            f"mapping such as af.Window(lookback=6), got {type(mapping).__name__}"
        )
    try:
        return mapping.bind(downstream, upstream)
    except DefinitionError as exc:
        raise DefinitionError(
            f"asset {downstream_name!r} ({_describe(downstream)}) cannot read {upstream_name!r} "
            f"({_describe(upstream)}) with {_spell(mapping)}: {exc}; declare "
            f"mappings={{{upstream_name!r}: {_suggest(downstream, upstream, mapping)}}}"
        ) from None


def _candidates(downstream: Definition, upstream: Definition) -> list[PartitionMapping]:
    found: list[PartitionMapping] = [Identity(), Window()]
    for side in (downstream, upstream):
        if isinstance(side, MultiPartitions):
            found.extend(DimensionMapping(n) for n in side.names)
    found.append(AllPartitions())
    return found


def _suggest(
    downstream: Definition, upstream: Definition, failed: PartitionMapping | None = None
) -> str:
    for candidate in _candidates(downstream, upstream):
        if candidate == failed:
            continue
        try:
            candidate.bind(downstream, upstream)
        except DefinitionError:
            continue
        return _spell(candidate)
    return "af.AllPartitions()"


def _spell(mapping: PartitionMapping) -> str:
    if isinstance(mapping, Window):
        so, eo = mapping.start_offset, mapping.end_offset
        if eo == 0 and so < 0:
            return f"af.Window(lookback={-so})"
        args = ", ".join(f"{k}={v}" for k, v in (("start_offset", so), ("end_offset", eo)) if v)
        return f"af.Window({args})"
    if isinstance(mapping, DimensionMapping):
        inner = f", {_spell(mapping.mapping)}" if mapping.mapping else ""
        return f"af.DimensionMapping({mapping.dimension!r}{inner})"
    return f"af.{type(mapping).__name__}()"


def _describe(definition: Definition) -> str:
    return "unpartitioned" if definition is None else definition.describe()
