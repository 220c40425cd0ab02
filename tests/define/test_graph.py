"""Graph validation happens when a Project is built, with errors naming the assets."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest

import assetflow as af
from assetflow.define.graph import RESERVED_WORDS
from tests.conftest import resource


def frame() -> pl.DataFrame:
    return pl.DataFrame({"x": [1]})


def test_unknown_upstream_is_named():
    @af.asset
    def child(ghost: pl.DataFrame) -> pl.DataFrame:
        return ghost

    with pytest.raises(af.UnknownUpstreamError, match=r"'child' reads 'ghost'"):
        af.Project([child])


def test_cycle_is_named():
    with pytest.raises(af.CycleError, match=r"chicken -> egg -> chicken|egg -> chicken -> egg"):
        af.Project.load(resource("cyclic"))


def test_duplicate_names_are_rejected():
    first = af.asset(name="same")(frame)
    second = af.asset(name="same")(frame)
    with pytest.raises(af.DuplicateAssetError, match="'same'"):
        af.Project([first, second])


@pytest.mark.parametrize(
    "name", ["x; drop table y", "../etc", "1abc", "select", "a" * 64, "naïve", "assetflow"]
)
def test_unsafe_names_are_rejected(name):
    with pytest.raises(af.InvalidNameError):
        af.Project([af.asset(name=name)(frame)])


def test_reserved_words_are_those_of_the_installed_duckdb():
    with duckdb.connect() as con:
        rows = con.sql(
            "select keyword_name from duckdb_keywords() where keyword_category = 'reserved'"
        ).fetchall()
    assert {r[0].lower() for r in rows} == RESERVED_WORDS
    with pytest.raises(af.InvalidNameError, match="reserved SQL word"):
        af.Project([af.asset(name="Qualify")(frame)])


def test_partitioned_asset_cannot_silently_read_a_different_definition():
    @af.asset(partitions=af.StaticPartitions(["eu", "us"]))
    def regions() -> pl.DataFrame:
        return frame()

    @af.asset(partitions=af.DailyPartitions(start="2026-01-01"))
    def daily_sales(regions: pl.DataFrame) -> pl.DataFrame:
        return regions

    with pytest.raises(af.DefinitionError, match=r"'daily_sales'.*'regions'.*mappings="):
        af.Project([regions, daily_sales])


def test_order_is_topological_with_declaration_order_for_ties():
    graph = af.Project.load(resource("diamond")).graph
    order = list(graph.order)
    assert order == ["stores", "source", "left", "right", "joined", "rollup"]
    assert graph.downstream("source") == ["left", "right"]
    assert graph.select(["joined", "left"]) == ["left", "joined"]
