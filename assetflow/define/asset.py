"""The ``@asset`` decorator and the frozen :class:`AssetDef` it returns.

A function *is* the asset: its name is the table name, its parameter names are its upstream
assets, and the decorated object is still callable as the plain function (handy in tests and
notebooks). Nothing here does I/O.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, overload

from assetflow.define import legacy_keywords
from assetflow.define.code_version import derived_versions
from assetflow.define.mapping import PartitionMapping
from assetflow.define.partitions import PartitionsDefinition
from assetflow.define.policy import TaskPolicy
from assetflow.define.schedule import Cron, Schedule
from assetflow.errors import DefinitionError

InputKind = Literal["polars", "lazy", "arrow", "duckdb"]
Automation = Literal["eager"]
SchemaPolicy = Literal["strict", "evolve"]

_LEGACY_KEYWORDS = (*legacy_keywords.POLICY_KEYWORDS, *legacy_keywords.SCHEDULE_KEYWORDS)
_CONTEXT_PARAM = "context"
_KIND_BY_ANNOTATION: dict[str, InputKind] = {
    "LazyFrame": "lazy",
    "Table": "arrow",
    "DuckDBPyRelation": "duckdb",
}


@dataclass(frozen=True, eq=False)
class AssetDef:
    """A declared asset. Build with :func:`asset`; call it like the original function."""

    name: str
    fn: Callable[..., Any]
    partitions: PartitionsDefinition | None
    inputs: tuple[str, ...]
    """Upstream assets whose data is passed in, by parameter name, in signature order."""
    deps: tuple[str, ...]
    """Upstream assets that must be fresh first but whose data is not passed in."""
    input_kinds: Mapping[str, InputKind]
    context_param: str | None
    """Name of the parameter that receives the :class:`Context`, if any."""
    code_version: str
    code_version_declared: bool
    mappings: Mapping[str, PartitionMapping] = field(default_factory=dict)
    description: str | None = None
    schedule: Schedule | None = None
    """When set, ``asset tick`` materializes the partitions that became due at its cron times."""
    automation: Automation | None = None
    """``"eager"``: every tick materializes each due partition that is missing or stale."""
    observe: Callable[..., str | None] | None = None
    """Set on source assets (:func:`assetflow.source`): returns a partition's version or None."""

    @property
    def is_source(self) -> bool:
        return self.observe is not None

    schema: SchemaPolicy = "strict"
    """How a partition's columns may differ from the asset's other partitions (checked at
    commit): ``strict`` = not at all, ``evolve`` = columns may be added."""
    policy: TaskPolicy = field(default_factory=TaskPolicy)
    """Retries, timeout and max_concurrency; unset fields inherit the project's defaults."""
    on_failure: Callable[[Any], None] | None = None
    """Called in the coordinator with the TaskResult of a partition that finally failed."""
    on_success: Callable[[Any], None] | None = None
    """Called in the coordinator with the TaskResult of a partition that was committed."""
    legacy_code_version: str | None = None
    """The source-text hash older assetflow versions derived from the same source; partitions
    recorded with it count as built by the current code (see ``define/code_version.py``)."""

    @property
    def code_versions(self) -> tuple[str, ...]:
        """Recorded code versions that count as the current code."""
        legacy = self.legacy_code_version
        return (self.code_version,) if legacy is None else (self.code_version, legacy)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.fn(*args, **kwargs)

    @property
    def upstreams(self) -> tuple[str, ...]:
        """Every upstream asset, data inputs first."""
        return self.inputs + tuple(d for d in self.deps if d not in self.inputs)

    def __repr__(self) -> str:
        return f"AssetDef({self.name!r}, upstreams={list(self.upstreams)})"


@overload
def asset(fn: Callable[..., Any], /) -> AssetDef: ...


@overload  # the grouped keywords only: a type checker flags the deprecated flat ones
def asset(
    *,
    name: str | None = ...,
    partitions: PartitionsDefinition | None = ...,
    deps: list[str] | tuple[str, ...] = ...,
    code_version: str | None = ...,
    mappings: Mapping[str, PartitionMapping] | None = ...,
    schedule: str | Cron | None = ...,
    automation: Automation | None = ...,
    schema: SchemaPolicy = ...,
    policy: TaskPolicy | None = ...,
    on_failure: Callable[[Any], None] | None = ...,
    on_success: Callable[[Any], None] | None = ...,
) -> Callable[[Callable[..., Any]], AssetDef]: ...


