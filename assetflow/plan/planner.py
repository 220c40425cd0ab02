"""Plans: which (asset, partition) steps a materialization runs, and why.

Building a plan has no side effects: it reads a :class:`CatalogState` and returns frozen
:class:`Step` records in execution order. The runner acts on it.

The requested partitions are completed by the make-like upstream closure (``plan/closure.py``:
every missing or stale partition they read, transitively) and then, in topological order, by
the requested partitions that read what the run builds (``plan/downstream.py``), so one run
converges. Steps are kept in a frame and turned into :class:`Step` records only when iterated (a
frozen dataclass costs microseconds to build, which adds up at a backfill's scale). A backfill's
summary counts the same plan (``plan/summary.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal, overload

import numpy as np
import polars as pl

from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.define.mapping.rows import take
from assetflow.define.partitions import UNPARTITIONED
from assetflow.plan.closure import upstream_closure
from assetflow.plan.downstream import must_also_run
from assetflow.plan.edges import rows_among
from assetflow.plan.needs import Needs, plan_needs
from assetflow.plan.reasons import committed_keys
from assetflow.plan.staleness import status_by_asset

Which = Literal["stale", "missing"]


@dataclass(frozen=True)
class Step:
    """One (asset, partition) in a plan."""

    asset: str
    partition: str
    status: str
    """``missing``, ``stale`` or ``fresh`` at planning time."""
    reason: str
    run: bool
    """False for fresh partitions that are shown but skipped."""
    requested: bool
    """True if asked for; False if pulled in as a missing/stale upstream (make-like)."""


@dataclass(frozen=True)
class Plan:
    """An ordered tuple of steps: every step after the steps it reads from."""

    steps: Sequence[Step]
    """In execution order (a :class:`StepFrame` when built by :func:`build_plan`)."""
    as_of: datetime
    force: bool = False

    @property
    def to_run(self) -> Sequence[Step]:
        if isinstance(self.steps, StepFrame):
            return self.steps.where(pl.col("run"))
        return tuple(s for s in self.steps if s.run)

    def explain(self) -> str:
        """A human-readable listing, one line per step."""
        if not self.steps:
            return "nothing selected"
        lines = []
        for s in self.steps:
            what = (
                ("force" if self.force and s.status == "fresh" else s.status) if s.run else "skip"
            )
            why = f"  ({s.reason})" if s.reason else ""
            pulled = "" if s.requested else "  [upstream]"
            lines.append(f"  {what:<8} {s.asset} {display_key(s.partition)}{why}{pulled}")
        runs = len(self.to_run)
        head = f"plan: {runs} to run, {len(self.steps) - runs} fresh"
        return "\n".join([head, *lines])

    def to_polars(self) -> pl.DataFrame:
        """One row per step, in execution order: asset, partition, status, reason, run,
        requested."""
        if isinstance(self.steps, StepFrame):
            return self.steps.frame
        rows = [(s.asset, s.partition, s.status, s.reason, s.run, s.requested) for s in self.steps]
        return pl.DataFrame(rows, schema=list(STEP_COLUMNS), orient="row")

    def to_dict(self) -> dict:
        steps = (
            self.steps.frame.to_dicts()
            if isinstance(self.steps, StepFrame)
            else [asdict(s) for s in self.steps]
        )
        return {"as_of": self.as_of.isoformat(), "steps": steps}


STEP_COLUMNS = ("asset", "partition", "status", "reason", "run", "requested")


class StepFrame(Sequence[Step]):
    """Steps held as a polars frame; behaves like a tuple of :class:`Step`."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame.select(STEP_COLUMNS)

    def __len__(self) -> int:
        return self.frame.height

    @overload
    def __getitem__(self, index: int) -> Step: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[Step, ...]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(Step(*row) for row in self.frame[index].iter_rows())
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return Step(*self.frame.row(index))

    def __iter__(self) -> Iterator[Step]:
        return (Step(*row) for row in self.frame.iter_rows())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"StepFrame({len(self)} steps)"

    def where(self, predicate: pl.Expr) -> StepFrame:
        return StepFrame(self.frame.filter(predicate))


def display_key(key: str) -> str:
    return "(unpartitioned)" if key == UNPARTITIONED else key


