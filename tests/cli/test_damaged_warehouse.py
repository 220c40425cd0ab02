"""A damaged or constrained warehouse through the CLI: schema drift, corrupt data files,
truncated catalogs, missing permissions, a path below a file, a full disk. Each is explained in
one `error:` line, nothing committed is lost, and `verify --repair` mends what can be mended."""

from __future__ import annotations

import json
import os

import pytest

from assetflow.commit.catalog_paths import LIVE_CATALOG, PUBLISHED_CATALOG
from tests.conftest import copy_warehouse, invoke_cli, one_error_line, resource
from tests.warehouse_checks import fingerprint, snapshot_problems, versions

GEN = str(resource("gen"))


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """A gen warehouse with everything committed: copied by tests that damage it."""
    warehouse = tmp_path_factory.mktemp("whole") / "wh"
    assert gen(warehouse, "materialize").returncode == 0
    return warehouse


def gen(warehouse, *args, **env):
    return invoke_cli("-p", GEN, "-w", str(warehouse), *args, env=env or None)


def test_schema_drift_is_refused_at_commit_with_the_column_diff(tmp_path):
    warehouse = tmp_path / "wh"
    drift = str(resource("bad_output"))
    assert (
        invoke_cli(
            "-p", drift, "-w", str(warehouse), "materialize", "--partition", "2026-03-01"
        ).returncode
        == 0
    )
    before = fingerprint(warehouse)
    # The same code now emits a table whose `n` column holds text: SQL instead of polars.
    out = invoke_cli(
        "-p",
        drift,
        "-w",
        str(warehouse),
        "materialize",
        "--partition",
        "2026-03-02",
        env={"BAD_OUTPUT": "text_n"},
    )
    assert out.returncode == 1, out.stderr
    (line,) = [x for x in out.stderr.splitlines() if x.startswith("failed:")]
    assert "changed n int64 -> string" in line and "partition 2026-03-01" in line
    assert fingerprint(warehouse) == before


