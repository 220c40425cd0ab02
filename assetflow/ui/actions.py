"""The UI's one action (``asset ui --allow-actions``): start a materialize or a backfill.

The UI never writes the catalog. The action starts ``asset materialize|backfill SELECTION
--from A --to B [--force]`` as a separate process (the same interpreter, ``python -m assetflow``
with the project file and warehouse the UI serves); that process takes the writer's lock like
any other run and the UI watches it through the published snapshot (runs, backfills).

Off by default: without ``--allow-actions`` the endpoint answers 403 and no page shows a button.
A request must come from a page of this UI: a POST whose ``Origin`` is this server's own origin
and, when the browser sends ``Sec-Fetch-Site``, ``same-origin`` (a cross-site form or script
carries another origin), on top of the loopback ``Host`` check every request passes. That is
the CSRF defence: browsers set both headers themselves and a page cannot forge them. (The UI's
``Referrer-Policy: same-origin`` keeps the ``Origin`` of its own form posts; ``no-referrer``
would make browsers send ``Origin: null``.)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs

from starlette.requests import Request

from assetflow.errors import ConfigError, SelectionError
from assetflow.project import Project
from assetflow.ui.plan_views import PlanRequest

KINDS = ("materialize", "backfill")
MAX_FORM_BYTES = 64 * 1024


@dataclass(frozen=True)
class Launched:
    """A run the UI started: its command line, process id and output file."""

    kind: str
    argv: tuple[str, ...]
    pid: int
    log: Path
    started_at: datetime
    process: subprocess.Popen = field(repr=False, compare=False)

    @property
    def command(self) -> str:
        """The ``asset ...`` part of the command line, as a person would type it."""
        start = self.argv.index(self.kind)
        return " ".join(["asset", *self.argv[start:]])

    def exit_code(self) -> int | None:
        """None while it runs, else how it exited (reaps the process)."""
        return self.process.poll()


class Launcher:
    """Starts runs of one project's warehouse as separate ``python -m assetflow`` processes."""

    def __init__(self, project: Project) -> None:
        if project.source is None:
            raise ConfigError(
                "--allow-actions needs a project loaded from a file (asset -p FILE ui ...)"
            )
        self.source = project.source
        self.warehouse = Path(project.warehouse.root).resolve()
        self.graph = project.graph
        self._logs = Path(tempfile.mkdtemp(prefix="assetflow-ui-runs-"))
        self._lock = threading.Lock()
        self.launched: list[Launched] = []

    def argv(self, kind: str, request: PlanRequest) -> list[str]:
        """The command line of ``kind`` for ``request``; raises SelectionError when invalid."""
        if kind not in KINDS:
            raise SelectionError(f"unknown action {kind!r}; use one of {', '.join(KINDS)}")
        for name in request.assets:
            self.graph[name]  # an unknown name raises SelectionError naming it
        args = [sys.executable, "-m", "assetflow", "-p", self.source, "-w", str(self.warehouse)]
        args += [kind, *request.assets]
        key_range = request.key_range
        if kind == "backfill" and key_range is None:
            raise SelectionError("a backfill needs a range: fill in from and to")
        if key_range is not None:
            args += ["--from", key_range[0], "--to", key_range[1]]
        if request.force:
            args.append("--force")
        return args

    def start(self, kind: str, request: PlanRequest, now: datetime) -> Launched:
        """Start the run in its own process (and session: it outlives the UI) and return."""
        argv = self.argv(kind, request)
        with self._lock:
            log = self._logs / f"{kind}-{len(self.launched) + 1}.log"
            with log.open("wb") as out:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=os.getcwd(),
                    start_new_session=True,
                )
            launched = Launched(kind, tuple(argv), process.pid, log, now, process)
            self.launched.append(launched)
        return launched


def same_origin(request: Request) -> bool:
    """Whether a state-changing request comes from a page of this very server."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site != "same-origin":
        return False
    origin = request.headers.get("origin")
    host = request.headers.get("host")
    return origin is not None and host is not None and origin == f"{request.url.scheme}://{host}"


async def read_form(request: Request) -> tuple[str, PlanRequest]:
    """The action's kind and request from an ``application/x-www-form-urlencoded`` body."""
    kind = request.headers.get("content-type", "").split(";")[0].strip()
    if kind != "application/x-www-form-urlencoded":
        raise SelectionError("send the form as application/x-www-form-urlencoded")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise SelectionError("the form is too large")
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def one(name: str) -> str:
        return (fields.get(name) or [""])[0]

    plan = PlanRequest(fields.get("asset", []), one("from"), one("to"), one("force") == "1")
    return one("kind"), plan
