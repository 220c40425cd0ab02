"""Capturing one attempt's output: ``context.log`` records, ``print``, warnings, other loggers.

Output is routed by thread: while an attempt is active in a thread, ``sys.stdout``/``sys.stderr``
writes, warnings and log records from that thread land in the attempt's :class:`AttemptLog`;
other threads (the coordinator's progress display) write to the real streams as before. That
works the same in a worker process (one task at a time) and in the thread executor (several).
Output written straight to file descriptor 1/2 by C code is not captured.

A :class:`LogPump` hands each active attempt's new lines to a sink every half second, so a
running task's log can be followed (``asset logs --follow``) before it ends.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

LogEntry = tuple[float, str, str]
"""(unix time, stream, text): stream is a level name (INFO...), stdout, stderr or warning."""

LIMIT_BYTES = 1_000_000
"""Per attempt; beyond it lines are dropped and one note says so."""

_local = threading.local()
_install_lock = threading.Lock()
_installed = 0
_saved: dict[str, Any] = {}


def current() -> AttemptLog | None:
    """The attempt capturing output in this thread, if any."""
    return getattr(_local, "log", None)


class AttemptLog:
    """The captured lines of one attempt, with a logger that writes into it."""

    def __init__(self, name: str, *, limit: int = LIMIT_BYTES) -> None:
        self._lock = threading.Lock()
        self._pending: list[LogEntry] = []
        self._partial: dict[str, str] = {}
        self._size = 0
        self._limit = limit
        self.truncated = False
        # An unregistered Logger: logging.getLogger would keep one per name forever, and this
        # one must not propagate to the root (the routing handler would capture it twice).
        self.logger = logging.Logger(name, logging.DEBUG)
        self.logger.propagate = False
        self.logger.addHandler(_AttemptHandler(self))

    def write(self, stream: str, text: str) -> None:
        """Stream text (print output): stored line by line, partial lines kept until complete."""
        with self._lock:
            pending = self._partial.pop(stream, "") + text
            *lines, rest = pending.split("\n")
            if rest:
                self._partial[stream] = rest
            now = time.time()
            for line in lines:
                self._add(now, stream, line)

    def record(self, stream: str, text: str, when: float | None = None) -> None:
        """One whole message (a log record, a warning, a traceback)."""
        with self._lock:
            self._add(when or time.time(), stream, text.rstrip("\n"))

    def _add(self, when: float, stream: str, text: str) -> None:
        if self.truncated:
            return
        self._size += len(text) + 16
        if self._size > self._limit:
            self.truncated = True
            text = f"[log truncated: more than {self._limit:,} bytes in this attempt]"
            stream = "warning"
        self._pending.append((when, stream, text))

    def take(self) -> list[LogEntry]:
        """Complete lines captured since the last call."""
        with self._lock:
            taken, self._pending = self._pending, []
            return taken

    def finish(self) -> list[LogEntry]:
        """Everything not yet taken, including unterminated last lines."""
        with self._lock:
            now = time.time()
            for stream, rest in self._partial.items():
                self._add(now, stream, rest)
            self._partial.clear()
            taken, self._pending = self._pending, []
            return taken

    @contextmanager
    def active(self) -> Iterator[AttemptLog]:
        """Route this thread's output here for the duration of the block."""
        previous = current()
        _local.log = self
        try:
            yield self
        finally:
            _local.log = previous


class _AttemptHandler(logging.Handler):
    def __init__(self, log: AttemptLog) -> None:
        super().__init__(logging.DEBUG)
        self._log = log
        self.setFormatter(logging.Formatter("%(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._log.record(record.levelname, self.format(record), record.created)
        except Exception:  # a broken record must not fail the task
            self.handleError(record)


class _RoutingHandler(logging.Handler):
    """On the root logger: records of other loggers, from a capturing thread, go to its log."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        log = current()
        if log is not None:
            log.record(record.levelname, self.format(record), record.created)


class _RoutingStream:
    """Stands in for sys.stdout/sys.stderr: capturing threads write to their attempt's log."""

    def __init__(self, original: TextIO, name: str) -> None:
        self._original = original
        self._name = name

    def write(self, text: str) -> int:
        log = current()
        if log is None:
            return self._original.write(text)
        log.write(self._name, text)
        return len(text)

    def flush(self) -> None:
        if current() is None:
            self._original.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._original, name)


def _showwarning(message, category, filename, lineno, file=None, line=None) -> None:
    log = current()
    if log is None:
        _saved["showwarning"](message, category, filename, lineno, file, line)
        return
    text = warnings.formatwarning(message, category, filename, lineno, line)
    log.record("warning", text)


def install() -> None:
    """Start routing stdout, stderr, warnings and root-logger records by thread (nestable).

    The streams are checked on every call, not only the first: whoever replaced
    ``sys.stdout`` since (a notebook, a test harness, an embedding program) gets its new stream
    wrapped too, instead of a nested run silently capturing nothing.
    """
    global _installed
    with _install_lock:
        _installed += 1
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if not isinstance(stream, _RoutingStream):
                setattr(sys, name, _RoutingStream(stream, name))
        if _installed > 1:
            return
        _saved.update(showwarning=warnings.showwarning, handler=_RoutingHandler())
        warnings.showwarning = _showwarning
        logging.getLogger().addHandler(_saved["handler"])


def uninstall() -> None:
    """Undo one :func:`install`; the last one restores the streams it wrapped (a stream that
    someone replaced meanwhile is left as they set it)."""
    global _installed
    with _install_lock:
        _installed -= 1
        if _installed > 0:
            return
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if isinstance(stream, _RoutingStream):
                setattr(sys, name, stream._original)
        warnings.showwarning = _saved["showwarning"]
        logging.getLogger().removeHandler(_saved["handler"])
        _saved.clear()


class LogPump:
    """Every ``interval`` seconds, hands each watched log's new lines to its sink."""

    def __init__(self, interval: float = 0.5) -> None:
        self._interval = interval
        self._lock = threading.Lock()
        self._watched: dict[int, tuple[AttemptLog, Callable[[list[LogEntry]], None]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="assetflow-log-pump", daemon=True)
        self._thread.start()

    def watch(self, log: AttemptLog, sink: Callable[[list[LogEntry]], None]) -> None:
        with self._lock:
            self._watched[id(log)] = (log, sink)

    def unwatch(self, log: AttemptLog) -> None:
        """After this returns the sink is not called again for ``log``."""
        with self._lock:
            self._watched.pop(id(log), None)

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            with self._lock:
                for log, sink in list(self._watched.values()):
                    entries = log.take()
                    if entries:
                        # A gone receiver must not kill the pump; the task result still counts.
                        with contextlib.suppress(Exception):
                            sink(entries)

    def stop(self) -> None:
        self._stop.set()
