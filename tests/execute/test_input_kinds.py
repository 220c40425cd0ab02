"""Input kinds and SQL outputs work on concurrent worker threads (one DuckDB per thread)."""

from __future__ import annotations

from tests.execute.conftest import load, rows

DAYS = ["2026-04-02", "2026-04-03", "2026-04-04", "2026-04-05"]


def test_every_input_kind_on_four_worker_threads(warehouse):
    result = load("kinds", warehouse).materialize(partitions=DAYS, executor="threads", workers=4)
    assert result.ok, [t.detail for t in result.failed]
    assert rows(warehouse, "select sum(total) from via_sql") == [(24,)]
    assert rows(warehouse, "select distinct n, r from via_mixed") == [(3, 2)]
