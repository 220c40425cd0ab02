"""`asset verify`, `asset vacuum`, `asset rollback` through the CLI."""

from __future__ import annotations

import json

from tests.conftest import invoke_cli, resource

LINEAR = str(resource("linear"))
KEY = "2026-04-02"


def linear(warehouse, *args, **env):
    return invoke_cli("-p", LINEAR, "-w", str(warehouse), *args, env=env or None)


def test_rollback_vacuum_and_verify_commands(warehouse):
    assert linear(warehouse, "materialize", "--partition", KEY).returncode == 0
    assert (
        linear(
            warehouse, "materialize", "--partition", KEY, "--force", LINEAR_FACTOR="3"
        ).returncode
        == 0
    )

    listed = json.loads(
        linear(warehouse, "rollback", "raw", "--partition", KEY, "--list", "--json").stdout
    )
    assert [v["current"] for v in listed] == [True, False]
    first = listed[1]["id"]

    rolled = linear(warehouse, "rollback", "raw", "--partition", KEY)
    assert rolled.returncode == 0, rolled.stderr
    assert f"= data of {first}" in rolled.stdout
    status = json.loads(linear(warehouse, "status", "--json", LINEAR_FACTOR="3").stdout)
    by_asset = {a["asset"]: a for a in status["assets"]}
    assert by_asset["clean"]["stale"] == 1  # it read the replaced raw

    dry = json.loads(linear(warehouse, "vacuum", "--older-than", "0", "--dry-run", "--json").stdout)
    assert dry["dry_run"] and {f["kind"] for f in dry["removed"]} == {"superseded"}
    done = linear(warehouse, "vacuum", "--older-than", "0s")
    assert done.returncode == 0 and "removed 3 file(s)" in done.stdout

    checked = linear(warehouse, "verify")
    assert checked.returncode == 0 and checked.stdout.strip().endswith("ok")
    gone = linear(warehouse, "rollback", "clean", "--partition", KEY, "--to", "2")
    assert gone.returncode == 2 and "removed by vacuum" in gone.stderr
    assert "Traceback" not in gone.stderr


def test_integrity_commands_are_in_the_help():
    out = invoke_cli("--help")
    for command in ("verify", "vacuum", "rollback"):
        assert command in out.stdout
