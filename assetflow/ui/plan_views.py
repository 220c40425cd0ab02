"""The plan preview: what ``asset materialize SELECTION --from --to --dry-run`` would run.

The form's fields arrive as query parameters (``asset`` repeated, ``from``, ``to``, ``force``);
the plan is computed over the published snapshot like every other read, and shown per asset
(missing / stale / failed / fresh, how many will run, upstreams pulled in) with its first steps.
With ``--allow-actions`` the same form can start the run (:mod:`assetflow.ui.actions`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from assetflow.errors import AssetflowError
from assetflow.plan.summary import count_by_asset
from assetflow.ui.data import UiData
from assetflow.ui.views import find_asset

STEPS_SHOWN = 200


class PlanRequest:
    """A selection and an optional inclusive key range, as the plan form sends them."""

    def __init__(self, assets: list[str], from_key: str, to_key: str, force: bool = False) -> None:
        self.assets = [a for a in assets if a]
        self.from_key = from_key.strip()
        self.to_key = to_key.strip()
        self.force = force

    @property
    def key_range(self) -> tuple[str, str] | None:
        if self.from_key or self.to_key:
            return (self.from_key or self.to_key, self.to_key or self.from_key)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {
            "assets": self.assets,
            "from": self.from_key,
            "to": self.to_key,
            "force": self.force,
        }


def plan_page(data: UiData, request: PlanRequest, as_of: datetime) -> dict[str, Any]:
    """The plan of ``request`` (nothing planned until the form names something or a range)."""
    for name in request.assets:
        find_asset(data, name)
    page: dict[str, Any] = {
        "form": request.to_dict(),
        "assets": list(data.graph.order),
        "planned": False,
        "error": None,
    }
    if not request.assets and request.key_range is None:
        return page
    try:
        plan = data.plan(request.assets or None, request.key_range, request.force, as_of)
    except AssetflowError as exc:  # a bad key or range: say it on the page, plan nothing
        page["error"] = str(exc).splitlines()[0]
        return page
    steps = plan.to_dict()["steps"]
    page["planned"] = True
    page["to_run"] = len(plan.to_run)
    page["steps_total"] = len(steps)
    page["summary"] = count_by_asset(plan).to_dicts() if steps else []
    page["steps"] = steps[:STEPS_SHOWN]
    return page
