"""The flat ``@asset``/``@source`` keywords of assetflow 0.1, still accepted with a warning.

``@asset(retries=3, timeout=60)`` is now ``@asset(policy=TaskPolicy(retries=3, timeout=60))`` and
``@asset(schedule="@daily", catchup=False)`` is ``@asset(schedule=Cron("@daily", catchup=False))``.
The old spelling keeps working: :func:`fold` turns it into the new objects and emits one
:class:`~assetflow.errors.AssetflowDeprecationWarning` (a ``DeprecationWarning``) saying what to
write instead. Setting a flat keyword *and* the object that groups it is an error. When the old
keywords go, delete this module, the ``**legacy`` parameters that feed it and docs/upgrading.md.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from assetflow.define.policy import TaskPolicy
from assetflow.define.schedule import Cron
from assetflow.errors import AssetflowDeprecationWarning, DefinitionError

POLICY_KEYWORDS = tuple(f.name for f in fields(TaskPolicy))
SCHEDULE_KEYWORDS = ("timezone", "catchup", "start", "max_catchup")


@dataclass(frozen=True)
class Folded:
    """The grouped keywords after folding the old flat ones in."""

    policy: TaskPolicy | None
    schedule: str | Cron | None


def fold(
    decorator: str,
    legacy: Mapping[str, Any],
    *,
    policy: TaskPolicy | None,
    schedule: str | Cron | None,
    accepted: Iterable[str],
    stacklevel: int,
) -> Folded:
    """Fold the flat keywords in ``legacy`` into ``policy`` and ``schedule``.

    Args:
        decorator: ``"asset"`` or ``"source"``, for the messages.
        legacy: the keywords the decorator did not name in its signature.
        policy, schedule: what the caller passed in the new spelling.
        accepted: the flat keywords this decorator still takes.
        stacklevel: where the warning points, counted as :func:`warnings.warn` counts from
            the caller of this function (2: the caller's caller, the user's decorator line).

    Raises:
        DefinitionError: an unknown keyword, or a flat keyword next to the object that groups it.
    """
    if not legacy:
        return Folded(policy, schedule)
    accepted = tuple(accepted)
    for key in legacy:
        if key not in accepted:
            raise DefinitionError(_unknown(decorator, key, accepted))
    flat_policy = {k: v for k, v in legacy.items() if k in POLICY_KEYWORDS}
    flat_schedule = {k: v for k, v in legacy.items() if k in SCHEDULE_KEYWORDS}
    new: dict[str, str] = {}
    if flat_policy:
        if policy is not None:
            raise DefinitionError(
                f"{_call(flat_policy)} cannot be combined with policy=; move "
                f"{', '.join(flat_policy)} into policy=TaskPolicy(...)"
            )
        policy = TaskPolicy(**flat_policy)
        new["policy"] = f"TaskPolicy({_args(flat_policy)})"
    if flat_schedule:
        if schedule is None:
            raise DefinitionError(
                f"{_call(flat_schedule)} has no effect without a schedule; "
                f"use schedule=Cron('0 2 * * *', {_args(flat_schedule)})"
            )
        if isinstance(schedule, Cron):
            raise DefinitionError(
                f"{_call(flat_schedule)} cannot be combined with schedule=Cron(...); move "
                f"{', '.join(flat_schedule)} into the Cron(...)"
            )
        schedule = Cron(schedule, **flat_schedule)
        new["schedule"] = f"Cron({schedule.expression!r}, {_args(flat_schedule)})"
    old = dict(legacy)
    if "schedule" in new:
        old = {"schedule": schedule.expression, **old}  # type: ignore[union-attr]
    warnings.warn(
        f"@{decorator}({_args(old)}) is deprecated: use "
        f"@{decorator}({', '.join(f'{k}={v}' for k, v in new.items())})",
        AssetflowDeprecationWarning,
        stacklevel=stacklevel + 1,
    )
    return Folded(policy, schedule)


def _unknown(decorator: str, key: str, accepted: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, ("policy", "schedule", *accepted), n=1)
    hint = ""
    if close:
        word = close[0]
        if word in POLICY_KEYWORDS:
            word = f"policy=TaskPolicy({word}=...)"
        elif word in SCHEDULE_KEYWORDS:
            word = f"schedule=Cron('...', {word}=...)"
        else:
            word += "="
        hint = f"; did you mean {word}?"
    return f"@{decorator}() got an unknown keyword {key}={hint}"


def _call(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}=" for k in values)


def _args(values: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in values.items())


def _show(value: Any) -> str:
    if isinstance(value, type):
        return value.__name__
    if isinstance(value, tuple) and all(isinstance(v, type) for v in value):
        return "(" + ", ".join(v.__name__ for v in value) + ("," if len(value) == 1 else "") + ")"
    return repr(value)
