"""`asset history` and `asset why`: what happened to a partition, and why it is as it is.

Both read the published snapshot through the read model, so they never wait for a run.
"""

from __future__ import annotations

import click

from assetflow.cli.app import CliState, cli, dump_json, json_option, partition_option, pass_state


@cli.command()
@click.argument("asset")
@partition_option
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=20,
    show_default=True,
    help="Without --partition: how many of the latest partitions to list (0: all).",
)
@json_option
@pass_state
def history(state: CliState, asset: str, partition: str | None, limit: int, as_json: bool):
    """What happened to ASSET, newest first.

    \b
    With --partition KEY: every materialization of that partition (data version, code
    version, rows, bytes, duration, run, and the upstream versions it read) and every
    failed attempt with its error.
    Without it (a partitioned asset): each partition's latest state (current version, last
    task outcome, how many versions), what each run built of it, and trends of rows, bytes
    and duration over its partitions.
    """
    project = state.project
    project.graph[asset]  # an unknown asset is a usage error naming the known ones
    found = project.history(asset, partition)
    if as_json:
        click.echo(dump_json(found.to_json()))
    elif partition is None and project.graph[asset].partitions is not None:
        click.echo(found.render(limit=limit))  # type: ignore[call-arg]
    else:
        click.echo(found.render())


@cli.command()
@click.argument("asset")
@partition_option
@json_option
@pass_state
def why(state: CliState, asset: str, partition: str | None, as_json: bool) -> None:
    """Why ASSET's partition --partition KEY is stale, missing, failed or fresh: the full
    chain of reasons down to the root cause, and the command that acts on it.

    \b
    stale:   which upstream partition changed, in which run, and why that one changed (its
             code version, an upstream it read, or a re-fetch with the same inputs), down
             to the root cause
    missing: never built; which upstream partitions are missing or failed
    failed:  the last error, the run, and the commands to resume it and read its logs
    fresh:   which run built it, when, and which upstream versions it read
    Unpartitioned assets need no --partition.
    """
    found = state.project.why(asset, partition)
    click.echo(dump_json(found.to_json()) if as_json else found.render())
