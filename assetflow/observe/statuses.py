"""The six partition states the UI paints, their one-byte codes and their colours.

The byte codes are the wire format of the status matrix (``matrix.py``): the browser receives
one of these bytes per partition and looks the colour up in the legend the payload carries, so
this module is the single place a colour or code is defined.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies),
with greys for the two "nothing there" states.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StatusStyle:
    """One state: its wire code, name, colour and the sentence shown in the legend."""

    code: int
    name: str
    colour: str
    meaning: str


FRESH = StatusStyle(0, "fresh", "#009e73", "committed and up to date")
STALE = StatusStyle(1, "stale", "#e69f00", "committed, but code or an upstream changed")
MISSING = StatusStyle(2, "missing", "#b4b9c0", "due, never committed")
FAILED = StatusStyle(3, "failed", "#d55e00", "its latest attempt failed")
RUNNING = StatusStyle(4, "running", "#0072b2", "being materialized now")
FUTURE = StatusStyle(5, "future", "#eceef1", "not due yet")

STYLES: tuple[StatusStyle, ...] = (FRESH, STALE, MISSING, FAILED, RUNNING, FUTURE)
CODES: dict[str, int] = {s.name: s.code for s in STYLES}

SEVERITY: tuple[str, ...] = ("failed", "running", "stale", "missing", "fresh", "future")
"""Worst first: the state shown when one pixel or one graph node stands for many partitions."""


def worst(names: set[str] | list[str] | tuple[str, ...]) -> str:
    """The most severe state among ``names`` (``future`` when empty)."""
    present = set(names)
    return next((s for s in SEVERITY if s in present), "future")


def legend() -> list[dict[str, object]]:
    """The legend as plain data, in code order (embedded in payloads and pages)."""
    return [
        {"code": s.code, "name": s.name, "colour": s.colour, "meaning": s.meaning} for s in STYLES
    ]
