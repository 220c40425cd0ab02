"""How durations, sizes and versions print, the same in every report (text and HTML)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from assetflow.observe.table import TIME_FORMAT

VERSION_CHARS = 12
"""Data versions are shown by their first characters (like short git hashes)."""


def duration(seconds: float | None) -> str:
    """``0.25s``, ``12.3s``, ``4m05s``, ``2h03m``; ``-`` when unknown."""
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.2f}s"
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def size(count: int | None) -> str:
    """Bytes as ``812 B``, ``4.1 KB``, ``23.0 MB``, ``3.1 GB``; ``-`` when unknown."""
    if count is None:
        return "-"
    value = float(count)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError  # pragma: no cover


def short(version: str | None) -> str:
    """The first characters of a data version (``-`` when there is none)."""
    return "-" if version is None else version[:VERSION_CHARS]


def when(moment: datetime | None) -> str:
    """A timestamp as the tables print it (UTC)."""
    return "-" if moment is None else moment.strftime(TIME_FORMAT)


_BARS = "▁▂▃▄▅▆▇█"


def spark(values: list[float | None]) -> str:
    """A text sparkline (one block character per value, ``·`` for a gap)."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    top = len(_BARS) - 1
    return "".join(
        "·" if v is None else _BARS[round((v - lo) / span * top) if hi > lo else 3] for v in values
    )


def metadata(text: str | None) -> dict[str, Any]:
    """The metadata an asset attached to a version (stored as a JSON object), or {}."""
    return json.loads(text) if text else {}


def metadata_line(text: str | None) -> str:
    """``key=value, ...`` of a version's metadata (numbers with thousands separators)."""
    return ", ".join(
        f"{k}={v:,}" if isinstance(v, int | float) and not isinstance(v, bool) else f"{k}={v}"
        for k, v in metadata(text).items()
    )
