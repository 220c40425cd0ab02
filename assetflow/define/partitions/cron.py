"""The cron spellings a time partitions definition accepts, and their canonical form.

A partition grid is regular, so only crons that describe one kind of window are accepted:

=========  ==============  ===================================
grain      cron            example
=========  ==============  ===================================
hourly     ``M * * * *``   ``30 * * * *``: hours start at :30
daily      ``M H * * *``   ``0 6 * * *``: days start at 06:00
weekly     ``M H * * D``   ``0 0 * * mon``: weeks start Monday
monthly    ``M H D * *``   ``0 0 5 * *``: months start on the 5th
=========  ==============  ===================================

``D`` is 0-7 (0 and 7 are Sunday) or a three-letter day name. A general-purpose cron library is
not needed for this: anything else (lists, ranges, steps) would not describe contiguous windows
of one grain and is refused with the expected form.
"""

from __future__ import annotations

from dataclasses import dataclass

from assetflow.errors import DefinitionError

_DAY_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_FORMS = {
    "hour": ("M * * * *", "30 * * * *"),
    "day": ("M H * * *", "0 6 * * *"),
    "week": ("M H * * D", "0 0 * * mon"),
    "month": ("M H D * *", "0 0 5 * *"),
}


@dataclass(frozen=True)
class CronOffsets:
    """Where windows start: minute, hour, weekday (0 = Monday) and day of month (1-28)."""

    minute: int = 0
    hour: int = 0
    weekday: int = 0
    day: int = 1


def parse_cron(expr: str, unit: str, owner: str) -> CronOffsets:
    """Read a cron expression for a grid of ``unit``; DefinitionError if it is not one."""
    form, example = _FORMS[unit]
    fields = expr.split() if isinstance(expr, str) else []
    bad = DefinitionError(
        f"{owner} cron={expr!r} does not describe {unit}ly windows: expected {form!r}, "
        f"e.g. {example!r}"
    )
    if len(fields) != 5:
        raise bad
    minute, hour, dom, month, dow = fields
    wants = {
        "hour": (True, False, False, False),
        "day": (True, True, False, False),
        "week": (True, True, False, True),
        "month": (True, True, True, False),
    }[unit]
    try:
        values = CronOffsets(
            minute=_number(minute, 0, 59) if wants[0] else _star(minute),
            hour=_number(hour, 0, 23) if wants[1] else _star(hour),
            day=_number(dom, 1, 28) if wants[2] else _star(dom, 1),
            weekday=(_weekday(dow) if wants[3] else _star(dow)),
        )
        _star(month)
    except ValueError:
        raise bad from None
    return values


def to_cron(unit: str, offsets: CronOffsets) -> str:
    """The canonical cron for a grid (so equal grids compare equal however they were spelled)."""
    m, h = offsets.minute, offsets.hour
    if unit == "hour":
        return f"{m} * * * *"
    if unit == "day":
        return f"{m} {h} * * *"
    if unit == "week":
        return f"{m} {h} * * {(offsets.weekday + 1) % 7}"
    return f"{m} {h} {offsets.day} * *"


def _number(text: str, lo: int, hi: int) -> int:
    if not text.isdigit() or not lo <= int(text) <= hi:
        raise ValueError(text)
    return int(text)


def _star(text: str, value: int = 0) -> int:
    if text != "*":
        raise ValueError(text)
    return value


def _weekday(text: str) -> int:
    """Cron day of week (0/7 = Sunday, or a name) as Python's weekday (0 = Monday)."""
    low = text.lower()
    cron = _DAY_NAMES.index(low) if low in _DAY_NAMES else _number(text, 0, 7)
    return (cron - 1) % 7
