"""HTML for notebook reprs: escaped tables and small inline SVG charts, no JavaScript.

Every string that came from a user, a catalog or a log goes through :func:`escape` (a
``<script>`` in an asset description or a log line shows as text). The markup is self-contained
(inline styles), so it renders the same in Jupyter, VS Code and a saved notebook.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from assetflow.observe.statuses import SEVERITY, STYLES
from assetflow.observe.table import cell

_PARTITION = {style.name: style.colour for style in STYLES}
STATE_COLOURS = {
    **_PARTITION,
    "succeeded": _PARTITION["fresh"],
    "retrying": _PARTITION["stale"],
    "queued": _PARTITION["missing"],
    "upstream_failed": "#f0a787",
    "skipped": "#56b4e9",
    "cancelled": "#999999",
    "interrupted": "#999999",
}
"""Colours of partition states (``statuses.py``, the web UI's too) and of task states."""

SVG_STYLE = """<style>
svg.lineage .edge { fill: none; stroke: #a7b1bc; stroke-width: 1.2; }
svg.lineage .arrow { fill: #a7b1bc; }
svg.lineage .node-box { fill: #fff; stroke: #c5ccd4; }
svg.lineage a.center .node-box { stroke: #1f2933; stroke-width: 2; }
svg.lineage .node-name { font: 600 12px system-ui, sans-serif; fill: #1f2933; }
svg.lineage .node-detail { font: 11px system-ui, sans-serif; fill: #66717e; }
svg.gantt .row-bg { fill: #fff; }
svg.gantt .row-bg.odd { fill: #f7f8fa; }
svg.gantt .row-label { font: 12px system-ui, sans-serif; fill: #1f2933; }
svg.gantt .tick { stroke: #e3e7eb; stroke-width: 1; }
svg.gantt .tick-label, svg.gantt .axis-start { font: 11px system-ui, sans-serif; fill: #66717e; }
</style>"""
"""What the shared SVG drawings (lineage, Gantt) need outside the web UI's stylesheet."""

_TABLE = "border-collapse:collapse;font-size:12px;margin:4px 0"
_CELL = "padding:2px 8px;border-bottom:1px solid #e3e6ea;text-align:{}"
_FONT = "font-family:system-ui,sans-serif;font-size:13px"


def escape(value: object) -> str:
    """``value`` as table text, HTML-escaped (quotes too: safe inside attributes)."""
    return html.escape(cell(value), quote=True)


def table(
    columns: Sequence[str], rows: Iterable[Sequence[object]], *, numeric: Sequence[bool] = ()
) -> str:
    """An escaped HTML table; ``numeric`` right-aligns those columns."""
    right = list(numeric) + [False] * (len(columns) - len(numeric))
    head = "".join(
        f'<th style="{_CELL.format("right" if r else "left")}">{escape(c)}</th>'
        for c, r in zip(columns, right, strict=True)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="{_CELL.format("right" if r else "left")}">{escape(v)}</td>'
            for v, r in zip(row, right, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table style="{_TABLE}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def block(title: str, *parts: str) -> str:
    """A titled section: the title escaped, the parts already HTML."""
    return f'<div style="{_FONT}"><div><b>{escape(title)}</b></div>{"".join(parts)}</div>'


def text(value: object) -> str:
    """One escaped line of text (``<pre>``-free, wraps in the notebook)."""
    return f"<div>{escape(value)}</div>"


def pre(value: str) -> str:
    """Preformatted, escaped text (a text Gantt, a log excerpt)."""
    return f'<pre style="font-size:12px;line-height:1.25">{html.escape(value)}</pre>'


def state_bar(counts: Sequence[tuple[str, int]], *, width: int = 240, height: int = 12) -> str:
    """A horizontal SVG bar split by state (``[(state, count), ...]``), with a tooltip each."""
    total = sum(n for _, n in counts) or 1
    x = 0.0
    rects = []
    for state, n in counts:
        if not n:
            continue
        w = width * n / total
        colour = STATE_COLOURS.get(state, "#b4b9c0")
        tip = html.escape(f"{state}: {n:,}")
        rects.append(
            f'<rect x="{x:.2f}" y="0" width="{w:.2f}" height="{height}" fill="{colour}">'
            f"<title>{tip}</title></rect>"
        )
        x += w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img">{"".join(rects)}</svg>'
    )


def sparkline(values: Sequence[float | None], *, width: int = 160, height: int = 24) -> str:
    """An SVG polyline of ``values`` (None gaps are skipped), scaled to its own range."""
    points = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(points) < 2:
        return ""
    lo = min(v for _, v in points)
    hi = max(v for _, v in points)
    span = (hi - lo) or 1.0
    step = width / max(len(values) - 1, 1)
    coords = " ".join(
        f"{i * step:.1f},{height - 2 - (v - lo) / span * (height - 4):.1f}" for i, v in points
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img">'
        f'<polyline fill="none" stroke="#0072b2" stroke-width="1.5" points="{coords}"/></svg>'
    )


def health_strip(states: Sequence[str], *, width: int = 300, height: int = 10) -> str:
    """An SVG strip of partitions in key order: ``states`` holds one state per pixel bucket
    (the worst of the partitions it covers), drawn as runs of equal colour."""
    if not states:
        return ""
    step = width / len(states)
    rects, start = [], 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            colour = STATE_COLOURS.get(states[start], "#b4b9c0")
            rects.append(
                f'<rect x="{start * step:.2f}" y="0" width="{(i - start) * step:.2f}" '
                f'height="{height}" fill="{colour}"/>'
            )
            start = i
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img">{"".join(rects)}</svg>'
    )


SEVERITY_RANK = {state: rank for rank, state in enumerate(reversed(SEVERITY))}
"""Higher is worse: what a pixel covering several partitions shows."""


def metadata(items: dict[str, object]) -> str:
    """An asset's metadata as a small list; http(s) URLs become links (text and href escaped)."""
    if not items:
        return ""
    rows = []
    for key, value in items.items():
        shown = escape(value)
        if isinstance(value, str) and value.startswith(("https://", "http://")):
            shown = f'<a href="{shown}" rel="noopener noreferrer">{shown}</a>'
        rows.append(f"<li><b>{escape(key)}</b>: {shown}</li>")
    return f'<ul style="margin:2px 0;padding-left:16px">{"".join(rows)}</ul>'
