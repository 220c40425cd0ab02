"""Hooks on assets and on the project; every call is appended to ``CALLS`` (in the coordinator).

``ok`` succeeds, ``broken`` always fails (retries=1), ``after_broken`` is its downstream.
``HOOKS_RAISE=1`` makes the project success hook raise.
"""

from __future__ import annotations

import os

import polars as pl

import assetflow as af

CALLS: list[tuple[str, af.TaskResult]] = []


def asset_success(task: af.TaskResult) -> None:
    CALLS.append(("asset_success", task))


def asset_failure(task: af.TaskResult) -> None:
    CALLS.append(("asset_failure", task))


def project_success(task: af.TaskResult) -> None:
    CALLS.append(("project_success", task))
    if os.environ.get("HOOKS_RAISE") == "1":
        raise RuntimeError("the alerting service is down")


def project_failure(task: af.TaskResult) -> None:
    CALLS.append(("project_failure", task))


@af.asset(code_version="1", on_success=asset_success, on_failure=asset_failure)
def ok() -> pl.DataFrame:
    return pl.DataFrame({"x": [1]})


@af.asset(
    code_version="1",
    policy=af.TaskPolicy(retries=1, retry_delay=0),
    on_success=asset_success,
    on_failure=asset_failure,
)
def broken() -> pl.DataFrame:
    raise KeyError("missing column 'price'")


@af.asset(code_version="1", on_failure=asset_failure)
def after_broken(broken: pl.DataFrame) -> pl.DataFrame:
    return broken


project = af.Project(
    [ok, broken, after_broken],
    on_success=project_success,
    on_failure=project_failure,
)
