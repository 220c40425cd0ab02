"""assetflow: asset-centric orchestration for partitioned data.

The data flows through five stages, each a subpackage::

    define ──> plan ──> execute ──> commit ──> observe
    @asset     what is   run user    Parquet    status, reports
    graph      missing   code,       + one      (read-only)
    partitions or stale  stage file  catalog txn

:class:`Project` ties them together for notebooks and the ``asset`` CLI; a :class:`Warehouse`
is the handle to one warehouse (read, query, verify) without a project.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING

from assetflow import _startup  # noqa: F401  (first: Ctrl-C while the CLI starts up)

__version__ = "0.1.0"
"""The package version (``pyproject.toml`` reads it from here)."""

# Names load on first use (PEP 562), so `asset --help` and `import assetflow.errors` do not
# import polars, pyarrow, numpy and DuckDB. Type checkers see the plain imports below.
_WHERE = {
    "AllPartitions": "assetflow.define.mapping",
    "AssetDef": "assetflow.define.asset",
    "AssetGraph": "assetflow.define.graph",
    "AssetHistory": "assetflow.observe.history_report",
    "AssetOutputError": "assetflow.errors",
    "AssetflowDeprecationWarning": "assetflow.errors",
    "AssetflowError": "assetflow.errors",
    "CancelToken": "assetflow.execute.cancel",
    "CatalogLockedError": "assetflow.errors",
    "ConfigError": "assetflow.errors",
    "Context": "assetflow.execute.context",
    "Cron": "assetflow.define.schedule",
    "CycleError": "assetflow.errors",
    "DailyPartitions": "assetflow.define.partitions",
    "DefinitionError": "assetflow.errors",
    "DimensionMapping": "assetflow.define.mapping",
    "DuplicateAssetError": "assetflow.errors",
    "HourlyPartitions": "assetflow.define.partitions",
    "Identity": "assetflow.define.mapping",
    "InvalidNameError": "assetflow.errors",
    "Lineage": "assetflow.observe.lineage_report",
    "MonthlyPartitions": "assetflow.define.partitions",
    "MultiPartitions": "assetflow.define.partitions",
    "PartitionHistory": "assetflow.observe.history_report",
    "PartitionKeyError": "assetflow.errors",
    "PartitionMapping": "assetflow.define.mapping",
    "PartitionsDefinition": "assetflow.define.partitions",
    "Plan": "assetflow.plan.planner",
    "PlanError": "assetflow.errors",
    "Project": "assetflow.project",
    "QueryRefusedError": "assetflow.errors",
    "ReadModel": "assetflow.observe.model",
    "RollbackResult": "assetflow.commit.rollback",
    "RunCallbacks": "assetflow.callbacks",
    "RunList": "assetflow.observe.run_report",
    "RunReport": "assetflow.observe.run_report",
    "RunResult": "assetflow.execute.records",
    "Schedule": "assetflow.define.schedule",
    "SchemaMismatchError": "assetflow.errors",
    "SelectionError": "assetflow.errors",
    "StaticPartitions": "assetflow.define.partitions",
    "StatusReport": "assetflow.observe.status_report",
    "Step": "assetflow.plan.planner",
    "StorageError": "assetflow.errors",
    "TaskError": "assetflow.errors",
    "TaskEvent": "assetflow.execute.records",
    "TaskPolicy": "assetflow.define.policy",
    "TaskResult": "assetflow.execute.records",
    "TaskTimeoutError": "assetflow.errors",
    "Timeline": "assetflow.observe.timeline_report",
    "UNPARTITIONED": "assetflow.define.partitions",
    "UnknownUpstreamError": "assetflow.errors",
    "VacuumReport": "assetflow.commit.vacuum",
    "VerifyReport": "assetflow.commit.verify",
    "Warehouse": "assetflow.commit.warehouse",
    "WeeklyPartitions": "assetflow.define.partitions",
    "WhyChain": "assetflow.observe.why_report",
    "Window": "assetflow.define.mapping",
    "WorkerStartError": "assetflow.errors",
    "asset": "assetflow.define.asset",
    "source": "assetflow.define.source",
}

if TYPE_CHECKING:
    from assetflow.callbacks import RunCallbacks
    from assetflow.commit.rollback import RollbackResult
    from assetflow.commit.vacuum import VacuumReport
    from assetflow.commit.verify import VerifyReport
    from assetflow.commit.warehouse import Warehouse
    from assetflow.define.asset import AssetDef, asset
    from assetflow.define.graph import AssetGraph
    from assetflow.define.mapping import (
        AllPartitions,
        DimensionMapping,
        Identity,
        PartitionMapping,
        Window,
    )
    from assetflow.define.partitions import (
        UNPARTITIONED,
        DailyPartitions,
        HourlyPartitions,
        MonthlyPartitions,
        MultiPartitions,
        PartitionsDefinition,
        StaticPartitions,
        WeeklyPartitions,
    )
    from assetflow.define.policy import TaskPolicy
    from assetflow.define.schedule import Cron, Schedule
    from assetflow.define.source import source
    from assetflow.errors import (
        AssetflowDeprecationWarning,
        AssetflowError,
        AssetOutputError,
        CatalogLockedError,
        ConfigError,
        CycleError,
        DefinitionError,
        DuplicateAssetError,
        InvalidNameError,
        PartitionKeyError,
        PlanError,
        QueryRefusedError,
        SchemaMismatchError,
        SelectionError,
        StorageError,
        TaskError,
        TaskTimeoutError,
        UnknownUpstreamError,
        WorkerStartError,
    )
    from assetflow.execute.cancel import CancelToken
    from assetflow.execute.context import Context
    from assetflow.execute.records import RunResult, TaskEvent, TaskResult
    from assetflow.observe.history_report import AssetHistory, PartitionHistory
    from assetflow.observe.lineage_report import Lineage
    from assetflow.observe.model import ReadModel
    from assetflow.observe.run_report import RunList, RunReport
    from assetflow.observe.status_report import StatusReport
    from assetflow.observe.timeline_report import Timeline
    from assetflow.observe.why_report import WhyChain
    from assetflow.plan.planner import Plan, Step
    from assetflow.project import Project


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'assetflow' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if "IPython" in sys.modules:  # plans and run results as HTML in Jupyter (only there)
    from assetflow.observe.notebook import register_formatters

    register_formatters()

__all__ = [
    "AllPartitions",
    "AssetDef",
    "AssetGraph",
    "AssetHistory",
    "AssetOutputError",
    "AssetflowDeprecationWarning",
    "AssetflowError",
    "CancelToken",
    "CatalogLockedError",
    "ConfigError",
    "Context",
    "Cron",
    "CycleError",
    "DailyPartitions",
    "DefinitionError",
    "DimensionMapping",
    "DuplicateAssetError",
    "HourlyPartitions",
    "Identity",
    "InvalidNameError",
    "Lineage",
    "MonthlyPartitions",
    "MultiPartitions",
    "PartitionHistory",
    "PartitionKeyError",
    "PartitionMapping",
    "PartitionsDefinition",
    "Plan",
    "PlanError",
    "Project",
    "QueryRefusedError",
    "ReadModel",
    "RollbackResult",
    "RunCallbacks",
    "RunList",
    "RunReport",
    "RunResult",
    "Schedule",
    "SchemaMismatchError",
    "SelectionError",
    "StaticPartitions",
    "StatusReport",
    "Step",
    "StorageError",
    "TaskError",
    "TaskEvent",
    "TaskPolicy",
    "TaskResult",
    "TaskTimeoutError",
    "Timeline",
    "UNPARTITIONED",
    "UnknownUpstreamError",
    "VacuumReport",
    "VerifyReport",
    "Warehouse",
    "WeeklyPartitions",
    "WhyChain",
    "Window",
    "WorkerStartError",
    "asset",
    "source",
]
