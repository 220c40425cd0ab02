"""`asset materialize`: plan and run."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from assetflow.cli.app import (
    CliState,
    cli,
    json_option,
    partition_option,
    partition_range_options,
    pass_state,
)
from assetflow.execute.runner import RunResult, TaskEvent
from assetflow.plan.planner import Plan, display_key
from assetflow.plan.targets import partition_range


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
@click.option("--dry-run", is_flag=True, help="Print the plan and stop.")
@json_option
@pass_state
def materialize(
    state: CliState, assets, partition, from_key, to_key, force, only, dry_run, as_json
) -> None:
    """Materialize ASSETS (all when none given) for a partition, plus the missing or stale
    upstream partitions they need. Fresh partitions are skipped unless --force.

    Without --partition (or --from/--to), every due partition that is missing or stale is
    materialized. Keys of another grain leave an asset out unless it is named.
    Exit code 0 when all tasks succeed, 1 when a task failed, 2 for a usage error.
    """
    project = state.project
    selection = list(assets) or None
    key_range = partition_range(from_key, to_key)
    if dry_run:
        plan = project.plan(
            selection, partition=partition, partition_range=key_range, force=force, only=only
        )
        click.echo(json.dumps(plan.to_dict(), indent=2) if as_json else plan.explain())
        return
    result = project.materialize(
        selection,
        partition=partition,
        partition_range=key_range,
        force=force,
        only=only,
        on_plan=None if as_json else _print_plan,
        on_event=None if as_json else _print_event,
        on_wait=lambda msg: click.echo(f"note: {msg}", err=True),
        command=" ".join(["materialize", *sys.argv[2:]])[:500],
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "run_id": result.run_id,
                    "status": result.status,
                    "tasks": [asdict(t) for t in result.tasks],
                },
                indent=2,
            )
        )
    else:
        _print_summary(result)
    sys.exit(0 if result.ok else 1)


def _print_plan(plan: Plan) -> None:
    click.echo(plan.explain())


def _print_event(event: TaskEvent) -> None:
    if event.kind == "started":
        return
    rows = f"  {event.rows:,} rows" if event.rows is not None else ""
    took = f"  {event.seconds:.2f}s" if event.seconds is not None else ""
    detail = f"  {event.detail}" if event.detail else ""
    line = f"  {event.kind:<15} {event.asset} {display_key(event.partition)}{rows}{took}{detail}"
    click.echo(line, err=event.kind in ("failed", "upstream_failed"))


def _print_summary(result: RunResult) -> None:
    click.echo(result.summary())
    for t in result.failed:
        click.echo(f"failed: {t.asset} {display_key(t.partition)}: {t.detail}", err=True)
