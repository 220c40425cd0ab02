"""Read-only commands: `asset list`, `asset status`, `asset query`."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import click
import polars as pl

from assetflow.cli.app import (
    CliState,
    cli,
    json_option,
    partition_option,
    partition_range_options,
    pass_state,
)
from assetflow.plan.targets import partition_range


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
@click.option("--details", is_flag=True, help="List every partition with its status and reason.")
@partition_option
@partition_range_options
@json_option
@pass_state
def status(state: CliState, assets, details, partition, from_key, to_key, as_json) -> None:
    """Show fresh / stale / missing partition counts per asset (over due and committed
    partitions), and with --details the reason for each partition. --partition or --from/--to
    narrow it to those partitions."""
    report = state.project.status(
        list(assets) or None,
        partition=partition,
        partition_range=partition_range(from_key, to_key),
    )
    if as_json:
        click.echo(report.to_model(details=True).model_dump_json(indent=2))
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
        click.echo(json.dumps(df.to_dicts(), default=_json_value, indent=2))
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


def _json_value(value: Any) -> Any:
    """JSON for what DuckDB returns beyond JSON's types: exact integers stay integers."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
