"""`asset runs` (list, show, resume) and `asset logs`: inspect, follow and finish runs.

Reads go to the published snapshot, so they never wait for a running materialization.
"""

from __future__ import annotations

import os
import shlex
import sys
import time

import click

from assetflow.cli.app import CliState, cli, dump_json, json_option, pass_state
from assetflow.cli.materialize import execute_and_report, run_options
from assetflow.execute.resume import find_run
from assetflow.observe.runs import list_runs, run_info
from assetflow.observe.table import Column, format_table
from assetflow.plan.planner import display_key

FOLLOW_POLL_SECONDS = 0.5


@cli.group(invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@click.pass_context
def runs(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List recent runs with their status and task counts (newest first).

    \b
    Subcommands:
      asset runs show RUN_ID     every task of a run: state, attempts, last error
      asset runs resume RUN_ID   finish a failed or cancelled run; committed work is kept
    """
    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    with state.project.warehouse.reader() as reader:
        found = list_runs(reader, limit)
    if as_json:
        click.echo(dump_json([r.model_dump() for r in found]))
        return
    if not found:
        click.echo("no runs yet")
        return
    rows = []
    for r in found:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(r.tasks.items())) or "no tasks"
        if r.retried:
            counts += f", {r.retried} needed retries"
        took = None
        if r.finished_at is not None:
            took = f"{(r.finished_at - r.started_at).total_seconds():.1f}s"
        rows.append((r.run_id, r.status, r.started_at, took, counts, r.command or ""))
    columns = ["run", "status", "started", Column("took", ">"), "tasks", "command"]
    click.echo(format_table(columns, rows))


@runs.command("show")
@click.argument("run_id")
@json_option
@pass_state
def show(state: CliState, run_id: str, as_json: bool) -> None:
    """Every task of RUN_ID (a unique prefix is enough) with its state and attempts."""
    with state.project.warehouse.reader() as reader:
        run_id = find_run(reader, run_id)
        info = run_info(reader, run_id)
        tasks = reader.runs.tasks(run_id)
    if as_json:
        doc = {
            "run": info.model_dump() if info else None,
            "tasks": tasks.to_dicts(),
        }
        click.echo(dump_json(doc))
        return
    if info is not None:
        retried = f", {info.retried} needed retries" if info.retried else ""
        click.echo(f"run {info.run_id} {info.status}{retried}  [{info.command or ''}]")
    rows = (
        (
            status,
            asset,
            display_key(partition),
            attempts,
            started,
            error if error and status != "succeeded" else "",
        )
        for asset, partition, status, attempts, started, _, error in tasks.iter_rows()
    )
    columns = ["state", "asset", "partition", "attempts", "started", "last error"]
    click.echo(format_table(columns, rows, indent=2))


@runs.command("resume")
@click.argument("run_id")
@run_options
@json_option
@pass_state
def resume(state: CliState, run_id, workers, grace_period, plain, as_json) -> None:
    """Finish RUN_ID: re-plan its request; partitions it committed are not redone, failed,
    cancelled and never-started tasks run. Exit codes as for `asset materialize`."""
    project = state.project
    execute_and_report(
        lambda **kw: project.resume(run_id, **kw),
        workers=workers,
        grace_period=grace_period,
        plain=plain,
        as_json=as_json,
        command=shlex.join(["asset", *sys.argv[1:]])[:500],
    )


@cli.command()
@click.argument("run_id")
@click.argument("target", required=False, metavar="[ASSET[:PARTITION]]")
@click.option("--attempt", type=click.IntRange(min=1), help="Only this attempt.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the run ends.")
@pass_state
def logs(state: CliState, run_id: str, target: str | None, attempt: int | None, follow: bool):
    """Print what tasks of RUN_ID logged: context.log records, print output, warnings and
    tracebacks, per attempt. Narrow it to one ASSET or ASSET:PARTITION.

    With --follow, print lines of a running run as they arrive (about a second behind).
    """
    asset, partition = _parse_target(target)
    project = state.project
    last = 0
    header: tuple | None = None
    while True:
        with project.warehouse.reader() as reader:
            run_id = find_run(reader, run_id)
            info = run_info(reader, run_id)
            lines = reader.runs.logs(
                run_id, asset=asset, partition=partition, attempt=attempt, after=last
            )
            outcomes = reader.runs.attempt_outcomes(run_id)
        for seq, a, p, n, at, stream, message in lines.iter_rows():
            if not follow and (a, p, n) != header:
                header = (a, p, n)
                ended = outcomes.get((a, p, n), "running")
                click.echo(f"== {a} {display_key(p)} attempt {n} ({ended}) ==")
            prefix = f"{a} {display_key(p)} #{n} | " if follow else ""
            stamp = at.strftime("%H:%M:%S.%f")[:-3]
            for text in message.splitlines() or [""]:
                click.echo(f"{prefix}{stamp} {stream:<9} {text}")
            last = seq
        if not follow:
            if not lines.height:
                click.echo("no log lines" + (f" for {target}" if target else ""), err=True)
            return
        if info is None or info.status != "running" or not _alive(info.pid):
            status = info.status if info else "unknown"
            click.echo(f"run {run_id} {status}", err=True)
            return
        sys.stdout.flush()
        time.sleep(FOLLOW_POLL_SECONDS)


def _parse_target(target: str | None) -> tuple[str | None, str | None]:
    if not target:
        return None, None
    asset, _, partition = target.partition(":")
    return asset, partition or None


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
