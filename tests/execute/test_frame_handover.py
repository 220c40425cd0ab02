"""Outputs with nulls are handed to downstream tasks in memory, equal to their files."""

from __future__ import annotations

import polars as pl
import pyarrow.parquet as pq

from assetflow.commit.versions import data_version
from assetflow.execute.frames import FRAMES
from tests.execute.conftest import load, rows

DAYS = ["2026-04-02", "2026-04-03"]
CURRENT = """select c.asset, m.file_path, m.data_version from assetflow.current c
             join assetflow.materializations m on m.id = c.materialization_id"""


def test_frames_with_nulls_stay_in_the_worker_and_equal_their_files(warehouse):
    FRAMES.clear()
    project = load("nullable", warehouse)
    run = project.materialize(["with_nulls", "arrow_nulls"], partitions=DAYS, executor="threads")
    assert run.ok, [t.detail for t in run.failed]
    files = rows(warehouse, CURRENT)
    assert len(files) == 2 * len(DAYS)
    for asset, path, version in files:
        on_disk = warehouse / path
        kept = FRAMES.get(str(on_disk))  # kept when written: nothing has read the file yet
        assert kept is not None, asset
        read = pl.read_parquet(on_disk)
        assert kept.schema == read.schema and kept.equals(read, null_equal=True), asset
        # The version taken from memory is the version of the file's contents.
        assert version == data_version(pq.read_table(on_disk)), asset
    run = project.materialize("counted", partitions=DAYS, executor="threads")
    assert run.ok, [t.detail for t in run.failed]
    assert rows(warehouse, "select distinct null_n, empty_s, null_x, dtype_c from counted") == [
        (1, 1, 1, "Categorical")
    ]
    FRAMES.clear()
