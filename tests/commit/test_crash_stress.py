"""Randomized SIGKILL stress of a 30-day backfill of the example (benchmarks/stress_kill.py).

The slow suite runs a few rounds; ``-m stress`` runs ``ASSETFLOW_STRESS_ROUNDS`` (default 40);
``python -m benchmarks.stress_kill --rounds N`` runs any number and prints a summary.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.stress_kill import run_rounds


def check(rounds: int, tmp_path, seed: int) -> None:
    result = run_rounds(rounds, tmp_path, seed=seed, log=lambda line: None)
    assert result.failures == []
    assert len(result.rounds) == rounds
    assert any(r.killed for r in result.rounds)  # the kills really interrupted runs


@pytest.mark.slow  # SIGKILL of real backfill processes
def test_a_few_random_kills_and_resumes_converge_to_the_reference(tmp_path):
    check(4, tmp_path, seed=7)


@pytest.mark.stress
def test_many_random_kills_and_resumes_converge_to_the_reference(tmp_path):
    check(int(os.environ.get("ASSETFLOW_STRESS_ROUNDS", "40")), tmp_path, seed=11)
