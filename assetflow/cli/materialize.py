"""`asset materialize`: plan and run (options shared with `asset runs resume`)."""

from __future__ import annotations

import os
import shlex
import sys
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from assetflow.cli.app import (
    CliState,
    cli,
    dump_json,
    executor_options,
    json_option,
    partition_option,
    partition_range_options,
    pass_state,
)
from assetflow.errors import SelectionError

if TYPE_CHECKING:
    from assetflow.execute.records import RunResult


def run_options(fn: Callable) -> Callable:
    """--workers, --executor, --scheduler, --grace-period, --plain: how a run executes."""
    fn = click.option(
        "--plain",
        is_flag=True,
        help="One line per task event even on a terminal (no live display).",
    )(fn)
    fn = click.option(
        "--grace-period",
        type=click.FloatRange(min=0),
        default=10.0,
        show_default=True,
        metavar="SECONDS",
        help="On Ctrl-C/SIGTERM, how long running tasks may finish before they are stopped.",
    )(fn)
    fn = executor_options(fn)
    fn = click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        metavar="N",
        help="Tasks run in parallel at most (default: env ASSETFLOW_WORKERS, else the CPU "
        f"cores, here {os.cpu_count()}).",
    )(fn)
    return fn


@cli.command()
@click.argument("assets", nargs=-1)
@partition_option
@partition_range_options
@click.option("--force", is_flag=True, help="Re-materialize even fresh partitions.")
@click.option(
    "--only",
    is_flag=True,
    help="Run only the named assets; fail if an upstream is missing or stale.",
)
@click.option(
    "--stale-only",
    is_flag=True,
    help="Of the selected partitions, rebuild only stale (and failed) ones that have data.",
)
@click.option(
    "--missing-only",
    is_flag=True,
    help="Of the selected partitions, build only the ones never materialized.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and stop.")
@run_options
@json_option
@pass_state
def materialize(
    state: CliState,
    assets,
    partition,
    from_key,
    to_key,
    force,
    only,
    stale_only,
    missing_only,
    dry_run,
    workers,
    grace_period,
    plain,
    as_json,
) -> None:
    """Materialize ASSETS (all when none given) for a partition, plus the missing or stale
    upstream partitions they need. Fresh partitions are skipped unless --force.

    Without --partition (or --from/--to), every due partition that is missing, stale or
    failed is materialized; --stale-only / --missing-only narrow that to the partitions with /
    without committed data. A single key of another grain leaves an asset out unless it is
    named; a --from/--to range selects coarser assets' partitions that lie inside it.
    Independent tasks run in parallel; a failed task's downstream is skipped, other branches
    go on. Exit code 0 when all tasks succeed, 1 when a task failed (the run can be resumed
    with `asset runs resume RUN_ID`), 2 for a usage error, 130 when cancelled (Ctrl-C).
    """
    from assetflow.observe.plan_report import render_plan
    from assetflow.plan.targets import partition_range

    project = state.project
    selection = list(assets) or None
    key_range = partition_range(from_key, to_key)
    if stale_only and missing_only:
        raise SelectionError("--stale-only and --missing-only exclude each other; pick one")
    which = "stale" if stale_only else "missing" if missing_only else None
    state.note_new_warehouse(writes=not dry_run)
    if dry_run:
        plan = project.plan(
            selection,
            partition=partition,
            partition_range=key_range,
            which=which,
            force=force,
            only=only,
        )
        click.echo(dump_json(plan.to_dict()) if as_json else render_plan(plan))
        return
    execute_and_report(
        lambda **kw: project.materialize(
            selection,
            partition=partition,
            partition_range=key_range,
            which=which,
            force=force,
            only=only,
            **kw,
        ),
        workers=workers,
        grace_period=grace_period,
        plain=plain,
        as_json=as_json,
        command=shlex.join(["asset", *sys.argv[1:]])[:500],
    )


def execute_and_report(
    start: Callable[..., RunResult],
    *,
    workers: int | None,
    grace_period: float,
    plain: bool,
    as_json: bool,
    command: str,
) -> None:
    """Run with progress output, print the summary, exit 0 / 1 (failed) / 130 (cancelled)."""
    from assetflow.callbacks import RunCallbacks
    from assetflow.observe.progress import PlainProgress

    if as_json:
        progress = None
    elif sys.stdout.isatty() and not plain:
        from assetflow.observe.live_progress import LiveProgress  # rich, only on a terminal

        progress = LiveProgress(sys.stdout, time.monotonic)
    else:
        progress = PlainProgress(lambda line, err: click.echo(line, err=err))
    try:
        result = start(
            workers=workers,
            grace_period=grace_period,
            callbacks=RunCallbacks(
                on_plan=progress.plan if progress else None,
                on_event=progress.event if progress else None,
                on_wait=lambda msg: click.echo(f"note: {msg}", err=True),
                on_notice=lambda msg: click.echo(f"note: {msg}", err=True),
            ),
            command=command,
        )
    finally:
        if progress:
            progress.close()
    if as_json:
        doc = {
            "run_id": result.run_id,
            "status": result.status,
            "tasks": [_task_json(t) for t in result.tasks],
            # Where the coordinator's time went (a profile of the engine, not of the tasks).
            "engine": {
                "commit_batches": result.commit_batches,
                "seconds": {k: round(v, 4) for k, v in sorted(result.timings.items())},
            },
        }
        click.echo(dump_json(doc))
    else:
        print_summary(result)
    sys.exit({"succeeded": 0, "cancelled": 130}.get(result.status, 1))


def _task_json(task) -> dict:
    doc = asdict(task)
    doc.pop("traceback", None)
    return doc


def print_summary(result: RunResult) -> None:
    from assetflow.plan.planner import display_key

    click.echo(result.summary())
    for t in result.failed:
        click.echo(f"failed: {t.asset} {display_key(t.partition)}: {t.detail}", err=True)
    if result.unfinished:
        click.echo(
            f"resume with: {_asset_command()} runs resume {result.run_id}"
            f"   (logs: {_asset_command()} logs {result.run_id})",
            err=True,
        )


def _asset_command() -> str:
    """``asset`` plus the global options this invocation was given (-p, -w, ...)."""
    args = sys.argv[1:]
    known = {"materialize", "runs", "logs"}
    head = []
    for arg in args:
        if arg in known:
            break
        head.append(arg)
    return shlex.join(["asset", *head])
