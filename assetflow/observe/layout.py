"""Layered (Sugiyama-style) layout of a DAG, left to right, in pure Python.

Steps, each the textbook choice that is linear or near-linear in nodes + edges:

1. **Layering** by longest path from the sources: a node sits one layer right of its deepest
   upstream (``AssetGraph.order`` is already topological, so one pass).
2. **Long edges** that skip layers get a chain of dummy nodes, one per skipped layer, so edges
   are routed between nodes and take part in crossing reduction.
3. **Ordering** within layers by barycentre sweeps (down, then up) with a stable sort; the
   ordering with the fewest crossings seen (counted by inversions, O(E log V)) is kept.
4. **Coordinates**: x from the layer; y by a few sweeps that move each node toward the mean y
   of its neighbours in the previous layer while keeping the order and a minimum gap, solved
   exactly per layer by isotonic regression (pool adjacent violators).

Measured at 1,000 assets / ~1,600 edges in ``benchmarks/ui_scale.py`` (see
``assetflow/ui/README.md``). Chosen over grandalf (the one maintained pure-Python Sugiyama
package) because its last release is from 2023 and it lays out one node at a time through
Python objects, while this is ~200 lines we control and can profile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

NODE_W = 200
NODE_H = 40
DUMMY_H = 4
GAP_X = 70
GAP_Y = 12
MARGIN = 16
_ORDER_SWEEPS = 8
_PLACE_SWEEPS = 6


@dataclass(frozen=True)
class NodeBox:
    """A laid-out node: its top-left corner and layer."""

    name: str
    x: float
    y: float
    layer: int


@dataclass(frozen=True)
class EdgePath:
    """An edge as a polyline: right side of the upstream, through dummies, to the downstream."""

    upstream: str
    downstream: str
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Layout:
    """Node boxes (``NODE_W x NODE_H``), edge polylines and the drawing's size."""

    nodes: dict[str, NodeBox]
    edges: tuple[EdgePath, ...]
    width: float
    height: float
    crossings: int


