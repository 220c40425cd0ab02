"""Two assets that read each other: building a Project from this module must fail."""

from __future__ import annotations

import polars as pl

import assetflow as af


@af.asset
def chicken(egg: pl.DataFrame) -> pl.DataFrame:
    return egg


@af.asset
def egg(chicken: pl.DataFrame) -> pl.DataFrame:
    return chicken
