"""An asset named with SQL in it: building the project must refuse it."""

from __future__ import annotations

import polars as pl

import assetflow as af


@af.asset(name="x; drop table assetflow.current; --")
def injected() -> pl.DataFrame:
    return pl.DataFrame({"a": [1]})
