"""What happens to a task once every upstream task it reads has finished.

It runs, unless the run is being cancelled, an upstream did not succeed or is missing, or early
cutoff applies: it was committed by the current code from exactly the upstream data versions it
would read now, so running it again would produce what is already there (``skipped``).
"""

from __future__ import annotations

from assetflow.commit.records import InputRead
from assetflow.define.graph import AssetGraph
from assetflow.execute.active import ActiveRun
from assetflow.execute.book import TaskState
from assetflow.execute.ledger import Ledger
from assetflow.plan.planner import display_key
from assetflow.states import TaskStatus


def resolve(
    task: TaskState, run: ActiveRun, graph: AssetGraph, ledger: Ledger
) -> tuple[TaskStatus, str] | None:
    """The final state of ``task`` and why, or None when it must run (its ``inputs`` and
    input ``input_keys`` are then set)."""
    if run.cancelling:
        return TaskStatus.CANCELLED, "the run was cancelled first"
    failed = run.sched.failed_upstream(task.key)
    if failed:
        return (
            TaskStatus.UPSTREAM_FAILED,
            f"upstream {failed[0]} {display_key(failed[1])} did not succeed",
        )
    upstream = run.upstream[task.key]
    reads = [
        InputRead(up, q, ledger.version((up, q)) or "") for up, qs in upstream.items() for q in qs
    ]
    missing = next((r for r in reads if not r.data_version), None)
    if missing:
        return (
            TaskStatus.UPSTREAM_FAILED,
            f"upstream {missing.upstream} {display_key(missing.partition)} is missing",
        )
    asset = graph[task.key[0]]
    if not run.force and ledger.unchanged(task.key, asset.code_versions, reads):
        return TaskStatus.SKIPPED, "upstream rebuilt with identical data"
    task.inputs = tuple(reads)
    task.input_keys = {
        up: tuple(ledger.file((up, q)) for q in qs)
        for up, qs in upstream.items()
        if up in asset.inputs
    }
    return None
