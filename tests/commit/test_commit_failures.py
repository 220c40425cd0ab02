"""The catalog transaction failing for real (the file-size limit stands in for a full disk):
the error says what happened, the previous version stays current, nothing is half-committed."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import duckdb
import pytest

import assetflow as af
from assetflow.commit.files import stage_table
from tests.conftest import AS_OF, REPO, cli_env, load_project, resource
from tests.warehouse_checks import versions

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from datetime import datetime, UTC
    from pathlib import Path
    import duckdb
    import assetflow as af
    from assetflow.commit.files import stage_table
    from assetflow.errors import StorageError

    root = Path(sys.argv[1])
    errors = []
    try:
        with af.Warehouse(root, lock_timeout=5).writer() as catalog:  # publishes on close
            table = duckdb.sql("select 1::bigint as id, 99::bigint as value").to_arrow_table()
            staged = stage_table(table, catalog.storage, "raw", "2026-04-02")
            wal = root / ".assetflow" / "catalog.duckdb.wal"
            size = wal.stat().st_size if wal.exists() else 0
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.RLIM_INFINITY))
            try:
                now = datetime(2026, 4, 10, tzinfo=UTC)
                catalog.commit(asset="raw", partition="2026-04-02", staged=staged,
                               code_version="1", inputs=[], run_id="r", started_at=now,
                               finished_at=now)
            except StorageError as exc:
                errors.append(str(exc))
    except StorageError as exc:
        errors.append(str(exc))
    print(json.dumps(errors))
    """
)


@pytest.mark.slow  # the commit runs in a process under a file-size limit
def test_a_commit_that_cannot_be_written_keeps_the_previous_version(warehouse):
    project = load_project(resource("linear"), warehouse, clock=lambda: AS_OF)
    assert project.materialize(partition="2026-04-02").ok
    before = versions(warehouse)
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(warehouse)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    errors = json.loads(out.stdout)
    assert errors and errors[0].startswith("could not commit raw 2026-04-02 to the catalog:")
    assert "file too large" in errors[0].lower() and "previous version stays current" in errors[0]
    assert all("\n" not in e for e in errors)
    assert versions(warehouse) == before
    report = project.verify()
    assert report.ok, report.render()
    assert report.orphans == []  # the file it could not commit was removed with the rollback
    assert project.materialize(partition="2026-04-02").count("succeeded") == 0


def test_a_staged_file_gone_before_its_commit_fails_it_and_keeps_the_previous_version(warehouse):
    project = load_project(resource("linear"), warehouse, clock=lambda: AS_OF)
    assert project.materialize(partition="2026-04-02").ok
    before = versions(warehouse)
    with af.Warehouse(warehouse).writer() as catalog:
        table = duckdb.sql("select 1::bigint as id").to_arrow_table()
        staged = stage_table(table, catalog.storage, "raw", "2026-04-02")
        catalog.storage.delete(staged.key)  # e.g. removed by hand between staging and commit
        with pytest.raises(af.StorageError, match=r"could not commit raw 2026-04-02: making"):
            catalog.commit(
                asset="raw", partition="2026-04-02", staged=staged, code_version="1",
                inputs=[], run_id="r", started_at=AS_OF, finished_at=AS_OF,
            )  # fmt: skip
        # The failed output's columns (id only) are not what later checks compare with: the
        # next day, with the committed day's columns, passes the strict check.
        table = duckdb.sql("select 1::bigint as id, 2::bigint as value").to_arrow_table()
        staged = stage_table(table, catalog.storage, "raw", "2026-04-03")
        catalog.commit(
            asset="raw", partition="2026-04-03", staged=staged, code_version="1",
            inputs=[], run_id="r", started_at=AS_OF, finished_at=AS_OF,
        )  # fmt: skip
    after = versions(warehouse)
    assert after.pop(("raw", "2026-04-03")) and after == before
