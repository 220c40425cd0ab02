"""Edge frames of mappings within one status computation or plan, and where their rows sit.

A mapping answers with an edge frame (``partition``, ``up_partition``); a window's frame for the
same keys is the same whoever asks, so it is built once (:class:`EdgeMemo`), and so are the
positions of its keys among the reader's keys, which let the planner line an upstream's status
and the recorded inputs up with the edges by position instead of joining on strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from assetflow.define.graph import AssetGraph
from assetflow.define.mapping import LazyKeys, Window
from assetflow.define.mapping.rows import positions, take
from assetflow.define.mapping.window import WindowEdges


class EdgeMemo:
    """Edge frames of window mappings within one status computation or plan. Assets that read
    one upstream grid through the same window over the same keys (rolling metrics of one daily
    table) share one frame (~3 ms each at 3,650 keys); within a plan, an edge's frame for the
    same keys is built once for what a request reads (``plan/reads.py``), its statuses and its
    closure. Other mappings may read the upstream's committed keys, which differ per upstream,
    so their frames are not kept."""

    def __init__(self) -> None:
        self._found: dict[tuple, tuple[pl.Series, pl.DataFrame]] = {}
        self._built: dict[int, tuple[pl.Series, WindowEdges]] = {}
        """Window frames by id: the keys they were built from and where their keys sit."""
        self._rows: dict[int, tuple[pl.Series, np.ndarray, pl.Series, pl.DataFrame]] = {}
        self._layouts: dict[int, tuple[pl.Series, pl.Series, Layout | None, pl.DataFrame]] = {}

    def edges(
        self, graph: AssetGraph, name: str, up: str, keys: pl.Series, committed: LazyKeys
    ) -> pl.DataFrame:
        mapping = graph.mappings[(name, up)]
        upstream = graph[up].partitions
        if type(mapping) is not Window:
            return mapping.edges(keys.to_list(), upstream, committed)
        memo_keys = ((name, up), (mapping, graph[name].partitions, upstream))
        for memo_key in memo_keys:
            found = self._found.get(memo_key)
            if found is not None and (found[0] is keys or found[0].equals(keys)):
                return found[1]
        built = mapping.edge_rows(keys)
        edges = built.frame
        self._built[id(edges)] = (keys, built)  # the frame kept alive: its id stays its own
        for memo_key in memo_keys:
            self._found[memo_key] = (keys, edges)
        return edges

    def up_rows(self, edges: pl.DataFrame, keys: pl.Series) -> pl.Series:
        """The row of each edge's upstream key among ``keys`` (null if not there): for an
        upstream whose status lists ``keys``, a gather instead of a join on strings; once per
        edge frame, not once per asset that reads through it."""
        return self._up(edges, keys)[1]

    def up_positions(self, edges: pl.DataFrame, keys: pl.Series) -> np.ndarray:
        """:meth:`up_rows` as positions, -1 where ``keys`` do not list the edge's key."""
        return self._up(edges, keys)[0]

    def _up(self, edges: pl.DataFrame, keys: pl.Series) -> tuple[np.ndarray, pl.Series]:
        found = self._rows.get(id(edges))
        if found is None or not _same(found[0], keys):
            built = self._built.get(id(edges))
            if built is None:
                at = rows_among(keys, edges["up_partition"])
            else:  # a window's: its table's keys located, a few edges share each
                at = rows_among(keys, built[1].table)[built[1].up]
            # The frame kept alive: its id stays its own.
            found = (keys, at, positions(at).rename("_at"), edges)
            self._rows[id(edges)] = found
        return found[1], found[2]

    def layout(self, edges: pl.DataFrame, keys: pl.Series, up_keys: pl.Series) -> Layout | None:
        """Where each edge sits: its reader key among ``keys``, its upstream key among
        ``up_keys`` (what the upstream's status lists); None if the edges are not listed by
        reader key and, within it, by upstream key (time windows are: the order their problems
        are told in), so positions cannot stand in for a sort."""
        found = self._layouts.get(id(edges))
        if found is None or not (_same(found[0], keys) and _same(found[1], up_keys)):
            up, _ = self._up(edges, up_keys)
            built = self._built.get(id(edges))
            drawn = built[1] if built is not None and _same(built[0], keys) else None
            found = (keys, up_keys, _layout(edges, keys, up, drawn), edges)
            self._layouts[id(edges)] = found
        return found[2]


