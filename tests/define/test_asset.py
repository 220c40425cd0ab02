"""The @asset decorator: parameters are edges, the function stays callable, versions derive."""

from __future__ import annotations

import duckdb
import polars as pl
import pyarrow as pa
import pytest

import assetflow as af


def test_parameters_name_upstreams_and_context_is_recognised():
    @af.asset(deps=["audit"])
    def joined(context: af.Context, left: pl.DataFrame, right: pl.LazyFrame) -> pl.DataFrame:
        return left

    assert joined.inputs == ("left", "right")
    assert joined.upstreams == ("left", "right", "audit")
    assert joined.context_param == "context"
    assert dict(joined.input_kinds) == {"left": "polars", "right": "lazy"}


def test_context_may_have_any_name_when_annotated():
    @af.asset
    def a(ctx: af.Context, t: pa.Table, r: duckdb.DuckDBPyRelation) -> pl.DataFrame:
        return pl.DataFrame()

    assert a.context_param == "ctx"
    assert dict(a.input_kinds) == {"t": "arrow", "r": "duckdb"}


def test_decorated_function_is_still_callable():
    @af.asset
    def double(numbers: pl.DataFrame) -> pl.DataFrame:
        return numbers * 2

    assert double(pl.DataFrame({"n": [2]})).to_dicts() == [{"n": 4}]


def test_code_version_is_declared_or_derived_from_source():
    @af.asset(code_version="7")
    def pinned() -> pl.DataFrame:
        return pl.DataFrame()

    assert pinned.code_version == "7" and pinned.code_version_declared
    derived = af.asset(pl.DataFrame)
    assert derived.code_version.startswith("ast:") and not derived.code_version_declared


def test_source_edit_changes_derived_version(tmp_path):
    import importlib.util

    def load(body: str):
        path = tmp_path / f"m{abs(hash(body))}.py"
        path.write_text(
            "import assetflow as af\nimport polars as pl\n\n"
            f"@af.asset\ndef thing() -> pl.DataFrame:\n    return pl.DataFrame({{'x': [{body}]}})\n"
        )
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.thing.code_version

    assert load("1") != load("2")


def test_star_args_are_rejected():
    with pytest.raises(af.DefinitionError, match=r"\*args"):

        @af.asset
        def bad(*frames):
            return None


def test_partitions_must_be_a_definition():
    with pytest.raises(af.DefinitionError, match="partitions="):
        af.asset(partitions="daily")(lambda: None)
