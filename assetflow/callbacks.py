"""What a caller wants to hear while a run is planned and executed, as one frozen object.

``Project.materialize``, ``Project.resume``, ``tick`` and backfills take one
:class:`RunCallbacks` instead of repeating four callback arguments each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assetflow.execute.records import TaskEvent
from assetflow.plan.planner import Plan


@dataclass(frozen=True)
class RunCallbacks:
    """Callbacks of one run; each is optional.

    Attributes:
        on_plan: the plan, once built (before anything runs).
        on_event: every :class:`TaskEvent` (task started, retrying, finished, notices).
        on_wait: a one-line message when the run waits for another writer's lock.
        on_notice: a one-line message about the warehouse (e.g. an interrupted run found).
    """

    on_plan: Callable[[Plan], None] | None = None
    on_event: Callable[[TaskEvent], None] | None = None
    on_wait: Callable[[str], None] | None = None
    on_notice: Callable[[str], None] | None = None

    def plan(self, plan: Plan) -> None:
        if self.on_plan is not None:
            self.on_plan(plan)

    def notice(self, text: str) -> None:
        if self.on_notice is not None:
            self.on_notice(text)
