"""Asset views: ``main."<asset>"`` over each asset's current files, rebuilt when they change.

Views are derived from ``assetflow.current`` and rebuilt only for assets that changed since the
last publish: rebuilding a view per commit would make a backfill quadratic in its partitions.
Views name files by ``Storage.uri`` (absolute paths locally) because DuckDB resolves relative
ones against the *reader's* working directory; a moved warehouse gets its views rebuilt by the
next writer (see ``writer.open_writer``) or by the first query there (``commit/location.py``).

A view lists its files literally (DuckDB's table functions take no subqueries), and DuckDB binds
a list literal at ~10 µs an element: a view over ten years of daily files cost ~100 ms to
rebuild (reading its files 10, a stat per file 30, ``CREATE VIEW`` 45, its transaction 8), paid
by every cron call for every asset it touched. So an asset with more than :data:`PART_FILES`
files is viewed through parts: ``assetflow_parts."<asset>/<k>"`` reads its files number
``k * PART_FILES`` on, in partition order, and the asset's view is the parts' ``UNION ALL BY
NAME``. A part is rebuilt only when its files changed (a signature per part in
``assetflow.view_parts``, committed with the part), and the asset's view only when its parts'
number or columns did: a day appended to ten years rebuilds one part of 256 files or fewer.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

import duckdb

from assetflow.commit.session import CatalogSession
from assetflow.commit.storage import Storage

PART_FILES = 256
"""Files per part view, for assets with more (see the module docstring)."""
PARTS_SCHEMA = "assetflow_parts"

_FILES = """select m.file_path, m.schema, m.bytes from assetflow.current c
            join assetflow.materializations m on m.id = c.materialization_id
            where c.asset = ? order by c.partition"""


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
    name: str,
    files: list[str],
    casts: dict[str, str] | None = None,
    *,
    uniform: bool = False,
    schema: str = "main",
) -> str:
    """``CREATE VIEW`` ``schema.name`` over exactly ``files`` (asset names are validated
    identifiers), with ``casts`` (column -> type) applied.

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
        f"create or replace view {schema}.{_quote_name(name)} as select {columns} from "
        f"read_parquet([{listing}], union_by_name = {union}, hive_partitioning = false)"
    )


