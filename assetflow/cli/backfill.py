"""`asset backfill`, `asset backfill resume ID`, `asset backfills`."""

from __future__ import annotations

import sys
from dataclasses import asdict
from typing import TYPE_CHECKING

import click

from assetflow.cli.app import CliState, cli, dump_json, executor_options, json_option, pass_state
from assetflow.cli.schedule import allow_future_option, now_option, parse_now
from assetflow.errors import SelectionError
from assetflow.observe.table import format_table

if TYPE_CHECKING:
    from assetflow.automation.backfill import BackfillSpec


@cli.command(context_settings={"ignore_unknown_options": False})
@click.argument("assets", nargs=-1)
@click.option("--from", "from_key", metavar="KEY", help="First partition key, e.g. 2026-04-01.")
@click.option("--to", "to_key", metavar="KEY", help="Last partition key (inclusive).")
@click.option("--force", is_flag=True, help="Re-materialize even fresh partitions.")
@click.option("--dry-run", is_flag=True, help="Print the plan summary and stop.")
@click.option(
    "--batch",
    type=click.IntRange(min=1),
    default=None,
    help="Partition keys per run (bounds memory; progress is recorded after each). [default: 10]",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Tasks run in parallel at most (default: env ASSETFLOW_WORKERS, else the CPU cores).",
)
@executor_options
@now_option
@allow_future_option
@json_option
@pass_state
def backfill(
    state: CliState,
    assets,
    from_key,
    to_key,
    force,
    dry_run,
    batch,
    workers,
    now_text,
    allow_future,
    as_json,
) -> None:
    """Materialize ASSETS (all partitioned assets when none) for every partition from --from
    to --to, plus the missing or stale upstream partitions they need.

    \b
    Prints the plan first (per asset: missing / stale / fresh, how many will run), then runs it
    in batches with progress. The backfill is recorded; `asset backfills` lists them and
    `asset backfill resume ID` finishes an interrupted or failed one. Running the same backfill
    again only redoes what is missing or stale (idempotent).
    """
    from assetflow.automation.backfill import (
        DEFAULT_BATCH,
        BackfillSpec,
        plan_backfill,
        requested_keys,
        run_backfill,
        start_backfill,
    )
    from assetflow.callbacks import RunCallbacks
    from assetflow.observe.progress import CountedProgress

    batch = DEFAULT_BATCH if batch is None else batch
    project = state.project
    as_of = parse_now(now_text, allow_future=allow_future) if now_text else project.clock()
    if assets and assets[0] == "resume":
        _resume(state, assets[1:], batch, as_json, as_of, workers)
        return
    if not from_key or not to_key:
        raise SelectionError("asset backfill needs --from KEY and --to KEY (inclusive range)")
    state.note_new_warehouse(writes=not dry_run)
    spec = BackfillSpec(tuple(assets) or None, from_key, to_key, force)
    targets = requested_keys(project, spec, as_of)
    total, summary = plan_backfill(project, targets, as_of, force=force)
    if as_json and dry_run:
        click.echo(dump_json(_plan_json(spec, summary, total)))
        return
    if not as_json:
        _print_summary(spec, summary, total)
    if dry_run:
        return
    backfill_id = start_backfill(project, spec, as_of, total)
    if not as_json:
        click.echo(
            f"backfill {backfill_id} started (resume with `asset backfill resume "
            f"{backfill_id}` if interrupted)"
        )
    outcome = run_backfill(
        project,
        backfill_id,
        spec,
        as_of,
        batch=batch,
        workers=workers,
        callbacks=RunCallbacks(
            on_event=None if as_json else CountedProgress(total),
            on_wait=lambda msg: click.echo(f"note: {msg}", err=True),
        ),
    )
    _report(outcome, as_json, _plan_json(spec, summary, total))


