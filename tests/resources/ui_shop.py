"""A small shop for the web UI tests; :func:`build` returns its assets (nothing at module level).

``orders`` (daily from 2026-04-01; attaches metadata: a number and a URL) -> ``orders_clean``
(daily; its docstring holds a ``<script>`` tag) -> ``revenue`` (unpartitioned, reads every day);
``flaky`` (daily, fails for one key, one retry; logs a line holding a ``<script>`` tag);
``regions`` (static eu / us / apac). ``orders_version`` changes both the code version and the
data of ``orders``, so its downstream turns stale. Run with ``executor="threads"``: the assets
are closures.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import polars as pl

import assetflow as af

DAYS = af.DailyPartitions(start="2026-04-01")
REGIONS = af.StaticPartitions(["eu", "us", "apac"])


def build(
    orders_version: str = "1",
    fail_key: str = "2026-04-03",
    gate: threading.Event | Path | None = None,
) -> list[af.AssetDef]:
    """The shop's assets; with ``gate``, ``orders`` waits until it is set (an Event) or exists
    (a file, for a run in another process): a run in progress for as long as a test needs."""

    @af.asset(partitions=DAYS, code_version=orders_version)
    def orders(context: af.Context) -> pl.DataFrame:
        if gate is not None and not _wait(gate, timeout=60):
            raise TimeoutError("the test never opened the gate")
        day = int(context.partition_key[-2:])
        context.add_metadata(day=day, source=f"https://example.com/orders/{day}")
        return pl.DataFrame({"id": [1, 2, 3], "amount": [day, 2 * day, int(orders_version)]})

    @af.asset(partitions=DAYS, code_version="1")
    def orders_clean(orders: pl.DataFrame) -> pl.DataFrame:
        """Orders without test rows. <script>alert("owned")</script> <b>not bold</b>"""
        return orders.filter(pl.col("amount") > 0)

    @af.asset(code_version="1")
    def revenue(orders_clean: pl.DataFrame) -> pl.DataFrame:
        return orders_clean.select(pl.col("amount").sum())

    @af.asset(partitions=DAYS, code_version="1", policy=af.TaskPolicy(retries=1, retry_delay=0))
    def flaky(context: af.Context) -> pl.DataFrame:
        context.log.info("checking <script>alert('log')</script> %s", context.partition_key)
        if context.partition_key == fail_key:
            raise RuntimeError(f"flaky was told to fail on {fail_key}")
        return pl.DataFrame({"ok": [True]})

    @af.asset(partitions=REGIONS, code_version="1")
    def regions(context: af.Context) -> pl.DataFrame:
        return pl.DataFrame({"region": [context.partition_key]})

    return [orders, orders_clean, revenue, flaky, regions]


def _wait(gate: threading.Event | Path, timeout: float) -> bool:
    if isinstance(gate, threading.Event):
        return gate.wait(timeout=timeout)
    deadline = time.monotonic() + timeout
    while not gate.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
