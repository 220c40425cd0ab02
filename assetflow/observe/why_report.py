"""A why chain as people read it: ``asset why ASSET --partition K`` and its notebook repr."""

from __future__ import annotations

from typing import Any

import polars as pl

from assetflow.observe import html
from assetflow.observe.why import Cause
from assetflow.plan.planner import display_key


class WhyChain:
    """The status of one partition and the chain of reasons behind it, root causes deepest."""

    def __init__(
        self,
        asset: str,
        partition: str,
        status: str,
        reason: str,
        causes: list[Cause],
        next_steps: list[str],
    ) -> None:
        self.asset = asset
        self.partition = partition
        self.status = status
        """``fresh``, ``stale``, ``missing``, ``failed`` or ``future`` (not due yet)."""
        self.reason = reason
        """The planner's one-line reason (what ``asset status --details`` shows)."""
        self.causes = causes
        """The chain, in reading order; ``depth`` 1 is a direct reason, deeper ones explain
        the link above them."""
        self.next_steps = next_steps
        """Commands that act on it (rebuild, resume, read the logs)."""

    @property
    def label(self) -> str:
        return f"{self.asset} {display_key(self.partition)}"

    def headline(self) -> str:
        reason = f": {self.reason}" if self.reason and self.status != "fresh" else ""
        return f"{self.label} is {self.status}{reason}"

    def to_polars(self) -> pl.DataFrame:
        return pl.DataFrame(
            [
                (c.depth, c.asset, c.partition, c.status, c.text, c.run_id, c.at)
                for c in self.causes
            ],
            schema={
                "depth": pl.Int32,
                "asset": pl.String,
                "partition": pl.String,
                "status": pl.String,
                "text": pl.String,
                "run_id": pl.String,
                "at": pl.Datetime("us", "UTC"),
            },
            orient="row",
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "partition": self.partition,
            "status": self.status,
            "reason": self.reason,
            "chain": self.to_polars().to_dicts(),
            "next": self.next_steps,
        }

    def render(self) -> str:
        lines = [self.headline()]
        for c in self.causes:
            lead = "because" if c.depth > 1 or self.status != "fresh" else "-"
            if c.text.startswith(("read ", "also: ")) or (c.depth == 1 and self.status == "fresh"):
                lead = "-"
            lines.append(f"{'  ' * c.depth}{lead} {c.text}")
        lines += [f"next: {step}" for step in self.next_steps]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.render()

    def _repr_html_(self) -> str:
        colour = html.STATE_COLOURS.get(self.status, "#b4b9c0")
        badge = (
            f'<span style="background:{colour};color:#fff;padding:0 6px;border-radius:3px">'
            f"{html.escape(self.status)}</span>"
        )
        items = "".join(
            f'<li style="margin-left:{(c.depth - 1) * 18}px">{html.escape(c.text)}</li>'
            for c in self.causes
        )
        steps = "".join(html.text(f"next: {s}") for s in self.next_steps)
        reason = html.text(self.reason) if self.reason else ""
        return html.block(
            self.label,
            f"<div>{badge}</div>",
            reason,
            f'<ul style="padding-left:16px">{items}</ul>',
            steps,
        )
