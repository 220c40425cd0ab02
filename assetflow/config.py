"""Where the project file and the warehouse are: flags, then environment, then pyproject.toml."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetflow.errors import ConfigError

PROJECT_ENV = "ASSETFLOW_PROJECT"
WAREHOUSE_ENV = "ASSETFLOW_WAREHOUSE"
LOCK_TIMEOUT = 60.0
"""Seconds a writer waits for another one by default."""


@dataclass(frozen=True)
class Settings:
    project: str
    warehouse: Path | None
    """None: the project's own warehouse (relative to the project file's folder)."""
    lock_timeout: float = LOCK_TIMEOUT


@dataclass(frozen=True)
class ToolConfig:
    """The ``[tool.assetflow]`` table of a pyproject.toml."""

    project: str | None = None
    warehouse: str | None = None
    lock_timeout: float = LOCK_TIMEOUT

    @classmethod
    def from_table(cls, table: Any) -> ToolConfig:
        """The table checked key by key; ValueError ``key: what is wrong`` otherwise.

        Checked by hand, not with pydantic like other boundaries: every ``asset`` call reads
        this table, three keys, and importing pydantic costs ~0.1 s of such a call.
        """
        if not isinstance(table, dict):
            raise ValueError("assetflow: must be a table of project, warehouse, lock_timeout")
        for key, value in table.items():
            if key in ("project", "warehouse"):
                if not isinstance(value, str):
                    raise ValueError(f"{key}: must be a path (a string)")
            elif key == "lock_timeout":
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if not number or not math.isfinite(value) or value <= 0:
                    raise ValueError(f"{key}: must be a positive number of seconds, e.g. 60")
            else:
                raise ValueError(f"{key}: unknown key; known: project, warehouse, lock_timeout")
        return cls(**table)


def find_tool_config(start: Path) -> tuple[Path, ToolConfig] | None:
    """The nearest pyproject.toml at or above ``start`` that has a ``[tool.assetflow]`` table."""
    for folder in [start, *start.parents]:
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text())
        except (tomllib.TOMLDecodeError, OSError) as exc:
            raise ConfigError(f"cannot read {candidate}: {exc}") from None
        table = data.get("tool", {}).get("assetflow")
        if table is None:
            continue
        try:
            return folder, ToolConfig.from_table(table)
        except ValueError as exc:
            raise ConfigError(f"{candidate} [tool.assetflow] {exc}") from None
    return None


def resolve_settings(
    project: str | None, warehouse: str | None, *, cwd: Path | None = None
) -> Settings:
    """Settle the project and warehouse: flag > environment variable > [tool.assetflow].

    Without any of them the warehouse is the project's own: ``Project(warehouse=...)`` in
    the project file, else ``warehouse`` next to the project file.
    """
    cwd = cwd or Path.cwd()
    found = find_tool_config(cwd)
    base, tool = found if found else (cwd, None)
    project = (
        project
        or os.environ.get(PROJECT_ENV)
        or (str(base / tool.project) if tool and tool.project else None)
    )
    if not project:
        raise ConfigError(
            "no project given: pass -p/--project PATH, set ASSETFLOW_PROJECT, or add "
            '[tool.assetflow] project = "path/to/pipeline.py" to pyproject.toml'
        )
    timeout = tool.lock_timeout if tool else LOCK_TIMEOUT
    location = _named_warehouse(warehouse, base, tool)
    return Settings(project=project, warehouse=location, lock_timeout=timeout)


def named_warehouse(warehouse: str | None, *, cwd: Path | None = None) -> Path | None:
    """The warehouse the flag, the environment or ``[tool.assetflow]`` names, if any (else it
    is the project's own: loading the project says which)."""
    cwd = cwd or Path.cwd()
    found = find_tool_config(cwd)
    base, tool = found if found else (cwd, None)
    return _named_warehouse(warehouse, base, tool)


def _named_warehouse(warehouse: str | None, base: Path, tool: ToolConfig | None) -> Path | None:
    chosen = warehouse or os.environ.get(WAREHOUSE_ENV)
    if not chosen and tool and tool.warehouse:
        chosen = str(base / tool.warehouse)
    return Path(chosen) if chosen else None
