"""A run's stored request: JSON out, validated back in (resumes read it)."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

import assetflow as af
from assetflow.define.partitions import UNPARTITIONED
from assetflow.execute.resume import RunRequest, plan_request, resume_plan
from assetflow.plan.planner import build_plan

AS_OF = datetime(2026, 4, 8, 6, 30, 1, 250, tzinfo=UTC)


def test_every_field_round_trips():
    request = RunRequest(
        selection=["sales_clean"],
        partitions=None,
        partition_range=("2026-04-01", "2026-04-08"),
        keys_by_asset={"sales_raw": ["2026-04-01"]},
        which="stale",
        force=False,
        only=True,
        as_of=AS_OF,
        resume_of="20260408T063001-abcdef",
    )
    back = RunRequest.from_json(request.to_json())
    assert back == request
    assert back.as_of.utcoffset().total_seconds() == 0


def test_a_request_an_earlier_assetflow_stored_still_reads():
    """Written by pydantic's ``model_dump_json`` (``Z`` for UTC, no spaces)."""
    stored = (
        '{"selection":null,"partitions":["2026-04-08"],"partition_range":null,'
        '"keys_by_asset":null,"which":null,"force":true,"only":false,'
        '"as_of":"2026-04-08T06:30:01.000250Z","resume_of":null}'
    )
    request = RunRequest.from_json(stored)
    assert request == RunRequest(partitions=["2026-04-08"], force=True, as_of=AS_OF)


@pytest.mark.parametrize(
    "stored",
    [
        '{"as_of": "2026-04-08T06:30:01Z", "which": "everything"}',
        '{"partitions": ["2026-04-08"]}',
        '{"as_of": "yesterday"}',
        "not json",
    ],
)
def test_a_damaged_request_is_refused(stored):
    with pytest.raises(ValueError):
        RunRequest.from_json(stored)


daily = af.DailyPartitions(start="2026-01-01")


@af.asset(partitions=daily, code_version="1")
def raw(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({"day": [context.partition_key]})


@af.asset(partitions=daily, code_version="1", mappings={"raw": af.Window(lookback=2)})
def rolling(raw: pl.DataFrame) -> pl.DataFrame:
    return raw.select(pl.len())


@af.asset(code_version="1")
def total(rolling: pl.DataFrame) -> pl.DataFrame:
    return rolling.select(pl.len())


@pytest.fixture
def ten_days(warehouse) -> af.Project:
    """raw -> rolling (3-day window) -> total (unpartitioned, reads every day), 10 days built."""
    project = af.Project([raw, rolling, total], warehouse=warehouse, executor="threads")
    project.clock = lambda: AS_OF
    assert project.materialize(partition_range=("2026-01-01", "2026-01-10")).ok
    return project


@pytest.mark.parametrize(
    ("request_", "read"),
    [
        (
            RunRequest(selection=["rolling"], partitions=["2026-01-05"], as_of=AS_OF),
            {("rolling", "2026-01-05"), *(("raw", f"2026-01-0{d}") for d in (3, 4, 5))},
        ),
        (
            RunRequest(keys_by_asset={"raw": ["2026-01-09"]}, force=True, as_of=AS_OF),
            {("raw", "2026-01-09")},
        ),
        (  # total reads every committed day of rolling, and they read raw
            RunRequest(selection=["total"], partitions=["2026-01-02"], as_of=AS_OF),
            {
                ("total", UNPARTITIONED),
                *(("rolling", f"2026-01-{d:02d}") for d in range(1, 11)),
                *(("raw", f"2026-01-{d:02d}") for d in range(1, 11)),
            },
        ),
    ],
)
def test_a_request_reads_the_catalog_rows_of_just_what_it_plans_from(ten_days, request_, read):
    """A cron call's day on a warehouse of years: the catalog rows of that day and what it
    reads, not every committed partition (``plan/needs.py``); the same plan either way."""
    with ten_days.warehouse.reader() as reader:
        plan, state = plan_request(ten_days.graph, reader, request_)
        whole = reader.state()
    assert set(state.current.select("asset", "partition").iter_rows()) == read
    assert whole.current.height == 21
    expected = build_plan(
        ten_days.graph, whole, AS_OF, selection=request_.selection,
        partitions=request_.partitions, keys_by_asset=request_.keys_by_asset,
        force=request_.force,
    )  # fmt: skip
    assert plan.to_polars().equals(expected.to_polars())


@pytest.mark.parametrize(("force", "rows"), [(False, 4), (True, 21)])
def test_a_forced_resume_reads_the_whole_catalog(ten_days, force, rows):
    """What a forced run left unfinished is run again, and the graph as it is now may not read
    it: the runner then needs every partition's row, not just what the request reads."""
    request = RunRequest(selection=["rolling"], partitions=["2026-01-05"], force=force, as_of=AS_OF)
    with ten_days.warehouse.reader() as reader:
        _, state = resume_plan(ten_days.graph, reader, request, "20260101T000000-abcdef")
    assert state.current.height == rows
