"""The writer keeps the live catalog locked for its whole session, publishes included.

Regression: publishing copied the live file by path; closing that copy's descriptor released
DuckDB's POSIX lock for the whole process, so after the first publish (every second in a run)
another process could open the live catalog, even as a second writer.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import assetflow as af
from assetflow.commit.catalog_paths import LIVE_CATALOG
from tests.conftest import AS_OF, load_project, resource


def other_process_can_open(path) -> bool:
    probe = (
        "import duckdb\n"
        "try:\n"
        f"    duckdb.connect({str(path)!r}, read_only=True)\n"
        "    print('opened')\n"
        "except duckdb.IOException as exc:\n"
        "    print('locked' if 'lock' in str(exc) else exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert out.stdout.strip() in ("opened", "locked"), out
    return out.stdout.strip() == "opened"


@pytest.mark.slow  # the lock is between processes
def test_the_live_catalog_stays_locked_across_publishes(warehouse):
    project = load_project(resource("linear"), warehouse, clock=lambda: AS_OF)
    assert project.materialize(partition="2026-04-02").ok
    with af.Warehouse(warehouse, lock_timeout=1).writer() as catalog:
        catalog.publish()
        catalog.publish()
        assert not other_process_can_open(warehouse / LIVE_CATALOG)
    assert other_process_can_open(warehouse / LIVE_CATALOG)
