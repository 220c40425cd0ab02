"""`asset observe`, `asset tick`, `asset scheduler`, `asset schedules`."""

from __future__ import annotations

import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import click

from assetflow.cli.app import CliState, cli, dump_json, executor_options, json_option, pass_state
from assetflow.errors import AssetflowError, ConfigError

if TYPE_CHECKING:
    from assetflow.automation.tick import TickReport

now_option = click.option(
    "--now",
    "now_text",
    metavar="ISO",
    help="Act as if it were this instant (e.g. 2026-04-08T03:00; UTC unless an offset is given).",
)


allow_future_option = click.option(
    "--allow-future",
    is_flag=True,
    help="Accept a --now later than this machine's clock (builds windows that are still open).",
)


def parse_now(text: str | None, *, allow_future: bool = True) -> datetime:
    """``--now`` as a UTC instant (the machine's clock when not given).

    A command that writes (tick, backfill, observe) passes ``allow_future=False``: acting in the
    future would record a tick for a cron time that has not come (so the real one is skipped)
    and build windows that are still open.
    """
    clock = datetime.now(UTC)
    if text is None:
        return clock
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(
            f"--now {text!r} is not an ISO date-time, e.g. 2026-04-08T03:00"
        ) from None
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    if value > clock and not allow_future:
        raise ConfigError(
            f"--now {text} is later than this machine's clock ({clock:%Y-%m-%dT%H:%M}Z); "
            "pass --allow-future to act as if it were then"
        )
    return value


@cli.command()
@click.argument("sources", nargs=-1)
@now_option
@allow_future_option
@json_option
@pass_state
def observe(state: CliState, sources, now_text, allow_future, as_json) -> None:
    """Run the observe functions of SOURCES (all sources when none), record what changed,
    and print it. Changed sources make their committed partitions (and downstream) stale."""
    from assetflow.automation.sources import observe_sources
    from assetflow.plan.planner import display_key

    now = parse_now(now_text, allow_future=allow_future)
    if any(a.is_source for a in state.project.graph):
        state.note_new_warehouse()
    report = observe_sources(state.project, now, selection=list(sources) or None)
    if as_json:
        click.echo(
            dump_json(
                {
                    "observed": len(report.versions),
                    "changes": [
                        {
                            "asset": c.asset,
                            "partition": c.partition,
                            "kind": c.kind,
                            "before": c.before,
                            "after": c.after,
                        }
                        for c in report.changes
                    ],
                    "errors": list(report.errors),
                }
            )
        )
    else:
        for c in report.changes:
            click.echo(f"  {c.kind:<8} {c.asset} {display_key(c.partition)}")
        for e in report.errors:
            click.echo(f"error: {e}", err=True)
        click.echo(
            f"observed {len(report.versions)} present partition(s), {len(report.changes)} change(s)"
        )
    sys.exit(1 if report.errors else 0)


@cli.command("tick")
@executor_options
@now_option
@allow_future_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Say what the tick would run (schedules, catch-up, skipped, held back); run nothing.",
)
@json_option
@pass_state
def tick_command(state: CliState, now_text, allow_future, dry_run, as_json) -> None:
    """Observe sources, then materialize what schedules (cron times passed since the last tick)
    and eager automations ask for, as one run. Idempotent and safe to run from cron every
    minute: a tick that finds another one running waits for it, then reports its work as
    already done. A catch-up covers at most a schedule's max_catchup ticks (default 31); older
    partitions are reported as skipped. Exit code 1 if a task failed."""
    from assetflow.automation.tick import tick
    from assetflow.callbacks import RunCallbacks
    from assetflow.observe.progress import CountedProgress

    now = parse_now(now_text, allow_future=allow_future)
    if not dry_run:
        state.note_new_warehouse()
    report = tick(
        state.project,
        now,
        dry_run=dry_run,
        callbacks=RunCallbacks(
            on_event=None if as_json else CountedProgress(),
            on_wait=lambda msg: click.echo(f"note: {msg}", err=True),
        ),
    )
    if as_json:
        click.echo(dump_json(report.to_dict()))
    else:
        _print_tick(report)
    sys.exit(0 if report.ok else 1)


def _print_tick(report: TickReport) -> None:
    from assetflow.observe.plan_report import render_plan
    from assetflow.plan.planner import display_key

    for c in report.observed.changes:
        click.echo(f"observed: {c.asset} {display_key(c.partition)} {c.kind}")
    for s in report.schedules:
        if s.tick_time is not None:
            parts = sum(len(k) for k in s.targets.values())
            click.echo(
                f"schedule {s.name}: tick {s.tick_time.isoformat()}, {parts} partition(s) to run"
            )
        elif s.last_tick is not None:
            runs = ", ".join(s.last_runs) or "no run needed"
            click.echo(
                f"schedule {s.name}: nothing due; cron time {s.last_tick.isoformat()} already "
                f"ticked ({runs})"
            )
        else:
            click.echo(f"schedule {s.name}: nothing due yet")
        if s.skipped:
            click.echo(_skipped_line(s.name, s.max_catchup, s.skipped), err=True)
    for asset, keys in report.held.items():
        click.echo(
            f"waiting for sources: {asset} {', '.join(keys[:5])}"
            + (" ..." if len(keys) > 5 else "")
        )
    if report.dry_run:
        click.echo("dry run: sources not observed, nothing run or recorded")
        click.echo(render_plan(report.plan) if report.plan else "tick: nothing to materialize")
        return
    if not report.runs:
        click.echo(
            "tick: nothing to materialize"
            + (" (another tick just did the work)" if report.waited else "")
        )
    for r in report.runs:
        click.echo(r.summary())