def _resume(state: CliState, args, batch: int, as_json: bool, as_of, workers) -> None:
    from assetflow.automation.backfill import (
        load_backfill,
        plan_backfill,
        requested_keys,
        run_backfill,
    )
    from assetflow.callbacks import RunCallbacks
    from assetflow.observe.progress import CountedProgress

    if len(args) != 1 or not args[0].isdigit():
        raise SelectionError("usage: asset backfill resume ID (ids: `asset backfills`)")
    project = state.project
    backfill_id = int(args[0])
    spec, row = load_backfill(project, backfill_id)
    targets = requested_keys(project, spec, as_of)
    remaining, summary = plan_backfill(project, targets, as_of, force=spec.force)
    if not as_json:
        click.echo(
            f"resuming backfill {backfill_id} ({spec.from_key} .. {spec.to_key}): "
            f"{row.done} done before, up to {remaining} to run"
        )
    outcome = run_backfill(
        project,
        backfill_id,
        spec,
        as_of,
        batch=batch,
        resume=True,
        base_done=row.done,
        workers=workers,
        callbacks=RunCallbacks(
            on_event=None if as_json else CountedProgress(remaining),
            on_wait=lambda msg: click.echo(f"note: {msg}", err=True),
        ),
    )
    _report(outcome, as_json, _plan_json(spec, summary, remaining))


def _plan_json(spec: BackfillSpec, summary, total: int) -> dict:
    return {
        "selection": list(spec.selection) if spec.selection else None,
        "from": spec.from_key,
        "to": spec.to_key,
        "force": spec.force,
        "to_run": total,
        "assets": [asdict(s) for s in summary],
    }


def _print_summary(spec: BackfillSpec, summary, total: int) -> None:
    click.echo(f"backfill {spec.from_key} .. {spec.to_key}" + (" (force)" if spec.force else ""))
    columns = ["asset", "missing", "stale", "failed", "fresh", "will run", "skip", "+upstream"]
    rows = (
        (s.asset, s.missing, s.stale, s.failed, s.fresh, s.will_run, s.requested - s.will_run,
         s.upstream)
        for s in summary
    )  # fmt: skip
    click.echo(format_table(columns, rows, indent=2))
    click.echo(f"plan: {total} partition(s) to run")


def _report(outcome, as_json: bool, plan: dict) -> None:
    retried = sum(1 for r in outcome.runs for t in r.tasks if t.attempts > 1)
    if as_json:
        click.echo(
            dump_json(
                {
                    "backfill_id": outcome.backfill_id,
                    "state": outcome.state,
                    "done": outcome.done,
                    "failed": outcome.failed,
                    "needed_retries": retried,
                    "runs": [r.run_id for r in outcome.runs],
                    "plan": plan,
                }
            )
        )
    else:
        click.echo(
            f"backfill {outcome.backfill_id} {outcome.state}: {outcome.done} done, "
            f"{outcome.failed} failed in {len(outcome.runs)} run(s)"
            + (f", {retried} needed retries" if retried else "")
        )
    sys.exit(0 if outcome.state == "succeeded" else 1)


@cli.command()
@json_option
@pass_state
def backfills(state: CliState, as_json: bool) -> None:
    """List recorded backfills, newest first: range, selection, state and progress."""
    from assetflow.automation.backfill import list_backfills

    rows = list_backfills(state.project)
    if as_json:
        click.echo(dump_json([r.model_dump() for r in rows]))
        return
    if not rows:
        click.echo("no backfills yet")
        return
    table = (
        (
            r.id,
            r.state,
            f"{r.from_key} .. {r.to_key}",
            ",".join(r.selection) if r.selection else "all",
            f"{r.done}/{r.total}",
            r.failed,
            len(r.run_ids),
            r.created_by,
            r.created_at,
            "force" if r.force else "",
        )
        for r in rows
    )
    columns = ["id", "state", "range", "assets", "done", "failed", "runs", "by", "created", ""]
    click.echo(format_table(columns, table))
