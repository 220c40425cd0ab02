"""Key rules: how the browser names partition ``i`` without being sent the key strings.

A time partitioning's keys follow from its first key and a count (``daily`` from
``2016-01-01``, 3,650 of them), so the status matrix ships that rule and one status byte per
partition instead of 3,650 strings per asset. ``static/matrix.js`` (``keyAt``) and
:meth:`KeyRule.expand` implement the same rules; :func:`rule_for` only returns a compact rule
after checking that it reproduces the real keys exactly, and falls back to the explicit list
(``kind="keys"``) otherwise (multi partitions, or a time zone whose clock changes by less than an
hour), so a rule can make a label wrong only if the browser's time zone data disagrees.

Rules (``start`` is the first key's start; ``i`` counts from 0):

==========  ==============================  =================================================
kind        start                           key ``i``
==========  ==============================  =================================================
daily       ``2026-01-01``                  the date ``i`` days later
weekly      ``2026-01-05`` (the local date  ``start + 7 i`` days, as that date, or as its
            the first week starts on)       ISO week ``2026-W02`` when ``iso`` is true
monthly     ``2026-01``                     the month ``i`` months later
hourly      first window start, ms since    the local wall time in ``timezone`` of
            the epoch (UTC)                 ``start + i`` hours, ``2026-04-08T02:00``; the
                                            second of two equal wall times gets its UTC offset
keys        (none)                          ``keys[i]``
==========  ==============================  =================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Literal

import polars as pl

from assetflow.define.partitions import UNPARTITIONED, PartitionsDefinition

RuleKind = Literal["daily", "weekly", "monthly", "hourly", "keys"]
_ISO_WEEK = re.compile(r"(\d{4})-W(\d{2})")
_HOUR_MS = 3_600_000


@dataclass(frozen=True)
class KeyRule:
    """The keys of ``count`` consecutive partitions, as a rule or an explicit list."""

    kind: RuleKind
    count: int
    start: str | int | None = None
    iso: bool = False
    timezone: str = "UTC"
    keys: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The rule as JSON-ready data (the form ``matrix.js`` reads)."""
        out: dict[str, object] = {"kind": self.kind, "count": self.count}
        if self.kind == "keys":
            out["keys"] = list(self.keys)
        else:
            out["start"] = self.start
        if self.kind == "weekly":
            out["iso"] = self.iso
        if self.kind == "hourly":
            out["timezone"] = self.timezone
        return out

    def expand(self) -> pl.Series:
        """All ``count`` keys, computed from the rule (vectorized)."""
        n = self.count
        if self.kind == "keys" or n == 0:
            return pl.Series("partition", list(self.keys)[:n], dtype=pl.String)
        if self.kind == "hourly":
            return _hourly_keys(int(self.start), n, self.timezone)  # type: ignore[arg-type]
        if self.kind == "monthly":
            first = date.fromisoformat(f"{self.start}-01")
            months = first.year * 12 + first.month - 1 + n - 1
            last = date(months // 12, months % 12 + 1, 1)
            dates = pl.date_range(first, last, "1mo", eager=True)
            return dates.dt.strftime("%Y-%m").rename("partition")
        first = date.fromisoformat(str(self.start))
        step = 7 if self.kind == "weekly" else 1
        dates = pl.date_range(first, first + timedelta(days=step * (n - 1)), f"{step}d", eager=True)
        form = "%G-W%V" if self.iso else "%Y-%m-%d"
        return dates.dt.strftime(form).rename("partition")


def rule_for(definition: PartitionsDefinition | None, keys: pl.Series) -> KeyRule:
    """The most compact rule that reproduces ``keys`` (consecutive keys of ``definition``)."""
    n = len(keys)
    if n == 0:
        return KeyRule("keys", 0)
    candidate = _candidate(definition, keys[0]) if definition is not None else None
    if candidate is not None:
        rule = KeyRule(
            candidate.kind, n, candidate.start, iso=candidate.iso, timezone=candidate.timezone
        )
        if rule.expand().equals(keys.cast(pl.String).rename("partition")):
            return rule
    return KeyRule("keys", n, keys=tuple(keys.to_list()))


def unpartitioned_rule() -> KeyRule:
    """The single implicit partition of an unpartitioned asset."""
    return KeyRule("keys", 1, keys=(UNPARTITIONED,))


def _candidate(definition: PartitionsDefinition, first: str) -> KeyRule | None:
    kind = getattr(definition, "kind", None)
    if kind == "daily":
        return KeyRule("daily", 0, first)
    if kind == "monthly":
        return KeyRule("monthly", 0, first)
    if kind == "weekly":
        match = _ISO_WEEK.fullmatch(first)
        if match:
            monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
            return KeyRule("weekly", 0, monday.isoformat(), iso=True)
        return KeyRule("weekly", 0, first)
    if kind == "hourly":
        window = definition.window(first)
        if window is None:
            return None
        start_ms = int(window[0].astimezone(UTC).timestamp() * 1000)
        timezone = getattr(definition, "timezone", "UTC")
        return KeyRule("hourly", 0, start_ms, timezone=timezone)
    return None


def _hourly_keys(start_ms: int, n: int, timezone: str) -> pl.Series:
    instants = pl.int_range(0, n, dtype=pl.Int64, eager=True) * _HOUR_MS + start_ms
    local = instants.cast(pl.Datetime("ms")).dt.replace_time_zone("UTC")
    local = local.dt.convert_time_zone(timezone)
    frame = pl.DataFrame({"t": local}).with_columns(
        wall=pl.col("t").dt.strftime("%Y-%m-%dT%H:%M"),
        offset=pl.col("t").dt.strftime("%:z"),
    )
    repeated = frame["wall"] == frame["wall"].shift(1)
    keys = frame.select(
        pl.when(repeated)
        .then(pl.col("wall") + pl.col("offset"))
        .otherwise(pl.col("wall"))
        .alias("partition")
    )
    return keys["partition"]
