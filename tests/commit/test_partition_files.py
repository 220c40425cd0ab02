"""The atomic file write and content versions, on real files."""

from __future__ import annotations

import datetime as dt
import decimal
import threading

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assetflow.commit.files import encode_key, stage_table
from assetflow.commit.storage import LocalStorage
from assetflow.commit.versions import data_version, file_checksum


def test_keys_never_escape_their_directory():
    assert encode_key("2026-04-08") == "2026-04-08"
    assert encode_key("2026-04-08T02:00") == "2026-04-08T02%3A00"
    assert "/" not in encode_key("../../etc/passwd")
    assert encode_key("..") == "%2E%2E"
    assert "=" not in encode_key("day=2026-04-08")


def test_stage_writes_an_immutable_file_and_leaves_no_temp(tmp_path):
    table = pa.table({"a": [1, 2, 3]})
    staged = stage_table(table, LocalStorage(tmp_path), "thing", "2026-04-08")
    path = tmp_path / staged.key
    assert path.parent == tmp_path / "thing" / "2026-04-08"
    assert pq.read_table(path).equals(table)
    assert staged.row_count == 3 and staged.bytes == path.stat().st_size
    assert staged.file_checksum == file_checksum(path)
    assert not list(tmp_path.rglob(".tmp-*"))
    again = stage_table(table, LocalStorage(tmp_path), "thing", "2026-04-08")
    assert again.key != staged.key and again.data_version == staged.data_version


def test_data_version_ignores_batching_but_not_values_or_schema():
    t = pa.table({"a": [1, 2, 3], "b": ["x", None, "z"]})
    rebatched = pa.concat_tables([t.slice(0, 1), t.slice(1)])
    assert data_version(t) == data_version(rebatched)
    assert data_version(t) != data_version(t.slice(0, 2))
    assert data_version(t) != data_version(t.rename_columns(["a", "c"]))


def test_failed_write_removes_the_temp_file(tmp_path):
    class Boom:
        num_rows = 1

    with pytest.raises(Exception):  # noqa: B017 - any failure inside the writer
        stage_table(Boom(), LocalStorage(tmp_path), "thing", "k")  # type: ignore[arg-type]
    assert not list(tmp_path.rglob("*.parquet"))


def test_a_large_table_is_versioned_while_it_is_written_to_its_read_back_version(tmp_path):
    n = 20_000
    frame = pl.DataFrame({"id": range(n), "s": [None if i % 9 == 0 else f"s{i}" for i in range(n)]})
    view = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    staged = stage_table(view, LocalStorage(tmp_path), "thing", "k", frame=frame)
    assert any(t.name.startswith("assetflow-version") for t in threading.enumerate())
    assert staged.data_version == data_version(pq.read_table(tmp_path / staged.key))


def test_a_large_write_that_fails_leaves_nothing(tmp_path):
    class Boom:
        num_rows = 1_000_000

    with pytest.raises(Exception):  # noqa: B017 - any failure inside the writer
        stage_table(Boom(), LocalStorage(tmp_path), "thing", "k")  # type: ignore[arg-type]
    assert not list(tmp_path.rglob("*.parquet")) and not list(tmp_path.rglob(".tmp-*"))


def test_polars_and_arrow_writers_give_the_same_version(tmp_path):
    """A polars output is written by polars' writer; its file must read back as the Arrow
    table (time zones, units, decimals, nested and nullable columns), so versions do not
    depend on which writer wrote it."""
    n = 50
    frame = pl.DataFrame(
        {
            "i8": pl.Series([i % 100 for i in range(n)], dtype=pl.Int8),
            "u32": pl.Series(range(n), dtype=pl.UInt32),
            "f32": pl.Series([i / 2 for i in range(n)], dtype=pl.Float32),
            "s": [f"x{i}" for i in range(n)],
            "bin": [bytes([i]) for i in range(n)],
            "d": [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(n)],
            "paris": pl.Series([dt.datetime(2026, 3, 29, 0, i) for i in range(n)])
            .dt.replace_time_zone("Europe/Paris")
            .dt.cast_time_unit("ms"),
            "t": [dt.time(i % 24, i) for i in range(n)],
            "dur": [dt.timedelta(seconds=i) for i in range(n)],
            "dec": pl.Series([decimal.Decimal(i) / 100 for i in range(n)], dtype=pl.Decimal(10, 2)),
            "cat": pl.Series([f"c{i % 5}" for i in range(n)], dtype=pl.Categorical),
            "lst": [[i, i + 1] for i in range(n)],
            "st": [{"a": i, "b": str(i)} for i in range(n)],
            "nul": [None if i % 7 == 0 else i for i in range(n)],
        }
    )
    storage = LocalStorage(tmp_path)
    for name in frame.columns:
        one = frame.select(name)
        view = one.to_arrow(compat_level=pl.CompatLevel.newest())  # as outputs.py passes it
        by_polars = stage_table(view, storage, name, "p", frame=one)
        by_arrow = stage_table(one.to_arrow(), storage, name, "a")
        assert by_polars.data_version == by_arrow.data_version, name
        assert by_polars.schema == by_arrow.schema, name
        back = pq.read_table(tmp_path / by_polars.key)
        assert back.equals(pq.read_table(tmp_path / by_arrow.key)), name
