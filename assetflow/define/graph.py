"""AssetGraph: the validated set of assets, their edges, and a topological order."""

from __future__ import annotations

import graphlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assetflow.define.asset import AssetDef
from assetflow.define.mapping import PartitionMapping, resolve_mapping
from assetflow.errors import (
    CycleError,
    DefinitionError,
    DuplicateAssetError,
    InvalidNameError,
    SelectionError,
    UnknownUpstreamError,
)

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


# fmt: off
RESERVED_WORDS = frozenset((
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both",
    "case", "cast", "check", "collate", "column", "constraint", "create", "default",
    "deferrable", "desc", "describe", "distinct", "do", "else", "end", "except", "false",
    "fetch", "for", "foreign", "from", "group", "having", "in", "initially", "intersect",
    "into", "lambda", "lateral", "leading", "limit", "not", "null", "offset", "on", "only",
    "or", "order", "pivot", "pivot_longer", "pivot_wider", "placing", "primary", "qualify",
    "references", "returning", "select", "show", "some", "summarize", "symmetric", "table",
    "then", "to", "trailing", "true", "union", "unique", "unpivot", "using", "variadic", "when",
    "where", "window", "with",
))
# fmt: on
"""DuckDB's reserved keywords (``duckdb_keywords()``, category ``reserved``), which cannot be
a bare table name. A constant, not asked of DuckDB: every process that loads a project checks
its asset names, workers too, and a DuckDB connection costs ~50 ms there (and its import more);
tests/define/test_graph.py holds it equal to the installed DuckDB's list."""


def check_asset_name(name: str) -> None:
    """Raise InvalidNameError unless ``name`` can be a bare DuckDB table name."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise InvalidNameError(
            f"asset name {str(name)[:70]!r} is not a safe SQL identifier: use letters, digits and "
            "'_', starting with a letter or '_', at most 63 characters"
        )
    if name.lower() in RESERVED_WORDS or name.lower() == "assetflow":
        raise InvalidNameError(
            f"asset name {name!r} is a reserved SQL word; rename it (e.g. {name}_table)"
        )


@dataclass(frozen=True, eq=False)
class AssetGraph:
    """Assets keyed by name, validated at construction, with resolved partition mappings."""

    assets: Mapping[str, AssetDef]
    order: tuple[str, ...]
    """Topological order: every asset after its upstreams, ties in declaration order."""
    mappings: Mapping[tuple[str, str], PartitionMapping]
    """(downstream, upstream) -> mapping."""

    @classmethod
    def build(cls, assets: Iterable[AssetDef]) -> AssetGraph:
        """Validate names, upstream references, mappings and acyclicity."""
        by_name: dict[str, AssetDef] = {}
        for a in assets:
            if not isinstance(a, AssetDef):
                raise DefinitionError(
                    f"{a!r} is not an asset; decorate the function with @af.asset"
                )
            check_asset_name(a.name)
            if a.name in by_name:
                raise DuplicateAssetError(
                    f"two assets are named {a.name!r}; asset names must be unique"
                )
            by_name[a.name] = a

        mappings: dict[tuple[str, str], PartitionMapping] = {}
        for a in by_name.values():
            for up in a.upstreams:
                if up not in by_name:
                    raise UnknownUpstreamError(
                        f"asset {a.name!r} reads {up!r}, which is not an asset in this project; "
                        f"known assets: {', '.join(sorted(by_name)) or 'none'}"
                    )
                mappings[(a.name, up)] = resolve_mapping(
                    a.name, a.partitions, up, by_name[up].partitions, a.mappings.get(up)
                )
            unused = set(a.mappings) - set(a.upstreams)
            if unused:
                raise DefinitionError(
                    f"asset {a.name!r} declares mappings for {sorted(unused)}, "
                    "which it does not read"
                )

        sorter = graphlib.TopologicalSorter({n: by_name[n].upstreams for n in by_name})
        try:
            sorter.prepare()
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            raise CycleError(f"assets form a cycle: {' -> '.join(reversed(cycle))}") from None
        position = {n: i for i, n in enumerate(by_name)}
        order: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=position.__getitem__)
            order.extend(ready)
            sorter.done(*ready)
        return cls(assets=by_name, order=tuple(order), mappings=mappings)

    def __getitem__(self, name: str) -> AssetDef:
        try:
            return self.assets[name]
        except KeyError:
            raise SelectionError(
                f"unknown asset {name!r}; known assets: {', '.join(self.order)}"
            ) from None

    def __iter__(self):
        return (self.assets[n] for n in self.order)

    def __len__(self) -> int:
        return len(self.assets)

    def downstream(self, name: str) -> list[str]:
        """Assets that read ``name`` directly, in topological order."""
        return [n for n in self.order if name in self.assets[n].upstreams]

    def select(self, names: Iterable[str] | None) -> list[str]:
        """Validate a selection and return it in topological order (all assets when None)."""
        if names is None:
            return list(self.order)
        wanted = {self[n].name for n in names}
        return [n for n in self.order if n in wanted]
