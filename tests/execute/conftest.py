"""Helpers for engine tests: projects from test resources, a ticking clock, catalog reads."""

from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

import duckdb

import assetflow as af
from tests.conftest import AS_OF, load_project, resource


def ticking_clock():
    """A clock that starts at AS_OF and advances 1 ms per reading (distinct, ordered times)."""
    ticks = itertools.count()
    return lambda: AS_OF + timedelta(milliseconds=next(ticks))


def load(name: str, warehouse: Path, **settings) -> af.Project:
    """The project in tests/resources/<name>.py, writing to ``warehouse`` (threads, ticking
    clock, unless ``settings`` say otherwise; see :func:`tests.conftest.load_project`)."""
    return load_project(resource(name), warehouse, **{"clock": ticking_clock(), **settings})


def rows(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Query the published snapshot the way any reader would."""
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def statuses(result: af.RunResult) -> dict[tuple[str, str], str]:
    return {(t.asset, t.partition): t.status for t in result.tasks}


def materializations(warehouse: Path) -> dict[str, int]:
    """Committed writes per asset (every materialization ever, not just current ones)."""
    return dict(
        rows(warehouse, "select asset, count(*) from assetflow.materializations group by 1")
    )
