"""The counted progress of backfill and tick counts every final state, cancelled included."""

from __future__ import annotations

from assetflow.execute.records import TaskEvent
from assetflow.observe.progress import CountedProgress
from assetflow.states import TaskStatus


def test_counted_progress_counts_every_final_state(capsys):
    progress = CountedProgress(total=4)
    progress(TaskEvent(TaskStatus.RUNNING, "a", "2026-04-01"))
    progress(TaskEvent("started", "a", "2026-04-01", attempt=1))
    progress(TaskEvent(TaskStatus.SUCCEEDED, "a", "2026-04-01", rows=3))
    progress(TaskEvent(TaskStatus.RETRYING, "a", "2026-04-02", detail="attempt 1 failed: boom"))
    progress(TaskEvent(TaskStatus.FAILED, "a", "2026-04-02", detail="boom"))
    progress(TaskEvent(TaskStatus.CANCELLED, "a", "2026-04-03"))
    progress(TaskEvent(TaskStatus.UPSTREAM_FAILED, "b", "2026-04-02"))
    out, err = capsys.readouterr()
    assert progress.done == 4
    lines = out.splitlines()
    assert lines[0].startswith("[1/4]  25%  ETA ") and "succeeded" in lines[0]
    assert lines[0].endswith("a 2026-04-01  3 rows")
    assert "retrying        a 2026-04-02  attempt 1 failed: boom" in lines[1]
    assert lines[2].startswith("[3/4]  75%") and "cancelled       a 2026-04-03" in lines[2]
    failed, upstream = err.splitlines()
    assert failed.startswith("[2/4]  50%") and failed.endswith("failed          a 2026-04-02  boom")
    assert upstream.startswith("[4/4] 100%") and upstream.endswith("upstream_failed b 2026-04-02")
