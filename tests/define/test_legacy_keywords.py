"""The flat @asset/@source keywords of assetflow 0.1 still work, with one DeprecationWarning.

The only place in the repo that uses the old spelling (pyproject turns the warning into an
error everywhere else).
"""

from __future__ import annotations

import warnings

import polars as pl
import pytest

import assetflow as af

DAILY = af.DailyPartitions(start="2026-04-01", timezone="Europe/Paris")


def test_flat_policy_keywords_give_the_same_policy_and_one_warning_with_the_new_spelling():
    with pytest.warns(af.AssetflowDeprecationWarning) as caught:

        @af.asset(retries=3, retry_delay=2.0, retry_on=TimeoutError, max_concurrency=2)
        def old() -> pl.DataFrame:
            return pl.DataFrame()

    @af.asset(
        policy=af.TaskPolicy(retries=3, retry_delay=2.0, retry_on=TimeoutError, max_concurrency=2)
    )
    def new() -> pl.DataFrame:
        return pl.DataFrame()

    assert [str(w.message) for w in caught] == [
        "@asset(retries=3, retry_delay=2.0, retry_on=TimeoutError, max_concurrency=2) is "
        "deprecated: use @asset(policy=TaskPolicy(retries=3, retry_delay=2.0, "
        "retry_on=TimeoutError, max_concurrency=2))"
    ]
    assert caught[0].filename == __file__  # points at the decorator, not at assetflow
    assert issubclass(caught[0].category, DeprecationWarning)
    assert old.policy == new.policy and old.policy.retry_on == (TimeoutError,)


def test_flat_schedule_keywords_give_the_same_schedule():
    with pytest.warns(af.AssetflowDeprecationWarning) as caught:

        @af.asset(partitions=DAILY, schedule="0 2 * * *", catchup=False, start="2026-04-03")
        def nightly() -> pl.DataFrame:
            return pl.DataFrame()

    @af.asset(
        name="nightly",
        partitions=DAILY,
        schedule=af.Cron("0 2 * * *", catchup=False, start="2026-04-03"),
    )
    def nightly_now() -> pl.DataFrame:
        return pl.DataFrame()

    assert [str(w.message) for w in caught] == [
        "@asset(schedule='0 2 * * *', catchup=False, start='2026-04-03') is deprecated: use "
        "@asset(schedule=Cron('0 2 * * *', catchup=False, start='2026-04-03'))"
    ]
    assert nightly.schedule == nightly_now.schedule
    assert nightly.schedule.timezone == "Europe/Paris"  # still the partitions' timezone


def test_both_groups_at_once_warn_once_naming_both_objects():
    with pytest.warns(af.AssetflowDeprecationWarning) as caught:

        @af.asset(schedule="@daily", timezone="UTC", timeout=60)
        def both() -> pl.DataFrame:
            return pl.DataFrame()

    assert len(caught) == 1
    assert str(caught[0].message).endswith(
        "use @asset(policy=TaskPolicy(timeout=60), schedule=Cron('@daily', timezone='UTC'))"
    )
    assert both.policy == af.TaskPolicy(timeout=60)
    assert both.schedule.timezone == "UTC"


def test_source_keeps_its_flat_schedule_keywords_with_a_warning():
    with pytest.warns(af.AssetflowDeprecationWarning, match=r"^@source\(schedule='@daily', "):

        @af.source(observe=lambda context: "v1", schedule="@daily", catchup=False)
        def landing(context: af.Context) -> pl.DataFrame:
            return pl.DataFrame()

    assert landing.is_source and landing.schedule.catchup is False


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"retries": 1, "policy": af.TaskPolicy(timeout=5)},
            "asset 'fetch': retries= cannot be combined with policy=; move retries into "
            "policy=TaskPolicy(...)",
        ),
        (
            {"schedule": af.Cron("@daily"), "catchup": False},
            "asset 'fetch': catchup= cannot be combined with schedule=Cron(...); move catchup "
            "into the Cron(...)",
        ),
        (
            {"timezone": "Europe/Paris"},
            "asset 'fetch': timezone= has no effect without a schedule; use "
            "schedule=Cron('0 2 * * *', timezone='Europe/Paris')",
        ),
    ],
)
def test_mixing_the_spellings_is_a_one_line_definition_error(options, message):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # refused before anything is deprecated
        with pytest.raises(af.DefinitionError) as caught:

            @af.asset(**options)
            def fetch() -> pl.DataFrame:
                return pl.DataFrame()

    assert str(caught.value) == message


def test_the_suite_treats_an_old_spelling_as_an_error():
    """pyproject's filterwarnings: a stray old spelling anywhere else fails its test."""
    with pytest.raises(af.AssetflowDeprecationWarning, match="is deprecated"):

        @af.asset(retries=1)
        def stray() -> pl.DataFrame:
            return pl.DataFrame()
