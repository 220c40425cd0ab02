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

FOLLOW_POLL_SECONDS = 0.5


@cli.group(invoke_without_command=True)
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@json_option
@click.pass_context
def runs(ctx: click.Context, limit: int, as_json: bool) -> None:
    """List recent runs, newest first: status, duration, tasks per state (and how many needed
    retries), attempts, rows and bytes committed, and the command that started each.

    \b
    Subcommands:
      asset runs show RUN_ID     every task of a run: state, attempts, duration, rows, error
      asset runs resume RUN_ID   finish a failed or cancelled run; committed work is kept
    See also: asset timeline RUN_ID (a Gantt chart), asset logs RUN_ID.
    """

    if ctx.invoked_subcommand is not None:
        return
    state: CliState = ctx.obj
    found = state.project.runs(limit)
    click.echo(dump_json(found.to_json()) if as_json else found.render())


@runs.command("show")
@click.argument("run_id")
@click.option("--all", "all_tasks", is_flag=True, help="List every task of a large run.")
@json_option
@pass_state
def show(state: CliState, run_id: str, all_tasks: bool, as_json: bool) -> None:
    """Every task of RUN_ID (a unique prefix is enough): state, attempts, how long it took,
    rows and bytes committed, and the first line of its error (or why it did not run).

    A run of more than 40 tasks is summarized per asset, followed by its failed, retried and
    unfinished tasks; --all lists every task. --json has per-asset totals and the tasks
    (every task with --all, else the failed, retried and unfinished ones of a large run).
    """
    report = state.project.run(run_id)
    if as_json:
        click.echo(dump_json(report.to_json(all_tasks=all_tasks)))
    else:
        click.echo(report.render(all_tasks=all_tasks))


@cli.command()
@click.argument("run_id")
@click.option("--width", type=click.IntRange(min=20, max=400), default=60, show_default=True,
              help="Columns of the time axis.")  # fmt: skip
@click.option("--fold/--no-fold", default=None,
              help="One line per asset (default above 40 tasks) / one line per task.")  # fmt: skip
@json_option
@pass_state
def timeline(state: CliState, run_id: str, width: int, fold: bool | None, as_json: bool) -> None:
    """A text Gantt chart of RUN_ID (a unique prefix is enough): each task's attempts on a
    time axis, retries and failures marked, and the critical path: the chain of tasks, each
    waiting for the one before, that decided when the run ended.

    \b
    One line per task, or per asset (partitions folded) above 40 tasks. Marks:
      =  succeeded        +  succeeded after a retry     x  failed attempt
      ~  running          .  waiting to retry            c  cancelled
      *  on the critical path
    """
    found = state.project.timeline(run_id)
    if as_json:
        click.echo(dump_json(found.to_json(width=width, fold=fold)))
    else:
        click.echo(found.render(width=width, fold=fold))


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
    from assetflow.observe.runs import run_info
    from assetflow.plan.planner import display_key

    asset, partition = _parse_target(target)
    project = state.project
    last = 0
    header: tuple | None = None
    gone = False
    while True:
        with project.read_model.snapshot() as snap:
            run_id = snap.find_run(run_id)
            info = run_info(snap, run_id)
            lines = snap.runs.logs(
                run_id, asset=asset, partition=partition, attempt=attempt, after=last
            )
            outcomes = snap.runs.attempt_outcomes(run_id)
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
        if info is not None and info.status == "running" and not _alive(info.pid) and not gone:
            # Its last publish (its last lines, its end) may be newer than this snapshot.
            gone = True
            continue
        if info is None or info.status != "running" or gone:
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
