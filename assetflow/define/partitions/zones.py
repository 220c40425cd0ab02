"""Wall clock <-> instant, exact across daylight-saving changes, on whole columns.

Instants are int64 microseconds since the Unix epoch (UTC); wall times are naive datetimes.
Everything goes through polars' time zone database, so vectorized and single-key answers agree.

A wall time that occurs twice (clocks go back) has an ``earliest`` and a ``latest`` instant.
A wall time that does not exist (clocks jump forward over it) maps to the instant of the jump:
the first instant whose wall clock shows that time or later. That rule makes the map from wall
times to instants monotone, so boundaries derived from it always tile time.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal

import numpy as np
import polars as pl

from assetflow.errors import DefinitionError

Fold = Literal["earliest", "latest"]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_HOUR = 3_600_000_000
# Every UTC offset in use lies within -12:00 .. +14:00, so the instant of wall time w is inside
# [w - 15 h, w + 13 h] read as UTC; the bisection for skipped wall times starts from there.
_LOWER = 15 * US_PER_HOUR
_UPPER = 13 * US_PER_HOUR


@cache
def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise DefinitionError."""
    if not isinstance(name, str) or not name:
        raise DefinitionError("timezone must be an IANA name like 'Europe/Berlin'")
    try:
        pl.Series([datetime(2000, 1, 1)]).dt.replace_time_zone(name)
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):
        raise DefinitionError(
            f"unknown timezone {name!r}; use an IANA name like 'Europe/Berlin' or 'UTC'"
        ) from None
    return name


_UTC_NAMES = frozenset(
    f"{prefix}{name}"
    for prefix in ("", "Etc/")
    for name in ("UTC", "UCT", "GMT", "GMT0", "GMT+0", "GMT-0", "Universal", "Zulu", "Greenwich")
)
_ETC_GMT = re.compile(r"Etc/GMT([+-])(\d{1,2})")


@cache
def fixed_offset_minutes(tz: str) -> int | None:
    """The UTC offset (minutes) of a zone whose offset never changes (UTC, ``Etc/GMT+5``), or
    None for zones with transitions. Windows in fixed zones are plain arithmetic."""
    if tz in _UTC_NAMES:
        return 0
    m = _ETC_GMT.fullmatch(tz)
    if m is None:
        return None
    return (-60 if m[1] == "+" else 60) * int(m[2])  # POSIX sign: Etc/GMT+5 is UTC-05:00


def walls_to_instants(walls: pl.Series, tz: str, fold: Fold = "earliest") -> np.ndarray:
    """Instants (µs) of naive wall times in ``tz``; skipped wall times map to the jump."""
    aware = walls.cast(pl.Datetime("us")).dt.replace_time_zone(
        tz, ambiguous=fold, non_existent="null"
    )
    us = aware.dt.epoch("us")
    if us.null_count() == 0:
        return us.to_numpy().astype(np.int64, copy=False)
    out = us.fill_null(0).to_numpy().astype(np.int64, copy=True)
    gaps = us.is_null().to_numpy()
    out[gaps] = _jump_instants(walls.cast(pl.Datetime("us")).dt.epoch("us").to_numpy()[gaps], tz)
    return out


def instants_to_walls(instants: np.ndarray, tz: str) -> pl.Series:
    """Naive local wall times of instants (µs) in ``tz``."""
    return (
        pl.Series(np.asarray(instants, dtype=np.int64))
        .cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone(tz)
        .dt.replace_time_zone(None)
    )


def utc_offsets_minutes(instants: np.ndarray, tz: str) -> np.ndarray:
    """The UTC offset in minutes in force at each instant."""
    local = instants_to_walls(instants, tz).dt.epoch("us").to_numpy()
    return (local - np.asarray(instants, dtype=np.int64)) // 60_000_000


def _jump_instants(wall_us: np.ndarray, tz: str) -> np.ndarray:
    """For skipped wall times: the first instant whose wall clock reads ``wall`` or later."""
    lo = wall_us - _LOWER  # wall clock there is before the wall time
    hi = wall_us + _UPPER  # wall clock there is at or after it
    while np.any(hi - lo > 1):
        mid = lo + (hi - lo) // 2
        local = instants_to_walls(mid, tz).dt.epoch("us").to_numpy()
        after = local >= wall_us
        hi = np.where(after, mid, hi)
        lo = np.where(after, lo, mid)
    return hi


def to_datetime(instant_us: int) -> datetime:
    """A UTC ``datetime`` for an instant in µs (exact, no float rounding)."""
    return EPOCH + timedelta(microseconds=int(instant_us))


def to_instant(moment: datetime) -> int:
    """µs since the epoch of an aware ``datetime`` (naive ones are read as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
