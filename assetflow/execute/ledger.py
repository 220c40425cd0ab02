"""The coordinator's in-memory view of committed partitions, and which upstreams a task reads.

:class:`Ledger` starts from the catalog state the plan was built on and is updated as tasks
commit, so dispatching a task needs no catalog query. :func:`upstream_keys` asks each partition
mapping once per (asset, upstream) for all planned partitions at once (mappings work on whole
key lists), not once per task.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence

from assetflow.commit.files import StagedFile
from assetflow.commit.records import InputRead
from assetflow.commit.state import CatalogState
from assetflow.define.graph import AssetGraph
from assetflow.execute.scheduler import Key
from assetflow.plan.planner import Step


class Ledger:
    """Data version, file and code version of every committed partition, plus what it read."""

    def __init__(self, state: CatalogState) -> None:
        self._current: dict[Key, tuple[str, str]] = {}
        self._committed: dict[str, set[str]] = defaultdict(set)
        self._code: dict[Key, str] = {}
        rows = state.current.select(
            "asset", "partition", "data_version", "file_path", "code_version"
        ).iter_rows()
        for asset, partition, version, path, code in rows:
            self._current[(asset, partition)] = (version, path)
            self._committed[asset].add(partition)
            self._code[(asset, partition)] = code
        self._recorded: dict[Key, set[tuple[str, str, str]]] = defaultdict(set)
        for a, p, u, q, v in state.inputs.iter_rows():
            self._recorded[(a, p)].add((u, q, v))

    def version(self, key: Key) -> str | None:
        found = self._current.get(key)
        return found[0] if found else None

    def file(self, key: Key) -> str:
        """The committed file of ``key``, relative to the warehouse root."""
        return self._current[key][1]

    def committed(self, asset: str) -> set[str]:
        return self._committed.get(asset, set())

    def record(
        self, key: Key, staged: StagedFile, code_version: str, inputs: Sequence[InputRead]
    ) -> None:
        """``key`` was committed with ``staged`` as its new version."""
        self._current[key] = (staged.data_version, staged.key)
        self._committed[key[0]].add(key[1])
        self._code[key] = code_version
        self._recorded[key] = {(i.upstream, i.partition, i.data_version) for i in inputs}

    def unchanged(
        self, key: Key, code_versions: Collection[str], inputs: Sequence[InputRead]
    ) -> bool:
        """Early cutoff: committed by one of ``code_versions`` (the current code), with exactly
        the same upstream versions as before."""
        if key not in self._current or self._code.get(key) not in code_versions:
            return False
        return self._recorded.get(key, set()) == {
            (i.upstream, i.partition, i.data_version) for i in inputs
        }


def upstream_keys(
    graph: AssetGraph, steps: Sequence[Step], ledger: Ledger
) -> dict[Key, dict[str, list[str]]]:
    """For every step, the upstream partitions it reads, per upstream asset, in mapping order.

    Mappings that depend on what exists (e.g. all partitions) see the committed partitions plus
    those planned in this run, so a task also waits for upstream partitions the run will add.
    """
    planned: dict[str, list[str]] = defaultdict(list)
    for step in steps:
        planned[step.asset].append(step.partition)
    result: dict[Key, dict[str, list[str]]] = {(s.asset, s.partition): {} for s in steps}
    for asset, partitions in planned.items():
        for up in graph[asset].upstreams:
            mapping = graph.mappings[(asset, up)]
            universe = ledger.committed(up) | set(planned.get(up, ()))
            edges = mapping.edges(partitions, graph[up].partitions, universe)
            for p in partitions:
                result[(asset, p)][up] = []
            for p, q in edges.select("partition", "up_partition").iter_rows():
                result[(asset, p)][up].append(q)
    return result
