"""Which assets the graph page draws: all of a small graph, a neighbourhood of a large one."""

from __future__ import annotations

import pytest

import assetflow as af
from assetflow.observe.graph_view import choose_assets


def chain(n: int) -> af.AssetGraph:
    assets = [
        af.asset(name=f"a{i:04d}", deps=[f"a{i - 1:04d}"] if i else [])(lambda: None)
        for i in range(n)
    ]
    return af.AssetGraph.build(assets)


def test_a_small_graph_is_drawn_whole():
    graph = chain(20)
    chosen = choose_assets(graph, None, 2)
    assert chosen.assets == graph.order and chosen.center is None


def test_a_large_graph_shows_the_neighbourhood_of_the_selection():
    graph = chain(1000)
    chosen = choose_assets(graph, "a0500", 2)
    assert chosen.assets == ("a0498", "a0499", "a0500", "a0501", "a0502")
    assert chosen.total == 1000 and chosen.truncated == 0
    assert choose_assets(graph, None, 1).assets == ("a0000", "a0001", "a0002")


def test_a_neighbourhood_over_the_limit_keeps_the_nearest():
    hub = af.asset(name="hub")(lambda: None)
    spokes = [af.asset(name=f"s{i:03d}", deps=["hub"])(lambda: None) for i in range(50)]
    tails = [af.asset(name=f"t{i:03d}", deps=[f"s{i:03d}"])(lambda: None) for i in range(50)]
    graph = af.AssetGraph.build([hub, *spokes, *tails])
    chosen = choose_assets(graph, "hub", 2, limit=60)
    assert len(chosen.assets) == 60 and chosen.truncated == 41
    assert "hub" in chosen.assets and all(f"s{i:03d}" in chosen.assets for i in range(50))


def test_an_unknown_selection_names_the_asset():
    with pytest.raises(af.SelectionError, match="unknown asset 'nope'"):
        choose_assets(chain(3), "nope", 1)
