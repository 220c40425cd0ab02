"""``@source``: an asset that ingests data from outside, with a cheap way to see it changed.

A source is an ordinary asset (materializing it runs the loader and commits its output) plus an
``observe(context)`` function that returns a short version string for one partition (a file's
checksum or mtime+size, an API's ETag, a max timestamp) or None when the data is not there yet.
``asset observe`` and ``asset tick`` record observations; the planner marks a committed source
partition ``stale`` when the latest observed version differs from the one recorded when it was
materialized, and downstream staleness follows as usual.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from assetflow.define import legacy_keywords
from assetflow.define.asset import AssetDef, Automation, asset
from assetflow.define.partitions import PartitionsDefinition
from assetflow.define.schedule import Cron
from assetflow.errors import DefinitionError


def source(
    *,
    observe: Callable[..., str | None],
    partitions: PartitionsDefinition | None = None,
    name: str | None = None,
    code_version: str | None = None,
    schedule: str | Cron | None = None,
    automation: Automation | None = None,
    **legacy: Any,
) -> Callable[[Callable[..., Any]], AssetDef]:
    """Declare a loader function as a source asset.

    Args:
        observe: ``observe(context) -> str | None``; called with an :class:`assetflow.Context`
            for one partition; returns a version that changes when the data changes, or None
            when the partition's data has not arrived. Must be cheap: it runs at every tick.
        partitions, name, code_version, schedule, automation: as for :func:`assetflow.asset`.
        **legacy: ``timezone=``, ``catchup=``, ``start=``: deprecated, put them in
            ``schedule=Cron(...)`` (docs/upgrading.md).

    The loader takes only ``context`` (sources have no upstream assets) and returns a table.
    """
    if not callable(observe):
        raise DefinitionError("@source(observe=...) must be a function returning a version or None")

    def build(f: Callable[..., Any]) -> AssetDef:
        try:
            folded = legacy_keywords.fold(
                "source", legacy, policy=None, schedule=schedule,
                accepted=("timezone", "catchup", "start"), stacklevel=2,
            )  # fmt: skip
        except DefinitionError as exc:
            raise DefinitionError(f"source {name or f.__name__!r}: {exc}") from None
        built = asset(
            name=name,
            partitions=partitions,
            code_version=code_version,
            schedule=folded.schedule,
            automation=automation,
        )(f)
        if built.upstreams:
            raise DefinitionError(
                f"source {built.name!r} takes {', '.join(built.upstreams)}: a source has no "
                "upstream assets; keep only the context parameter"
            )
        return replace(built, observe=observe)

    return build
