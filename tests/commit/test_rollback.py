"""`rollback` makes an earlier retained version current in one commit; staleness follows."""

from __future__ import annotations

import pytest

import assetflow as af
from tests.conftest import AS_OF, copy_warehouse, load_project, resource
from tests.warehouse_checks import versions

KEY = "2026-04-02"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """raw/clean/report of 2026-04-02 built with factor 1, then rebuilt with factor 2."""
    warehouse = tmp_path_factory.mktemp("template") / "warehouse"
    p = load_project(resource("linear"), warehouse, clock=lambda: AS_OF)
    assert p.materialize(partition=KEY).ok
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LINEAR_FACTOR", "2")
        assert p.materialize(partition=KEY, force=True).ok
    return warehouse


@pytest.fixture
def project(template, warehouse, monkeypatch):
    """A copy of the template, with factor 2 still set as after its second run."""
    monkeypatch.setenv("LINEAR_FACTOR", "2")
    return load_project(
        resource("linear"), copy_warehouse(template, warehouse), clock=lambda: AS_OF
    )


def total(p: af.Project) -> int:
    return p.query("select sum(value) as s from clean")["s"][0]


def test_rollback_restores_the_previous_data_as_a_new_materialization(project, warehouse):
    table = project.versions("clean", KEY)
    first, second = table["id"].to_list()[::-1]
    assert table["current"].to_list() == [True, False]
    assert table["retained"].to_list() == [True, True]
    old_version = table.filter(table["id"] == first)["data_version"][0]
    doubled = total(project)

    result = project.rollback("clean", KEY)
    assert (result.replaced, result.restored) == (second, first)
    assert result.materialization_id > second and result.data_version == old_version
    assert versions(warehouse)[("clean", KEY)] == old_version
    assert total(project) * 2 == doubled
    assert len(project.versions("clean", KEY)) == 3  # history only grows
    assert project.verify().ok

    status = project.status()
    # clean read raw at factor 1, raw is now factor 2; report read the replaced clean.
    assert status.status_of("clean", KEY) == "stale"
    assert status.status_of("report", KEY) == "stale"
    reasons = dict(
        status.frame.select("asset", "reason").filter(status.frame["partition"] == KEY).iter_rows()
    )
    assert reasons["clean"] == f"upstream raw {KEY} changed"
    assert reasons["report"] == f"upstream clean {KEY} is stale"
    runs = project.query("select command, status from assetflow.runs order by started_at")
    assert runs["command"][-1] == f"rollback clean --partition {KEY} --to {first}"


def test_rolling_back_a_rollback_and_choosing_a_version(project):
    first, second = project.versions("clean", KEY)["id"].to_list()[::-1]
    project.rollback("clean", KEY)
    again = project.rollback("clean", KEY)  # the newest earlier version with other data
    assert again.restored == second
    chosen = project.rollback("clean", KEY, to=first)
    assert chosen.restored == first


@pytest.mark.parametrize(
    ("kwargs", "error", "needle"),
    [
        ({"partition": KEY, "to": 10_000}, af.PartitionKeyError, "not a version of clean"),
        ({"partition": "2026-04-03"}, af.PartitionKeyError, "never been materialized"),
        ({"partition": "../2026"}, af.PartitionKeyError, "expected YYYY-MM-DD"),
        ({"partition": None}, af.PartitionKeyError, "pass --partition"),
    ],
)
def test_bad_rollback_requests_change_nothing(project, warehouse, kwargs, error, needle):
    before = versions(warehouse)
    with pytest.raises(error, match=needle):
        project.rollback("clean", **kwargs)
    assert versions(warehouse) == before


def test_the_current_version_and_other_assets_versions_are_refused(project):
    current = project.versions("clean", KEY)["id"][0]
    with pytest.raises(af.PartitionKeyError, match="already current"):
        project.rollback("clean", KEY, to=current)
    raw_first = project.versions("raw", KEY)["id"].to_list()[-1]
    with pytest.raises(af.PartitionKeyError, match="not a version of clean"):
        project.rollback("clean", KEY, to=raw_first)
    with pytest.raises(af.SelectionError, match="unknown asset"):
        project.rollback("clean; drop table x", KEY)


def test_an_unpartitioned_asset_rolls_back_without_a_key(tmp_path):
    import polars as pl

    state = {"n": 1}

    @af.asset(code_version="1")
    def settings() -> pl.DataFrame:
        return pl.DataFrame({"n": [state["n"]]})

    p = af.Project([settings], warehouse=tmp_path / "wh", clock=lambda: AS_OF, executor="threads")
    assert p.materialize().ok
    state["n"] = 2
    assert p.materialize(force=True).ok
    with pytest.raises(af.PartitionKeyError, match="unpartitioned; drop --partition"):
        p.rollback("settings", "2026-04-02")
    p.rollback("settings")
    assert p.query("select n from settings")["n"].to_list() == [1]
    assert p.query("select command from assetflow.runs where command like 'rollback%'")[
        "command"
    ].to_list() == ["rollback settings --to 1"]