def asset(
    fn: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    partitions: PartitionsDefinition | None = None,
    deps: list[str] | tuple[str, ...] = (),
    code_version: str | None = None,
    mappings: Mapping[str, PartitionMapping] | None = None,
    schedule: str | Cron | None = None,
    automation: Automation | None = None,
    schema: SchemaPolicy = "strict",
    policy: TaskPolicy | None = None,
    on_failure: Callable[[Any], None] | None = None,
    on_success: Callable[[Any], None] | None = None,
    **legacy: Any,
) -> AssetDef | Callable[[Callable[..., Any]], AssetDef]:
    """Declare a function as an asset.

    Args:
        name: table name; defaults to the function name.
        partitions: a partitions definition, or None for a single unpartitioned table.
        deps: upstream assets to wait for whose data is not passed in.
        code_version: bump it to mark every partition stale. If omitted, derived from the
            function's syntax tree: editing docstrings, comments or formatting keeps it.
        mappings: per-upstream partition mapping where the default is not right.
        schedule: a cron expression (``"0 2 * * *"``, ``"@daily"``) or a
            :class:`assetflow.Cron` (timezone, catch-up, start): ``asset tick`` materializes
            the partitions that became due at each cron time (see docs/scheduling.md).
        automation: ``"eager"`` materializes every due missing or stale partition at each tick.
        schema: ``"strict"`` (default): every partition built by the same code version must have
            the same columns and types; ``"evolve"``: later partitions may add columns.
        policy: a :class:`assetflow.TaskPolicy`: retries, backoff, timeout, max_concurrency.
            Unset fields use the project's defaults.
        on_failure, on_success: hooks called with the :class:`assetflow.TaskResult` of each
            partition that finally failed / was committed (e.g. to send an alert).
        **legacy: the flat keywords of assetflow 0.1 (``retries=``, ``timeout=``,
            ``timezone=``, ``catchup=``, ...): deprecated, see docs/upgrading.md.

    The function may take ``context`` (an :class:`assetflow.Context`) and one parameter per
    upstream asset, annotated ``pl.DataFrame`` (default), ``pl.LazyFrame``, ``pa.Table`` or
    ``duckdb.DuckDBPyRelation``. It returns one of those or a SQL string.
    """

    def build(f: Callable[..., Any], stacklevel: int = 2) -> AssetDef:
        # stacklevel: where a deprecation warning points (2: the caller of build, the decorator).
        if not callable(f):
            raise DefinitionError(f"@asset must decorate a function, got {type(f).__name__}")
        label = name or getattr(f, "__name__", "?")
        try:
            folded = legacy_keywords.fold(
                "asset", legacy, policy=policy, schedule=schedule,
                accepted=_LEGACY_KEYWORDS, stacklevel=stacklevel,
            )  # fmt: skip
        except DefinitionError as exc:
            raise DefinitionError(f"asset {label!r}: {exc}", asset=label) from None
        inputs, kinds, context_param = _inspect_parameters(f)
        if partitions is not None and not isinstance(partitions, PartitionsDefinition):
            raise DefinitionError(
                f"asset {label!r}: partitions= must be a partitions definition such as "
                f"af.DailyPartitions(start=...), got {type(partitions).__name__}"
            )
        if schema not in ("strict", "evolve"):
            raise DefinitionError(
                f"asset {label!r}: schema={schema!r} is not a schema policy; "
                'use "strict" or "evolve"'
            )
        if folded.policy is not None and not isinstance(folded.policy, TaskPolicy):
            raise DefinitionError(
                f"asset {label!r}: policy= must be an af.TaskPolicy(retries=..., timeout=...), "
                f"got {type(folded.policy).__name__}"
            )
        for hook, hook_name in ((on_failure, "on_failure"), (on_success, "on_success")):
            if hook is not None and not callable(hook):
                raise DefinitionError(
                    f"asset {label!r}: {hook_name} must be a callable taking the "
                    f"task result, got {type(hook).__name__}"
                )
        declared = code_version is not None
        derived, legacy_version = (str(code_version), None) if declared else derived_versions(f)
        return AssetDef(
            name=name or f.__name__,
            fn=f,
            partitions=partitions,
            inputs=inputs,
            deps=tuple(deps),
            input_kinds=kinds,
            context_param=context_param,
            code_version=derived,
            code_version_declared=declared,
            legacy_code_version=legacy_version,
            mappings=dict(mappings or {}),
            description=inspect.getdoc(f),
            schedule=_schedule(label, partitions, folded.schedule),
            automation=_automation(label, automation),
            schema=schema,
            policy=TaskPolicy() if folded.policy is None else folded.policy,
            on_failure=on_failure,
            on_success=on_success,
        )

    return build(fn, stacklevel=3) if fn is not None else build


def _schedule(
    name: str, partitions: PartitionsDefinition | None, schedule: str | Cron | None
) -> Schedule | None:
    if schedule is None:
        return None
    if not isinstance(schedule, str | Cron):
        raise DefinitionError(
            f"asset {name!r}: schedule= must be a cron string such as '0 2 * * *' or "
            f"af.Cron('0 2 * * *', timezone=...), got {type(schedule).__name__}"
        )
    try:
        cron = Cron(schedule) if isinstance(schedule, str) else schedule
    except DefinitionError as exc:
        raise DefinitionError(f"asset {name!r}: {exc}") from None
    return cron.for_asset(name, getattr(partitions, "timezone", None))


def _automation(name: str, automation: str | None) -> Automation | None:
    if automation not in (None, "eager"):
        raise DefinitionError(
            f"asset {name!r}: automation={automation!r} is not supported; use 'eager' or None"
        )
    return automation  # type: ignore[return-value]


def _inspect_parameters(
    f: Callable[..., Any],
) -> tuple[tuple[str, ...], dict[str, InputKind], str | None]:
    inputs: list[str] = []
    kinds: dict[str, InputKind] = {}
    context_param = None
    for param in inspect.signature(f).parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise DefinitionError(
                f"asset {f.__name__!r}: *args/**kwargs cannot name upstream assets; "
                "list each upstream as a parameter"
            )
        annotation = _annotation_name(param.annotation)
        if param.name == _CONTEXT_PARAM or annotation == "Context":
            context_param = param.name
            continue
        inputs.append(param.name)
        kinds[param.name] = _KIND_BY_ANNOTATION.get(annotation, "polars")
    return tuple(inputs), kinds, context_param


def _annotation_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return ""
    text = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", "")
    return str(text).rsplit(".", 1)[-1]
