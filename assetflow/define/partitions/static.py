"""StaticPartitions: a fixed list of keys such as regions or customers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import polars as pl

from assetflow.define.partitions.base import PartitionsDefinition, check_safe_key
from assetflow.errors import DefinitionError, PartitionKeyError


@dataclass(frozen=True)
class StaticPartitions(PartitionsDefinition):
    """A fixed list of keys such as regions or customers; every key is always due.

    Keys are kept in the order given. Each must be safe as a folder name: non-empty, at most 128
    characters, no ``/``, ``\\``, ``|`` or control characters, no surrounding spaces.
    """

    keys: tuple[str, ...]
    kind: ClassVar[str] = "static"

    def __init__(self, keys: list[str] | tuple[str, ...]) -> None:
        if isinstance(keys, str):
            raise DefinitionError(
                f"StaticPartitions takes a list of keys, not the string {keys!r}; "
                f"write StaticPartitions([{keys!r}])"
            )
        try:
            checked = tuple(check_safe_key(k) for k in keys)
        except PartitionKeyError as exc:
            raise DefinitionError(f"StaticPartitions: {exc}") from None
        if not checked:
            raise DefinitionError("StaticPartitions needs at least one key")
        if len(set(checked)) != len(checked):
            raise DefinitionError(f"StaticPartitions keys are not unique: {list(checked)}")
        object.__setattr__(self, "keys", checked)

    def parse_key(self, key: str) -> str:
        check_safe_key(key)
        if key not in self.keys:
            shown = ", ".join(self.keys[:10]) + (", ..." if len(self.keys) > 10 else "")
            raise PartitionKeyError(f"partition key {key!r} is not one of: {shown}")
        return key

    def due_series(self, as_of: datetime) -> pl.Series:
        return pl.Series("partition", self.keys, dtype=pl.String)

    def check_key(self, key: str, as_of: datetime) -> str:
        return self.parse_key(key)

    def describe(self) -> str:
        return f"static [{', '.join(self.keys[:5])}{', ...' if len(self.keys) > 5 else ''}]"
