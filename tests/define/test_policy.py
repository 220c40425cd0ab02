"""Task policies: validation at decoration time and inheritance asset > project > builtin."""

from __future__ import annotations

import polars as pl
import pytest

import assetflow as af
from assetflow.define.policy import BUILTIN_POLICY


def test_asset_options_become_its_policy_and_unset_fields_inherit():
    @af.asset(
        policy=af.TaskPolicy(retries=3, retry_delay=2.0, retry_on=TimeoutError, max_concurrency=2)
    )
    def api() -> pl.DataFrame:
        return pl.DataFrame({"x": [1]})

    assert api.policy.retries == 3 and api.policy.retry_on == (TimeoutError,)
    project = af.TaskPolicy(retries=1, timeout=30.0, jitter=0.0)
    merged = api.policy.over(project).over(BUILTIN_POLICY)
    assert merged.retries == 3  # the asset wins
    assert merged.timeout == 30.0 and merged.jitter == 0.0  # the project fills in
    assert merged.backoff == 2.0  # the builtin default
    assert merged.max_concurrency == 2


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"retries": -1}, "retries=-1 must be an integer >= 0"),
        ({"retries": 1.5}, "retries=1.5 must be an integer"),
        ({"backoff": 0.5}, "backoff=0.5 must be a number >= 1"),
        ({"jitter": 2}, "jitter=2 must be a number >= 0 and <= 1"),
        ({"timeout": 0}, "timeout=0 must be a number > 0"),
        ({"max_concurrency": 0}, "max_concurrency=0 must be an integer >= 1"),
        ({"retry_on": "TimeoutError"}, "retry_on='TimeoutError' must be exception types"),
    ],
)
def test_bad_policy_values_are_one_line_errors_naming_the_field(options, needle):
    with pytest.raises(af.DefinitionError) as caught:
        af.TaskPolicy(**options)

    assert needle in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"policy": {"retries": 3}}, "policy= must be an af.TaskPolicy(retries=..., timeout=...)"),
        ({"schedule": 3}, "schedule= must be a cron string such as '0 2 * * *' or af.Cron("),
        ({"schedule": "nightly"}, "schedule 'nightly' is not a valid cron expression"),
        ({"on_failure": "page me"}, "on_failure must be a callable"),
        ({"retires": 3}, "unknown keyword retires=; did you mean policy=TaskPolicy(retries=...)?"),
    ],
)
def test_bad_options_name_the_asset_and_the_fix(options, needle):
    with pytest.raises(af.DefinitionError) as caught:

        @af.asset(**options)
        def fetch() -> pl.DataFrame:
            return pl.DataFrame()

    message = str(caught.value)
    assert message.startswith("asset 'fetch': ") and needle in message and "\n" not in message


def test_plain_asset_keeps_working_as_a_function():
    @af.asset
    def numbers() -> pl.DataFrame:
        return pl.DataFrame({"x": [1, 2]})

    assert numbers.policy == af.TaskPolicy()
    assert numbers().height == 2