def _same(a: pl.Series, b: pl.Series) -> bool:
    return a is b or a.equals(b)


@dataclass(frozen=True)
class Layout:
    """An edge frame's rows as positions among the reader's keys and the upstream's."""

    down: np.ndarray
    """The row of each edge's reader key (non-decreasing)."""
    up: np.ndarray
    """The row of each edge's upstream key (0 where the upstream does not list it)."""
    unlisted: np.ndarray
    """True where the upstream does not list the edge's key (it is not due)."""


def _layout(
    edges: pl.DataFrame, keys: pl.Series, up: np.ndarray, built: WindowEdges | None
) -> Layout | None:
    """``built``: how a window drew ``edges`` from ``keys``, if it did: its reader rows need
    no search, and its edges are in order if the table it drew them from sorts as strings."""
    if built is not None:
        down = built.down
        ordered = built.table.is_sorted()
    else:
        down = rows_among(keys, edges["partition"])
        ordered = False
    if (down < 0).any():
        return None
    if not ordered:
        ordered = edges.select(
            (
                (pl.col("partition") != pl.col("partition").shift())
                | (pl.col("up_partition") > pl.col("up_partition").shift())
            )
            .fill_null(True)
            .all()
        ).item()
    if not ordered or (np.diff(down) < 0).any():
        return None
    return Layout(down, np.maximum(up, 0), up < 0)


_FEW = 1024
"""At most this many keys and wanted keys together are located in Python."""


def rows_among(keys: pl.Series, wanted: pl.Series) -> np.ndarray:
    """The row of each of ``wanted`` among ``keys`` (unique), -1 where not listed: a binary
    search when ``keys`` are sorted (statuses list time keys so; ~0.1 ms), else a join on
    strings (~0.3-1 ms); for a few keys (a cron call's, a week's) a dict in Python (~10 µs:
    ``search_sorted`` and ``is_sorted`` run as queries, ~0.1 ms each whatever the size)."""
    if not len(keys):
        return np.full(len(wanted), -1, np.int64)
    if len(keys) + len(wanted) <= _FEW:
        row = {key: i for i, key in enumerate(keys.to_list())}
        return np.array([row.get(key, -1) for key in wanted.to_list()], dtype=np.int64)
    if keys.is_sorted():
        at = keys.search_sorted(wanted, side="left").to_numpy().astype(np.int64)
        at = np.minimum(at, len(keys) - 1)
        return np.where((take(keys, at) == wanted).to_numpy(), at, -1)
    numbered = keys.rename("_key").to_frame().with_row_index("_at")
    found = (
        wanted.rename("_key")
        .to_frame()
        .join(numbered, on="_key", how="left", maintain_order="left")["_at"]
    )
    return found.fill_null(-1).to_numpy().astype(np.int64)


def same_edges(edges: pl.DataFrame, recorded: pl.DataFrame) -> pl.Series | None:
    """The recorded versions in ``edges``' row order if the recorded inputs are exactly those
    edges, else None. Time mappings list edges in key order, as the catalog lists recorded
    inputs (``read_state``); otherwise sorting the recorded rows (~1 ms for 25,000) usually
    lines them up, where joining on two string keys costs ~5 ms."""
    if recorded.height != edges.height:
        return None
    if not _lined_up(recorded, edges):
        recorded = recorded.sort("partition", "up_partition")
        if not _lined_up(recorded, edges):
            return None
    return recorded["recorded_version"]


def _lined_up(recorded: pl.DataFrame, edges: pl.DataFrame) -> bool:
    return recorded["partition"].equals(edges["partition"]) and recorded["up_partition"].equals(
        edges["up_partition"]
    )
