"""Where a warehouse keeps its two catalog files (see ``docs/architecture.md``).

- ``.assetflow/catalog.duckdb``: the *live* catalog, opened only by the one writing process.
- ``warehouse.duckdb``: the *published* snapshot every reader opens read-only.
"""

from __future__ import annotations

from pathlib import Path

LIVE_CATALOG = Path(".assetflow") / "catalog.duckdb"
PUBLISHED_CATALOG = Path("warehouse.duckdb")
