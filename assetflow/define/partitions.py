"""Partition definitions: which keys an asset has, their time windows, and which are due.

A definition is a frozen value object. Two assets with equal definitions map partition to
partition by identity. Time is always passed in (``as_of``); nothing here reads the clock.
"""

from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assetflow.errors import DefinitionError, PartitionKeyError

UNPARTITIONED = "__all__"
"""The key of the single implicit partition of an unpartitioned asset."""

_MAX_KEY_LENGTH = 128
_UNSAFE_KEY = re.compile(r"[\x00-\x1f\x7f-\x9f/\\|]")


def check_safe_key(key: str) -> str:
    """Reject keys that could escape a directory, break a terminal, or grow without bound."""
    if not isinstance(key, str) or not key.strip():
        raise PartitionKeyError("partition key must be a non-empty string")
    if len(key) > _MAX_KEY_LENGTH:
        raise PartitionKeyError(
            f"partition key {key[:20]!r}... is {len(key)} characters; "
            f"the limit is {_MAX_KEY_LENGTH}"
        )
    if key in {".", ".."} or _UNSAFE_KEY.search(key) or _invisible(key):
        raise PartitionKeyError(
            f"partition key {key!r} contains a path separator, '|' or a control character; "
            "use letters, digits, '-', '_' or '.'"
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
    """The set of partition keys of an asset, and when each becomes due."""

    kind: str

    @abstractmethod
    def parse_key(self, key: str) -> str:
        """Return the canonical form of ``key`` or raise :class:`PartitionKeyError`."""

    @abstractmethod
    def due_keys(self, as_of: datetime) -> list[str]:
        """All keys whose window has closed at ``as_of``, in order."""

    @abstractmethod
    def check_key(self, key: str, as_of: datetime) -> str:
        """Parse ``key`` and check it exists and is due at ``as_of``; return the canonical key."""

    def keys_between(self, first: str, last: str, as_of: datetime) -> list[str]:
        """Due keys from ``first`` to ``last`` inclusive."""
        lo, hi = self.parse_key(first), self.parse_key(last)
        keys = self.due_keys(as_of)
        position = {k: i for i, k in enumerate(keys)}
        if lo not in position or hi not in position:
            missing = lo if lo not in position else hi
            self.check_key(missing, as_of)  # raises the precise reason
        return keys[position[lo] : position[hi] + 1]

    def window(self, key: str) -> tuple[datetime, datetime] | None:
        """The ``[start, end)`` window of ``key`` in UTC, or None for non-time partitions."""
        return None

    @abstractmethod
    def describe(self) -> str:
        """A short human description, e.g. ``daily from 2026-01-01 (UTC)``."""


@dataclass(frozen=True)
class DailyPartitions(PartitionsDefinition):
    """One partition per calendar day in ``timezone``, keyed ``YYYY-MM-DD``.

    Args:
        start: first day (``"2026-01-01"`` or a ``date``).
        end: last day, inclusive; open-ended when None.
        timezone: IANA name; a day is due once local midnight after it has passed.
        end_offset: number of extra windows that are due early (1 = today is due too).
    """

    start: date | str
    end: date | str | None = None
    timezone: str = "UTC"
    end_offset: int = 0
    kind: str = field(default="daily", init=False)

    _KEY = re.compile(r"\d{4}-\d{2}-\d{2}")

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", _as_date(self.start, "start"))
        if self.end is not None:
            object.__setattr__(self, "end", _as_date(self.end, "end"))
            if self.end < self.start:  # type: ignore[operator]
                raise DefinitionError(
                    f"DailyPartitions end {self.end} is before start {self.start}"
                )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise DefinitionError(
                f"unknown timezone {self.timezone!r}; use an IANA name like 'Europe/Berlin'"
            ) from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def parse_key(self, key: str) -> str:
        if not isinstance(key, str) or not self._KEY.fullmatch(key):
            raise PartitionKeyError(
                f"partition key {str(key)[:40]!r} is not a daily key: expected YYYY-MM-DD, "
                "e.g. 2026-04-08"
            )
        try:
            return date.fromisoformat(key).isoformat()
        except ValueError:
            raise PartitionKeyError(
                f"partition key {key!r} is not a valid date: expected YYYY-MM-DD, e.g. 2026-04-08"
            ) from None

    def _last_due(self, as_of: datetime) -> date:
        today = as_of.astimezone(self.tz).date()
        last = today - timedelta(days=1 - self.end_offset)
        return min(last, self.end) if self.end is not None else last  # type: ignore[type-var]

    def due_keys(self, as_of: datetime) -> list[str]:
        last = self._last_due(as_of)
        start: date = self.start  # type: ignore[assignment]
        if last < start:
            return []
        n = (last - start).days + 1
        return [(start + timedelta(days=i)).isoformat() for i in range(n)]

    def check_key(self, key: str, as_of: datetime) -> str:
        canonical = self.parse_key(key)
        day = date.fromisoformat(canonical)
        if day < self.start:  # type: ignore[operator]
            raise PartitionKeyError(
                f"partition {canonical} is before the first partition {self.start}; "
                f"use a key from {self.start} on"
            )
        if self.end is not None and day > self.end:  # type: ignore[operator]
            raise PartitionKeyError(f"partition {canonical} is after the last partition {self.end}")
        if day > self._last_due(as_of):
            _, closes = self.window(canonical)
            raise PartitionKeyError(
                f"partition {canonical} is not due yet: its window closes at "
                f"{closes.isoformat()} ({self.timezone}); pick an earlier day"
            )
        return canonical

    def window(self, key: str) -> tuple[datetime, datetime]:
        day = date.fromisoformat(self.parse_key(key))
        start = datetime.combine(day, time(), self.tz)
        end = datetime.combine(day + timedelta(days=1), time(), self.tz)
        utc = ZoneInfo("UTC")
        return start.astimezone(utc), end.astimezone(utc)

    def describe(self) -> str:
        end = f" to {self.end}" if self.end is not None else ""
        return f"daily from {self.start}{end} ({self.timezone})"


@dataclass(frozen=True)
class StaticPartitions(PartitionsDefinition):
    """A fixed list of keys such as regions or customers; every key is always due."""

    keys: tuple[str, ...]
    kind: str = field(default="static", init=False)

    def __init__(self, keys: list[str] | tuple[str, ...]) -> None:
        checked = tuple(check_safe_key(k) for k in keys)
        if not checked:
            raise DefinitionError("StaticPartitions needs at least one key")
        if len(set(checked)) != len(checked):
            raise DefinitionError(f"StaticPartitions keys are not unique: {list(checked)}")
        object.__setattr__(self, "keys", checked)
        object.__setattr__(self, "kind", "static")

    def parse_key(self, key: str) -> str:
        check_safe_key(key)
        if key not in self.keys:
            shown = ", ".join(self.keys[:10])
            raise PartitionKeyError(f"partition key {key!r} is not one of: {shown}")
        return key

    def due_keys(self, as_of: datetime) -> list[str]:
        return list(self.keys)

    def check_key(self, key: str, as_of: datetime) -> str:
        return self.parse_key(key)

    def describe(self) -> str:
        return f"static [{', '.join(self.keys[:5])}{', ...' if len(self.keys) > 5 else ''}]"


def _as_date(value: date | str, what: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DefinitionError(
            f"DailyPartitions {what}={value!r} is not a date; use 'YYYY-MM-DD'"
        ) from None
