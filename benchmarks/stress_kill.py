"""Randomized crash stress: SIGKILL a 30-day backfill of the example at a random moment, resume,
and compare with a clean reference warehouse, round after round.

Each round starts ``asset materialize`` (the example sales pipeline over 2026-03-01..30, 90
tasks) as a real subprocess, kills it with SIGKILL after a random delay drawn from the length of
a clean run, and then:

1. checks what a reader sees right after the kill: no partition with two versions, every view
   returns exactly the rows its catalog records, and every committed partition already has the
   reference's data version (the example is deterministic, so any other version is torn data);
2. resumes with a plain ``asset materialize`` and checks that every partition's data version and
   every view's row count equal the reference's, and that ``verify`` finds no damage;
3. every fifth round, vacuums with no retention and checks that no orphan is left.

Even rounds start from an empty warehouse (the kill interrupts a first backfill); odd rounds
force a full rebuild of the previous one (the kill interrupts a rewrite of committed data).

Run from the repository root::

    python -m benchmarks.stress_kill --rounds 200 --seed 1

``tests/commit/test_crash_stress.py`` runs a few rounds in the slow suite, more under ``-m stress``.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import assetflow as af  # noqa: E402
from tests.conftest import cli_env  # noqa: E402
from tests.warehouse_checks import snapshot_problems, versions, view_rows  # noqa: E402

PIPELINE = REPO / "tests" / "resources" / "sales30.py"


@dataclass
class Round:
    index: int
    fresh: bool
    delay: float
    killed: bool
    committed_at_kill: int
    orphans_after_kill: int


@dataclass
class StressResult:
    rounds: list[Round] = field(default_factory=list)
    reference_seconds: float = 0.0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        killed = [r for r in self.rounds if r.killed]
        mid = [r for r in killed if 0 < r.committed_at_kill < 90]
        return {
            "rounds": len(self.rounds),
            "killed": len(killed),
            "killed_mid_backfill": len(mid),
            "killed_with_orphans": sum(1 for r in killed if r.orphans_after_kill),
            "reference_seconds": round(self.reference_seconds, 2),
            "failures": self.failures,
        }


def cli(warehouse: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "assetflow", "-p", str(PIPELINE), "-w", str(warehouse), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        cwd=REPO,
    )


def run_rounds(rounds: int, workdir: Path, *, seed: int = 0, log=print) -> StressResult:
    """Run ``rounds`` kill-and-resume rounds in ``workdir``; failures are collected, not raised."""
    rng = random.Random(seed)
    result = StressResult()
    reference = workdir / "reference"
    started = time.monotonic()
    proc = cli(reference, "materialize")
    if proc.wait() != 0:
        raise RuntimeError(f"the reference run failed: {proc.stderr.read()}")
    result.reference_seconds = time.monotonic() - started
    expected_versions, expected_rows = versions(reference), view_rows(reference)
    assert len(expected_versions) == 90, len(expected_versions)

    warehouse = workdir / "wh-0"
    for index in range(rounds):
        fresh = index % 2 == 0
        if fresh:
            shutil.rmtree(warehouse, ignore_errors=True)
            warehouse = workdir / f"wh-{index}"
        project = af.Project.load(PIPELINE, warehouse=warehouse)
        delay = rng.uniform(0.0, result.reference_seconds)
        proc = cli(warehouse, "materialize", *([] if fresh else ["--force"]))
        time.sleep(delay)
        killed = proc.poll() is None
        if killed:
            proc.kill()
        proc.wait()
        fail = _checks_after_kill(warehouse, expected_versions)
        committed = len(versions(warehouse)) if _published(warehouse) else 0
        orphans = len(project.verify().orphans) if _has_catalog(warehouse) else 0

        resume = cli(warehouse, "materialize")
        if resume.wait() != 0:
            fail.append(f"resume failed: {resume.stderr.read().strip()}")
        elif versions(warehouse) != expected_versions:
            fail.append("data versions differ from the reference after resuming")
        elif view_rows(warehouse) != expected_rows:
            fail.append(f"view rows {view_rows(warehouse)} != reference {expected_rows}")
        report = project.verify()
        if not report.ok:
            fail.append(f"verify: {[p.detail for p in report.problems]}")
        if index % 5 == 4:
            project.vacuum(older_than=timedelta(0))
            if project.verify().orphans:
                fail.append("orphans left after vacuum")
        entry = Round(index, fresh, round(delay, 3), killed, committed, orphans)
        result.rounds.append(entry)
        result.failures += [f"round {index}: {f}" for f in fail]
        log(json.dumps({**asdict(entry), "failures": fail}))
    return result


def _published(warehouse: Path) -> bool:
    return (warehouse / "warehouse.duckdb").exists()


def _has_catalog(warehouse: Path) -> bool:
    return (warehouse / ".assetflow" / "catalog.duckdb").exists()


def _checks_after_kill(warehouse: Path, expected: dict) -> list[str]:
    """What a reader sees right after the kill: whole partitions, each at the reference version."""
    if not _published(warehouse):
        return []
    problems = snapshot_problems(warehouse)
    torn = [k for k, v in versions(warehouse).items() if expected.get(k) != v]
    if torn:
        problems.append(f"{len(torn)} partitions at a version no clean run produces: {torn[:3]}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="assetflow-stress-"))
    started = time.monotonic()
    result = run_rounds(args.rounds, workdir, seed=args.seed)
    summary = result.summary() | {"seconds": round(time.monotonic() - started, 1)}
    print(json.dumps(summary, indent=2))
    sys.exit(1 if result.failures else 0)


if __name__ == "__main__":
    main()
