"""Where the project file and the warehouse are: flags, then environment, then pyproject.toml."""

from __future__ import annotations

import math
import os
import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assetflow.errors import ConfigError

PROJECT_ENV = "ASSETFLOW_PROJECT"
WAREHOUSE_ENV = "ASSETFLOW_WAREHOUSE"


class ToolConfig(BaseModel):
    """The ``[tool.assetflow]`` table of a pyproject.toml."""

    model_config = ConfigDict(extra="forbid")
    project: str | None = None
    warehouse: str | None = None
    lock_timeout: float = 60.0

    @field_validator("lock_timeout")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise ValueError("must be a positive number of seconds, e.g. 60")
        return value


class Settings(BaseModel):
    project: str
    warehouse: Path | None
    """None: the project's own warehouse (relative to the project file's folder)."""
    lock_timeout: float = 60.0


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
            return folder, ToolConfig.model_validate(table)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(f"{candidate} [tool.assetflow] {where}: {first['msg']}") from None
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
    base, tool = found if found else (cwd, ToolConfig())
    project = (
        project
        or os.environ.get(PROJECT_ENV)
        or (str(base / tool.project) if tool.project else None)
    )
    if not project:
        raise ConfigError(
            "no project given: pass -p/--project PATH, set ASSETFLOW_PROJECT, or add "
            '[tool.assetflow] project = "path/to/pipeline.py" to pyproject.toml'
        )
    chosen = warehouse or os.environ.get(WAREHOUSE_ENV)
    location = Path(chosen) if chosen else (base / tool.warehouse if tool.warehouse else None)
    return Settings(project=project, warehouse=location, lock_timeout=tool.lock_timeout)