def corrupt(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = os.urandom(64)
    path.write_bytes(bytes(data))


def test_a_corrupt_parquet_file_is_found_by_verify_reported_by_reads_and_repaired(whole, tmp_path):
    warehouse = copy_warehouse(whole, tmp_path / "wh")
    reference = versions(warehouse)
    (victim,) = (warehouse / "events" / "2026-03-07").glob("*.parquet")
    corrupt(victim)

    checked = gen(warehouse, "verify", "--json")
    assert checked.returncode == 1
    (problem,) = json.loads(checked.stdout)["problems"]
    assert problem["kind"] == "checksum_mismatch" and problem["partition"] == "2026-03-07"
    read = gen(warehouse, "query", "select sum(amount) from events")
    assert read.returncode == 2 and "query failed" in one_error_line(read)

    repaired = gen(warehouse, "verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert "forgot events 2026-03-07" in repaired.stdout
    assert gen(warehouse, "materialize").returncode == 0
    assert versions(warehouse) == reference
    assert snapshot_problems(warehouse) == []


@pytest.mark.parametrize("which", ["live", "published"])
def test_a_truncated_catalog_file_is_explained_and_repaired(whole, tmp_path, which):
    warehouse = copy_warehouse(whole, tmp_path / "wh")
    reference = versions(warehouse)
    target = warehouse / (LIVE_CATALOG if which == "live" else PUBLISHED_CATALOG)
    os.truncate(target, 16384)  # the header survives, every table block is gone
    files = sorted(p.name for p in warehouse.rglob("*.parquet"))

    if which == "live":
        out = gen(warehouse, "materialize")
        assert out.returncode == 2
        line = one_error_line(out)
        assert "catalog.duckdb" in line and "asset verify --repair" in line
        assert gen(warehouse, "status").returncode == 0  # readers use the snapshot
    else:
        out = gen(warehouse, "status")
        assert out.returncode == 2
        line = one_error_line(out)
        assert "warehouse.duckdb" in line and "publishes it again" in line
    assert gen(warehouse, "verify").returncode == 1
    assert sorted(p.name for p in warehouse.rglob("*.parquet")) == files  # data untouched

    repaired = gen(warehouse, "verify", "--repair")
    assert repaired.returncode == 0, repaired.stdout
    assert gen(warehouse, "materialize").returncode == 0
    assert versions(warehouse) == reference


def drop_file_permission_override():
    """In the child: drop the capabilities that let root ignore file permissions, so the
    kernel checks them as it would for any user (tests run as root in CI containers)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2, 3):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_limited(warehouse, *args, preexec, env=None):
    import subprocess
    import sys

    from tests.conftest import RESOURCES, cli_env

    return subprocess.run(
        [sys.executable, "-m", "assetflow", "-w", str(warehouse), *args],
        capture_output=True,
        text=True,
        env=cli_env(env),
        cwd=RESOURCES,
        preexec_fn=preexec,
        timeout=120,
    )


def can_drop_capabilities() -> bool:
    import subprocess
    import sys

    try:
        probe = subprocess.run(
            [sys.executable, "-c", "pass"], preexec_fn=drop_file_permission_override
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return probe.returncode == 0


@pytest.mark.slow  # the CLI runs as a process without root's file-permission override
def test_a_warehouse_without_write_permission(tmp_path):
    if os.geteuid() != 0:
        pass  # permissions apply to us anyway
    elif not can_drop_capabilities():
        pytest.skip("running as root without CAP_SETPCAP: cannot make permissions apply")
    warehouse = tmp_path / "wh"
    assert gen(warehouse, "materialize", "events", "--partition", "2026-03-01").returncode == 0
    before = fingerprint(warehouse)
    folders = [warehouse, *[p for p in warehouse.rglob("*") if p.is_dir()]]
    for folder in folders:
        folder.chmod(0o555)
    try:
        preexec = drop_file_permission_override if os.geteuid() == 0 else None
        out = run_limited(
            warehouse, "-p", GEN, "materialize", "--partition", "2026-03-02", preexec=preexec
        )
        assert out.returncode == 2, (out.stdout, out.stderr)
        line = one_error_line(out)
        assert "permission denied" in line.lower() and "-w/--warehouse" in line
        read = run_limited(
            warehouse, "-p", GEN, "query", "select count(*) as n from events", preexec=preexec
        )
        assert read.returncode == 0, read.stderr  # reading a read-only warehouse still works
    finally:
        for folder in folders:
            folder.chmod(0o755)
    assert fingerprint(warehouse) == before
    assert gen(warehouse, "verify").returncode == 0


def test_a_warehouse_path_below_a_file(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    out = gen(blocker / "wh", "materialize", "--partition", "2026-03-01")
    assert out.returncode == 2
    line = one_error_line(out)
    assert "cannot create the warehouse" in line and "Not a directory" in line


@pytest.mark.slow  # the CLI runs as a process under a file-size limit
def test_a_full_disk_during_the_parquet_write(tmp_path):
    """RLIMIT_FSIZE makes write() fail part way through the Parquet file (EFBIG), as a full
    disk does (ENOSPC): a real kernel-enforced failure in the middle of the write path."""
    import resource as rlimit

    warehouse = tmp_path / "wh"
    big = str(resource("big"))
    assert (
        invoke_cli(
            "-p", big, "-w", str(warehouse), "materialize", "--partition", "2026-03-01"
        ).returncode
        == 0
    )
    before = fingerprint(warehouse)
    limit = max(p.stat().st_size for p in warehouse.rglob("*") if p.is_file()) + (4 << 20)

    def small_disk():
        rlimit.setrlimit(rlimit.RLIMIT_FSIZE, (limit, limit))

    out = run_limited(
        warehouse,
        "-p",
        big,
        "materialize",
        "--partition",
        "2026-03-02",
        preexec=small_disk,
        env={"BIG_ROWS": "3000000"},
    )
    # The write fails in the task, so the task fails (exit 1) with the storage error's message.
    assert out.returncode == 1, (out.stdout, out.stderr)
    assert "could not write blob 2026-03-02" in out.stderr and "File too large" in out.stderr
    assert "free space" in out.stderr
    assert "Traceback" not in out.stderr
    assert not list(warehouse.rglob(".tmp-*"))  # the partial file was removed
    assert fingerprint(warehouse) == before
    assert invoke_cli("-p", big, "-w", str(warehouse), "verify").returncode == 0
