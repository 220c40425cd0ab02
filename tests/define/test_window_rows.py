"""A window says where each edge's keys sit (``Window.edge_rows``) so the planner lines edges
up by position; a run of keys is placed in a key table by comparing that run (``positions``).
Both must say what searching for the keys says."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

import assetflow as af
from assetflow.define.mapping.window import key_table, positions
from tests.define.test_partition_properties import PROPERTY, span, time_definitions


@st.composite
def asked(draw):
    """A definition, a window over it, and keys of it: a run, or any of them in any order."""
    definition = draw(time_definitions())
    keys = span(definition, draw(st.integers(1, 40)))
    if draw(st.booleans()):
        lo = draw(st.integers(0, len(keys) - 1))
        keys = keys[lo : draw(st.integers(lo + 1, len(keys)))]
    else:
        keys = draw(st.lists(st.sampled_from(keys), min_size=1, unique=True))
    window = af.Window(start_offset=-draw(st.integers(0, 3)), end_offset=draw(st.integers(0, 2)))
    graph = af.AssetGraph.build(
        [
            af.asset(name="u", partitions=definition)(lambda: None),
            af.asset(name="d", partitions=definition, deps=["u"], mappings={"u": window})(
                lambda: None
            ),
        ]
    )
    return graph, pl.Series("partition", keys, dtype=pl.String)


@PROPERTY
@given(asked(), st.integers(0, 3), st.integers(0, 3))
def test_keys_are_placed_at_their_rows_of_the_table(case, before, after) -> None:
    graph, keys = case
    table = key_table(graph["d"].partitions.grid, keys, before, after)
    listed = table.keys.to_list()
    assert positions(table, keys).tolist() == [listed.index(k) for k in keys.to_list()]


@PROPERTY
@given(asked())
def test_a_windows_edges_say_where_their_keys_sit(case) -> None:
    graph, keys = case
    mapping = graph.mappings[("d", "u")]
    built = mapping.edge_rows(keys)
    assert built.frame.equals(mapping.edges(keys.to_list(), graph["u"].partitions, []))
    asked_keys, table = keys.to_list(), built.table.to_list()
    frame = built.frame
    assert [asked_keys[i] for i in built.down] == frame["partition"].to_list()
    assert [table[i] for i in built.up] == frame["up_partition"].to_list()
    assert len(set(table)) == len(table)
