"""Read-only commands: `asset list`, `asset lineage`, `asset status`, `asset query`."""

from __future__ import annotations

import click

from assetflow.cli.app import (
    CliState,
    cli,
    dump_json,
    json_option,
    partition_option,
    partition_range_options,
    pass_state,
)
from assetflow.observe.lineage_report import FORMATS
from assetflow.observe.table import format_table
from assetflow.plan.targets import partition_range


@cli.command("list")
@json_option
@pass_state
def list_assets(state: CliState, as_json: bool) -> None:
    """List assets in dependency order: partitioning, upstreams (what each reads) and
    downstreams (what reads it). `asset lineage` shows mappings, schedules and policies."""
    nodes = state.project.lineage().nodes
    if as_json:
        columns = ["asset", "partitioning", "upstreams", "downstreams", "code_version"]
        click.echo(dump_json(nodes.select(columns).to_dicts()))
        return
    table = (
        (
            r["asset"],
            r["partitioning"],
            ", ".join(r["upstreams"]) or "-",
            ", ".join(r["downstreams"]) or "-",
        )
        for r in nodes.iter_rows(named=True)
    )
    click.echo(format_table(["asset", "partitioning", "upstreams", "downstreams"], table))


@cli.command()
@click.argument("asset", required=False)
@click.option("--upstream", "direction", flag_value="upstream", help="Only what ASSET reads.")
@click.option("--downstream", "direction", flag_value="downstream", help="Only what reads ASSET.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    default="tree",
    show_default=True,
    help="tree (text), mermaid (for Markdown) or dot (Graphviz).",
)
@json_option
@pass_state
def lineage(state: CliState, asset, direction, fmt, as_json) -> None:
    """The asset graph: each asset with its partitioning, code version, schedules, automation
    and retry/timeout policy, and each edge with its partition mapping (identity, a window
    such as `window -6..0 (daily)`, a grain change such as `window (daily -> monthly)`, all
    partitions).

    \b
    With ASSET, only what it reads (--upstream), what reads it (--downstream), or both.
    Examples:
      asset lineage daily_report --upstream
      asset lineage --format mermaid > lineage.md
      asset lineage --format dot | dot -Tsvg > lineage.svg
    """
    if direction and asset is None:
        raise click.UsageError(f"--{direction} needs an ASSET: asset lineage ASSET --{direction}")
    found = state.project.lineage(asset, direction or "both")
    click.echo(dump_json(found.to_json()) if as_json else found.render(fmt))


@cli.command()
@click.argument("assets", nargs=-1)
@click.option("--details", is_flag=True, help="List every partition with its status and reason.")
@partition_option
@partition_range_options
@json_option
@pass_state
def status(state: CliState, assets, details, partition, from_key, to_key, as_json) -> None:
    """Show fresh / stale / failed / missing partition counts per asset (over due and
    committed partitions), and with --details the reason for each partition. Only the named
    ASSETS are shown (all when none). --partition or --from/--to narrow it to those partitions
    (a --from/--to range also selects the weeks / months that lie inside it)."""
    report = state.project.status(
        list(assets) or None,
        partition=partition,
        partition_range=partition_range(from_key, to_key),
    )
    if as_json:
        click.echo(dump_json(report.to_model(details=True).model_dump()))
    else:
        click.echo(report.render(details=details))
    state.note_new_warehouse(writes=False)


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
        click.echo(dump_json(df.to_dicts()))
    else:
        click.echo(format_table(df.columns, df.iter_rows()))
