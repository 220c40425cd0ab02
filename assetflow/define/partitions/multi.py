"""MultiPartitions: keys that combine one key per dimension, e.g. a day and a region.

A key joins the dimension keys with ``|`` in the order the dimensions were declared:
``MultiPartitions(date=DailyPartitions(...), region=StaticPartitions([...]))`` has keys like
``2026-04-08|eu``. ``|`` cannot occur inside a dimension key, so splitting is unambiguous. Keys are
ordered time first (every region of one day, then the next day), which is the order a backfill
runs in. At most one dimension may be a time dimension.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import ClassVar

import polars as pl

from assetflow.define.partitions.base import PartitionsDefinition
from assetflow.define.partitions.time_window import TimeWindowPartitions
from assetflow.errors import DefinitionError, PartitionKeyError

SEPARATOR = "|"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")


@dataclass(frozen=True)
class MultiPartitions(PartitionsDefinition):
    """Partitions over two or more dimensions, keyed ``<key 1>|<key 2>``.

    Example::

        MultiPartitions(date=DailyPartitions(start="2026-01-01"),
                        region=StaticPartitions(["eu", "us", "apac"]))

    ``--partition 2026-04-08|eu`` names one partition; a key or range of the time dimension alone
    (``--partition 2026-04-08``, ``--from 2026-04-01 --to 2026-04-07``) selects every partition
    of those days.
    """

    dimensions: tuple[tuple[str, PartitionsDefinition], ...]
    kind: ClassVar[str] = "multi"

    def __init__(self, **dimensions: PartitionsDefinition) -> None:
        if len(dimensions) < 2:
            raise DefinitionError(
                "MultiPartitions needs at least two dimensions, e.g. "
                "MultiPartitions(date=DailyPartitions(...), region=StaticPartitions([...]))"
            )
        for name, definition in dimensions.items():
            if not _NAME.fullmatch(name):
                raise DefinitionError(f"MultiPartitions dimension name {name!r} is not valid")
            if not isinstance(definition, PartitionsDefinition) or isinstance(
                definition, MultiPartitions
            ):
                raise DefinitionError(
                    f"MultiPartitions dimension {name!r} must be a single partitions definition "
                    f"(daily, static, ...), got {type(definition).__name__}"
                )
        times = [n for n, d in dimensions.items() if isinstance(d, TimeWindowPartitions)]
        if len(times) > 1:
            raise DefinitionError(
                f"MultiPartitions has {len(times)} time dimensions ({', '.join(times)}); "
                "at most one is supported"
            )
        object.__setattr__(self, "dimensions", tuple(dimensions.items()))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.dimensions)

    def dimension(self, name: str) -> PartitionsDefinition:
        """The definition of one dimension."""
        for n, d in self.dimensions:
            if n == name:
                return d
        raise DefinitionError(
            f"MultiPartitions has no dimension {name!r}; it has {', '.join(self.names)}"
        )

    @property
    def time_dimension(self) -> str | None:
        """The name of the time dimension, if there is one."""
        return next((n for n, d in self.dimensions if isinstance(d, TimeWindowPartitions)), None)

    def split(self, key: str) -> dict[str, str]:
        """``{"date": "2026-04-08", "region": "eu"}`` for ``2026-04-08|eu`` (checked)."""
        parts = key.split(SEPARATOR) if isinstance(key, str) else []
        if len(parts) != len(self.dimensions):
            example = SEPARATOR.join(f"<{n}>" for n in self.names)
            raise PartitionKeyError(
                f"partition key {str(key)[:60]!r} is not a multi-partition key: expected "
                f"{example}, e.g. {self._example()}"
            )
        return {n: d.parse_key(p) for (n, d), p in zip(self.dimensions, parts, strict=True)}

    def join(self, parts: dict[str, str]) -> str:
        """The key of one partition given each dimension's key."""
        return SEPARATOR.join(parts[n] for n in self.names)

    def _example(self) -> str:
        examples = []
        for _, d in self.dimensions:
            if isinstance(d, TimeWindowPartitions):
                examples.append(d.start)
            else:
                examples.append(d.due_keys(datetime.min)[0])
        return SEPARATOR.join(examples)

    # -- PartitionsDefinition ------------------------------------------------------------------

    def parse_key(self, key: str) -> str:
        return self.join(self.split(key))

    def looks_like_key(self, key: str) -> bool:
        parts = key.split(SEPARATOR) if isinstance(key, str) else []
        if len(parts) == 1 and self.time_dimension is not None:
            return self.dimension(self.time_dimension).looks_like_key(key)
        return len(parts) == len(self.dimensions) and all(
            d.looks_like_key(p) for (_, d), p in zip(self.dimensions, parts, strict=True)
        )

    def accepts_range(self, first: str, last: str) -> bool:
        time = self.time_dimension
        if time is not None and SEPARATOR not in first + last:
            return self.dimension(time).accepts_range(first, last)
        return self.looks_like_key(first) and self.looks_like_key(last)

    def due_series(self, as_of: datetime) -> pl.Series:
        return _due_series(self, as_of)

    def check_key(self, key: str, as_of: datetime) -> str:
        parts = self.split(key)
        return self.join({n: d.check_key(parts[n], as_of) for n, d in self.dimensions})

    def select(
        self,
        as_of: datetime,
        keys: Sequence[str] | None = None,
        key_range: tuple[str, str] | None = None,
    ) -> list[str]:
        """Full keys, or keys/ranges of the time dimension alone (every combination of them)."""
        chosen: list[str] = []
        for key in keys or ():
            if SEPARATOR in key or self.time_dimension is None:
                chosen.append(self.check_key(key, as_of))
            else:
                chosen.extend(self._with_time(as_of, [key], None))
        if key_range is not None:
            first, last = key_range
            if SEPARATOR in first or SEPARATOR in last:
                chosen.extend(self._full_range(first, last, as_of))
            else:
                chosen.extend(self._with_time(as_of, None, key_range))
        return list(dict.fromkeys(chosen))

    def keys_between(self, first: str, last: str, as_of: datetime) -> list[str]:
        return self.select(as_of, key_range=(first, last))

    def _with_time(
        self, as_of: datetime, keys: list[str] | None, key_range: tuple[str, str] | None
    ) -> list[str]:
        if self.time_dimension is None:
            raise PartitionKeyError(
                f"MultiPartitions ({', '.join(self.names)}) has no time dimension; "
                f"give full keys such as {self._example()}"
            )
        times = self.dimension(self.time_dimension).select(as_of, keys, key_range)
        frame = pl.DataFrame({"_t": self.due_series(as_of)}).with_columns(
            pl.col("_t").str.split(SEPARATOR).list.get(self.names.index(self.time_dimension))
        )
        mask = frame["_t"].is_in(pl.Series(times, dtype=pl.String).implode())
        return self.due_series(as_of).filter(mask).to_list()

    def _full_range(self, first: str, last: str, as_of: datetime) -> list[str]:
        a, b = self.split(first), self.split(last)
        time = self.time_dimension
        others = [n for n in self.names if n != time]
        if time is None or any(a[n] != b[n] for n in others):
            raise PartitionKeyError(
                f"partition range {first} .. {last} must differ only in the time dimension; "
                "give time keys alone to select every combination"
            )
        days = self.dimension(time).keys_between(a[time], b[time], as_of)
        for n in others:
            self.dimension(n).check_key(a[n], as_of)
        return [self.join({**a, time: d}) for d in days]

    def window(self, key: str) -> tuple[datetime, datetime] | None:
        if self.time_dimension is None:
            return None
        return self.dimension(self.time_dimension).window(self.split(key)[self.time_dimension])

    def describe(self) -> str:
        return "multi (" + "; ".join(f"{n}: {d.describe()}" for n, d in self.dimensions) + ")"


@lru_cache(maxsize=128)
def _due_series(definition: MultiPartitions, as_of: datetime) -> pl.Series:
    time = definition.time_dimension
    order = ([time] if time else []) + [n for n in definition.names if n != time]
    frame: pl.DataFrame | None = None
    for name in order:
        part = pl.DataFrame({name: definition.dimension(name).due_series(as_of)})
        frame = part if frame is None else frame.join(part, how="cross", maintain_order="left")
    assert frame is not None
    return frame.select(
        pl.concat_str([pl.col(n) for n in definition.names], separator=SEPARATOR).alias("partition")
    )["partition"]
