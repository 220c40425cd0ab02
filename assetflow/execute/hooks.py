"""Running ``on_failure`` / ``on_success`` hooks off the coordinator's critical path.

Hooks typically call out (a webhook, an email); a slow one must not stall scheduling, so they
run in order on one background thread. A hook that raises is reported, never fatal. The run
waits for pending hooks before it returns.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

Hook = Callable[[Any], None]


class HookRunner:
    """Calls hooks in submission order on a daemon thread; collects their errors."""

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._errors: list[str] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def submit(self, hook: Hook, record: Any, label: str) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="assetflow-hooks", daemon=True)
            self._thread.start()
        self._queue.put((hook, record, label))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            hook, record, label = item
            try:
                hook(record)
            except Exception as exc:
                name = getattr(hook, "__name__", type(hook).__name__)
                text = f"hook {name} for {label} raised {type(exc).__name__}: {exc}"
                with self._lock:
                    self._errors.append(text)

    def errors(self) -> list[str]:
        """Errors raised by hooks since the last call."""
        with self._lock:
            taken, self._errors = self._errors, []
            return taken

    def close(self, timeout: float = 60.0) -> None:
        """Wait (up to ``timeout`` s) for the hooks already submitted."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout)
            self._thread = None
