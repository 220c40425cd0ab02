"""Serving the UI with uvicorn: in the foreground (``asset ui``) or on a background thread.

The background form is what tests and ``benchmarks/ui_scale.py`` use: a real HTTP server on a
loopback port, stopped cleanly by :meth:`BackgroundServer.stop`.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from datetime import datetime

import uvicorn

from assetflow.project import Project
from assetflow.ui.app import LOOPBACK_HOSTS, create_app


def serve(
    project: Project, host: str = "127.0.0.1", port: int = 8765, *, allow_actions: bool = False
) -> None:
    """Run the UI until interrupted (``asset ui``)."""
    # Bound to another interface, the user means to reach it by other names.
    allowed = LOOPBACK_HOSTS if host in LOOPBACK_HOSTS else ("*",)
    app = create_app(project, allowed_hosts=allowed, allow_actions=allow_actions)
    threading.Thread(target=app.state.data.warm_up, name="assetflow-ui-warm", daemon=True).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class BackgroundServer:
    """The UI of a project served by uvicorn on a daemon thread, on ``127.0.0.1:port``."""

    def __init__(
        self,
        project: Project,
        *,
        clock: Callable[[], datetime] | None = None,
        port: int = 0,
        allow_actions: bool = False,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(project, clock=clock, allow_actions=allow_actions)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="assetflow-ui", daemon=True)

    def start(self, timeout: float = 10.0) -> BackgroundServer:
        """Start serving; returns once the socket accepts connections."""
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the UI server did not start on {self.url}")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> BackgroundServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
