"""The ``asset`` command: a thin click layer over :class:`assetflow.Project`.

Every user mistake is an :class:`AssetflowError`; :func:`main` prints its one-line message and
exits with its code (2 usage, 1 a task failed). ``--debug`` adds the traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
from dataclasses import asdict

import click
import polars as pl

from assetflow.config import resolve_settings
from assetflow.errors import AssetflowError
from assetflow.execute.runner import RunResult, TaskEvent
from assetflow.plan.planner import Plan, display_key
from assetflow.project import Project


class CliState:
    """Global options, and the project loaded from them on first use."""

    def __init__(self, project: str | None, warehouse: str | None, lock_timeout: float | None):
        self._options = (project, warehouse)
        self._lock_timeout = lock_timeout
        self._project: Project | None = None

    @property
    def project(self) -> Project:
        if self._project is None:
            settings = resolve_settings(*self._options)
            self._project = Project.load(settings.project, warehouse=settings.warehouse)
            self._project.lock_timeout = self._lock_timeout or settings.lock_timeout
        return self._project


pass_state = click.make_pass_decorator(CliState)
partition_option = click.option(
    "--partition", "partition", metavar="KEY", help="Partition key, e.g. 2026-04-08."
)
json_option = click.option("--json", "as_json", is_flag=True, help="Machine-readable JSON output.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "-p",
    "--project",
    metavar="PATH",
    help="Pipeline .py file or module (env ASSETFLOW_PROJECT, else [tool.assetflow]).",
)
@click.option(
    "-w",
    "--warehouse",
    metavar="DIR",
    help="Warehouse directory (env ASSETFLOW_WAREHOUSE, else [tool.assetflow]).",
)
@click.option(
    "--lock-timeout",
    type=float,
    metavar="SECONDS",
    help="How long to wait for another process writing the warehouse (default 60).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="assetflow")
@click.pass_context
def cli(ctx: click.Context, project, warehouse, lock_timeout, debug) -> None:
    """assetflow: declare partitioned assets; plan what is missing or stale; materialize it
    atomically into DuckDB-backed Parquet.

    \b
    Examples:
      asset list
      asset status --details
      asset materialize --partition 2026-04-08
      asset materialize daily_report --partition 2026-04-08 --force --only
      asset query "select * from daily_report"
    """
    ctx.obj = CliState(project, warehouse, lock_timeout)


@cli.command("list")
@json_option
@pass_state
def list_assets(state: CliState, as_json: bool) -> None:
    """List assets with their partitioning and upstreams, in dependency order."""
    rows = [
        {
            "asset": a.name,
            "partitioning": a.partitions.describe() if a.partitions else "unpartitioned",
            "upstreams": list(a.upstreams),
            "code_version": a.code_version,
        }
        for a in state.project.graph
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max(len(r["asset"]) for r in rows)
    for r in rows:
        ups = ", ".join(r["upstreams"]) or "-"
        click.echo(f"{r['asset']:<{width}}  {r['partitioning']:<32}  <- {ups}")


@cli.command()
@click.argument("assets", nargs=-1)
@partition_option
@click.option("--force", is_flag=True, help="Re-materialize even fresh partitions.")
@click.option(
    "--only",
    is_flag=True,
    help="Run only the named assets; fail if an upstream is missing or stale.",
)
@click.option("--dry-run", is_flag=True, help="Print the plan and stop.")
@json_option
@pass_state
def materialize(state: CliState, assets, partition, force, only, dry_run, as_json) -> None:
    """Materialize ASSETS (all when none given) for a partition, plus the missing or stale
    upstream partitions they need. Fresh partitions are skipped unless --force.

    Without --partition, every due partition that is missing or stale is materialized.
    Exit code 0 when all tasks succeed, 1 when a task failed, 2 for a usage error.
    """
    project = state.project
    selection = list(assets) or None
    if dry_run:
        plan = project.plan(selection, partition=partition, force=force, only=only)
        click.echo(json.dumps(plan.to_dict(), indent=2) if as_json else plan.explain())
        return
    result = project.materialize(
        selection,
        partition=partition,
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


@cli.command()
@click.argument("assets", nargs=-1)
@click.option("--details", is_flag=True, help="List every partition with its status and reason.")
@json_option
@pass_state
def status(state: CliState, assets, details, as_json) -> None:
    """Show fresh / stale / missing partition counts per asset (over due and committed
    partitions), and with --details the reason for each partition."""
    report = state.project.status(list(assets) or None)
    if as_json:
        click.echo(report.to_model(details=True).model_dump_json(indent=2))
    else:
        click.echo(report.render(details=details))


@cli.command()
@click.argument("sql")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="Output format.",
)
@pass_state
def query(state: CliState, sql: str, fmt: str) -> None:
    """Run SQL on the warehouse; asset names are tables (views over committed Parquet)."""
    df = state.project.query(sql)
    if fmt == "csv":
        click.echo(df.write_csv(), nl=False)
    elif fmt == "json":
        click.echo(json.dumps(df.to_dicts(), default=str, indent=2))
    else:
        with pl.Config(
            tbl_rows=-1,
            tbl_cols=-1,
            tbl_width_chars=200,
            fmt_str_lengths=80,
            tbl_hide_dataframe_shape=True,
            tbl_hide_column_data_types=True,
        ):
            click.echo(df)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``asset`` console script."""
    args = sys.argv[1:] if argv is None else argv
    try:
        cli.main(args=args, prog_name="asset", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except AssetflowError as exc:
        if "--debug" in args:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
