"""The ``asset`` command: a thin click layer over :class:`assetflow.Project`.

``app`` holds the group and :func:`main`; each other module adds one family of commands and is
imported here so it registers itself.
"""

from assetflow.cli import (  # noqa: F401  (each module registers its commands)
    backfill,
    explain,
    integrity,
    materialize,
    observe,
    runs,
    schedule,
    ui,
)
from assetflow.cli.app import cli, main, script

__all__ = ["cli", "main", "script"]