def build_plan(
    graph: AssetGraph,
    state: CatalogState,
    as_of: datetime,
    *,
    selection: Sequence[str] | None = None,
    partitions: Iterable[str] | None = None,
    partition_range: tuple[str, str] | None = None,
    keys_by_asset: Mapping[str, Sequence[str]] | None = None,
    which: Which | None = None,
    force: bool = False,
    only: bool = False,
    needs: Needs | None = None,
) -> Plan:
    """Plan a materialization.

    Args:
        selection: assets to materialize (all when None).
        partitions: partition keys to materialize.
        partition_range: ``(first, last)``: every due key from first to last, inclusive.
            Without ``partitions`` and ``partition_range``, every due partition that can be
            built now (none of the partitions it needs is still to come).
        keys_by_asset: instead of the above, the keys of each asset (a tick's targets).
        which: ``"stale"``: of the requested partitions only those with committed data that
            are not fresh; ``"missing"``: only those without committed data.
        force: re-run requested partitions even when fresh.
        only: do not pull in missing/stale upstream partitions; fail if one is needed.
        needs: what the request reads, when it was worked out before ``state`` was read (to
            read just that: ``plan/needs.py``); worked out from ``state`` when None.
    """
    if needs is None:
        needs = plan_needs(
            graph, as_of, _committed(state), selection=selection,
            partitions=None if partitions is None else list(partitions),
            partition_range=partition_range, keys_by_asset=keys_by_asset,
        )  # fmt: skip
    chosen, requested, reads, memo = needs.chosen, needs.requested, needs.reads, needs.memo
    by_asset = _numbered(status_by_asset(graph, state, as_of, reads, memo))
    wanted: dict[str, pl.DataFrame] = {}
    if requested is None:
        for name in chosen:
            frame = by_asset[name]
            wanted[name] = frame.filter(~pl.col("_waiting")) if frame["_waiting"].any() else frame
    else:
        for name, keys in requested.items():
            wanted[name] = _rows_of(by_asset[name], keys)
    if which is not None:
        has_data = pl.col("data_version").is_not_null()
        keep = (has_data & (pl.col("status") != "fresh")) if which == "stale" else ~has_data
        wanted = {name: frame.filter(keep) for name, frame in wanted.items()}
    wanted = {name: _flagged(frame, force) for name, frame in wanted.items()}
    planned = upstream_closure(graph, by_asset, wanted, only=only, memo=memo)
    planned = _with_downstream(graph, planned, by_asset, only)
    ordered = [planned[n] for n in graph.order if n in planned]
    frame = (
        pl.concat(ordered, rechunk=False)  # copying millions of steps into one chunk costs ~1 s
        if ordered
        else pl.DataFrame(schema={c: pl.String for c in STEP_COLUMNS[:4]}).with_columns(
            run=pl.lit(False), requested=pl.lit(False)
        )
    )
    return Plan(steps=StepFrame(frame), as_of=as_of, force=force)


def _rows_of(status: pl.DataFrame, keys: pl.Series) -> pl.DataFrame:
    """The rows of ``status`` that list one of ``keys`` (unique), in its row order (key order);
    keys it does not list are left out. Located by ``rows_among``; one run of rows (a range,
    a day) is a zero-copy slice, others are gathered column by column (a join per asset was
    a tenth of a cron call's plan at 1,000 assets)."""
    rows = rows_among(status["partition"], keys)
    rows = np.sort(rows[rows >= 0])
    if not rows.size:
        return status.clear()
    if rows[-1] - rows[0] + 1 == rows.size:  # unique rows: one run
        return status.slice(int(rows[0]), rows.size)
    at = pl.Series(rows.astype(np.uint32))
    return pl.DataFrame([take(status.to_series(i), at) for i in range(status.width)])


def _flagged(frame: pl.DataFrame, force: bool) -> pl.DataFrame:
    """Requested rows with ``run`` (forced, or not fresh) and ``requested``: Series operations,
    not a query per asset."""
    run = frame["status"] != "fresh"
    if force:
        run = _TRUE.new_from_index(0, frame.height)
    return frame.hstack(
        [run.rename("run"), _TRUE.new_from_index(0, frame.height).rename("requested")]
    )


_TRUE = pl.Series("run", [True], dtype=pl.Boolean)


def _numbered(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each frame with its row number first (``_order``, key order): slices of one column,
    not a query per asset (~0.1 ms each). Inserted into a shallow copy: the columns are
    shared, not copied."""
    longest = max((f.height for f in frames.values()), default=0)
    order = pl.Series("_order", np.arange(longest, dtype=np.uint32))
    numbered = {}
    for name, frame in frames.items():
        numbered[name] = frame.clone()
        numbered[name].insert_column(0, order.slice(0, frame.height))
    return numbered


def _committed(state: CatalogState) -> Callable[[str], pl.Series]:
    def committed(asset: str) -> pl.Series:
        return state.current.filter(pl.col("asset") == asset)["partition"]

    return committed


def _with_downstream(
    graph: AssetGraph,
    planned: dict[str, pl.DataFrame],
    by_asset: dict[str, pl.DataFrame],
    only: bool,
) -> dict[str, pl.DataFrame]:
    """Add what must also run for the run to converge (``plan/downstream.py``)."""

    def committed(asset: str) -> pl.Series:
        return committed_keys(by_asset[asset])

    extra = must_also_run(graph, planned, committed=committed, pull_upstream=not only)
    out = dict(planned)
    for name, why in extra.items():
        steps = planned.get(name)
        have = [] if steps is None else steps["partition"].to_list()
        if steps is not None:
            found = steps.join(why, on="partition", how="left", suffix="_new")
            steps = found.with_columns(
                run=pl.col("run") | pl.col("reason_new").is_not_null(),
                status=pl.when(pl.col("reason_new").is_not_null())
                .then(pl.lit("stale"))
                .otherwise(pl.col("status")),
                reason=pl.coalesce("reason_new", "reason"),
            ).drop("reason_new")
        new = why.filter(~pl.col("partition").is_in(have)).join(
            by_asset[name].select("partition", "_order"), on="partition"
        )
        new = new.select(
            pl.lit(name).alias("asset"),
            "partition",
            pl.lit("stale").alias("status"),
            "reason",
            pl.lit(True).alias("run"),
            pl.lit(False).alias("requested"),
            "_order",
        )
        frames = [f for f in (steps, new) if f is not None and f.height]
        out[name] = pl.concat(frames, how="vertical_relaxed").sort("_order")
    return out
