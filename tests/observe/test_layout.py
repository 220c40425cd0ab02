"""The layered layout: edges run left to right, boxes never overlap, crossings are removed."""

from __future__ import annotations

import random
from itertools import pairwise

from assetflow.observe.layout import NODE_H, NODE_W, layered_layout


def assert_well_formed(layout, edges):
    for u, d in edges:
        assert layout.nodes[u].layer < layout.nodes[d].layer
        assert layout.nodes[u].x + NODE_W < layout.nodes[d].x
    by_layer = {}
    for box in layout.nodes.values():
        by_layer.setdefault(box.layer, []).append(box.y)
    for ys in by_layer.values():
        ys.sort()
        assert all(b - a >= NODE_H for a, b in pairwise(ys))
    assert all(b.y >= 0 and b.y + NODE_H <= layout.height for b in layout.nodes.values())


def test_layers_are_longest_paths_from_the_sources():
    edges = [("a", "b"), ("b", "c"), ("a", "c"), ("c", "d")]
    layout = layered_layout(["a", "b", "c", "d"], edges)
    assert {n: b.layer for n, b in layout.nodes.items()} == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert_well_formed(layout, edges)


def test_an_edge_skipping_layers_is_routed_through_each_of_them():
    layout = layered_layout(["a", "b", "c", "d"], [("a", "b"), ("b", "c"), ("c", "d"), ("a", "d")])
    long_edge = next(e for e in layout.edges if (e.upstream, e.downstream) == ("a", "d"))
    assert len(long_edge.points) == 2 + 2 * 2  # two dummy columns, entered and left
    xs = [x for x, _ in long_edge.points]
    assert xs == sorted(xs)


def test_barycentre_ordering_untangles_crossed_edges():
    # Declared so that the first order crosses every pair: a->z, b->y, c->x.
    edges = [("a", "z"), ("b", "y"), ("c", "x")]
    layout = layered_layout(["a", "b", "c", "x", "y", "z"], edges)
    assert layout.crossings == 0
    order = sorted("xyz", key=lambda n: layout.nodes[n].y)
    assert order == ["z", "y", "x"]


def test_a_thousand_node_random_dag_is_well_formed():
    rng = random.Random(7)
    nodes = [f"n{i}" for i in range(1000)]
    edges = sorted({(nodes[rng.randrange(i)], nodes[i]) for i in range(1, 1000) for _ in range(2)})
    layout = layered_layout(nodes, edges)
    assert len(layout.nodes) == 1000 and len(layout.edges) == len(edges)
    assert_well_formed(layout, edges)