def layered_layout(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> Layout:
    """Lay out ``nodes`` (in topological order) joined by ``(upstream, downstream)`` edges."""
    index = {name: i for i, name in enumerate(nodes)}
    edges = [(u, d) for u, d in edges if u in index and d in index]
    layer = [0] * len(nodes)
    ups: list[list[int]] = [[] for _ in nodes]
    for u, d in edges:
        ups[index[d]].append(index[u])
    for i in range(len(nodes)):
        layer[i] = 1 + max((layer[u] for u in ups[i]), default=-1)

    # Proper layered graph: chains of dummies (ids >= len(nodes)) for edges spanning layers.
    node_layer = list(layer)
    preds: list[list[int]] = [[] for _ in nodes]
    succs: list[list[int]] = [[] for _ in nodes]
    chains: list[tuple[str, str, list[int]]] = []
    for u, d in edges:
        a, b = index[u], index[d]
        chain = [a]
        for lay in range(layer[a] + 1, layer[b]):
            node_layer.append(lay)
            preds.append([])
            succs.append([])
            chain.append(len(node_layer) - 1)
        chain.append(b)
        for p, q in pairwise(chain):
            succs[p].append(q)
            preds[q].append(p)
        chains.append((u, d, chain))

    depth = max(node_layer, default=-1) + 1
    layers: list[list[int]] = [[] for _ in range(depth)]
    for v, lay in enumerate(node_layer):
        layers[lay].append(v)
    layers, crossings = _order(layers, preds, succs)
    ys = _place(layers, preds, succs, len(nodes))

    top = min(ys, default=0.0)
    boxes = {}
    for v, name in enumerate(nodes):
        boxes[name] = NodeBox(
            name, MARGIN + layer[v] * (NODE_W + GAP_X), ys[v] - top + MARGIN, layer[v]
        )
    paths = []
    for u, d, chain in chains:
        start, end = boxes[u], boxes[d]
        points = [(start.x + NODE_W, start.y + NODE_H / 2)]
        for v in chain[1:-1]:
            left = MARGIN + node_layer[v] * (NODE_W + GAP_X)
            mid = ys[v] - top + MARGIN + NODE_H / 2
            points += [(left, mid), (left + NODE_W, mid)]
        points.append((end.x, end.y + NODE_H / 2))
        paths.append(EdgePath(u, d, tuple(points)))
    height = max((b.y + NODE_H for b in boxes.values()), default=0.0) + MARGIN
    width = MARGIN * 2 + max(depth, 1) * (NODE_W + GAP_X) - GAP_X
    return Layout(boxes, tuple(paths), width, height, crossings)


def _order(
    layers: list[list[int]], preds: list[list[int]], succs: list[list[int]]
) -> tuple[list[list[int]], int]:
    """Barycentre sweeps; returns the best ordering seen and its crossing count."""
    best = [list(lay) for lay in layers]
    best_crossings = _crossings(best, succs)
    current = [list(lay) for lay in layers]
    for sweep in range(_ORDER_SWEEPS):
        down = sweep % 2 == 0
        span = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for i in span:
            ref = current[i - 1] if down else current[i + 1]
            pos = {v: p for p, v in enumerate(ref)}
            links = preds if down else succs
            own = {v: p for p, v in enumerate(current[i])}
            stretch = len(ref) / max(len(own), 1)
            keys = {}
            for v in current[i]:
                near = [pos[w] for w in links[v] if w in pos]
                # No neighbour on that side: keep its relative place.
                keys[v] = sum(near) / len(near) if near else own[v] * stretch
            current[i] = sorted(current[i], key=keys.__getitem__)
        if down:  # count once per down+up pair: counting costs as much as a sweep
            continue
        count = _crossings(current, succs)
        if count < best_crossings:
            best, best_crossings = [list(lay) for lay in current], count
    return best, best_crossings


def _crossings(layers: list[list[int]], succs: list[list[int]]) -> int:
    """Edge crossings between adjacent layers, as inversions (Fenwick tree)."""
    total = 0
    for i in range(len(layers) - 1):
        pos = {v: p for p, v in enumerate(layers[i + 1])}
        targets = [pos[w] for v in layers[i] for w in sorted(succs[v], key=pos.get) if w in pos]
        tree = [0] * (len(layers[i + 1]) + 1)
        for seen, t in enumerate(targets):
            j, below = t + 1, 0
            while j > 0:  # how many earlier edges end at or before t
                below += tree[j]
                j -= j & -j
            total += seen - below
            j = t + 1
            while j < len(tree):
                tree[j] += 1
                j += j & -j
    return total


def _place(
    layers: list[list[int]], preds: list[list[int]], succs: list[list[int]], real: int
) -> list[float]:
    """y (top) of every node: toward its neighbours' mean, order kept, gaps respected."""
    size = {v: NODE_H if v < real else DUMMY_H for lay in layers for v in lay}
    y: dict[int, float] = {}
    for lay in layers:
        at = 0.0
        for v in lay:
            y[v] = at
            at += size[v] + GAP_Y
    for sweep in range(_PLACE_SWEEPS):
        down = sweep % 2 == 0
        span = range(1, len(layers)) if down else range(len(layers) - 2, -1, -1)
        links = preds if down else succs
        for i in span:
            lay = layers[i]
            want, weight = [], []
            for v in lay:
                near = [y[w] + size[w] / 2 for w in links[v]]
                if near:
                    want.append(sum(near) / len(near) - size[v] / 2)
                    weight.append(float(len(near)))
                else:
                    want.append(y[v])
                    weight.append(0.1)
            gaps = [(size[a] + size[b]) / 2 + GAP_Y for a, b in pairwise(lay)]
            for v, value in zip(
                lay, _spaced_fit(want, weight, gaps, [size[v] for v in lay]), strict=True
            ):
                y[v] = value
    return [y[v] for v in range(len(y))]


def _spaced_fit(
    want: list[float], weight: list[float], gaps: list[float], sizes: list[float]
) -> list[float]:
    """Positions closest (weighted least squares) to ``want`` with ``y[i+1] >= y[i] + gap``.

    Subtracting the cumulative minimum offsets turns it into isotonic regression, which pool
    adjacent violators solves in one pass.
    """
    centres = [w + s / 2 for w, s in zip(want, sizes, strict=True)]
    offsets = [0.0]
    for g in gaps:
        offsets.append(offsets[-1] + g)
    target = [c - o for c, o in zip(centres, offsets, strict=True)]
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(target, weight, strict=True):
        blocks.append([t, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            total = w1 + w2
            blocks.append([(m1 * w1 + m2 * w2) / total, total, n1 + n2])
    fitted = [m for m, _, n in blocks for _ in range(int(n))]
    return [f + o - s / 2 for f, o, s in zip(fitted, offsets, sizes, strict=True)]
