"""Small SVG line plots for the asset page: rows, bytes and duration over its partitions.

Server-rendered like every other drawing of the UI: one ``<polyline>`` per series over at most
:data:`POINTS` buckets (the read model's :func:`~assetflow.observe.history.trend` averages the
partitions of each bucket), a min / max label and the first and last key under the axis.
Every string is escaped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from html import escape

POINTS = 160
_W, _H, _PAD_X, _PAD_TOP, _PAD_BOTTOM = 300, 90, 4, 16, 18


def line_plot(
    title: str,
    values: Sequence[float | None],
    first: str,
    last: str,
    fmt: Callable[[float | None], str],
) -> str:
    """An SVG plot of ``values`` (in partition key order, None gaps skipped) titled ``title``;
    ``fmt`` prints a value for the min / max labels."""
    present = [v for v in values if v is not None]
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="plot" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{escape(title)}">'
        f'<text x="0" y="11" class="plot-title">{escape(title)}</text>'
    )
    if not present:
        return head + '<text x="0" y="40" class="plot-note">no data yet</text></svg>'
    lo, hi = min(present), max(present)
    span = (hi - lo) or 1.0
    inner_h = _H - _PAD_TOP - _PAD_BOTTOM
    step = (_W - 2 * _PAD_X) / max(len(values) - 1, 1)

    def y(v: float) -> float:
        middle = inner_h / 2 if hi == lo else inner_h - (v - lo) / span * inner_h
        return _PAD_TOP + middle

    segments, current = [], []
    for i, v in enumerate(values):
        if v is None:
            if current:
                segments.append(current)
            current = []
            continue
        current.append(f"{_PAD_X + i * step:.1f},{y(v):.1f}")
    if current:
        segments.append(current)
    lines = "".join(
        f'<polyline class="plot-line" points="{" ".join(s)}"/>'
        if len(s) > 1
        else f'<circle class="plot-dot" cx="{s[0].split(",")[0]}" cy="{s[0].split(",")[1]}" r="2"/>'
        for s in segments
    )
    base = _H - _PAD_BOTTOM
    labels = (
        f'<text x="{_W}" y="11" text-anchor="end" class="plot-range">'
        f"{escape(fmt(lo))} … {escape(fmt(hi))}</text>"
        f'<line class="plot-axis" x1="0" y1="{base + 1}" x2="{_W}" y2="{base + 1}"/>'
        f'<text x="0" y="{_H - 3}" class="plot-key">{escape(first)}</text>'
        f'<text x="{_W}" y="{_H - 3}" text-anchor="end" class="plot-key">{escape(last)}</text>'
    )
    return head + lines + labels + "</svg>"
