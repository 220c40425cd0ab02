"""What a caller asks to run, as a :class:`RunRequest`: the facade's selection arguments checked
and normalized in one place (``Project.plan``, ``materialize``, ``status``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from assetflow.define.graph import AssetGraph
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PartitionKeyError, SelectionError
from assetflow.execute.resume import RunRequest
from assetflow.plan.planner import Which


def build_request(
    selection: str | Sequence[str] | None,
    partition: str | None,
    partitions: Iterable[str] | None,
    partition_range: tuple[str, str] | None,
    keys_by_asset: Mapping[str, Sequence[str]] | None,
    which: Which | None,
    force: bool,
    only: bool,
    as_of: datetime,
) -> RunRequest:
    """The request of ``Project.materialize``'s arguments (see there); SelectionError or
    PartitionKeyError for combinations that contradict each other."""
    if which is not None and (force or which not in ("stale", "missing")):
        raise SelectionError(
            f"which={which!r} (--stale-only/--missing-only) picks partitions by status and "
            "force (--force) reruns fresh ones: use one of them (which: stale or missing)"
        )
    if keys_by_asset is not None and (selection or partition or partitions or partition_range):
        raise SelectionError("pass either keys_by_asset= or a selection and partitions")
    return RunRequest(
        selection=as_list(selection),
        partitions=partition_keys(partition, partitions),
        partition_range=partition_range,
        keys_by_asset=None
        if keys_by_asset is None
        else {a: list(k) for a, k in keys_by_asset.items()},
        which=which,
        force=force,
        only=only,
        as_of=as_of,
    )


def as_list(selection: str | Sequence[str] | None) -> list[str] | None:
    """Asset names as a list (None, or an empty list: every asset)."""
    if selection is None:
        return None
    return [selection] if isinstance(selection, str) else list(selection) or None


def partition_keys(partition: str | None, partitions: Iterable[str] | None) -> list[str] | None:
    """``partition=`` or ``partitions=`` as one list (None: no keys given)."""
    if partition is not None and partitions is not None:
        raise PartitionKeyError("pass either partition= or partitions=, not both")
    if partition is not None:
        return [partition]
    return None if partitions is None else list(partitions)


def partition_of(graph: AssetGraph, asset: str, partition: str | None) -> str:
    """The canonical key of one partition of ``asset`` (maintenance commands name exactly one)."""
    definition = graph[asset].partitions
    if definition is None:
        if partition is not None:
            raise PartitionKeyError(f"{asset} is unpartitioned; drop --partition")
        return UNPARTITIONED
    if partition is None:
        raise PartitionKeyError(f"{asset} is partitioned; pass --partition KEY")
    return definition.parse_key(partition)
