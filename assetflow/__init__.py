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

from assetflow import _startup  # noqa: F401  (first: Ctrl-C while the CLI starts up)
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
from assetflow.define.schedule import Schedule
from assetflow.define.source import source
from assetflow.errors import (
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
from assetflow.observe.status_report import StatusReport
from assetflow.plan.planner import Plan, Step
from assetflow.project import Project

__all__ = [
    "AllPartitions",
    "AssetDef",
    "AssetGraph",
    "AssetOutputError",
    "AssetflowError",
    "CancelToken",
    "CatalogLockedError",
    "ConfigError",
    "Context",
    "CycleError",
    "DailyPartitions",
    "DefinitionError",
    "DimensionMapping",
    "DuplicateAssetError",
    "HourlyPartitions",
    "Identity",
    "InvalidNameError",
    "MonthlyPartitions",
    "MultiPartitions",
    "PartitionKeyError",
    "PartitionMapping",
    "PartitionsDefinition",
    "Plan",
    "PlanError",
    "Project",
    "QueryRefusedError",
    "RollbackResult",
    "RunCallbacks",
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
    "UNPARTITIONED",
    "UnknownUpstreamError",
    "VacuumReport",
    "VerifyReport",
    "Warehouse",
    "WeeklyPartitions",
    "Window",
    "WorkerStartError",
    "asset",
    "source",
]
