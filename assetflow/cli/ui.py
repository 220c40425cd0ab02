"""`asset ui`: the local web UI (the optional extra ``ui``; imported only when the command runs)."""

from __future__ import annotations

import ipaddress

import click

from assetflow.cli.app import CliState, cli, pass_state
from assetflow.errors import ConfigError


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on. Anything but loopback lets other machines read the UI.",
)
@click.option(
    "--allow-actions",
    is_flag=True,
    help="Let the plan page start a materialize or backfill (as a separate process).",
)
@pass_state
def ui(state: CliState, port: int, host: str, allow_actions: bool) -> None:
    """Serve a local web UI of the warehouse until Ctrl-C: the status of every partition,
    the asset graph, asset and partition pages (history, why, versions, logs), runs with
    their timelines, backfills, and a plan preview.

    It reads only the published snapshot (never blocks a run) and works offline. Read-only
    unless --allow-actions, which adds one button: start a materialize or backfill of a
    selection and range as a separate `asset` process.

    \b
    Needs the ui extra:
      pip install 'assetflow[ui]'
    """
    try:
        from assetflow.ui.server import serve
    except ImportError as exc:
        raise ConfigError(
            f"asset ui needs the ui extra ({exc.name} is missing): pip install 'assetflow[ui]'"
        ) from None
    project = state.project
    state.note_new_warehouse(writes=False)
    if not _loopback(host):
        click.echo(
            f"warning: listening on {host}: anyone who can reach this machine can read the "
            "warehouse's state" + (" and start runs" if allow_actions else ""),
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"assetflow UI on http://{shown}:{port}/ (Ctrl-C stops it)")
    serve(project, host=host, port=port, allow_actions=allow_actions)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to any interface
        return False
