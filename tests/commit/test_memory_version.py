"""The data version taken from memory equals the one taken from the file read back."""

from __future__ import annotations

from datetime import date, datetime

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from assetflow.commit.versions import HashingWriter, data_version, file_checksum, memory_version

COLUMNS = {
    "i": (st.integers(-(2**63), 2**63 - 1), pl.Int64),
    "u": (st.integers(0, 255), pl.UInt8),
    "f": (st.floats(allow_nan=True, allow_infinity=True), pl.Float64),
    "s": (st.text(max_size=8), pl.String),
    "b": (st.booleans(), pl.Boolean),
    "d": (st.dates(min_value=date(1900, 1, 1)), pl.Date),
    "t": (st.datetimes(min_value=datetime(1900, 1, 1)), pl.Datetime("us", "Europe/Berlin")),
}


def read_back(table: pa.Table, path) -> pa.Table:
    pq.write_table(table, path, compression="zstd")
    return pq.read_table(path)


@st.composite
def tables(draw):
    names = draw(st.lists(st.sampled_from(sorted(COLUMNS)), min_size=1, max_size=4, unique=True))
    n = draw(st.integers(0, 40))
    data = {}
    for name in names:
        values, dtype = COLUMNS[name]
        nullable = draw(st.booleans())
        cells = st.one_of(st.none(), values) if nullable else values
        data[name] = pl.Series(name, draw(st.lists(cells, min_size=n, max_size=n)), dtype=dtype)
    frame = pl.DataFrame(data)
    how = draw(st.sampled_from(["as is", "filtered", "polars slice", "arrow slice", "chunks"]))
    if how == "filtered" and n:
        frame = frame.filter(pl.Series([draw(st.booleans()) for _ in range(n)]))
    if how == "polars slice":
        frame = frame.slice(n // 3, n // 2)
    table = frame.to_arrow()
    if how == "arrow slice":
        table = table.slice(n // 3)
    if how == "chunks" and n > 1:
        table = pa.concat_tables([table.slice(0, n // 2), table.slice(n // 2)])
    return table


@settings(max_examples=200, deadline=None)
@given(tables())
def test_a_version_from_memory_is_the_version_read_back(tmp_path_factory, table):
    path = tmp_path_factory.mktemp("v") / "x.parquet"
    version = memory_version(table)
    if version is not None:
        assert version == data_version(read_back(table, path))


def test_plain_frames_are_versioned_from_memory_and_nulls_are_not():
    frame = pl.DataFrame({"a": [1, 2, 3], "s": ["x", "y", "z"]})
    assert memory_version(frame.to_arrow()) is not None
    assert memory_version(frame.with_columns(s=pl.lit(None, pl.String)).to_arrow()) is None


def test_the_checksum_hashed_while_writing_is_the_file_checksum(tmp_path):
    path = tmp_path / "x.parquet"
    with open(path, "wb") as f:
        sink = HashingWriter(f)
        pq.write_table(pl.DataFrame({"a": list(range(1000))}).to_arrow(), sink)
    assert sink.hexdigest() == file_checksum(path)


def test_bits_past_the_end_of_a_boolean_column_do_not_change_the_version(tmp_path):
    """Padding bits are not data: a table whose boolean column has them set (polars leaves them
    so after some operations) must get the version of what Parquet gives back (Hypothesis found
    the two differing)."""
    dirty = pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(b"\x03")])
    clean = pa.array([True])
    table = pa.table({"b": dirty})
    assert table.equals(pa.table({"b": clean}))
    back = read_back(table, tmp_path / "b.parquet")
    version = memory_version(table)
    assert version is None or version == data_version(back)
    assert memory_version(pa.table({"b": clean})) == data_version(back)
