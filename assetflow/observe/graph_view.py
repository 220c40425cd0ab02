"""The asset graph page's drawing: which assets to show, and the SVG of their layout.

Up to :data:`FULL_GRAPH_LIMIT` assets the whole graph is laid out. Above it, the page shows the
neighbourhood of one selected asset (upstream and downstream to a depth, nearest first, capped
at the same limit), because a browser asked to draw thousands of boxes and edges at once is
where other orchestrators' lineage views hang.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from html import escape

from assetflow.define.graph import AssetGraph
from assetflow.observe.layout import NODE_H, NODE_W, Layout, layered_layout
from assetflow.observe.statuses import STYLES, worst

FULL_GRAPH_LIMIT = 300
_BY_NAME = {s.name: s for s in STYLES}


@dataclass(frozen=True)
class GraphSelection:
    """The assets drawn, and why: everything, or the neighbourhood of ``center``."""

    assets: tuple[str, ...]
    center: str | None
    depth: int
    total: int
    truncated: int
    """Assets within ``depth`` left out to stay under the limit."""


def choose_assets(
    graph: AssetGraph, center: str | None, depth: int, *, limit: int = FULL_GRAPH_LIMIT
) -> GraphSelection:
    """All assets if they fit under ``limit`` and none is selected, else a neighbourhood.

    With no selection on a large graph the best connected asset is the centre.
    """
    if center is None and len(graph) <= limit:
        return GraphSelection(tuple(graph.order), None, depth, len(graph), 0)
    downstream: dict[str, list[str]] = {n: [] for n in graph.order}
    for name in graph.order:
        for up in graph[name].upstreams:
            downstream[up].append(name)
    if center is None:  # the best connected asset (first in topological order among equals)
        center = max(graph.order, key=lambda n: len(graph[n].upstreams) + len(downstream[n]))
    center = graph[center].name
    distance = {center: 0}
    frontier = [center]
    for step in range(1, depth + 1):
        nxt = []
        for name in frontier:
            for other in (*graph[name].upstreams, *downstream[name]):
                if other not in distance:
                    distance[other] = step
                    nxt.append(other)
        frontier = nxt
    ranked = sorted(distance, key=lambda n: (distance[n], n))
    kept = set(ranked[:limit])
    ordered = tuple(n for n in graph.order if n in kept)
    return GraphSelection(ordered, center, depth, len(graph), len(ranked) - len(kept))


def layout_selection(graph: AssetGraph, selection: GraphSelection) -> Layout:
    """The layered layout of the selected assets and the edges among them."""
    chosen = set(selection.assets)
    edges = [(up, n) for n in selection.assets for up in graph[n].upstreams if up in chosen]
    return layered_layout(selection.assets, edges)


def render_graph(
    layout: Layout,
    counts: Mapping[str, Mapping[str, int]],
    *,
    center: str | None = None,
    href: str = "/assets/{}",
) -> str:
    """SVG of ``layout``; each node links to its asset page and is coloured by its worst state.

    ``counts`` maps asset -> state -> number of partitions (``StatusMatrix.counts``).
    """
    edges = "".join(
        f'<path class="edge" d="{_path(e.points)}" marker-end="url(#arrow)"/>' for e in layout.edges
    )
    nodes = "".join(
        _node(box.name, box.x, box.y, counts.get(box.name, {}), box.name == center, href)
        for box in layout.nodes.values()
    )
    w, h = round(layout.width), round(layout.height)
    return (
        f'<svg class="lineage" xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
        f'viewBox="0 0 {w} {h}" role="img" aria-label="asset lineage">'
        '<defs><marker id="arrow" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" '
        'markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" class="arrow"/></marker></defs>'
        f'<g class="edges">{edges}</g><g class="nodes">{nodes}</g></svg>'
    )


def _node(name: str, x: float, y: float, counts: Mapping[str, int], center: bool, href: str) -> str:
    present = [s for s, n in counts.items() if n]
    state = worst(present)
    total = sum(counts.values())
    problems = [
        f"{counts[s]:,} {s}" for s in ("failed", "running", "stale", "missing") if counts.get(s)
    ]
    detail = ", ".join(problems[:2]) if problems else f"{total:,} fresh"
    bar, at = [], 0.0
    width = NODE_W - 20
    for style in STYLES:
        n = counts.get(style.name, 0)
        if n and total:
            part = width * n / total
            bar.append(
                f'<rect x="{x + 12 + at:.1f}" y="{y + NODE_H - 7}" width="{max(part, 0.8):.1f}" '
                f'height="3" fill="{style.colour}"/>'
            )
            at += part
    label = name if len(name) <= 26 else name[:25] + "…"
    colour = _BY_NAME[state].colour
    title = f"{name}: " + (", ".join(f"{counts[s]:,} {s}" for s in present) or "no partitions")
    return (
        f'<a class="node{" center" if center else ""}" href="{escape(href.format(name))}" '
        f'data-asset="{escape(name)}" data-status="{state}">'
        f"<title>{escape(title)}</title>"
        f'<rect class="node-box" x="{x:.1f}" y="{y:.1f}" width="{NODE_W}" height="{NODE_H}" '
        'rx="4"/>'
        f'<rect class="status-stripe" x="{x:.1f}" y="{y:.1f}" width="5" height="{NODE_H}" '
        f'fill="{colour}"/>'
        f'<text class="node-name" x="{x + 12:.1f}" y="{y + 15:.1f}">{escape(label)}</text>'
        f'<text class="node-detail" x="{x + 12:.1f}" y="{y + 28:.1f}">{escape(detail)}</text>'
        f"{''.join(bar)}</a>"
    )


def _path(points: tuple[tuple[float, float], ...]) -> str:
    """Straight through dummy columns, cubic curves between columns."""
    (x0, y0), rest = points[0], points[1:]
    out = [f"M{x0:.1f},{y0:.1f}"]
    px, py = x0, y0
    for x, y in rest:
        if y == py:
            out.append(f"L{x:.1f},{y:.1f}")
        else:
            mid = (px + x) / 2
            out.append(f"C{mid:.1f},{py:.1f} {mid:.1f},{y:.1f} {x:.1f},{y:.1f}")
        px, py = x, y
    return " ".join(out)
