"""A run's stored request: JSON out, validated back in (resumes read it)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assetflow.execute.resume import RunRequest

AS_OF = datetime(2026, 4, 8, 6, 30, 1, 250, tzinfo=UTC)


def test_every_field_round_trips():
    request = RunRequest(
        selection=["sales_clean"],
        partitions=None,
        partition_range=("2026-04-01", "2026-04-08"),
        keys_by_asset={"sales_raw": ["2026-04-01"]},
        which="stale",
        force=False,
        only=True,
        as_of=AS_OF,
        resume_of="20260408T063001-abcdef",
    )
    back = RunRequest.from_json(request.to_json())
    assert back == request
    assert back.as_of.utcoffset().total_seconds() == 0


def test_a_request_an_earlier_assetflow_stored_still_reads():
    """Written by pydantic's ``model_dump_json`` (``Z`` for UTC, no spaces)."""
    stored = (
        '{"selection":null,"partitions":["2026-04-08"],"partition_range":null,'
        '"keys_by_asset":null,"which":null,"force":true,"only":false,'
        '"as_of":"2026-04-08T06:30:01.000250Z","resume_of":null}'
    )
    request = RunRequest.from_json(stored)
    assert request == RunRequest(partitions=["2026-04-08"], force=True, as_of=AS_OF)


@pytest.mark.parametrize(
    "stored",
    [
        '{"as_of": "2026-04-08T06:30:01Z", "which": "everything"}',
        '{"partitions": ["2026-04-08"]}',
        '{"as_of": "yesterday"}',
        "not json",
    ],
)
def test_a_damaged_request_is_refused(stored):
    with pytest.raises(ValueError):
        RunRequest.from_json(stored)
