"""Schema compatibility between the partitions of one asset, checked at commit time.

Every materialization records its columns (``schema`` in ``assetflow.materializations``) as a
JSON list of ``[name, type]``. Types are *logical*: Arrow's physical variants that every reader
sees as the same column (``string``/``large_string``/``string_view``, dictionaries, list offset
widths) compare equal, so a partition written by polars and one written by DuckDB SQL agree.

A new partition is compared with the asset's other current partitions built by the same code
version. Partitions of another code version are stale and will be rebuilt, so a schema change that
comes with a code change is intended; a change with the *same* code is drift in the data (an API
that started sending ``amount`` as text) and would give the asset's view mixed columns.

- ``strict`` (the default): the columns and their types must be the same.
- ``evolve``: columns may be added; none may be removed or change type.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa

from assetflow.errors import SchemaMismatchError

POLICIES = ("strict", "evolve")


def logical_type(t: pa.DataType) -> str:
    """The type as readers see it: physical encodings of the same values compare equal."""
    if pa.types.is_dictionary(t):
        return logical_type(t.value_type)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_binary_view(t):
        return "binary"
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_list_view(t):
        return f"list<{logical_type(t.value_type)}>"
    if pa.types.is_fixed_size_list(t):
        return f"list<{logical_type(t.value_type)}>[{t.list_size}]"
    if pa.types.is_struct(t):
        inner = ", ".join(f"{f.name}: {logical_type(f.type)}" for f in t)
        return f"struct<{inner}>"
    return str(t)


def describe_schema(schema: pa.Schema) -> str:
    """The ``schema`` text recorded for a materialization: JSON ``[[name, type], ...]``."""
    return json.dumps([[f.name, logical_type(f.type)] for f in schema])


def parse_schema(text: str) -> list[tuple[str, str]] | None:
    """Columns of a recorded schema, or None for a format this module did not write."""
    try:
        columns = json.loads(text)
    except (TypeError, ValueError):
        return None
    if not isinstance(columns, list):
        return None
    return [(str(c[0]), str(c[1])) for c in columns if isinstance(c, list) and len(c) == 2]


@dataclass(frozen=True)
class SchemaDiff:
    """How a new schema differs from an old one."""

    added: tuple[tuple[str, str], ...]
    removed: tuple[tuple[str, str], ...]
    changed: tuple[tuple[str, str, str], ...]
    """(column, old type, new type)."""

    def allowed_by(self, policy: str) -> bool:
        if policy == "evolve":
            return not self.removed and not self.changed
        return not (self.added or self.removed or self.changed)

    def describe(self) -> str:
        parts = []
        if self.added:
            parts.append("added " + ", ".join(f"{n} ({t})" for n, t in self.added))
        if self.removed:
            parts.append("removed " + ", ".join(f"{n} ({t})" for n, t in self.removed))
        if self.changed:
            parts.append("changed " + ", ".join(f"{n} {a} -> {b}" for n, a, b in self.changed))
        return "; ".join(parts)


def diff_schemas(old: list[tuple[str, str]], new: list[tuple[str, str]]) -> SchemaDiff:
    """Column-level difference; column order is ignored (views combine files by name)."""
    before, after = dict(old), dict(new)
    return SchemaDiff(
        added=tuple((n, t) for n, t in new if n not in before),
        removed=tuple((n, t) for n, t in old if n not in after),
        changed=tuple((n, before[n], t) for n, t in new if n in before and before[n] != t),
    )


def check_schema(
    asset: str,
    partition: str,
    new: str,
    others: Iterable[tuple[str, object]],
    policy: str,
) -> None:
    """Raise SchemaMismatchError if ``new`` conflicts with the other partitions' schemas.

    Args:
        new: the recorded schema text of the partition being committed.
        others: (schema text, an example: "partition KEY") per distinct schema of the asset's
            other current partitions with the same code version.
        policy: ``strict`` or ``evolve``.
    """
    others = [(text, example) for text, example in others if text != new]  # same: no diff
    columns = parse_schema(new) if others else None
    if columns is None:
        return
    for text, example in others:
        old = parse_schema(text)
        if old is None:
            continue
        diff = diff_schemas(old, columns)
        if diff.allowed_by(policy):
            continue
        fix = (
            'declare @asset(schema="evolve") to allow added columns, or bump code_version to '
            "rebuild every partition"
            if policy == "strict" and not diff.removed and not diff.changed
            else "fix the asset's output, or bump code_version to rebuild every partition"
        )
        raise SchemaMismatchError(
            f"asset {asset!r} partition {partition}: its columns differ from {example} "
            f"built by the same code ({diff.describe()}); {fix}"
        )
