"""One open connection to a catalog file: reads as frames, writes in :meth:`transaction`.

Readers and the writer each hold one :class:`CatalogSession`; every query module
(``state.py``, ``run_reads.py``, ``automation.py``, ``runstate.py``) takes it. It is where a
DuckDB error from our own SQL becomes a one-line :class:`StorageError` (``db_errors.py``), and
the only place that writes ``begin``/``commit``/``rollback``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from assetflow.commit.db_errors import commit_failure, damaged_hint, open_failure
from assetflow.errors import StorageError


class CatalogSession:
    """A connection to one catalog file (None: the warehouse has no catalog yet)."""

    def __init__(self, con: duckdb.DuckDBPyConnection | None, source: Path) -> None:
        self.con = con
        self.source = source
        """The catalog file (named in errors)."""
        self.is_damaged = False
        """Set once a read failed on a damaged block: a writer then never publishes (its copy
        would replace the intact snapshot, the backup ``asset verify --repair`` restores)."""

    @property
    def live(self) -> duckdb.DuckDBPyConnection:
        """The open connection (a reader without a catalog file has none)."""
        if self.con is None:
            raise StorageError(f"{self.source} is closed or was never created")
        return self.con

    def damaged(self, exc: BaseException) -> StorageError:
        """The error for this catalog file failing to read, with how to repair it."""
        self.is_damaged = True
        return open_failure(self.source, exc, damaged_hint(self.source))

    def frame(
        self,
        sql: str,
        params: Sequence[Any] | None = None,
        schema: Mapping[str, pl.DataType] | None = None,
        *,
        missing_ok: bool = False,
        cast: bool = True,
    ) -> pl.DataFrame:
        """The rows of ``sql``, cast to ``schema`` (empty, with ``schema``, without a catalog).

        ``missing_ok``: a table that does not exist (a snapshot published by an older
        assetflow) reads as empty instead of as damage. ``cast=False`` keeps DuckDB's types
        (``schema`` then only shapes an empty result).
        """
        if self.con is None:
            return pl.DataFrame(schema=schema)
        try:
            df = self.con.sql(sql, params=params).pl()
        except duckdb.CatalogException as exc:
            if missing_ok:
                return pl.DataFrame(schema=schema)
            raise self.damaged(exc) from None
        except duckdb.Error as exc:
            # Our own queries only fail on a damaged catalog (DuckDB checks block checksums
            # lazily, so a file can open fine and fail on the first read of a bad block).
            raise self.damaged(exc) from None
        if schema is None or (df.height and not cast):
            return df
        return df.cast(dict(schema)) if df.height else pl.DataFrame(schema=schema)

    @contextmanager
    def registered(self, name: str, frame: pl.DataFrame | None) -> Iterator[None]:
        """``frame`` readable as table ``name`` by this session's queries meanwhile (None:
        nothing is). Thousands of keys go in as an Arrow table in ~10 ms; as list parameters
        they took ~0.8 s at 365,000."""
        if frame is None or self.con is None:
            yield
            return
        self.con.register(name, frame.to_arrow())
        try:
            yield
        finally:
            self.con.unregister(name)

    def rows(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        """``sql``'s rows as tuples (for the writer's own bookkeeping queries)."""
        try:
            return self.live.execute(sql, params or []).fetchall()
        except duckdb.Error as exc:
            raise self.damaged(exc) from None

    @contextmanager
    def transaction(
        self, what: str, kept: str = "nothing of it was written", *, map_errors: bool = True
    ) -> Iterator[duckdb.DuckDBPyConnection]:
        """One catalog transaction: committed when the block ends, rolled back if it raises.

        A DuckDB error becomes a StorageError ``could not commit <what> to the catalog: <cause>;
        <kept> ...``; ``map_errors=False`` re-raises it as is, for a caller that records the
        failure and goes on (a view that cannot be rebuilt).
        """
        con = self.live
        try:
            con.execute("begin")  # inside: after a failed write DuckDB refuses even this
            yield con
            con.execute("commit")
        except BaseException as exc:
            # A failed COMMIT (e.g. the disk is full) already ended the transaction, and a
            # second error from ROLLBACK would hide the one that says what happened.
            with suppress(duckdb.Error):
                con.execute("rollback")
            if map_errors and isinstance(exc, duckdb.Error):
                raise commit_failure(what, exc, kept, self.source) from None
            raise

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None