def _skipped_line(name: str, max_catchup: int | None, skipped: dict[str, list[str]]) -> str:
    keys = sorted(k for ks in skipped.values() for k in ks)
    count = sum(len(ks) for ks in skipped.values())
    return (
        f"warning: schedule {name}: skipped {count} missing or stale partition(s) older than "
        f"max_catchup={max_catchup} ticks ({keys[0]} .. {keys[-1]}); fill them with "
        f"`asset backfill --from {keys[0]} --to {keys[-1]}`"
    )


@cli.command()
@now_option
@json_option
@pass_state
def schedules(state: CliState, now_text, as_json) -> None:
    """List schedules and eager automations: next tick, last tick and what it ran."""
    from assetflow.plan.staleness import compute_status
    from assetflow.plan.ticks import pending

    project = state.project
    now = parse_now(now_text)
    with project.warehouse.reader() as reader:
        last = reader.automation.last_ticks()
        catalog_state = reader.state()
    statuses = compute_status(project.graph, catalog_state, now)
    rows = []
    for s in project.schedules:
        t = last.get(s.name)
        latest = s.latest_at_or_before(now)
        unticked = latest is not None and (t is None or latest > t.tick_time)
        waiting, beyond = pending(s, project.graph, statuses, now)
        rows.append(
            {
                "schedule": s.name,
                "cron": s.cron,
                "timezone": s.timezone,
                "catchup": s.catchup,
                "max_catchup": s.max_catchup,
                "assets": list(s.assets),
                "next_tick": s.next_after(now).isoformat(),
                "due_tick": latest.isoformat() if unticked and latest else None,
                "pending_partitions": sum(len(k) for k in waiting.values()),
                "beyond_max_catchup": sum(len(k) for k in beyond.values()),
                "last_tick": t.tick_time.isoformat() if t else None,
                "last_ticked_at": t.ticked_at.isoformat() if t else None,
                "last_status": t.status if t else None,
                "last_partitions": t.partitions if t else {},
                "last_runs": t.run_ids if t else [],
            }
        )
    eager = [a.name for a in project.graph if a.automation == "eager"]
    if as_json:
        click.echo(dump_json({"schedules": rows, "eager": eager}))
        return
    if not rows and not eager:
        click.echo("no schedules; add schedule='0 2 * * *' to an asset or af.Schedule(...)")
        return
    for r in rows:
        ran = sum(len(v) for v in r["last_partitions"].values())
        last_text = (
            f"last {r['last_tick']} ({r['last_status']}, {ran} partition(s), "
            f"runs {', '.join(r['last_runs']) or '-'})"
            if r["last_tick"]
            else "never ticked"
        )
        click.echo(
            f"{r['schedule']}  '{r['cron']}' {r['timezone']}"
            f"{'' if r['catchup'] else ' no-catchup'}  -> {', '.join(r['assets'])}\n"
            f"    next {r['next_tick']}  {last_text}"
        )
        if r["due_tick"] or r["pending_partitions"] or r["beyond_max_catchup"]:
            click.echo("    " + _pending_text(r))
    if eager:
        click.echo(f"eager (every tick): {', '.join(eager)}")


def _pending_text(r: dict) -> str:
    due = f"due now: cron time {r['due_tick']} not ticked yet; " if r["due_tick"] else ""
    text = f"{due}{r['pending_partitions']} partition(s) pending (missing, stale or failed)"
    if r["beyond_max_catchup"]:
        text += (
            f"; {r['beyond_max_catchup']} older than max_catchup={r['max_catchup']} ticks are "
            "skipped (asset backfill fills them)"
        )
    return text


@cli.command()
@executor_options
@click.option(
    "--poll",
    type=float,
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="With eager automations or sources, also tick at least this often.",
)
@pass_state
def scheduler(state: CliState, poll: float) -> None:
    """Run forever: tick at the schedules' cron times (and every --poll seconds when there are
    eager automations or sources), sleeping in between. Task failures are reported and the loop
    goes on. SIGTERM or Ctrl-C finishes the current tick and exits 0; a second one aborts it."""
    from assetflow.automation.tick import tick
    from assetflow.callbacks import RunCallbacks
    from assetflow.observe.progress import CountedProgress

    project = state.project
    if not project.schedules and not _polls(project):
        raise ConfigError("nothing to schedule: no schedules, eager automations or sources")
    stopping: list[int] = []

    def stop(signum, frame) -> None:
        stopping.append(signum)
        if len(stopping) > 1:
            raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(
        f"scheduler started (pid {os.getpid()}), {len(project.schedules)} schedule(s)", err=True
    )
    while not stopping:
        now = datetime.now(UTC)
        try:
            report = tick(project, now, callbacks=RunCallbacks(on_event=CountedProgress()))
            _print_tick(report)
        except AssetflowError as exc:
            click.echo(f"error: tick at {now.isoformat()}: {exc}", err=True)
        except Exception as exc:  # keep the loop alive whatever a tick hits
            click.echo(f"error: tick at {now.isoformat()}: {type(exc).__name__}: {exc}", err=True)
        wake = _next_wake(project, datetime.now(UTC), poll)
        if not stopping:
            click.echo(f"next tick at {wake.isoformat()}", err=True)
        while not stopping and datetime.now(UTC) < wake:
            time.sleep(min(0.2, max(0.0, (wake - datetime.now(UTC)).total_seconds())))
    click.echo("scheduler stopped", err=True)


def _polls(project) -> bool:
    return any(a.automation == "eager" or a.is_source for a in project.graph)


def _next_wake(project, now: datetime, poll: float) -> datetime:
    times = [s.next_after(now) for s in project.schedules]
    if _polls(project):
        times.append(now + timedelta(seconds=poll))
    return min(times)
