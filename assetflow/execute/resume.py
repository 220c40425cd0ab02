"""Resuming a run: re-plan what it asked for; committed work is fresh, so it is not redone.

Every run stores its request (selection, partitions, force, only, as_of) as JSON next to its
row in ``assetflow.runs``. Resuming plans that request again as of the same instant. A forced
run additionally forces the tasks it (and earlier resumes of it) did not finish, since forcing
everything again would redo committed work.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from assetflow.commit.reader import CatalogReader
from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.errors import SelectionError, StorageError
from assetflow.plan.needs import plan_needs
from assetflow.plan.planner import Plan, Step, Which, build_plan


@dataclass(frozen=True, kw_only=True)
class RunRequest:
    """What a run was asked to do, stored with it (as JSON) so it can be resumed.

    A dataclass, not a pydantic model: every run stores one, and importing pydantic costs ~0.1 s
    of a cron-style call; pydantic validates the stored JSON where it is read back
    (:meth:`from_json`).
    """

    selection: list[str] | None = None
    partitions: list[str] | None = None
    partition_range: tuple[str, str] | None = None
    keys_by_asset: dict[str, list[str]] | None = None
    """Explicit keys per asset (a tick's targets), instead of selection and partitions."""
    which: Which | None = None
    """``stale`` / ``missing``: only requested partitions with / without committed data."""
    force: bool = False
    only: bool = False
    as_of: datetime
    resume_of: str | None = None
    """The original run when this run is a resume (the root of the chain)."""

    def to_json(self) -> str:
        """The request as the JSON a run stores (read back by :meth:`from_json`)."""
        return json.dumps({**asdict(self), "as_of": self.as_of.isoformat()})

    @classmethod
    def from_json(cls, text: str) -> RunRequest:
        """The request stored as ``text``; ValueError (pydantic's) if it does not fit."""
        from pydantic import TypeAdapter

        return TypeAdapter(cls).validate_json(text)


def plan_request(
    graph: AssetGraph,
    reader: CatalogReader,
    request: RunRequest,
    *,
    force: bool | None = None,
    whole: bool = False,
) -> tuple[Plan, CatalogState]:
    """The plan of ``request`` (``force`` overrides the request's) and the catalog state it was
    built on: the rows of just the partitions the request reads, when that is known before
    reading (``plan/needs.py``), unless ``whole``."""
    needs = plan_needs(
        graph, request.as_of, reader.committed, selection=request.selection,
        partitions=request.partitions, partition_range=request.partition_range,
        keys_by_asset=request.keys_by_asset,
    )  # fmt: skip
    state = reader.state(None if whole else needs.catalog_rows(graph))
    plan = build_plan(
        graph,
        state,
        request.as_of,
        selection=request.selection,
        partitions=request.partitions,
        partition_range=request.partition_range,
        keys_by_asset=request.keys_by_asset,
        which=request.which,
        force=request.force if force is None else force,
        only=request.only,
        needs=needs,
    )
    return plan, state


def find_run(reader: CatalogReader, run_id: str) -> str:
    """The full id of the run ``run_id`` names (a unique prefix is enough)."""
    rows = reader.runs.ids_starting_with(run_id)
    if run_id in rows:
        return run_id
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise SelectionError(f"unknown run {run_id!r}; `asset runs` lists the recent runs")
    raise SelectionError(
        f"run id {run_id!r} is ambiguous ({', '.join(rows[:3])}, ...); give more characters"
    )


def load_request(reader: CatalogReader, run_id: str) -> RunRequest:
    """The stored request of run ``run_id``."""
    stored = reader.runs.request(run_id)
    if stored is None:
        raise SelectionError(
            f"run {run_id} has no stored request (an older assetflow made it); "
            "run `asset materialize` with the same arguments instead"
        )
    try:
        return RunRequest.from_json(stored)
    except ValueError as exc:
        raise StorageError(f"run {run_id}: stored request is unreadable: {exc}") from None


def resume_plan(
    graph: AssetGraph, reader: CatalogReader, request: RunRequest, root: str
) -> tuple[Plan, CatalogState]:
    """The plan that finishes run ``root``'s request, and the catalog state it was built on.

    A forced request also runs what the original run left unfinished, which the graph as it is
    now may no longer read: the whole catalog is read for it, so the runner knows every
    partition those tasks read."""
    plan, state = plan_request(graph, reader, request, force=False, whole=request.force)
    if not request.force:
        return plan, state
    remaining = reader.runs.unfinished(root)
    steps = {(s.asset, s.partition): s for s in plan.steps}
    for asset, partition in remaining:
        reason = f"forced by run {root}, not finished yet"
        step = steps.get((asset, partition))
        if step is None:
            steps[(asset, partition)] = Step(asset, partition, "fresh", reason, True, True)
        elif not step.run:
            steps[(asset, partition)] = replace(step, run=True, reason=reason)
    rank = {name: i for i, name in enumerate(graph.order)}
    position = {key: i for i, key in enumerate(steps)}
    ordered = sorted(
        steps.values(), key=lambda s: (rank[s.asset], position[(s.asset, s.partition)])
    )
    return Plan(steps=tuple(ordered), as_of=request.as_of, force=True), state
