"""The :class:`PartitionsDefinition` interface every kind of partitioning implements."""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import datetime

import polars as pl

from assetflow.errors import PartitionKeyError

UNPARTITIONED = "__all__"
"""The key of the single implicit partition of an unpartitioned asset."""

MAX_KEY_LENGTH = 128
_UNSAFE_KEY = re.compile(r"[\x00-\x1f\x7f-\x9f/\\|]")


def check_safe_key(key: str) -> str:
    """Reject keys that could escape a directory, break a terminal, or grow without bound."""
    if not isinstance(key, str) or not key.strip():
        raise PartitionKeyError("partition key must be a non-empty string")
    if len(key) > MAX_KEY_LENGTH:
        raise PartitionKeyError(
            f"partition key {key[:20]!r}... is {len(key)} characters; the limit is {MAX_KEY_LENGTH}"
        )
    if key in {".", ".."} or _UNSAFE_KEY.search(key) or key != key.strip() or _invisible(key):
        raise PartitionKeyError(
            f"partition key {key!r} contains a path separator, '|', a control character, "
            "an invisible character or surrounding spaces; use letters, digits, '-', '_' or '.'"
        )
    # Keys become folder names, percent-encoded (commit/files.py encode_key): 3 bytes per
    # UTF-8 byte outside [A-Za-z0-9._-]. File systems allow 255 bytes per name.
    folder = sum(
        1 if c.isascii() and (c.isalnum() or c in "._-") else 3 * len(c.encode()) for c in key
    )
    if folder > 255:
        raise PartitionKeyError(
            f"partition key {key[:20]!r}... would need a {folder}-byte folder name once encoded; "
            "the file system allows 255: use a shorter or ASCII key"
        )
    return key


def _invisible(key: str) -> bool:
    """Format and separator characters (U+202E, zero-width space, U+2028) that disguise keys."""
    return any(unicodedata.category(c) in ("Cf", "Zl", "Zp", "Cs") for c in key)


class PartitionsDefinition(ABC):
    """The set of partition keys of an asset, their order, and when each becomes due.

    Keys are strings in one canonical form per definition. Positions (the order of keys) are what
    mappings and the planner compute with; keys are only the names shown to people.
    """

    kind: str

    @abstractmethod
    def parse_key(self, key: str) -> str:
        """Return the canonical form of ``key`` or raise :class:`PartitionKeyError`.

        Checks the key's form and that it names a partition of this definition's grid; it does
        not check the definition's start/end or whether the key is due (see :meth:`check_key`).
        """

    def looks_like_key(self, key: str) -> bool:
        """True if ``key`` has the shape of this definition's keys (not necessarily valid).

        The planner uses it to leave out assets of another grain when a key is given without
        naming assets (``--partition 2026-04-08`` skips monthly assets).
        """
        try:
            self.parse_key(key)
        except PartitionKeyError:
            return False
        return True

    def accepts_range(self, first: str, last: str) -> bool:
        """True if ``--from first --to last`` can select partitions of this definition (its
        own key forms; time definitions also accept the keys of other time grains)."""
        return self.looks_like_key(first) and self.looks_like_key(last)

    @abstractmethod
    def due_series(self, as_of: datetime) -> pl.Series:
        """All keys due at ``as_of``, in order, as a polars String series (cached)."""

    def due_keys(self, as_of: datetime) -> list[str]:
        """All keys due at ``as_of``, in order."""
        return self.due_series(as_of).to_list()

    @abstractmethod
    def check_key(self, key: str, as_of: datetime) -> str:
        """Parse ``key``; check it is inside the definition and due at ``as_of``; canonical key."""

    def keys_between(self, first: str, last: str, as_of: datetime) -> list[str]:
        """Due keys from ``first`` to ``last``, both inclusive, in order."""
        lo, hi = self.check_key(first, as_of), self.check_key(last, as_of)
        keys = self.due_series(as_of)
        frame = pl.DataFrame({"k": keys}).with_row_index("i")
        i = frame.filter(pl.col("k") == lo)["i"][0]
        j = frame.filter(pl.col("k") == hi)["i"][0]
        if i > j:
            raise PartitionKeyError(
                f"partition range {lo} .. {hi} is empty: {lo} comes after {hi}; swap --from/--to"
            )
        return keys.slice(i, j - i + 1).to_list()

    def select(
        self,
        as_of: datetime,
        keys: Sequence[str] | None = None,
        key_range: tuple[str, str] | None = None,
    ) -> list[str]:
        """Resolve a user's selection (keys and/or an inclusive range) to canonical due keys."""
        chosen: list[str] = []
        if keys is not None:
            chosen.extend(self.check_key(k, as_of) for k in keys)
        if key_range is not None:
            chosen.extend(self.keys_between(key_range[0], key_range[1], as_of))
        return list(dict.fromkeys(chosen))

    def window(self, key: str) -> tuple[datetime, datetime] | None:
        """The ``[start, end)`` window of ``key`` in UTC, or None for non-time partitions."""
        return None

    @abstractmethod
    def describe(self) -> str:
        """A short human description, e.g. ``daily from 2026-01-01 (UTC)``."""
