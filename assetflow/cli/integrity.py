"""Integrity commands: `asset verify`, `asset vacuum`, `asset rollback`."""

from __future__ import annotations

import re
import sys
from dataclasses import asdict
from datetime import timedelta

import click

from assetflow.cli.app import CliState, cli, dump_json, json_option, partition_option, pass_state
from assetflow.observe.table import format_table

_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``45s``, ``2w`` or plain seconds; raises click.BadParameter."""
    match = _DURATION.fullmatch(text.strip())
    if not match:
        raise click.BadParameter(
            f"{text!r} is not a duration; use e.g. 7d, 12h, 30m, 45s or 0",
            param_hint="--older-than",
        )
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _note(message: str) -> None:
    click.echo(f"note: {message}", err=True)


@cli.command()
@click.option(
    "--repair",
    is_flag=True,
    help="First restore a damaged live catalog from the snapshot, forget partitions whose file "
    "is missing or damaged (the next run rebuilds them), and republish the snapshot.",
)
@json_option
@pass_state
def verify(state: CliState, repair: bool, as_json: bool) -> None:
    """Check that every committed file exists with the checksum recorded at commit, that every
    view reads exactly the committed files, and list orphan files.

    Exit code 0 when nothing is damaged (orphans are not damage), 1 when something is.
    """
    report = state.project.verify(repair=repair, on_wait=_note)
    if as_json:
        click.echo(dump_json({"ok": report.ok, **report.model_dump()}))
    else:
        click.echo(report.render())
    sys.exit(0 if report.ok else 1)


@cli.command()
@click.option(
    "--older-than",
    default="7d",
    show_default=True,
    metavar="AGE",
    help="Retention: keep orphans and superseded versions younger than this (e.g. 7d, 12h, 0).",
)
@click.option("--dry-run", is_flag=True, help="List what would be removed; remove nothing.")
@json_option
@pass_state
def vacuum(state: CliState, older_than: str, dry_run: bool, as_json: bool) -> None:
    """Remove orphan files (left by crashes, including .tmp- files) and superseded versions
    older than the retention. A file a current partition references is never removed.
    """
    report = state.project.vacuum(
        older_than=parse_duration(older_than), dry_run=dry_run, on_wait=_note
    )
    if as_json:
        click.echo(dump_json(report.model_dump()))
    else:
        click.echo(report.render())


@cli.command()
@click.argument("asset")
@partition_option
@click.option(
    "--to",
    "to",
    type=int,
    metavar="MATERIALIZATION",
    help="Materialization id to restore (default: the newest earlier version with other data).",
)
@click.option("--list", "list_versions", is_flag=True, help="List the partition's versions.")
@json_option
@pass_state
def rollback(
    state: CliState, asset: str, partition, to, list_versions: bool, as_json: bool
) -> None:
    """Make an earlier retained version of ASSET's partition current again, atomically.

    The rollback is recorded as a new materialization; partitions that read the replaced version
    become stale by the usual rules. Without --to, restores the newest earlier version whose
    data differs from the current one.
    """
    project = state.project
    if list_versions:
        table = project.versions(asset, partition).select(
            "id",
            "current",
            "retained",
            "finished_at",
            "data_version",
            "code_version",
            "row_count",
            "run_id",
        )
        if as_json:
            click.echo(dump_json(table.to_dicts()))
        elif table.height:
            click.echo(format_table(table.columns, table.iter_rows()))
        else:
            click.echo(f"no versions of {asset} {partition or ''}".rstrip())
        return
    result = project.rollback(asset, partition, to=to, on_wait=_note)
    if as_json:
        click.echo(dump_json(asdict(result)))
        return
    was = f"materialization {result.replaced}" if result.replaced else "nothing (missing)"
    click.echo(
        f"rolled back {result.asset} {partition or ''}".rstrip()
        + f": now materialization {result.materialization_id} = data of {result.restored} "
        f"({result.row_count:,} rows, {result.data_version}); replaced {was}"
    )
