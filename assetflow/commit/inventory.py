"""What a warehouse holds: the catalog's facts about files and the files actually on disk.

``verify`` and ``vacuum`` both compare the two. Only files in the layout ``files.py`` writes are
considered (``<asset>/<key>/<uuid>.parquet``, their ``.tmp-`` temps, and the snapshot's publish
temps); anything else a user keeps in the warehouse directory is never reported or removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

from assetflow.commit.catalog import PUBLISHED_CATALOG, CatalogReader
from assetflow.commit.files import TEMP_PREFIX

_ASSET_DIR = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
_DATA_FILE = re.compile(r"[0-9a-f]{32}\.parquet")
_TEMP_FILE = re.compile(re.escape(TEMP_PREFIX) + r"[0-9a-f]{32}\.parquet")
_PUBLISH_TEMP = re.compile(r"\." + re.escape(PUBLISHED_CATALOG.name) + r"\.\d+\.tmp")
_LITERAL = re.compile(r"'((?:[^']|'')*)'")

FILES_SCHEMA = {
    "id": pl.Int64,
    "asset": pl.String,
    "partition": pl.String,
    "file_path": pl.String,
    "file_checksum": pl.String,
    "bytes": pl.Int64,
    "finished_at": pl.Datetime("us", "UTC"),
    "superseded_at": pl.Datetime("us", "UTC"),
    "is_current": pl.Boolean,
}


@dataclass(frozen=True)
class DiskFile:
    """A file in the warehouse layout."""

    path: str
    """Relative to the warehouse root, '/' separators."""
    kind: str
    """``data`` (a final Parquet name), ``temp`` (an unfinished write) or ``publish_temp``."""
    bytes: int
    mtime: float


def scan_disk(root: Path) -> list[DiskFile]:
    """Every file of the warehouse layout under ``root``, sorted by path."""
    found: list[DiskFile] = []
    if not root.is_dir():
        return found
    for entry in root.iterdir():
        if entry.is_file() and _PUBLISH_TEMP.fullmatch(entry.name):
            found.append(_disk_file(root, entry, "publish_temp"))
        if not entry.is_dir() or not _ASSET_DIR.fullmatch(entry.name):
            continue
        for folder in entry.iterdir():
            if not folder.is_dir():
                continue
            for f in folder.iterdir():
                if _DATA_FILE.fullmatch(f.name):
                    found.append(_disk_file(root, f, "data"))
                elif _TEMP_FILE.fullmatch(f.name):
                    found.append(_disk_file(root, f, "temp"))
    return sorted(found, key=lambda d: d.path)


def _disk_file(root: Path, path: Path, kind: str) -> DiskFile:
    st = path.stat()
    return DiskFile(path.relative_to(root).as_posix(), kind, st.st_size, st.st_mtime)


def catalog_files(reader: CatalogReader) -> pl.DataFrame:
    """One row per materialization: its file, and when a later one replaced it.

    ``superseded_at`` is when the next materialization of the same partition finished (null for
    the newest); ``is_current`` whether ``assetflow.current`` points at this row.
    """
    df = reader.sql(
        """select m.id, m.asset, m.partition, m.file_path, m.file_checksum, m.bytes,
                  m.finished_at,
                  lead(m.finished_at) over (partition by m.asset, m.partition order by m.id)
                      as superseded_at,
                  c.materialization_id is not null as is_current
           from assetflow.materializations m
           left join assetflow.current c on c.materialization_id = m.id
           order by m.id"""
    )
    return df.cast(FILES_SCHEMA) if df.height else pl.DataFrame(schema=FILES_SCHEMA)


def view_files(con: duckdb.DuckDBPyConnection) -> dict[str, list[str]]:
    """Asset view name -> the absolute file paths its definition reads (user views skipped)."""
    rows = con.sql(
        "select view_name, sql from duckdb_views() where schema_name = 'main' and not internal"
    ).fetchall()
    out: dict[str, list[str]] = {}
    for name, sql in rows:
        if "read_parquet" in sql:
            files = sql[sql.index("read_parquet") :]  # casts before it hold no file names
            out[name] = [m.replace("''", "'") for m in _LITERAL.findall(files)]
    return out


def scan_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Read every row of every state table, so a damaged block raises here and not later.

    DuckDB verifies a block's checksum when it reads it; opening a file reads only a few.
    """
    tables = con.sql(
        "select table_name from duckdb_tables() where schema_name = 'assetflow'"
    ).fetchall()
    for (table,) in tables:
        reader = con.sql(f'select * from assetflow."{table}"').to_arrow_reader()
        for _ in reader:
            pass
