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

from assetflow.define.asset import AssetDef, Automation, asset
from assetflow.define.partitions import PartitionsDefinition
from assetflow.errors import DefinitionError


def source(
    *,
    observe: Callable[..., str | None],
    partitions: PartitionsDefinition | None = None,
    name: str | None = None,
    code_version: str | None = None,
    schedule: str | None = None,
    timezone: str | None = None,
    catchup: bool = True,
    start: str | None = None,
    automation: Automation | None = None,
) -> Callable[[Callable[..., Any]], AssetDef]:
    """Declare a loader function as a source asset.

    Args:
        observe: ``observe(context) -> str | None``; called with an :class:`assetflow.Context`
            for one partition; returns a version that changes when the data changes, or None
            when the partition's data has not arrived. Must be cheap: it runs at every tick.
        partitions, name, code_version, schedule, timezone, catchup, start, automation: as for
            :func:`assetflow.asset`.

    The loader takes only ``context`` (sources have no upstream assets) and returns a table.
    """
    if not callable(observe):
        raise DefinitionError("@source(observe=...) must be a function returning a version or None")

    def build(f: Callable[..., Any]) -> AssetDef:
        built = asset(
            name=name,
            partitions=partitions,
            code_version=code_version,
            schedule=schedule,
            timezone=timezone,
            catchup=catchup,
            start=start,
            automation=automation,
        )(f)
        if built.upstreams:
            raise DefinitionError(
                f"source {built.name!r} takes {', '.join(built.upstreams)}: a source has no "
                "upstream assets; keep only the context parameter"
            )
        return replace(built, observe=observe)

    return build
