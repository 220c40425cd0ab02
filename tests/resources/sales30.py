"""The example sales pipeline (examples/sales/pipeline.py) over a fixed 30 days, 2026-03-01 to
2026-03-30, so a "backfill" is the same 90 tasks whatever today's date is (stress tests)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import assetflow as af

_EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sales"
if str(_EXAMPLE) not in sys.path:
    sys.path.insert(0, str(_EXAMPLE))  # the example imports its sibling sales_api module
_spec = importlib.util.spec_from_file_location("sales_example_for_tests", _EXAMPLE / "pipeline.py")
assert _spec and _spec.loader
_example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_example)

days = af.DailyPartitions(start="2026-03-01", end="2026-03-30")

# Same retries as the example: its local sales API answers some requests with 503.
sales_raw = af.asset(
    partitions=days,
    code_version="1",
    name="sales_raw",
    policy=af.TaskPolicy(retries=3, retry_delay=0.05),
)(_example.sales_raw.fn)
sales_clean = af.asset(partitions=days, code_version="1", name="sales_clean")(
    _example.sales_clean.fn
)
daily_report = af.asset(partitions=days, code_version="1", name="daily_report")(
    _example.daily_report.fn
)
del _example, _spec
