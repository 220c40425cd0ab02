"""Read-only commands: `asset list`, `asset status`, `asset query`."""

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
from assetflow.observe.table import format_table


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
        click.echo(dump_json(rows))
        return
    table = ((r["asset"], r["partitioning"], ", ".join(r["upstreams"]) or "-") for r in rows)
    click.echo(format_table(["asset", "partitioning", "upstreams"], table))


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
    from assetflow.plan.targets import partition_range

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
