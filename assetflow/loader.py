"""Loading a project: import a ``.py`` file or a module path (errors as one-line ConfigErrors)
and collect what it defines: its ``Project``, or its assets, plus its schedules.

``Project.load`` (the CLI's way in) delegates here; worker processes call :func:`assets_of`,
which imports no more of assetflow than the project itself does (not the planner, the catalog
or DuckDB: ~0.4 s of every worker's start-up).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from assetflow.define.asset import AssetDef
from assetflow.define.graph import AssetGraph
from assetflow.define.schedule import Schedule
from assetflow.errors import AssetflowError, ConfigError

if TYPE_CHECKING:
    from assetflow.project import Project

P = TypeVar("P", bound="Project")


def load_project(
    cls: type[P], target: str | os.PathLike[str], warehouse: str | os.PathLike[str] | None
) -> P:
    """See :meth:`assetflow.Project.load`."""
    from assetflow.commit.warehouse import Warehouse  # not at the top: see assets_of

    module = import_target(str(target))
    found = [v for v in vars(module).values() if isinstance(v, cls)]
    schedules = [v for v in vars(module).values() if isinstance(v, Schedule)]
    if found:
        project = found[0]
        extra = [s for s in schedules if s not in project.schedules]
        project.schedules = with_schedules(project.graph, project.schedules, extra)
    else:
        assets = [v for v in vars(module).values() if isinstance(v, AssetDef)]
        if not assets:
            raise ConfigError(f"{target} defines no assets; decorate functions with @af.asset")
        default = resolve(Path("warehouse"), module_folder(module))
        project = cls(assets, default, schedules=schedules)
    if warehouse is not None:
        project.warehouse = Warehouse(warehouse, lock_timeout=project.warehouse.lock_timeout)
    path = Path(str(target))
    project.source = str(path.resolve()) if path.exists() else str(target)
    return project


def assets_of(source: str) -> tuple[AssetDef, ...]:
    """The assets of the project at ``source``, as :meth:`assetflow.Project.load` finds them
    (its ``Project``'s, else every asset it defines), in a worker process."""
    module = import_target(source)
    facade = sys.modules.get("assetflow.project")  # imported if the module made a Project
    if facade is not None:
        for value in vars(module).values():
            if isinstance(value, facade.Project):
                return tuple(value.graph)
    assets = [v for v in vars(module).values() if isinstance(v, AssetDef)]
    if not assets:
        raise ConfigError(f"{source} defines no assets; decorate functions with @af.asset")
    return tuple(AssetGraph.build(assets))


def with_schedules(
    graph: AssetGraph, current: tuple[Schedule, ...], added: Iterable[Schedule]
) -> tuple[Schedule, ...]:
    """``current`` plus ``added`` (first time: plus one per asset declared with ``schedule=``);
    names must be unique and every asset must exist."""
    found = [*current, *added]
    if not current:
        found += [a.schedule for a in graph if a.schedule is not None]
    names = [s.name for s in found]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"two schedules are named {duplicates[0]!r}; give each a unique name")
    for s in found:
        graph.select(list(s.assets))  # raises SelectionError naming an unknown asset
    return tuple(found)


def calling_folder() -> Path | None:
    """The folder of the ``.py`` file whose code is constructing a Project (the caller of
    ``Project.__init__``, which calls this), or None in a notebook or REPL (no file)."""
    file = sys._getframe(2).f_globals.get("__file__")
    if not isinstance(file, str) or file.startswith("<"):
        return None
    return Path(file).resolve().parent


def resolve(path: Path, folder: Path | None) -> Path:
    """``path``, relative to ``folder`` when it is relative and there is a folder."""
    return path if path.is_absolute() or folder is None else folder / path


def import_target(target: str) -> ModuleType:
    """The module at ``target``: a ``.py`` path (imported once per process) or a module path."""
    path = Path(target)
    try:
        if target.endswith(".py") or path.exists():
            return _import_file(target, path)
        return importlib.import_module(target)
    except AssetflowError:
        raise
    except ModuleNotFoundError as exc:
        raise ConfigError(f"cannot import project {target!r}: {exc}") from exc
    except Exception as exc:
        raise ConfigError(
            f"cannot load project {target}: {type(exc).__name__}: {exc} (--debug shows where)"
        ) from exc


def _import_file(target: str, path: Path) -> ModuleType:
    if not path.is_file():
        raise ConfigError(
            f"project file {target} not found; pass -p/--project PATH to a pipeline .py"
        )
    name = f"assetflow_project_{abs(hash(str(path.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(path.resolve().parent))
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def module_folder(module: ModuleType) -> Path | None:
    """The folder of the file a module was loaded from (None for namespace/builtin modules)."""
    file = getattr(module, "__file__", None)
    return Path(file).resolve().parent if file else None
