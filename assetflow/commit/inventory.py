"""What a warehouse holds on disk, for ``verify`` and ``vacuum`` to compare with the catalog.

Only files in the layout ``files.py`` writes are considered (``<asset>/<key>/<uuid>.parquet``,
their ``.tmp-`` temps, and the snapshot's publish temps); anything else a user keeps in the
warehouse directory is never reported or removed. The catalog's side is
``CatalogReader.files()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from assetflow.commit.catalog_paths import PUBLISHED_CATALOG
from assetflow.commit.storage import TEMP_PREFIX, Storage

_ASSET_DIR = r"[A-Za-z_][A-Za-z0-9_]{0,62}"
_DATA_FILE = re.compile(_ASSET_DIR + r"/[^/]+/[0-9a-f]{32}\.parquet")
_TEMP_FILE = re.compile(_ASSET_DIR + r"/[^/]+/" + re.escape(TEMP_PREFIX) + r"[0-9a-f]{32}\.parquet")
_PUBLISH_TEMP = re.compile(r"\." + re.escape(PUBLISHED_CATALOG.name) + r"\.\d+\.tmp")


@dataclass(frozen=True)
class DiskFile:
    """A file in the warehouse layout."""

    path: str
    """The storage key (relative to the warehouse root, '/' separators); for a publish temp,
    its name in the warehouse directory."""
    kind: str
    """``data`` (a final Parquet name), ``temp`` (an unfinished write) or ``publish_temp``."""
    bytes: int
    mtime: float


def scan_disk(root: Path, storage: Storage) -> list[DiskFile]:
    """Every file of the warehouse layout: data files in ``storage``, publish temps in ``root``
    (the catalog's directory), sorted by path."""
    found: list[DiskFile] = []
    if root.is_dir():
        for entry in root.iterdir():
            if _PUBLISH_TEMP.fullmatch(entry.name) and entry.is_file():
                st = entry.stat()
                found.append(DiskFile(entry.name, "publish_temp", st.st_size, st.st_mtime))
    for f in storage.list():
        if _DATA_FILE.fullmatch(f.key):
            found.append(DiskFile(f.key, "data", f.size, f.mtime))
        elif _TEMP_FILE.fullmatch(f.key):
            found.append(DiskFile(f.key, "temp", f.size, f.mtime))
    return sorted(found, key=lambda d: d.path)
