"""Schedules: cron expressions in a timezone that say when partitions of assets become due.

A :class:`Schedule` is a frozen value: a name, a cron expression (five fields, or an alias such as
``@daily``), a timezone, whether missed ticks are caught up, and the assets it drives; a
:class:`Cron` is the same timing without name and assets (``@asset(schedule=Cron(...))``). Cron
times are computed by `cronsim <https://pypi.org/project/cronsim/>`_ on *local wall-clock* times;
this module turns them into UTC instants, so a ``0 2 * * *`` schedule in ``Europe/Berlin`` fires
once per local day even across daylight-saving changes (a wall time that does not exist fires at the
same instant as the hour after it; one that exists twice fires at its first occurrence). Time is
always passed in; nothing here reads the clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError

from assetflow.errors import DefinitionError

ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_EPOCH = datetime(1970, 1, 1)
DEFAULT_MAX_CATCHUP = 31
"""Cron ticks a catch-up covers by default: a month of a daily schedule."""


def cron_expression(cron: str) -> str:
    """The five-field form of ``cron`` (aliases expanded), or :class:`DefinitionError`."""
    if not isinstance(cron, str) or not cron.strip():
        raise DefinitionError("schedule must be a cron expression such as '0 2 * * *' or '@daily'")
    expr = ALIASES.get(cron.strip().lower(), cron.strip())
    try:
        CronSim(expr, _EPOCH)
    except CronSimError as exc:
        raise DefinitionError(
            f"schedule {cron!r} is not a valid cron expression ({exc}); use five fields like "
            "'0 2 * * *' or one of " + ", ".join(sorted(ALIASES))
        ) from None
    return expr


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise DefinitionError(
            f"unknown timezone {name!r}; use an IANA name like 'Europe/Berlin'"
        ) from None
    return name


@dataclass(frozen=True)
class Schedule:
    """Materialize ``assets`` at each cron time.

    Args:
        name: shown by ``asset schedules`` and recorded with each tick.
        cron: five-field cron expression or an alias (``@hourly``, ``@daily``, ``@weekly``, ...).
        assets: the assets it materializes (with the missing or stale upstreams they need).
        timezone: IANA timezone the cron expression is read in.
        catchup: at a tick, materialize every due partition since ``start`` that is missing
            or stale; when False only the partitions that became due at the latest cron time.
        start: no partitions before this day are materialized by the schedule (default: the
            assets' own first partition).
        max_catchup: with catch-up, a tick runs at most the partitions that became due in the
            latest ``max_catchup`` cron ticks (default 31) and reports the older ones it
            skipped (fill them with ``asset backfill``); None for no limit.
    """

    name: str
    cron: str
    assets: tuple[str, ...]
    timezone: str = "UTC"
    catchup: bool = True
    start: date | None = None
    max_catchup: int | None = DEFAULT_MAX_CATCHUP

    def __init__(
        self,
        name: str,
        cron: str,
        assets: list[str] | tuple[str, ...] | str,
        *,
        timezone: str = "UTC",
        catchup: bool = True,
        start: date | str | None = None,
        max_catchup: int | None = DEFAULT_MAX_CATCHUP,
    ) -> None:
        chosen = (assets,) if isinstance(assets, str) else tuple(assets)
        if not chosen:
            raise DefinitionError(f"schedule {name!r} names no assets; pass assets=[...]")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "cron", cron)
        object.__setattr__(self, "assets", chosen)
        object.__setattr__(self, "timezone", check_timezone(timezone))
        object.__setattr__(self, "catchup", bool(catchup))
        object.__setattr__(self, "start", _as_date(start, name))
        object.__setattr__(self, "max_catchup", _check_max_catchup(max_catchup, name))
        cron_expression(cron)

    @property
    def expression(self) -> str:
        return cron_expression(self.cron)

    def times_after(self, after: datetime) -> Iterator[datetime]:
        """Cron instants (UTC) strictly after ``after``, in order, one per local wall time."""
        tz = ZoneInfo(self.timezone)
        local = after.astimezone(tz).replace(tzinfo=None)
        for wall in CronSim(self.expression, local):
            instant = _to_utc(wall, tz)
            if instant > after:
                yield instant

    def latest_at_or_before(self, now: datetime) -> datetime | None:
        """The most recent cron instant at or before ``now`` (UTC), None if none in 5 years."""
        tz = ZoneInfo(self.timezone)
        local = (now.astimezone(tz) + timedelta(seconds=1)).replace(tzinfo=None)
        floor = local - timedelta(days=5 * 366)
        for wall in CronSim(self.expression, local, reverse=True):
            if wall < floor:
                return None
            instant = _to_utc(wall, tz)
            if instant <= now:
                return instant
        return None

    def next_after(self, now: datetime) -> datetime:
        return next(self.times_after(now))

    def previous_before(self, instant: datetime) -> datetime | None:
        """The cron instant before ``instant`` (itself a cron instant)."""
        return self.latest_at_or_before(instant - timedelta(seconds=1))

    def ticks_back(self, instant: datetime, n: int) -> datetime | None:
        """The cron instant ``n`` ticks before ``instant`` (a cron instant), None if none."""
        found: datetime | None = instant
        for _ in range(n):
            if found is None:
                return None
            found = self.previous_before(found)
        return found


@dataclass(frozen=True)
class Cron:
    """When one asset is materialized: ``@asset(schedule=Cron("0 2 * * *", catchup=False))``.

    A plain cron string (``@asset(schedule="0 2 * * *")``) is ``Cron`` with every default.

    Args:
        expression: five-field cron expression or an alias (``@hourly``, ``@daily``, ...).
        timezone: IANA timezone the expression is read in; defaults to the asset's partitions'
            timezone, else UTC.
        catchup, start, max_catchup: as for :class:`Schedule`.
    """

    expression: str
    timezone: str | None = None
    catchup: bool = True
    start: date | None = None
    max_catchup: int | None = DEFAULT_MAX_CATCHUP

    def __init__(
        self,
        expression: str,
        *,
        timezone: str | None = None,
        catchup: bool = True,
        start: date | str | None = None,
        max_catchup: int | None = DEFAULT_MAX_CATCHUP,
    ) -> None:
        cron_expression(expression)
        object.__setattr__(self, "expression", expression)
        object.__setattr__(self, "timezone", None if timezone is None else check_timezone(timezone))
        object.__setattr__(self, "catchup", bool(catchup))
        object.__setattr__(self, "start", _as_date(start, expression))
        object.__setattr__(self, "max_catchup", _check_max_catchup(max_catchup, expression))

    def for_asset(self, name: str, default_timezone: str | None) -> Schedule:
        """The :class:`Schedule` named ``name`` that materializes only that asset."""
        return Schedule(
            name,
            self.expression,
            (name,),
            timezone=self.timezone or default_timezone or "UTC",
            catchup=self.catchup,
            start=self.start,
            max_catchup=self.max_catchup,
        )


def _to_utc(wall: datetime, tz: ZoneInfo) -> datetime:
    """A local wall time as a UTC instant; fold=0 takes the first of a repeated hour and maps a
    skipped wall time onto the instant the clocks jumped to."""
    return wall.replace(tzinfo=tz, fold=0).astimezone(UTC)


def _check_max_catchup(value: int | None, name: str) -> int | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0):
        return value
    raise DefinitionError(
        f"schedule {name!r}: max_catchup={value!r} must be a positive number of ticks or None"
    )


def _as_date(value: date | str | None, name: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise DefinitionError(
            f"schedule {name!r}: start={value!r} is not a date; use 'YYYY-MM-DD'"
        ) from None


def local_midnight(day: date, timezone: str) -> datetime:
    return datetime.combine(day, time(), ZoneInfo(timezone)).astimezone(UTC)
