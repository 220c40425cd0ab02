"""``read_state`` lists rows grouped the way the planner splits them: the planner cuts the
state into per-asset (and per-edge) zero-copy slices only when each group is one run of rows,
and otherwise falls back to hashing every key into copies (``plan/staleness.py``)."""

from __future__ import annotations

import assetflow as af
from tests.conftest import AS_OF, load_project, resource

DAYS = ["2026-04-05", "2026-04-02", "2026-04-07", "2026-04-03"]


def test_state_rows_come_grouped_by_asset_upstream_and_key(warehouse):
    p = load_project(resource("diamond"), warehouse, clock=lambda: AS_OF)
    # Separate runs, days out of order, one asset rebuilt on its own: the catalog's insertion
    # order interleaves assets, upstreams and keys.
    for day in DAYS:
        assert p.materialize(partition=day).ok
    assert p.materialize("left", partition=DAYS[1], force=True).ok
    with af.Warehouse(warehouse).reader() as reader:
        state = reader.state()
    inputs = state.inputs.select("asset", "upstream", "partition", "up_partition")
    assert inputs.height > len(DAYS) * 4
    assert inputs.rows() == sorted(inputs.rows())
    current = state.current.select("asset", "partition")
    assert current.rows() == sorted(current.rows())
    # Flagged sorted by asset, so the planner finds a few assets' rows by binary search
    # without a scan (``plan/staleness.py``); the rows above show the flag is true.
    assert state.current["asset"].flags["SORTED_ASC"]
    assert state.inputs["asset"].flags["SORTED_ASC"]
