"""Data versions from memory equal the versions of the Parquet file read back, nulls included.

Random tables of every flat type polars and pyarrow produce (with nulls, sliced, chunked,
booleans with padding bits set, views, dictionaries), written by polars' writer and by Arrow's,
must get the same version in memory as read back, and different data different versions.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assetflow.commit import versions
from assetflow.commit.versions import HashingWriter, data_version, file_checksum, memory_version

_I64 = st.integers(-(2**63), 2**63 - 1)
_DT = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))
_DEC = st.decimals(min_value=-(10**7), max_value=10**7, places=2, allow_nan=False)


def _seconds(t: timedelta) -> timedelta:
    return timedelta(seconds=int(t.total_seconds()))


POLARS = {
    "i8": (st.integers(-128, 127), pl.Int8),
    "i64": (_I64, pl.Int64),
    "u16": (st.integers(0, 2**16 - 1), pl.UInt16),
    "u64": (st.integers(0, 2**64 - 1), pl.UInt64),
    "f32": (st.floats(width=32), pl.Float32),
    "f64": (st.floats(allow_nan=True), pl.Float64),
    "s": (st.text(max_size=6), pl.String),
    "bin": (st.binary(max_size=6), pl.Binary),
    "b": (st.booleans(), pl.Boolean),
    "d": (st.dates(min_value=date(1900, 1, 1)), pl.Date),
    "t_ms": (_DT, pl.Datetime("ms")),
    "t_tz": (_DT, pl.Datetime("us", "Europe/Berlin")),
    "t_ns": (_DT, pl.Datetime("ns", "UTC")),
    "tm": (st.times(), pl.Time),
    "dur": (st.timedeltas(timedelta(days=-999), timedelta(days=999)), pl.Duration("us")),
    "dec": (_DEC, pl.Decimal(12, 2)),
    "cat": (st.sampled_from(["a", "b", "ccc"]), pl.Categorical),
    "enum": (st.sampled_from(["lo", "hi"]), pl.Enum(["lo", "hi"])),
}

ARROW = {
    "large_string": (st.text(max_size=6), pa.large_string()),
    "string": (st.text(max_size=6), pa.string()),
    "string_view": (st.text(max_size=20), pa.string_view()),
    "binary": (st.binary(max_size=6), pa.binary()),
    "binary_view": (st.binary(max_size=20), pa.binary_view()),
    "fixed": (st.binary(min_size=3, max_size=3), pa.binary(3)),
    "i32": (st.integers(-(2**31), 2**31 - 1), pa.int32()),
    "u8": (st.integers(0, 255), pa.uint8()),
    "f16": (st.floats(width=16, allow_nan=False), pa.float16()),
    "date64": (st.dates(), pa.date64()),
    "time32": (st.times().map(lambda t: t.replace(microsecond=0)), pa.time32("s")),
    "ts_s": (_DT.map(lambda t: t.replace(microsecond=0)), pa.timestamp("s", "Asia/Tokyo")),
    "dur_ms": (st.timedeltas(timedelta(0), timedelta(days=9)), pa.duration("ms")),
    "dur_s": (st.timedeltas(timedelta(0), timedelta(days=9)).map(_seconds), pa.duration("s")),
    "dec32": (st.decimals(-99999, 99999, places=2, allow_nan=False), pa.decimal32(7, 2)),
    "dict_bin": (st.sampled_from([b"x", b"yy"]), pa.dictionary(pa.int32(), pa.binary())),
    "dict_int": (st.sampled_from([1, 2]), pa.dictionary(pa.int8(), pa.int64())),
    "dec128": (_DEC, pa.decimal128(20, 2)),
    "dict": (st.sampled_from(["x", "yy"]), pa.dictionary(pa.int8(), pa.string())),
    "bool": (st.booleans(), pa.bool_()),
}


def _cells(draw, values, n):
    nullable = draw(st.booleans())
    return draw(
        st.lists(st.one_of(st.none(), values) if nullable else values, min_size=n, max_size=n)
    )


@st.composite
def polars_frames(draw):
    names = draw(st.lists(st.sampled_from(sorted(POLARS)), min_size=1, max_size=5, unique=True))
    n = draw(st.integers(0, 30))
    data = {
        name: pl.Series(name, _cells(draw, POLARS[name][0], n), POLARS[name][1]) for name in names
    }
    frame = pl.DataFrame(data)
    how = draw(st.sampled_from(["as is", "filtered", "sliced", "stacked"]))
    if how == "filtered" and n:
        frame = frame.filter(pl.Series(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    elif how == "sliced":
        frame = frame.slice(n // 3, n // 2)
    elif how == "stacked":
        frame = pl.concat([frame, frame.slice(n // 2)], rechunk=False)
    return frame


@st.composite
def arrow_tables(draw):
    names = draw(st.lists(st.sampled_from(sorted(ARROW)), min_size=1, max_size=5, unique=True))
    n = draw(st.integers(0, 30))
    columns = {}
    for name in names:
        values, kind = ARROW[name]
        cells = _cells(draw, values, n)
        if pa.types.is_dictionary(kind):
            columns[name] = pa.array(cells, kind.value_type).dictionary_encode().cast(kind)
        elif kind == pa.date64():
            columns[name] = pa.array(cells, pa.date32()).cast(kind)
        else:
            columns[name] = pa.array(cells, kind)
    table = pa.table(columns)
    how = draw(st.sampled_from(["as is", "sliced", "chunks"]))
    if how == "sliced":
        table = table.slice(n // 3)
    elif how == "chunks" and n > 1:
        table = pa.concat_tables([table.slice(0, n // 2), table.slice(n // 2)])
    return table


def read_back(write) -> pa.Table:
    buffer = io.BytesIO()
    write(buffer)
    buffer.seek(0)
    return pq.ParquetFile(buffer).read()  # as stage_table reads nested columns back


@settings(max_examples=150, deadline=None)
@given(polars_frames())
def test_a_polars_frame_has_its_version_in_memory_and_read_back(frame):
    back = read_back(lambda f: frame.write_parquet(f, compression="zstd"))
    version = data_version(back)
    assert memory_version(frame.to_arrow()) == version
    assert memory_version(frame.to_arrow(compat_level=pl.CompatLevel.newest())) == version
    by_arrow = read_back(lambda f: pq.write_table(frame.to_arrow(), f))
    assert data_version(by_arrow) == version
    # What the frame cache hands over in memory is what a downstream would read.
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    buffer.seek(0)
    handed = pl.read_parquet(buffer)
    assert handed.schema == frame.schema
    assert handed.equals(frame, null_equal=True)


@settings(max_examples=150, deadline=None)
@given(arrow_tables())
def test_an_arrow_table_has_its_version_in_memory_and_read_back(table):
    back = read_back(lambda f: pq.write_table(table, f, compression="zstd"))
    assert memory_version(table) == data_version(back)
    assert data_version(read_back(lambda f: pq.write_table(back, f))) == data_version(back)


def test_bits_past_the_end_of_a_boolean_column_do_not_change_the_version():
    """Padding bits are not data (polars leaves them set after some operations)."""
    dirty = pa.Array.from_buffers(pa.bool_(), 1, [None, pa.py_buffer(b"\x03")])
    clean = pa.array([True])
    assert memory_version(pa.table({"b": dirty})) == memory_version(pa.table({"b": clean}))
    sliced = pa.array([False, True, True]).slice(1, 1)
    assert memory_version(pa.table({"b": sliced})) == memory_version(pa.table({"b": clean}))


def test_values_under_null_slots_do_not_change_the_version():
    validity = pa.py_buffer(b"\x01")  # row 0 valid, row 1 null
    ints = [pa.py_buffer(pa.array([7, v], pa.int64()).buffers()[1]) for v in (0, 99)]
    a, b = (pa.Array.from_buffers(pa.int64(), 2, [validity, x], null_count=1) for x in ints)
    assert memory_version(pa.table({"x": a})) == memory_version(pa.table({"x": b}))
    offsets = pa.py_buffer(pa.array([0, 1, 4], pa.int32()).buffers()[1])
    s = pa.Array.from_buffers(pa.string(), 2, [validity, offsets, pa.py_buffer(b"abcd")], 1)
    assert memory_version(pa.table({"s": s})) == memory_version(pa.table({"s": ["a", None]}))


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (pa.table({"a": [None, 1]}), pa.table({"a": [0, 1]})),
        (pa.table({"s": ["", "x"]}), pa.table({"s": [None, "x"]})),
        (pa.table({"s": ["ab", "c"]}), pa.table({"s": ["a", "bc"]})),
        (pa.table({"b": [False, None]}), pa.table({"b": [None, False]})),
        (pa.table({"a": [1], "b": [2]}), pa.table({"b": [2], "a": [1]})),
        (pa.table({"a": [1]}), pa.table({"c": [1]})),
        (pa.table({"a": pa.array([1], pa.int64())}), pa.table({"a": pa.array([1], pa.uint64())})),
        (pa.table({"a": pa.array([1], pa.int32())}), pa.table({"a": pa.array([1], pa.date32())})),
        (pa.table({"s": ["x"]}), pa.table({"s": [b"x"]})),
        (pa.table({"s": ["x"]}), pa.table({"s": pa.array(["x"]).dictionary_encode()})),
        (
            pa.table({"t": pa.array([1], pa.timestamp("us"))}),
            pa.table({"t": pa.array([1], pa.timestamp("us", "UTC"))}),
        ),
        (
            pa.table({"t": pa.array([1], pa.timestamp("us"))}),
            pa.table({"t": pa.array([1], pa.timestamp("ms"))}),
        ),
        (
            pa.table({"d": pa.array([Decimal("1.0")], pa.decimal128(5, 1))}),
            pa.table({"d": pa.array([Decimal("1.00")], pa.decimal128(5, 2))}),
        ),
        (pa.table({"a": [1, 2]}), pa.table({"a": [1, 2, None]})),
        (pa.table({"a": pa.array([], pa.int64())}), pa.table({"a": pa.array([], pa.int32())})),
        (pa.table({"n": pa.nulls(2)}), pa.table({"n": pa.nulls(3)})),
    ],
)
def test_different_data_gets_different_versions(one, other):
    assert memory_version(one) != memory_version(other)


def test_the_same_strings_in_every_layout_get_one_version():
    values = ["a", None, "bcd", ""]
    layouts = [pa.string(), pa.large_string(), pa.string_view()]
    versions = {memory_version(pa.table({"s": pa.array(values, k)})) for k in layouts}
    assert len(versions) == 1


def test_nested_columns_are_versioned_from_the_file_read_back():
    table = pa.table({"l": [[1, 2], None], "a": [1, 2]})
    assert memory_version(table) is None
    back = read_back(lambda f: pq.write_table(table, f))
    assert data_version(back) == data_version(read_back(lambda f: pq.write_table(back, f)))
    assert data_version(back) != data_version(back.select(["a"]))


def test_the_checksum_hashed_while_writing_is_the_file_checksum(tmp_path):
    path = tmp_path / "x.parquet"
    with open(path, "wb") as f:
        sink = HashingWriter(f)
        pq.write_table(pl.DataFrame({"a": list(range(1000))}).to_arrow(), sink)
    assert sink.hexdigest() == file_checksum(path)


def test_the_canonical_form_does_not_drift():
    """Versions are compared with versions recorded by earlier releases: a change of the
    canonical form makes every partition look changed once (no early cutoff). Change it only
    with a new ``_FORMAT`` line, and this value with it."""
    table = pa.table(
        {
            "i": pa.array([1, None, -3], pa.int64()),
            "s": pa.array(["a", None, "ccc"], pa.string_view()),
            "b": pa.array([True, None, False]),
            "ts": pa.array(
                [datetime(2026, 4, 8, tzinfo=UTC), None, datetime(2026, 4, 9, tzinfo=UTC)],
                pa.timestamp("us", tz="UTC"),
            ),
            "d": pa.array([Decimal("1.25"), Decimal("-2.50"), None], pa.decimal128(5, 2)),
            "c": pa.array(["x", "y", "x"]).dictionary_encode(),
            "n": pa.nulls(3),
        }
    )
    assert memory_version(table) == "0bace03d80d6c1154628d036bfbcd1b6"


def test_versions_are_the_same_through_the_public_compute_module(monkeypatch):
    """``versions`` calls Arrow's kernels through the private ``pyarrow._compute`` (the public
    module costs ~0.1 s to import); a pyarrow without it must give the same versions."""
    tables = [
        pa.table({"s": pa.array(["a", None, "bcd"], pa.string_view())}),
        pa.table({"d": pa.array(["x", "y", "x"]).dictionary_encode(), "n": [1, None, 3]}),
        pa.table({"t": pa.array([1, None], pa.timestamp("us", "UTC")), "b": [True, None]}),
    ]
    private = [memory_version(t) for t in tables]
    import pyarrow.compute  # noqa: F401  (loaded before its private module goes away)

    monkeypatch.setitem(sys.modules, "pyarrow._compute", None)  # "import" now fails
    assert versions._compute().__name__ == "pyarrow.compute"
    assert [memory_version(t) for t in tables] == private
