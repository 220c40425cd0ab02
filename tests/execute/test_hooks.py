"""on_failure / on_success hooks on assets and on the project receive the task record."""

from __future__ import annotations

import assetflow as af
from tests.execute.conftest import load


def _calls(project):
    import sys

    module = next(m for m in sys.modules.values() if getattr(m, "project", None) is project)
    module.CALLS.clear()
    return module.CALLS


def test_hooks_get_the_final_task_record_asset_hook_first(warehouse):
    project = load("hooks", warehouse)
    calls = _calls(project)
    result = project.materialize(executor="processes", workers=2)

    assert result.status == "failed"
    by_kind: dict[str, list] = {}
    for kind, task in calls:
        by_kind.setdefault(kind, []).append(task)
    assert [t.asset for t in by_kind["asset_success"]] == ["ok"]
    assert [t.asset for t in by_kind["project_success"]] == ["ok"]
    assert [t.asset for t in by_kind["asset_failure"]] == ["broken"]  # not after_broken
    assert [t.asset for t in by_kind["project_failure"]] == ["broken"]
    failed = by_kind["project_failure"][0]
    assert failed.status == "failed" and failed.attempts == 2
    assert failed.error_type == "KeyError" and "missing column 'price'" in failed.detail
    assert "raise KeyError" in failed.traceback
    assert failed.run_id == result.run_id and failed.partition == "__all__"
    assert failed.started_at is not None and failed.finished_at >= failed.started_at
    ok = by_kind["asset_success"][0]
    assert ok.status == "succeeded" and ok.rows == 1 and ok.data_version
    # Per task, the asset's hook runs before the project's.
    order = [kind for kind, task in calls if task.asset == "broken"]
    assert order == ["asset_failure", "project_failure"]


def test_a_hook_that_raises_is_reported_and_does_not_fail_the_run(warehouse, monkeypatch):
    monkeypatch.setenv("HOOKS_RAISE", "1")
    project = load("hooks", warehouse)
    calls = _calls(project)
    events = []
    result = project.materialize(
        "ok", executor="threads", callbacks=af.RunCallbacks(on_event=events.append)
    )
    assert result.ok
    notices = [e.detail for e in events if e.kind == "notice"]
    assert notices == [
        "hook project_success for ok (unpartitioned) raised RuntimeError: "
        "the alerting service is down"
    ]
    assert [kind for kind, _ in calls] == ["asset_success", "project_success"]