def portable_casts(
    con: duckdb.DuckDBPyConnection, name: str, schema: str = "main"
) -> dict[str, str]:
    """Columns of view ``name`` whose type old DuckDB clients cannot read, and what to cast to."""
    casts: dict[str, str] = {}
    for column, dtype in _columns(con, name, schema):
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

    A view fails when a committed file it is rebuilt over is missing or damaged: files whose
    recorded schemas differ are all read to build it (their footers), and when the schemas agree
    each file's size is compared with the one recorded (a stat, instead of reading every footer;
    a file damaged without changing size is found by ``asset verify``, as is one in a part that
    was not rebuilt). Each asset gets its own transaction so that one damaged asset keeps its
    previous view (and is reported) while every other asset is still published.
    """
    con = session.live
    names = list(assets)
    known = _known_parts(con, names)
    reading = _parts_read(con, names)
    failed: dict[str, str] = {}
    for name in names:
        rows = con.execute(_FILES, [name]).fetchall()
        try:
            with session.transaction(f"the view of {name}", map_errors=False):
                _refresh(con, storage, name, rows, known.get(name, {}), reading.get(name, []))
        except duckdb.Error as exc:
            failed[name] = str(exc).splitlines()[0]
    return failed


def _refresh(
    con: duckdb.DuckDBPyConnection,
    storage: Storage,
    name: str,
    rows: list[tuple],
    known: dict[int, tuple[str, str]],
    reading: list[int],
) -> None:
    """Rebuild ``name``'s view over ``rows`` (path, schema, bytes), given its parts'
    (signature, columns) as last built and the parts its view reads now."""
    if len(rows) <= PART_FILES:
        _drop_parts(con, name, known, 0)
        if rows:
            _create(con, storage, "main", name, rows)
        else:
            con.execute(f"drop view if exists main.{_quote_name(name)}")
        return
    parts = [rows[i : i + PART_FILES] for i in range(0, len(rows), PART_FILES)]
    # Also when the view does not read exactly these parts: something else replaced it (an
    # older assetflow writes one view over every file).
    reshaped = set(known) != set(range(len(parts))) or reading != list(range(len(parts)))
    for k, part in enumerate(parts):
        signature = _signature(part)
        if k in known and known[k][0] == signature:
            continue
        columns = _create(con, storage, PARTS_SCHEMA, f"{name}/{k}", part)
        reshaped = reshaped or k not in known or known[k][1] != columns
        con.execute("delete from assetflow.view_parts where asset = ? and part = ?", [name, k])
        con.execute(
            "insert into assetflow.view_parts values (?, ?, ?, ?)", [name, k, signature, columns]
        )
    _drop_parts(con, name, known, len(parts))
    if reshaped:
        union = " union all by name ".join(
            f"select * from {PARTS_SCHEMA}.{_quote_name(f'{name}/{k}')}" for k in range(len(parts))
        )
        con.execute(f"create or replace view main.{_quote_name(name)} as {union}")


def _create(
    con: duckdb.DuckDBPyConnection, storage: Storage, schema: str, name: str, rows: list[tuple]
) -> str:
    """Create view ``schema.name`` over ``rows`` with portable types; return its columns."""
    files = [storage.uri(r[0]) for r in rows]
    uniform = len({r[1] for r in rows}) == 1 and _sizes_match(storage, rows)
    con.execute(view_sql(name, files, uniform=uniform, schema=schema))
    casts = portable_casts(con, name, schema)
    if casts:
        con.execute(view_sql(name, files, casts, uniform=uniform, schema=schema))
    return json.dumps(_columns(con, name, schema))


def _drop_parts(
    con: duckdb.DuckDBPyConnection, name: str, known: dict[int, tuple[str, str]], first: int
) -> None:
    """Drop ``name``'s part views from number ``first`` on, and their signatures."""
    for k in sorted(k for k in known if k >= first):
        con.execute(f"drop view if exists {PARTS_SCHEMA}.{_quote_name(f'{name}/{k}')}")
    if any(k >= first for k in known):
        con.execute("delete from assetflow.view_parts where asset = ? and part >= ?", [name, first])


def _signature(rows: Sequence[tuple]) -> str:
    """What a part's view is built from: its files, in order. A file is written once under a
    unique name, so its name stands for its content; a moved warehouse rebuilds every part
    (``forget_parts``)."""
    return hashlib.blake2b("\n".join(r[0] for r in rows).encode(), digest_size=16).hexdigest()


def _known_parts(
    con: duckdb.DuckDBPyConnection, assets: list[str]
) -> dict[str, dict[int, tuple[str, str]]]:
    """Asset -> part number -> (signature, columns) of its parts as last built."""
    rows = con.execute(
        "select asset, part, signature, columns from assetflow.view_parts "
        "where asset in (select unnest(?::varchar[]))",
        [assets],
    ).fetchall()
    known: dict[str, dict[int, tuple[str, str]]] = {}
    for asset, part, signature, columns in rows:
        known.setdefault(asset, {})[part] = (signature, columns)
    return known


PART_REFERENCE = re.compile(PARTS_SCHEMA + r'\."[^"]*/(\d+)"')
"""A part view named in an asset view's SQL; its group is the part's number."""


def _parts_read(con: duckdb.DuckDBPyConnection, assets: list[str]) -> dict[str, list[int]]:
    """Asset -> the numbers of the part views its view reads, in order (none: not parted)."""
    rows = con.execute(
        "select view_name, sql from duckdb_views() where schema_name = 'main' "
        "and view_name in (select unnest(?::varchar[]))",
        [assets],
    ).fetchall()
    return {name: [int(k) for k in PART_REFERENCE.findall(sql)] for name, sql in rows}


def forget_parts(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild every part view and asset view at the next refresh: the files may have moved or
    been damaged, or the catalog was rewritten without its views. The rows stay, so that parts
    no longer needed are still dropped."""
    con.execute("update assetflow.view_parts set signature = '', columns = ''")


def _columns(con: duckdb.DuckDBPyConnection, name: str, schema: str) -> list[tuple[str, str]]:
    return con.execute(
        "select column_name, data_type from duckdb_columns() where database_name = "
        "current_database() and schema_name = ? and table_name = ? order by column_index",
        [schema, name],
    ).fetchall()


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
