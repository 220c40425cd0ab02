"""The :class:`PartitionMapping` interface, and the identity and all-partitions mappings.

A mapping answers in bulk, as an edge frame with columns ``partition`` (downstream key) and
``up_partition`` (upstream key), so the planner joins it against catalog state instead of looping
over keys in Python. Mappings are declared unbound (``af.Window(lookback=6)``);
:meth:`PartitionMapping.bind` checks one against the two definitions when the project is built
and returns the mapping ready to use.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

import polars as pl

from assetflow.define.partitions import (
    UNPARTITIONED,
    MultiPartitions,
    PartitionsDefinition,
    StaticPartitions,
    TimeWindowPartitions,
)
from assetflow.errors import DefinitionError

EDGE_SCHEMA = {"partition": pl.String, "up_partition": pl.String}

Definition = PartitionsDefinition | None


class LazyKeys(Collection[str]):
    """An upstream's committed keys, loaded by ``load`` only if a mapping asks for them (only
    all-partitions mappings do), and then once. What callers hand to a mapping's
    ``upstream_committed``, whatever they read the keys from; ``load`` returns a list, or a set
    when membership is what the mapping will ask."""

    def __init__(self, load: Callable[[], Collection[str]]) -> None:
        self._load = load
        self._keys: Collection[str] | None = None

    def _loaded(self) -> Collection[str]:
        if self._keys is None:
            self._keys = self._load()
        return self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __contains__(self, key: object) -> bool:
        return key in self._loaded()


def empty_edges() -> pl.DataFrame:
    return pl.DataFrame(schema=EDGE_SCHEMA)


class PartitionMapping(ABC):
    """Maps downstream partition keys to the upstream keys they read."""

    independent_keys: ClassVar[bool] = False
    """Whether :meth:`edges` tests each committed upstream key on its own, if it looks at them
    at all: its edges over any committed keys that include the ones it reads are the same. A
    plan of a few partitions then reads just their catalog rows (``plan/needs.py``); a mapping
    that does not say so (a user's own) makes it read the whole catalog."""

    def bind(self, downstream: Definition, upstream: Definition) -> PartitionMapping:
        """Check this mapping fits the two definitions and return it ready for use.

        Raises:
            DefinitionError: the mapping cannot connect these definitions (the message says why;
                the graph adds the asset names and a mapping that would work).
        """
        return self

    @abstractmethod
    def edges(
        self,
        downstream_keys: Sequence[str],
        upstream: Definition,
        upstream_committed: Collection[str],
    ) -> pl.DataFrame:
        """Edge frame (``partition``, ``up_partition``) for ``downstream_keys``.

        Upstream keys are those of existing upstream partitions (inside the upstream definition's
        start/end), whether or not they are due or committed yet, except for
        :class:`AllPartitions`, which reads what is committed.
        """

    def describe(self) -> str:
        """A short human description, e.g. ``identity`` or ``window -6..0 (daily)``."""
        return type(self).__name__

    def upstream_keys(
        self,
        downstream_key: str,
        upstream: Definition,
        upstream_committed: Collection[str],
    ) -> list[str]:
        """The upstream keys one downstream partition reads, in order."""
        frame = self.edges([downstream_key], upstream, upstream_committed)
        return frame["up_partition"].to_list()

    def inverse_edges(
        self,
        upstream_keys: Sequence[str],
        downstream_keys: Sequence[str],
        upstream: Definition,
        upstream_committed: Collection[str],
    ) -> pl.DataFrame:
        """Which of ``downstream_keys`` read each of ``upstream_keys`` (an edge frame).

        The default derives it from :meth:`edges`; time mappings compute it from the upstream
        side directly, so the two can be checked against each other.
        """
        wanted = pl.Series(list(upstream_keys), dtype=pl.String).implode()
        return self.edges(downstream_keys, upstream, upstream_committed).filter(
            pl.col("up_partition").is_in(wanted)
        )


@dataclass(frozen=True)
class Identity(PartitionMapping):
    """Partition ``k`` reads upstream partition ``k``.

    Valid when both sides have the same keys: equal definitions, time definitions on the same
    grid (same grain, time zone and offsets; keys outside the upstream's start/end are not read),
    static definitions whose downstream keys are all upstream keys, or multi definitions that
    are pairwise so.
    """

    independent_keys: ClassVar[bool] = True

    def bind(self, downstream: Definition, upstream: Definition) -> PartitionMapping:
        problem = identity_problem(downstream, upstream)
        if problem:
            raise DefinitionError(problem)
        if downstream == upstream:
            return self
        return _ClippedIdentity()

    def describe(self) -> str:
        return "identity"

    def edges(self, downstream_keys, upstream, upstream_committed):
        keys = pl.Series("partition", list(downstream_keys), dtype=pl.String)
        return pl.DataFrame({"partition": keys, "up_partition": keys})

    def inverse_edges(self, upstream_keys, downstream_keys, upstream, upstream_committed):
        keys = pl.Series("up_partition", list(upstream_keys), dtype=pl.String)
        frame = pl.DataFrame({"partition": keys, "up_partition": keys})
        return frame.filter(pl.col("partition").is_in(pl.Series(list(downstream_keys)).implode()))


@dataclass(frozen=True)
class _ClippedIdentity(Identity):
    """Identity between time definitions on one grid whose start/end differ."""

    def edges(self, downstream_keys, upstream, upstream_committed):
        frame = super().edges(downstream_keys, upstream, upstream_committed)
        keys = frame["partition"]
        if isinstance(upstream, TimeWindowPartitions) and len(keys):
            from assetflow.define.mapping.window import key_starts

            starts = key_starts(upstream.grid, keys)
            frame = frame.filter(pl.Series(upstream.in_range(starts)))
        return frame


def identity_problem(downstream: Definition, upstream: Definition) -> str | None:
    """Why identity cannot connect the two definitions, or None if it can."""
    if downstream == upstream:
        return None
    if downstream is None or upstream is None:
        return "identity needs both assets partitioned or both unpartitioned"
    if isinstance(downstream, TimeWindowPartitions) and isinstance(upstream, TimeWindowPartitions):
        if downstream.grid == upstream.grid:
            return None
        return (
            f"identity needs the same grain, time zone and offsets; "
            f"{downstream.describe()} vs {upstream.describe()}"
        )
    if isinstance(downstream, StaticPartitions) and isinstance(upstream, StaticPartitions):
        unknown = [k for k in downstream.keys if k not in upstream.keys]
        if not unknown:
            return None
        return f"static keys {unknown[:5]} are not upstream keys"
    if isinstance(downstream, MultiPartitions) and isinstance(upstream, MultiPartitions):
        if downstream.names != upstream.names:
            return f"dimensions differ: {downstream.names} vs {upstream.names}"
        for name in downstream.names:
            problem = identity_problem(downstream.dimension(name), upstream.dimension(name))
            if problem:
                return f"dimension {name!r}: {problem}"
        return None
    return f"the partitions differ ({downstream.describe()} vs {upstream.describe()})"


@dataclass(frozen=True)
class AllPartitions(PartitionMapping):
    """Every downstream partition reads every committed upstream partition.

    An unpartitioned upstream has exactly one partition, which is always required.
    """

    independent_keys: ClassVar[bool] = True

    def describe(self) -> str:
        return "all partitions"

    def edges(self, downstream_keys, upstream, upstream_committed):
        up = [UNPARTITIONED] if upstream is None else sorted(upstream_committed)
        down = pl.DataFrame({"partition": list(downstream_keys)}, schema={"partition": pl.String})
        return down.join(
            pl.DataFrame({"up_partition": up}, schema={"up_partition": pl.String}), how="cross"
        )
