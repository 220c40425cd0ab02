"""Asset views and the published read-only snapshot of the catalog.

Views are derived from ``assetflow.current`` and rebuilt only for assets that changed since the
last publish: rebuilding a view per commit would make a backfill quadratic in its partitions.
Views name files by ``Storage.uri`` (absolute paths locally) because DuckDB resolves relative
ones against the *reader's* working directory; a moved warehouse gets its views rebuilt by the
next writer (see ``writer.open_writer``) or by the first query there (``commit/location.py``).

The snapshot is a byte copy of the checkpointed live catalog, so it is in the live catalog's
storage format (``commit/catalog_format.py``: readable by DuckDB 1.1 and later).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path

import duckdb

from assetflow.commit.db_errors import checkpoint_failure
from assetflow.commit.faults import fault_point
from assetflow.commit.session import CatalogSession
from assetflow.commit.storage import Storage, fsync_path
from assetflow.errors import StorageError

_CHUNK = 1 << 20
SIDECARS = (".wal", ".wal.checkpoint", ".wal.recovery")
"""Files DuckDB keeps beside a database file. Beside the snapshot they can only come from a
program that opened it read-write (assetflow never does); after a publish they belong to the
replaced file, and DuckDB would replay a stray WAL onto the new one and refuse to open it."""


def _quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _quote_name(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


# A view stores its column types, and a DuckDB that cannot decode one of them cannot open the
# database at all ("Enum value ... not implemented"), or refuses the view ("Contents of view
# were altered"). These are the types DuckDB 2.x gives Parquet columns that DuckDB 1.1, the
# oldest reader we promise (commit/catalog_format.py), lacks or reads as another type; views cast
# them to what 1.1 reads. The Parquet files keep full precision (nanoseconds included).
PORTABLE_TYPES = (
    (re.compile(r"\bTIMESTAMPTZ_NS\b"), "TIMESTAMP WITH TIME ZONE"),
    (re.compile(r"\bTIME_NS\b"), "TIME"),
    (re.compile(r'"NULL"'), "INTEGER"),  # an all-null column
)


def view_sql(
    name: str, files: list[str], casts: dict[str, str] | None = None, *, uniform: bool = False
) -> str:
    """``CREATE VIEW`` over exactly ``files`` (asset names are validated identifiers), with
    ``casts`` (column -> type) applied.

    ``uniform``: every file has the same columns, in the same order, of the same types. DuckDB
    then binds the view from one file's footer; otherwise it reads every footer to unify the
    files' columns by name (``union_by_name``), which costs ~0.1 ms a file at every publish.
    """
    listing = ", ".join(_quote_literal(f) for f in files)
    columns = "*"
    if casts:
        replaced = ", ".join(
            f"cast({_quote_name(c)} as {t}) as {_quote_name(c)}" for c, t in casts.items()
        )
        columns = f"* replace ({replaced})"
    union = "false" if uniform else "true"
    return (
        f'create or replace view main."{name}" as select {columns} from read_parquet([{listing}], '
        f"union_by_name = {union}, hive_partitioning = false)"
    )


def portable_casts(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """Columns of view ``name`` whose type old DuckDB clients cannot read, and what to cast to."""
    rows = con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = "
        "current_database() and schema_name = 'main' and table_name = ?",
        [name],
    ).fetchall()
    casts: dict[str, str] = {}
    for column, dtype in rows:
        portable = dtype
        for pattern, replacement in PORTABLE_TYPES:
            portable = pattern.sub(replacement, portable)
        if portable != dtype:
            casts[column] = portable
    return casts


def refresh_views(
    session: CatalogSession, storage: Storage, assets: Iterable[str]
) -> dict[str, str]:
    """Point each asset's view at its current files; return the assets whose view failed.

    A view fails when a committed file is missing or damaged: files whose recorded schemas
    differ are all read to build it (their footers), and when the schemas agree each file's
    size is compared with the one recorded (a stat, instead of reading every footer; a file
    damaged without changing size is found by ``asset verify``). Each view gets its own
    transaction so that one damaged asset keeps its previous view (and is reported) while
    every other asset is still published.
    """
    con = session.live
    failed: dict[str, str] = {}
    for name in assets:
        rows = con.execute(
            """select m.file_path, m.schema, m.bytes from assetflow.current c
               join assetflow.materializations m on m.id = c.materialization_id
               where c.asset = ? order by c.partition""",
            [name],
        ).fetchall()
        try:
            with session.transaction(f"the view of {name}", map_errors=False):
                if rows:
                    files = [storage.uri(r[0]) for r in rows]
                    uniform = len({r[1] for r in rows}) == 1 and _sizes_match(storage, rows)
                    con.execute(view_sql(name, files, uniform=uniform))
                    casts = portable_casts(con, name)
                    if casts:
                        con.execute(view_sql(name, files, casts, uniform=uniform))
                else:
                    con.execute(f'drop view if exists main."{name}"')
        except duckdb.Error as exc:
            failed[name] = str(exc).splitlines()[0]
    return failed


VIEWS_THROUGH = "views_through"
"""``assetflow.meta`` key: every asset's view is built over its current files as of this
materialization id (-1 or absent: no view may be trusted). A writer session rebuilds only the
views of assets committed after it, instead of every view of the warehouse (~70 us a file)."""


def stale_views(con: duckdb.DuckDBPyConnection, *, everything: bool = False) -> list[str]:
    """Assets whose views may not match the catalog: committed after the last complete
    rebuild (a crash between a commit and its publication), or all of them (``everything``:
    the warehouse moved, the catalog was rewritten, or the mark is missing)."""
    rows = con.execute(
        f"""select distinct asset from assetflow.materializations
            where ? or id > coalesce((select try_cast(value as bigint) from assetflow.meta
                                      where key = '{VIEWS_THROUGH}'), -1)""",
        [everything],
    ).fetchall()
    return [r[0] for r in rows]


def mark_views(con: duckdb.DuckDBPyConnection, through: int) -> None:
    """Record that every view is built as of materialization ``through`` (-1: none is)."""
    con.execute(
        f"insert or replace into assetflow.meta values ('{VIEWS_THROUGH}', ?)", [str(through)]
    )


def _sizes_match(storage: Storage, rows: list[tuple]) -> bool:
    """True if every file exists with its recorded size (False sends the view down the path
    that reads every footer, which fails on the damaged file and names it)."""
    try:
        return all(storage.size(key) == size for key, _, size in rows)
    except OSError:
        return False


def publish_snapshot(
    con: duckdb.DuckDBPyConnection, live: Path, live_fd: int, published: Path
) -> None:
    """Checkpoint the live catalog, copy it, and atomically rename the copy over ``published``.

    A reader that has the old snapshot open keeps reading it (POSIX keeps the unlinked inode),
    so it never sees a half-written file and never blocks this writer.

    The copy reads ``live_fd``, a descriptor the writer keeps open while it holds the catalog,
    never the path: DuckDB locks the file with POSIX record locks, and the kernel drops all of a
    process's locks on a file as soon as it closes *any* descriptor of it. Copying by path
    (open, read, close) silently unlocked the live catalog for every other process.
    """
    try:
        con.execute("checkpoint")
    except duckdb.Error as exc:
        raise checkpoint_failure(live, exc) from None
    temp = published.with_name(f".{published.name}.{os.getpid()}.tmp")
    try:
        _copy_from(live_fd, temp)
        fault_point("during_publish")
        remove_sidecars(published)
        os.replace(temp, published)
        # Again: a program still writing the old file may have made a new one meanwhile.
        remove_sidecars(published)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StorageError(
            f"could not publish {published}: {exc.strerror or exc}; committed partitions are "
            "safe and readers keep the previous snapshot: free space, then re-run to publish"
        ) from None
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_path(published.parent)


def sidecars(published: Path) -> list[Path]:
    """The DuckDB sidecar files that exist beside ``published``."""
    return [p for p in (published.with_name(published.name + s) for s in SIDECARS) if p.exists()]


def remove_sidecars(published: Path) -> None:
    for path in sidecars(published):
        path.unlink(missing_ok=True)


def _copy_from(source_fd: int, dest: Path) -> None:
    """Copy the whole file behind ``source_fd`` to ``dest`` (durably) without closing it."""
    size = os.fstat(source_fd).st_size
    with open(dest, "wb") as out:
        offset = 0
        while offset < size:
            chunk = os.pread(source_fd, min(_CHUNK, size - offset), offset)
            if not chunk:
                break
            out.write(chunk)
            offset += len(chunk)
        out.flush()
        os.fsync(out.fileno())
