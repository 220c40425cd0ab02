"""What the Dask executor refuses before it starts anything (no cluster needed)."""

from __future__ import annotations

import polars as pl
import pytest

import assetflow as af

pytest.importorskip("distributed")

from assetflow.execute.dask_executor import DaskExecutor


def notebook_asset() -> af.AssetDef:
    def cell(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"x": [1]})

    cell.__module__ = "__main__"  # as in a notebook: workers elsewhere cannot import it
    return af.asset(cell)


def test_assets_defined_in_a_notebook_stop_the_run_with_one_line(warehouse):
    project = af.Project([notebook_asset()], warehouse=warehouse)
    nowhere = DaskExecutor("tcp://127.0.0.1:9")  # never reached: the check comes first
    with pytest.raises(af.ConfigError) as raised:
        project.materialize(executor=nowhere)
    assert str(raised.value) == (
        "asset 'cell' is defined in __main__ (a notebook or script), which worker processes "
        "cannot import; use executor='threads' or move the assets to a module"
    )


def test_the_address_comes_from_the_environment_when_not_given(monkeypatch):
    monkeypatch.setenv("ASSETFLOW_DASK_SCHEDULER", "tcp://10.0.0.5:8786")
    assert DaskExecutor().address == "tcp://10.0.0.5:8786"
    assert DaskExecutor("tcp://127.0.0.1:8786").address == "tcp://127.0.0.1:8786"
    monkeypatch.delenv("ASSETFLOW_DASK_SCHEDULER")
    assert DaskExecutor().address is None  # a local cluster per run
