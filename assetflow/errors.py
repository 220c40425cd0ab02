"""Errors raised by assetflow.

Every error a user can cause is an :class:`AssetflowError` whose message is one line naming the
thing at fault and the fix; the CLI prints that line and exits 2 (usage) or 1 (a task failed).
``retryable`` tells the runner whether another attempt could succeed. Errors about one asset,
partition or file also carry it as a field (``asset``, ``partition``, ``path``), for programs
that handle them; they pickle with their fields (they may cross process boundaries).

::

    AssetflowError
    ├── DefinitionError            the asset graph is invalid (checked when a Project is built)
    │   ├── InvalidNameError       asset name is not a safe SQL identifier
    │   ├── DuplicateAssetError    two assets share a name
    │   ├── UnknownUpstreamError   an upstream name matches no asset
    │   └── CycleError             the graph has a cycle
    ├── ConfigError                project file / module / warehouse setting is unusable
    ├── SelectionError             an asked-for asset does not exist
    ├── PartitionKeyError          malformed, out-of-range or not-yet-due partition key
    ├── PlanError                  the request cannot be planned (e.g. --only with stale upstream)
    ├── BackfillError              a backfill cannot be found or resumed
    ├── QueryRefusedError          user SQL tried to leave the read-only sandbox (asset query)
    ├── StorageError               the warehouse cannot be read or written
    │   └── CatalogLockedError     another process holds the catalog past the lock timeout
    └── TaskError                  user code failed while materializing one partition
        ├── AssetOutputError       the asset returned something that is not a table (terminal)
        │   └── SchemaMismatchError  its columns conflict with the asset's other partitions
        ├── TaskTimeoutError       an attempt ran past the asset's ``timeout`` (retryable)
        └── WorkerStartError       worker processes keep dying before they can take a task

    AssetflowDeprecationWarning    (a DeprecationWarning) an old spelling; the message has the new
"""

from __future__ import annotations

from typing import Any


class AssetflowError(Exception):
    """Root of every error assetflow raises on purpose.

    Args:
        message: one line naming the thing at fault and the fix.
        asset: the asset at fault, if one is.
        partition: the partition key at fault, if one is.
        path: the file or directory at fault, if one is.
        retryable: overrides the class's ``retryable`` for this error.
    """

    retryable: bool = False
    """Whether another attempt could succeed (the runner retries only these)."""
    exit_code: int = 2

    def __init__(
        self,
        message: str = "",
        *,
        asset: str | None = None,
        partition: str | None = None,
        path: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.asset = asset
        self.partition = partition
        self.path = path
        if retryable is not None:
            self.retryable = retryable

    def _fields(self) -> dict[str, Any]:
        return {
            "asset": self.asset,
            "partition": self.partition,
            "path": self.path,
            "retryable": self.retryable,
        }

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.args, self._fields()))


def _rebuild(cls: type[AssetflowError], args: tuple[Any, ...], fields: dict[str, Any]):
    return cls(*args, **fields)


class DefinitionError(AssetflowError):
    """The asset definitions do not form a valid graph."""


class InvalidNameError(DefinitionError):
    """An asset name is not a safe SQL identifier."""


class DuplicateAssetError(DefinitionError):
    """Two assets have the same name."""


class UnknownUpstreamError(DefinitionError):
    """An asset names an upstream that is not in the project."""


class CycleError(DefinitionError):
    """The asset graph contains a cycle."""


class ConfigError(AssetflowError):
    """The project or warehouse configuration cannot be used."""


class SelectionError(AssetflowError):
    """A selected asset does not exist."""


class PartitionKeyError(AssetflowError):
    """A partition key is malformed, outside the definition, or not yet due."""


class PlanError(AssetflowError):
    """The requested materialization cannot be planned."""


class BackfillError(AssetflowError):
    """A backfill cannot be found or resumed."""


class QueryRefusedError(AssetflowError):
    """User SQL did something the query sandbox does not allow (write, attach, read outside)."""


class StorageError(AssetflowError):
    """The warehouse (catalog or data files) cannot be read or written."""


class CatalogLockedError(StorageError):
    """Another process held the catalog for longer than the lock timeout."""

    retryable = True


class TaskError(AssetflowError):
    """User code failed while materializing one (asset, partition).

    Args:
        traceback: the user code's traceback, starting at the asset function's own frame.
        **fields: the keywords of :class:`AssetflowError`, passed on to it.
    """

    retryable = True
    exit_code = 1

    def __init__(self, message: str = "", *, traceback: str | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.traceback = traceback

    def _fields(self) -> dict[str, Any]:
        return {**super()._fields(), "traceback": self.traceback}


class AssetOutputError(TaskError):
    """An asset returned a value that cannot be stored as a table."""

    retryable = False


class SchemaMismatchError(AssetOutputError):
    """A partition's columns conflict with the asset's other partitions (checked at commit)."""


class TaskTimeoutError(TaskError):
    """An attempt ran longer than its asset's ``timeout`` and was stopped."""


class WorkerStartError(TaskError):
    """Worker processes died while starting (killed, or crashed before loading the project)."""

    retryable = False


class AssetflowDeprecationWarning(DeprecationWarning):
    """A spelling assetflow still accepts but will drop; the message says what to write now.

    A :class:`DeprecationWarning`, so Python shows it where deprecations are shown (``__main__``,
    notebooks, pytest); ``-W error::assetflow.AssetflowDeprecationWarning`` turns it into an error.
    """
