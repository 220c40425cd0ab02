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
from assetflow.observe.history_report import AssetHistory, PartitionHistory
from assetflow.observe.lineage_report import Lineage
from assetflow.observe.model import ReadModel
from assetflow.observe.notebook import register_formatters
from assetflow.observe.run_report import RunList, RunReport
from assetflow.observe.status_report import StatusReport
from assetflow.observe.timeline_report import Timeline
from assetflow.observe.why_report import WhyChain
from assetflow.plan.planner import Plan, Step
from assetflow.project import Project

register_formatters()  # plans and run results as HTML in Jupyter (a no-op outside IPython)

__all__ = [
    "AllPartitions",
    "AssetDef",
    "AssetGraph",
    "AssetHistory",
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
