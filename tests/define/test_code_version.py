"""The derived code version: syntax counts; docstrings, comments, formatting and options do not."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import textwrap
from pathlib import Path

import polars as pl

import assetflow as af
from tests.conftest import AS_OF

BASE = '''
def total(raw):
    """Sum the values."""
    factor = 2  # doubled
    return raw.select(pl.col("v").sum() * factor)
'''


def load(tmp_path: Path, body: str, decorator: str = "@af.asset"):
    """The asset ``total`` of a fresh module whose source is ``body`` under ``decorator``."""
    path = tmp_path / f"m{hashlib.md5(decorator.encode() + body.encode()).hexdigest()}.py"
    path.write_text(f"import assetflow as af\nimport polars as pl\n\n{decorator}{body}")
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.total


def test_docstrings_comments_formatting_and_decorator_options_keep_the_version(tmp_path):
    base = load(tmp_path, BASE).code_version
    assert base.startswith("ast:")
    same = [
        BASE.replace("Sum the values.", "Sum every value; docs changed."),
        BASE.replace("  # doubled", ""),
        BASE.replace('    """Sum the values."""\n', ""),
        BASE.replace("factor = 2", "factor  =  2").replace('"v"', "'v'"),
        BASE.replace(
            'return raw.select(pl.col("v").sum() * factor)',
            "return raw.select(\n        pl.col('v').sum()\n        * factor\n    )",
        ),
        "\n\n# a comment above\n" + BASE,
    ]
    for body in same:
        assert load(tmp_path, body).code_version == base, body
    policy = "@af.asset(policy=af.TaskPolicy(retries=3))"
    assert load(tmp_path, BASE, policy).code_version == base


def test_constants_names_and_expressions_change_the_version(tmp_path):
    base = load(tmp_path, BASE).code_version
    changed = [
        BASE.replace("factor = 2", "factor = 3"),
        BASE.replace("* factor", "+ factor"),
        BASE.replace('"v"', '"w"'),
        BASE.replace(".sum()", ".mean()"),
        BASE.replace("    return", "    raw = raw.head(5)\n    return"),
    ]
    versions = {load(tmp_path, body).code_version for body in changed}
    assert base not in versions and len(versions) == len(changed)


def test_a_string_statement_after_the_first_is_code_not_a_docstring(tmp_path):
    body = BASE.replace("    factor = 2", '    "x"\n    factor = 2')
    other = BASE.replace("    factor = 2", '    "y"\n    factor = 2')
    assert load(tmp_path, body).code_version != load(tmp_path, other).code_version


def old_source_version(fn) -> str:
    """What assetflow 0.1 recorded: a hash of the function's source text."""
    payload = textwrap.dedent(inspect.getsource(fn)).encode()
    return "src:" + hashlib.blake2b(payload, digest_size=6).hexdigest()


def test_a_warehouse_written_with_source_text_versions_is_not_restaled(tmp_path, warehouse):
    daily = af.DailyPartitions(start="2026-04-01")

    @af.asset(partitions=daily, code_version="1")
    def raw(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"v": [int(context.partition_key[-2:])]})

    fn = load(tmp_path, BASE).fn
    upgraded = af.asset(partitions=daily)(fn)
    assert upgraded.legacy_code_version == old_source_version(fn)
    before = af.asset(partitions=daily, code_version=old_source_version(fn))(fn)

    def project(total) -> af.Project:
        return af.Project([raw, total], warehouse=warehouse, clock=lambda: AS_OF)

    assert project(before).materialize(partition="2026-04-03").ok
    report = project(upgraded).status(partition="2026-04-03")
    assert report.status_of("total", "2026-04-03") == "fresh"
    assert project(upgraded).plan(partition="2026-04-03").to_run == ()

    edited = af.asset(partitions=daily)(load(tmp_path, BASE.replace("factor = 2", "factor = 5")).fn)
    stale = project(edited).status(partition="2026-04-03").frame.filter(pl.col("asset") == "total")
    assert stale["status"].to_list() == ["stale"]
    assert stale["reason"][0].startswith(f"code version {old_source_version(fn)} -> ast:")
