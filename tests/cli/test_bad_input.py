"""Bad and hostile input through the CLI: each gives one clear `error:` line (or a failed
task), a non-zero exit, no traceback, and leaves the warehouse as it was."""

from __future__ import annotations

import duckdb
import pytest

import assetflow as af
from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from tests.conftest import invoke_cli, one_error_line, resource
from tests.warehouse_checks import fingerprint, versions

GEN = str(resource("gen"))
HOSTILE = str(resource("hostile_keys"))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A gen warehouse with two days of events committed, shared by tests that must not
    change it (each checks that they did not)."""
    warehouse = tmp_path_factory.mktemp("built") / "wh"
    for day in ("2026-03-01", "2026-03-02"):
        out = invoke_cli(
            "-p", GEN, "-w", str(warehouse), "materialize", "events", "--partition", day
        )
        assert out.returncode == 0, out.stderr
    return warehouse


def gen(warehouse, *args, **env):
    return invoke_cli("-p", GEN, "-w", str(warehouse), *args, env=env or None)


LONG = "2026-03-05" + "9" * 5000


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(
            ["materialize", "--partition", "2026-03-05'; drop table assetflow.current; --"],
            "expected YYYY-MM-DD",
            id="sql-in-key",
        ),
        pytest.param(
            ["materialize", "--partition", "../../../etc/passwd"],
            "expected YYYY-MM-DD",
            id="traversal-key",
        ),
        pytest.param(["materialize", "--partition", LONG], "expected YYYY-MM-DD", id="long-key"),
        pytest.param(
            ["materialize", "--partition", "2026-03-05\u202e"],
            "expected YYYY-MM-DD",
            id="rtl-override-key",
        ),
        pytest.param(
            ["materialize", "--partition", "2026-03-05\x1b[2J"],
            "expected YYYY-MM-DD",
            id="ansi-escape-key",
        ),
        pytest.param(
            ["materialize", "events; drop table assetflow.current", "--partition", "2026-03-05"],
            "unknown asset",
            id="sql-in-asset",
        ),
        pytest.param(
            ["materialize", "../events", "--partition", "2026-03-05"],
            "unknown asset",
            id="traversal-asset",
        ),
        pytest.param(
            ["rollback", "events' or '1'='1", "--partition", "2026-03-01"],
            "unknown asset",
            id="sql-in-rollback-asset",
        ),
        pytest.param(
            ["rollback", "events", "--partition", "2026-03-01/../../x"],
            "expected YYYY-MM-DD",
            id="traversal-rollback-key",
        ),
        pytest.param(
            ["vacuum", "--older-than", "1; rm -rf /"],
            "not a duration",
            id="shell-in-duration",
        ),
        pytest.param(
            ["query", "select * from events; drop table assetflow.current"],
            "query refused: DROP is not allowed",
            id="drop-in-query",
        ),
    ],
)
def test_hostile_keys_and_names_are_refused_in_one_line(built, args, needle):
    before = fingerprint(built)
    out = gen(built, *args)
    assert out.returncode == 2, (out.stdout, out.stderr)
    line = one_error_line(out) if not out.stderr.startswith("Usage") else out.stderr
    assert needle in line
    assert len(line) < 400  # an over-long key is not echoed in full
    assert "\x1b" not in line and "\u202e" not in line  # control characters are escaped
    assert fingerprint(built) == before


def test_a_read_only_query_cannot_change_the_warehouse(built):
    before = fingerprint(built)
    out = gen(built, "query", "delete from assetflow.current")
    assert out.returncode == 2 and "query refused: DELETE" in one_error_line(out)
    assert fingerprint(built) == before


def test_legal_but_hostile_static_keys_round_trip_and_stay_inside(tmp_path):
    warehouse = tmp_path / "wh 'quoted'; drop"
    out = invoke_cli("-p", HOSTILE, "-w", str(warehouse), "materialize")
    assert out.returncode == 0, out.stderr
    con = duckdb.connect(str(warehouse / PUBLISHED_CATALOG), read_only=True)
    keys = sorted(r[0] for r in con.sql("select key from regions").fetchall())
    stored = sorted(r[0] for r in con.sql("select partition from assetflow.current").fetchall())
    con.close()
    from tests.resources.hostile_keys import KEYS

    assert keys == stored == sorted(KEYS)
    for path in warehouse.rglob("*"):
        assert path.resolve().is_relative_to(warehouse.resolve())
    folders = sorted(p.name for p in (warehouse / "regions").iterdir())
    assert all(
        set(f) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.%")
        for f in folders
    )
    assert "..." not in folders and "%2e%2e" not in folders  # no folder name a shell expands
    assert invoke_cli("-p", HOSTILE, "-w", str(warehouse), "verify").returncode == 0


@pytest.mark.parametrize(
    ("key", "needle"),
    [
        ("../escape", "path separator"),
        ("eu\u202e", "control character"),
        ("k" * 200, "the limit is 128"),
        ("ü" * 100, "folder name"),
    ],
    ids=["traversal", "rtl-override", "long", "long-encoded"],
)
def test_illegal_static_keys_are_refused(tmp_path, key, needle):
    out = invoke_cli(
        "-p", HOSTILE, "-w", str(tmp_path / "wh"), "materialize", env={"HOSTILE_EXTRA_KEY": key}
    )
    assert out.returncode == 2, out.stderr
    assert needle in one_error_line(out)
    assert not list((tmp_path / "wh").rglob("*.parquet"))


def test_an_asset_name_with_sql_is_refused(tmp_path):
    out = invoke_cli("-p", str(resource("bad_name")), "-w", str(tmp_path / "wh"), "list")
    assert out.returncode == 2 and "not a safe SQL identifier" in one_error_line(out)


@pytest.mark.parametrize(
    ("kind", "needle"),
    [
        ("none", "returned NoneType"),
        ("dict", "returned dict"),
        ("list", "returned list"),
        ("bad_sql", "its SQL failed"),
        ("dup_arrow", "duplicate column names ['x']"),
        ("dup_sql", "duplicate column names ['a']"),
        ("raise", "raised ValueError: the upstream API said no"),
    ],
)
def test_bad_output_fails_the_task_and_commits_nothing(tmp_path, kind, needle):
    warehouse = tmp_path / "wh"
    out = invoke_cli(
        "-p",
        str(resource("bad_output")),
        "-w",
        str(warehouse),
        "materialize",
        "--partition",
        "2026-03-03",
        env={"BAD_OUTPUT": kind},
    )
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    failed = [line for line in out.stderr.splitlines() if line.startswith("failed:")]
    assert len(failed) == 1 and needle in failed[0]
    assert not list(warehouse.rglob("*.parquet"))
    assert versions(warehouse) == {}


@pytest.mark.parametrize(
    "key", ["eu\u202e", "eu\u200b", "eu\u2028x", "eu\x1b[31m", "eu\x00", "a/b", "..", "ü" * 86]
)
def test_static_keys_that_disguise_or_escape_are_refused(key):
    with pytest.raises(af.DefinitionError, match="StaticPartitions"):
        af.StaticPartitions(["ok", key])
    with pytest.raises(af.PartitionKeyError):
        af.StaticPartitions(["ok"]).parse_key(key)


def test_static_keys_with_quotes_and_letters_are_fine():
    keys = ["münchen", "o'brien", "a b", "x=1", "%2e", "..."]
    assert af.StaticPartitions(keys).keys == tuple(keys)


def test_a_key_no_partitioned_asset_accepts_is_an_error_even_beside_unpartitioned_ones(tmp_path):
    project = af.Project.load(GEN, warehouse=tmp_path / "wh")
    with pytest.raises(af.PartitionKeyError, match="expected YYYY-MM-DD"):
        project.plan(partition="'; drop table x; --")
    assert {s.asset for s in project.plan(partition="2026-03-05").to_run} == {
        "events",
        "totals",
        "summary",
    }
