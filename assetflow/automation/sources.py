"""Observing sources: call each source's ``observe(context)`` and record what changed."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from assetflow.define.asset import AssetDef
from assetflow.define.partitions import UNPARTITIONED
from assetflow.errors import PartitionKeyError
from assetflow.execute.context import Context
from assetflow.project import Project


@dataclass(frozen=True)
class Change:
    """One observation that differs from the previous one of the same partition."""

    asset: str
    partition: str
    before: str | None
    after: str | None

    @property
    def kind(self) -> str:
        if self.before is None:
            return "arrived"
        return "gone" if self.after is None else "changed"


@dataclass(frozen=True)
class ObserveReport:
    versions: Mapping[tuple[str, str], str] = field(default_factory=dict)
    """Every (source, partition) observed present, with its version."""
    changes: tuple[Change, ...] = ()
    errors: tuple[str, ...] = ()


def observe_sources(
    project: Project,
    as_of: datetime,
    *,
    selection: Iterable[str] | None = None,
    keys: Iterable[str] | None = None,
    adopt: bool = True,
) -> ObserveReport:
    """Observe the due partitions of every (selected) source and record the changes.

    Args:
        keys: only these partition keys (keys another grain cannot parse are skipped).
        adopt: stamp the observed version on committed partitions that have none recorded
            (materialized outside ``tick``/``backfill``), so later changes are detected.
    """
    names = project.graph.select(list(selection) if selection is not None else None)
    sources = [project.graph[n] for n in names if project.graph[n].is_source]
    if not sources:
        return ObserveReport()
    with project.warehouse.reader() as reader:
        previous = {(a, p): v for a, p, v, _ in reader.state().observations.iter_rows()}
    wanted = None if keys is None else list(keys)
    versions: dict[tuple[str, str], str] = {}
    changes: list[Change] = []
    errors: list[str] = []
    for source in sources:
        for key in _source_keys(source, as_of, wanted):
            try:
                version = _observe_one(source, key)
            except Exception as exc:  # user code: report and keep observing the rest
                errors.append(f"observe {source.name} {key}: {type(exc).__name__}: {exc}")
                continue
            if version is not None:
                versions[(source.name, key)] = version
            before = previous.get((source.name, key))
            if version != before:
                changes.append(Change(source.name, key, before, version))
    if changes or (adopt and versions):
        with project.warehouse.writer() as catalog:
            catalog.automation.record_observations(
                [(c.asset, c.partition, c.after) for c in changes], project.clock()
            )
            if adopt:
                catalog.automation.record_source_versions(versions, None)
    return ObserveReport(versions, tuple(changes), tuple(errors))


def _source_keys(source: AssetDef, as_of: datetime, wanted: list[str] | None) -> list[str]:
    definition = source.partitions
    if definition is None:
        return [UNPARTITIONED]
    due = definition.due_keys(as_of)
    if wanted is None:
        return due
    chosen = set()
    for key in wanted:
        try:
            chosen.add(definition.parse_key(key))
        except PartitionKeyError:
            continue
    return [k for k in due if k in chosen]


def _observe_one(source: AssetDef, key: str) -> str | None:
    partition = None if key == UNPARTITIONED else key
    window = source.partitions.window(key) if source.partitions and partition else None
    context = Context(
        asset=source.name,
        partition_key=partition,
        start=window[0] if window else None,
        end=window[1] if window else None,
        run_id="observe",
        log=logging.getLogger(f"assetflow.observe.{source.name}"),
    )
    assert source.observe is not None
    version = source.observe(context)
    return None if version is None else str(version)
