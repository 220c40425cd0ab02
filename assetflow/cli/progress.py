"""Progress lines for long commands: ``[  12/90]  13%  ETA 0:00:41  succeeded asset key``.

One line per finished task, and one per retry (``retrying  asset key  attempt 1 failed: ...``).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from assetflow.execute.runner import TaskEvent


_FINISHED = {"succeeded", "skipped", "failed", "upstream_failed"}


class Progress:
    """Consumes :class:`TaskEvent`s; prints one line per finished task with a rate-based ETA."""

    def __init__(self, total: int | None = None, *, done: int = 0) -> None:
        self.total = total
        self.done = done
        self._started = time.monotonic()
        self._counted = 0

    def __call__(self, event: TaskEvent) -> None:
        from assetflow.plan.planner import display_key

        if event.kind == "retrying":  # shown, so retried errors are never invisible
            detail = f"  {event.detail}" if event.detail else ""
            click.echo(f"{self._prefix()}  retrying        {event.asset} "
                       f"{display_key(event.partition)}{detail}")  # fmt: skip
            return
        if event.kind not in _FINISHED:
            return
        self.done += 1
        self._counted += 1
        detail = f"  {event.detail}" if event.detail and event.kind != "succeeded" else ""
        rows = f"  {event.rows:,} rows" if event.rows is not None else ""
        what = f"{event.kind:<15} {event.asset} {display_key(event.partition)}{rows}{detail}"
        click.echo(f"{self._prefix()}  {what}", err=event.kind in ("failed", "upstream_failed"))

    def _prefix(self) -> str:
        if not self.total:
            return f"[{self.done}]"
        width = len(str(self.total))
        pct = min(100, int(100 * self.done / self.total))
        elapsed = time.monotonic() - self._started
        left = max(0, self.total - self.done)
        eta = elapsed / self._counted * left if self._counted else 0.0
        clock = time.strftime("%H:%M:%S", time.gmtime(eta))
        return f"[{self.done:>{width}}/{self.total}] {pct:>3}%  ETA {clock}"
