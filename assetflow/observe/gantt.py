"""Gantt timeline of a run as SVG: one row per asset, one bar per attempt, on a time axis.

The input is a list of :class:`TaskSpan` records (the read model produces them; ``data.py``
does today). Attempts of one asset are *folded* into its row: packed greedily into at most
:data:`MAX_LANES` lanes, later overlaps drawn on top. Above :data:`DENSE_ABOVE` attempts the
rows switch to a density strip (runs of 2-pixel time bins coloured by the worst attempt state
in them), so a 365,000-task backfill is still a few thousand SVG elements.

Marks: failed attempts are vermillion; an attempt after the first (a retry) has a dark notch at
its start; a running attempt (no end yet) is blue and reaches ``now``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape

from assetflow.observe.statuses import FAILED, FRESH, MISSING, RUNNING, STALE, worst

MAX_LANES = 3
DENSE_ABOVE = 2000
_GUTTER = 170
_LANE = 12
_ROW_PAD = 5
_AXIS = 26
_BIN = 2
_NICE = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    1,
    2,
    5,
    10,
    15,
    30,
    60,
    120,
    300,
    600,
    900,
    1800,
    3600,
    7200,
    21600,
    43200,
    86400,
)

# attempt state -> (status whose colour it borrows, severity name for folding)
_LOOK = {
    "succeeded": (FRESH, "fresh"),
    "running": (RUNNING, "running"),
    "failed": (FAILED, "failed"),
    "timeout": (FAILED, "failed"),
    "retrying": (STALE, "stale"),
}
_OTHER = (MISSING, "missing")


@dataclass(frozen=True)
class TaskSpan:
    """One attempt of one task: where, which attempt, when, and how it ended."""

    asset: str
    partition: str
    attempt: int
    start: datetime
    end: datetime | None
    """None while the attempt is still running."""
    state: str


def render_gantt(
    spans: Sequence[TaskSpan], now: datetime, *, width: int = 1300, order: Sequence[str] = ()
) -> str:
    """SVG markup of the timeline; rows in ``order`` first, then by first start."""
    if not spans:
        return '<p class="empty">No attempts recorded for this run yet.</p>'
    t0 = min(s.start for s in spans)
    t1 = max(max((s.end or now) for s in spans), now if any(s.end is None for s in spans) else t0)
    total = max((t1 - t0).total_seconds(), 1e-3)
    plot = width - _GUTTER - 10
    scale = plot / total

    def x(moment: datetime) -> float:
        return _GUTTER + (moment - t0).total_seconds() * scale

    by_asset: dict[str, list[TaskSpan]] = {}
    for span in sorted(spans, key=lambda s: s.start):
        by_asset.setdefault(span.asset, []).append(span)
    rank = {name: i for i, name in enumerate(order)}
    rows = sorted(by_asset, key=lambda a: (rank.get(a, len(rank)), by_asset[a][0].start))
    dense = len(spans) > DENSE_ABOVE

    backs: list[str] = []
    bars: list[str] = []
    y = _AXIS
    for i, name in enumerate(rows):
        items = by_asset[name]
        if dense:
            body, lanes = _dense_row(items, x, y, now, plot), 1
        else:
            body, lanes = _bar_row(items, x, y, now)
        height = lanes * _LANE + 2 * _ROW_PAD
        failed = sum(1 for s in items if _LOOK.get(s.state, _OTHER)[1] == "failed")
        label = f"{name} ({len(items)}{f', {failed} failed' if failed else ''})"
        backs.append(
            f'<rect class="row-bg{" odd" if i % 2 else ""}" x="0" y="{y}" width="{width}" '
            f'height="{height}"/><text class="row-label" x="6" y="{y + height / 2 + 4:.1f}">'
            f"{escape(_clip(label))}<title>{escape(label)}</title></text>"
        )
        bars.append(f'<g class="gantt-row" data-asset="{escape(name)}">{body}</g>')
        y += height
    labels, grid = _axis(t0, total, scale, y)
    return (
        f'<svg class="gantt" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{y + 4}" '
        f'viewBox="0 0 {width} {y + 4}" role="img" aria-label="run timeline">'
        f"{labels}{''.join(backs)}{grid}{''.join(bars)}</svg>"
    )


def _bar_row(items: list[TaskSpan], x, top: int, now: datetime) -> tuple[str, int]:
    lane_end: list[datetime] = []
    out = []
    for span in items:
        end = span.end or now
        lane = next((i for i, e in enumerate(lane_end) if e <= span.start), None)
        if lane is None and len(lane_end) < MAX_LANES:
            lane_end.append(end)
            lane = len(lane_end) - 1
        elif lane is None:
            lane = min(range(len(lane_end)), key=lane_end.__getitem__)
        lane_end[lane] = max(lane_end[lane], end)
        style, _ = _LOOK.get(span.state, _OTHER)
        x0, x1 = x(span.start), x(end)
        y0 = top + _ROW_PAD + lane * _LANE
        seconds = (end - span.start).total_seconds()
        tip = (
            f"{span.asset} {span.partition} · attempt {span.attempt} · {span.state} · "
            f"{_duration(seconds)}{' so far' if span.end is None else ''}"
        )
        out.append(
            f'<rect class="bar state-{escape(span.state)}" x="{x0:.1f}" y="{y0 + 1}" '
            f'width="{max(x1 - x0, 1.5):.1f}" height="{_LANE - 2}" fill="{style.colour}" '
            f'data-partition="{escape(span.partition)}" data-attempt="{span.attempt}">'
            f"<title>{escape(tip)}</title></rect>"
        )
        if span.attempt > 1:
            out.append(
                f'<rect class="retry-mark" x="{x0:.1f}" y="{y0}" width="1.5" '
                f'height="{_LANE}" fill="#1f2933"/>'
            )
    return "".join(out), max(len(lane_end), 1)


def _dense_row(items: list[TaskSpan], x, top: int, now: datetime, plot: float) -> str:
    bins: dict[int, set[str]] = {}
    for span in items:
        lo = int((x(span.start) - _GUTTER) // _BIN)
        hi = int((x(span.end or now) - _GUTTER) // _BIN)
        severity = _LOOK.get(span.state, _OTHER)[1]
        for b in range(lo, min(hi, int(plot // _BIN)) + 1):
            bins.setdefault(b, set()).add(severity)
    out, run_start, run_state, prev = [], None, None, None
    colour = {"fresh": FRESH, "running": RUNNING, "failed": FAILED, "stale": STALE}
    for b in [*sorted(bins), None]:
        state = worst(bins[b]) if b is not None else None
        if b is None or state != run_state or b != prev + 1:  # type: ignore[operator]
            if run_start is not None:
                fill = colour.get(run_state, MISSING).colour  # type: ignore[arg-type]
                out.append(
                    f'<rect class="bin state-{run_state}" x="{_GUTTER + run_start * _BIN}" '
                    f'y="{top + _ROW_PAD}" width="{(prev - run_start + 1) * _BIN}" '
                    f'height="{_LANE}" fill="{fill}"/>'
                )
            run_start, run_state = b, state
        prev = b
    return "".join(out)


def _axis(t0: datetime, total: float, scale: float, bottom: int) -> tuple[str, str]:
    """Tick labels above the rows, and grid lines through them (drawn under the bars)."""
    step = next((n for n in _NICE if n * scale >= 70), _NICE[-1])
    labels = [f'<text class="axis-start" x="6" y="{_AXIS - 8}">{t0:%Y-%m-%d %H:%M:%S} UTC</text>']
    grid = []
    for i in range(int(total / step + 1e-9) + 1):
        t = i * step  # not accumulated: 0.1 + 0.1 + 0.1 drifts
        px = _GUTTER + t * scale
        labels.append(
            f'<text class="tick-label" x="{px + 3:.1f}" y="{_AXIS - 8}">+{_duration(t)}</text>'
        )
        grid.append(
            f'<line class="tick" x1="{px:.1f}" x2="{px:.1f}" y1="{_AXIS - 4}" y2="{bottom}"/>'
        )
        t += step
    return f'<g class="axis">{"".join(labels)}</g>', f'<g class="grid">{"".join(grid)}</g>'


def _duration(seconds: float) -> str:
    if 0 < seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s" if seconds < 10 and seconds % 1 else f"{seconds:.0f}s"
    if seconds < 3600:
        return (
            f"{seconds // 60:.0f}m{seconds % 60:02.0f}s"
            if seconds % 60
            else f"{seconds // 60:.0f}m"
        )
    return f"{seconds // 3600:.0f}h{(seconds % 3600) // 60:02.0f}m"


def _clip(text: str, limit: int = 26) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
