"""SIGKILL at every named point of the commit protocol, first and mid-run.

For each point a real ``python -m assetflow materialize`` rebuilding generation 1 of the ``gen``
pipeline as generation 2 kills itself there (``ASSETFLOW_FAULT=point:N``). Then: readers see
every partition at exactly its old or its new version, whole; ``asset verify`` passes and lists
exactly the orphan the point leaves; a plain rerun converges to the data versions of a clean
generation-2 run; ``asset vacuum`` removes the orphans and nothing else.
"""

from __future__ import annotations

import json
import signal
from datetime import timedelta

import pytest

from assetflow.commit.faults import POINTS
from tests.conftest import invoke_cli, load_project, resource, run_cli
from tests.warehouse_checks import snapshot_problems, versions, view_rows

GEN = str(resource("gen"))

ORPHANS = {
    "after_temp_write": ["temp"],
    "after_rename": ["unreferenced"],
    "after_persist": ["unreferenced"],
    "before_catalog_commit": ["unreferenced"],
    "after_catalog_commit": [],
    "during_publish": ["publish_temp"],
}
# The 25th time lands mid-run (61 tasks), after 24 partitions committed; the snapshot is
# published about once a second, so the second publish is the mid-run one for that point.
# Catalog transactions group the partitions that finish together, so there are fewer of them
# than tasks: their mid-run case (persist runs once per transaction) is the third one.
MID_RUN = {
    "during_publish": 2,
    "after_persist": 3,
    "before_catalog_commit": 3,
    "after_catalog_commit": 3,
}
CASES = [(p, 1) for p in POINTS] + [(p, MID_RUN.get(p, 25)) for p in POINTS]


def gen_cli(warehouse, *args, gen="2", crash_at=None):
    """The CLI on generation ``gen``: in this process, or with ``crash_at`` a real process
    that SIGKILLs itself at that fault point."""
    # Threads: a fault point reached while staging kills the whole run, as a power cut would
    # (with worker processes only the worker dies, and the task is retried).
    # One worker, so the orphans a kill leaves are exactly the killed task's.
    env = {"GEN": gen, "ASSETFLOW_EXECUTOR": "threads", "ASSETFLOW_WORKERS": "1"}
    if crash_at is None:
        return invoke_cli("-p", GEN, "-w", str(warehouse), *args, env=env)
    env["ASSETFLOW_FAULT"] = crash_at
    # 20 ms per day of events: dependents start before commits land, so a fast run would
    # commit its 61 tasks in one or two 100 ms group-commit windows; this keeps >= 3.
    env["GEN_SLOW"] = "0.02"
    return run_cli("-p", GEN, "-w", str(warehouse), *args, env=env)


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Clean runs of both generations: data versions and view row counts to compare with."""
    base = tmp_path_factory.mktemp("references")
    refs = {}
    for gen in ("1", "2"):
        out = gen_cli(base / gen, "materialize", gen=gen)
        assert out.returncode == 0, out.stderr
        refs[gen] = (versions(base / gen), view_rows(base / gen))
    return refs


def test_every_named_point_has_an_expected_orphan():
    assert set(ORPHANS) == set(POINTS)


@pytest.mark.slow  # the injected fault SIGKILLs the process it runs in
@pytest.mark.parametrize(("point", "nth"), CASES)
def test_sigkill_at_a_commit_point_leaves_old_or_new_and_rerun_converges(
    tmp_path, references, point, nth
):
    warehouse = tmp_path / "wh"
    project = load_project(GEN, warehouse)  # generation 1 in this process
    assert project.materialize().ok
    (old, _), (new, new_rows) = references["1"], references["2"]
    assert versions(warehouse) == old

    crashed = gen_cli(warehouse, "materialize", crash_at=f"{point}:{nth}")
    assert crashed.returncode == -signal.SIGKILL, (crashed.stdout, crashed.stderr)

    # What a reader sees now: each partition whole, at its old or its new version.
    assert snapshot_problems(warehouse) == []
    seen = versions(warehouse)
    assert set(seen) == set(old)
    assert all(v in (old[k], new[k]) for k, v in seen.items())

    checked = gen_cli(warehouse, "verify", "--json")
    assert checked.returncode == 0, checked.stdout
    report = json.loads(checked.stdout)
    assert report["ok"] and report["problems"] == []
    # The killed step's orphan is there; the engine's committer and worker threads may have
    # left others of the known kinds at the same instant (all of them vacuum's to remove).
    kinds = {o["kind"] for o in report["orphans"]}
    assert set(ORPHANS[point]) <= kinds <= {"temp", "unreferenced", "publish_temp"}

    rerun = gen_cli(warehouse, "materialize")
    assert rerun.returncode == 0, rerun.stderr
    assert versions(warehouse) == new
    assert view_rows(warehouse) == new_rows
    assert snapshot_problems(warehouse) == []

    swept = project.vacuum(older_than=timedelta(0))
    assert {f.kind for f in swept.removed if f.kind != "superseded"} == kinds
    after = project.verify()
    assert after.ok and after.orphans == []
    assert versions(warehouse) == new
