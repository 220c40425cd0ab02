"""The writer's schema index (counted groups, a few examples, the groups of the partitions a run
commits) answers as the asset's current partitions, listed one by one, would."""

from __future__ import annotations

from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from assetflow.commit.schema import ALL_DDL
from assetflow.commit.schema_index import SchemaIndex
from assetflow.commit.session import CatalogSession

ASSETS = ["a", "b"]
KEYS = [f"2026-04-{d:02d}" for d in range(1, 9)]
GROUPS = [("1", "s1"), ("1", "s2"), ("2", "s1")]

keys = st.tuples(st.sampled_from(ASSETS), st.sampled_from(KEYS))
catalogs = st.dictionaries(keys, st.sampled_from(GROUPS), max_size=12)
operations = st.lists(
    st.tuples(st.sampled_from(["record", "forget"]), keys, st.sampled_from(GROUPS)), max_size=12
)


def catalog(current: dict) -> duckdb.DuckDBPyConnection:
    """A real catalog (in memory) whose current partitions are ``current``."""
    con = duckdb.connect()
    con.execute(ALL_DDL)
    for i, ((asset, key), (code, schema)) in enumerate(sorted(current.items())):
        con.execute(
            "insert into assetflow.materializations values "
            "(?, ?, ?, 'r', 'v', ?, 'f', 'c', 1, 1, ?, now(), now())",
            [i, asset, key, code, schema],
        )
        con.execute("insert into assetflow.current values (?, ?, ?)", [asset, key, i])
    return con


def expected(current: dict, asset: str, key: str, code: str) -> dict[str, set[str]]:
    """Schema -> the other current partitions of ``asset`` built by ``code``."""
    out: dict[str, set[str]] = {}
    for (a, k), (c, schema) in current.items():
        if a == asset and k != key and c == code:
            out.setdefault(schema, set()).add(k)
    return out


@settings(max_examples=80, deadline=None)
@given(catalogs, st.lists(keys, max_size=6), operations, keys, st.sampled_from(["1", "2"]))
def test_the_index_answers_as_the_current_partitions_listed_one_by_one(
    current, loaded, ops, asked, code
):
    index = SchemaIndex(CatalogSession(catalog(current), Path(":memory:")))
    index.load(loaded)
    model = dict(current)
    for op, (asset, key), (c, schema) in ops:
        if op == "record":
            index.record(asset, key, c, schema)
            model[(asset, key)] = (c, schema)
        else:
            index.forget(asset, key)
            model.pop((asset, key), None)
    want = expected(model, *asked, code)
    found = index.others(*asked, code)
    assert {schema for schema, _ in found} == set(want)
    for schema, example in found:
        named = str(example)
        if named.startswith("partition "):  # a member of that group, never the asked one
            assert named.removeprefix("partition ") in want[schema]
        if not ops:  # as loaded: the first other partition in key order
            assert named == f"partition {min(want[schema])}"
