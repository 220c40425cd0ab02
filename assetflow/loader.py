"""Importing a project's code: a ``.py`` file or a module path, errors as one-line ConfigErrors.

``Project.load`` (the CLI's way in) uses it; what the module defines is collected there.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from assetflow.errors import AssetflowError, ConfigError


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
