"""Backfills: materialize a range of partitions in batches, recorded and resumable.

A backfill is a row in ``assetflow.backfills`` (range, selection, who, when, state, progress,
run ids). It runs as a sequence of ordinary runs through ``Project.materialize``, one per batch of
partition keys (in key order, all selected assets per batch), so memory stays bounded by the
batch, downstream partitions of early keys are done before later keys start, and readers see
progress as each batch publishes. Every run's command is ``backfill <id>``, which is how
``resume`` finds what the backfill already committed.

Idempotent by construction: without ``--force`` only missing or stale partitions run, so a second
run, or an overlapping backfill, finds them fresh; with ``--force`` a resume skips partitions the
backfill's own runs already committed.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import datetime

from assetflow.automation.sources import observe_sources
from assetflow.callbacks import RunCallbacks
from assetflow.commit.row_models import BackfillRecord
from assetflow.errors import BackfillError, PartitionKeyError, SelectionError
from assetflow.execute.resume import RunRequest, plan_request
from assetflow.execute.runner import RunResult
from assetflow.plan.summary import count_by_asset
from assetflow.plan.targets import resolve_targets
from assetflow.project import Project
from assetflow.states import RunStatus, TaskStatus

DEFAULT_BATCH = 10


@dataclass(frozen=True)
class BackfillSpec:
    selection: tuple[str, ...] | None
    from_key: str
    to_key: str
    force: bool = False


@dataclass(frozen=True)
class AssetSummary:
    asset: str
    requested: int
    missing: int
    stale: int
    failed: int
    fresh: int
    will_run: int
    upstream: int
    """Partitions pulled in because a requested partition needs them."""


def requested_keys(project: Project, spec: BackfillSpec, as_of: datetime) -> dict[str, list[str]]:
    """asset -> the keys of the range it has, chosen as ``materialize --from --to`` chooses
    them (an asset of a coarser grain gets the partitions whose window lies inside the range)."""
    explicit = spec.selection is not None
    chosen = project.graph.select(list(spec.selection) if explicit else None)
    partitioned = []
    for name in chosen:
        if project.graph[name].partitions is not None:
            partitioned.append(name)
        elif explicit:
            raise SelectionError(
                f"{name} is unpartitioned; a backfill covers a partition range, use "
                f"`asset materialize {name}`"
            )
    frame = resolve_targets(
        project.graph,
        partitioned,
        as_of,
        key_range=(spec.from_key, spec.to_key),
        explicit=explicit,
    )
    targets: dict[str, list[str]] = {}
    if frame is not None:
        for (name,), keys in frame.partition_by("asset", as_dict=True).items():
            targets[name] = keys["partition"].to_list()
    if not targets:
        raise PartitionKeyError(
            f"no selected asset has partitions from {spec.from_key} to {spec.to_key}; check "
            "--from/--to (first key first) and the assets' partitioning (`asset list`)"
        )
    return {name: targets[name] for name in partitioned if name in targets}


def plan_backfill(
    project: Project,
    targets: dict[str, list[str]],
    as_of: datetime,
    *,
    force: bool,
) -> tuple[int, list[AssetSummary]]:
    """How many partitions the backfill will run, and a per-asset summary: the counts of the
    plan a materialization of the whole range would run (vectorized)."""
    request = RunRequest(keys_by_asset=targets, force=force, as_of=as_of)
    with project.warehouse.reader() as reader:
        plan, _ = plan_request(project.graph, reader, request)
    fields = list(AssetSummary.__dataclass_fields__)
    summary = [AssetSummary(**r) for r in count_by_asset(plan).select(fields).to_dicts()]
    return len(plan.to_run), summary


@dataclass
class BackfillOutcome:
    backfill_id: int
    state: str
    runs: list[RunResult]
    done: int
    failed: int


def start_backfill(project: Project, spec: BackfillSpec, as_of: datetime, total: int) -> int:
    """Record a new backfill (state ``running``) and return its id."""
    with project.warehouse.writer() as catalog:
        return catalog.automation.create_backfill(
            selection=list(spec.selection) if spec.selection else None,
            from_key=spec.from_key,
            to_key=spec.to_key,
            force=spec.force,
            created_by=_user(),
            created_at=project.clock(),
            total=total,
            pid=os.getpid(),
        )


def load_backfill(project: Project, backfill_id: int) -> tuple[BackfillSpec, BackfillRecord]:
    with project.warehouse.reader() as reader:
        rows = reader.automation.backfills(backfill_id)
    if not rows:
        raise BackfillError(f"no backfill {backfill_id}; `asset backfills` lists them")
    row = rows[0]
    if row.state == RunStatus.RUNNING and process_alive(row.pid) and row.pid != os.getpid():
        raise BackfillError(
            f"backfill {backfill_id} is still running in process {row.pid}; wait for it"
        )
    selection = tuple(row.selection) if row.selection else None
    return BackfillSpec(selection, row.from_key, row.to_key, row.force), row


def run_backfill(
    project: Project,
    backfill_id: int,
    spec: BackfillSpec,
    as_of: datetime,
    *,
    batch: int = DEFAULT_BATCH,
    resume: bool = False,
    base_done: int = 0,
    workers: int | None = None,
    callbacks: RunCallbacks | None = None,
) -> BackfillOutcome:
    """Run (or resume) backfill ``backfill_id`` batch by batch, recording progress."""
    targets = requested_keys(project, spec, as_of)
    prior: list[str] = []
    skip: set[tuple[str, str]] = set()
    if resume:
        with project.warehouse.reader() as reader:
            prior = reader.runs.with_command(_command(backfill_id))
            if spec.force:
                skip = reader.automation.materialized_by(prior)
    all_keys = sorted({k for ks in targets.values() for k in ks})
    runs: list[RunResult] = []
    done, failed = base_done, 0
    state = RunStatus.FAILED
    try:
        for start in range(0, len(all_keys), max(1, batch)):
            chunk = set(all_keys[start : start + batch])
            part = {
                a: [k for k in ks if k in chunk and (a, k) not in skip] for a, ks in targets.items()
            }
            part = {a: ks for a, ks in part.items() if ks}
            observed = (
                observe_sources(project, as_of, keys=chunk) if _has_sources(project) else None
            )
            if part:  # one run per batch
                result = project.materialize(
                    keys_by_asset=part,
                    force=spec.force,
                    as_of=as_of,
                    callbacks=callbacks,
                    command=_command(backfill_id),
                    workers=workers,
                )
                runs.append(result)
                done += result.count(TaskStatus.SUCCEEDED) + result.count(TaskStatus.SKIPPED)
                failed += result.count(TaskStatus.FAILED) + result.count(TaskStatus.UPSTREAM_FAILED)
            ids = [r.run_id for r in runs]
            versions = observed.versions if observed else None
            _progress(project, backfill_id, prior + ids, done, failed, versions, ids)
        state = RunStatus.FAILED if failed else RunStatus.SUCCEEDED
    except KeyboardInterrupt:
        state = RunStatus.INTERRUPTED
        raise
    finally:
        _finish(project, backfill_id, state, prior + [r.run_id for r in runs], done, failed)
    return BackfillOutcome(backfill_id, state, runs, done, failed)


def _progress(project, backfill_id, run_ids, done, failed, versions, new_runs) -> None:
    with project.warehouse.writer() as catalog:
        if versions and new_runs:
            catalog.automation.record_source_versions(versions, new_runs)
        catalog.automation.update_backfill(
            backfill_id,
            run_ids=run_ids,
            updated_at=project.clock(),
            pid=os.getpid(),
            state=RunStatus.RUNNING,
            done=done,
            failed=failed,
        )


def _finish(project, backfill_id, state, run_ids, done, failed) -> None:
    with project.warehouse.writer() as catalog:
        catalog.automation.update_backfill(
            backfill_id,
            state=state,
            run_ids=run_ids,
            updated_at=project.clock(),
            done=done,
            failed=failed,
        )


def list_backfills(project: Project) -> list[BackfillRecord]:
    """Every backfill, newest first; one left ``running`` by a dead process is ``interrupted``."""
    with project.warehouse.reader() as reader:
        rows = reader.automation.backfills()
    return [
        r.model_copy(update={"state": RunStatus.INTERRUPTED})
        if r.state == RunStatus.RUNNING and not process_alive(r.pid)
        else r
        for r in rows
    ]


def _command(backfill_id: int) -> str:
    return f"backfill {backfill_id}"


def _has_sources(project: Project) -> bool:
    return any(a.is_source for a in project.graph)


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def process_alive(pid: int | None) -> bool:
    """Whether process ``pid`` still exists on this machine (a recorded run or backfill
    whose process is gone was interrupted)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
