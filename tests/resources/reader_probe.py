"""A reader process for concurrency tests: polls a warehouse until a stop file appears.

Usage: ``python reader_probe.py WAREHOUSE duckdb|project STOP_FILE``. ``duckdb`` opens
``warehouse.duckdb`` read-only as any user would; ``project`` uses ``Project.query`` on the
``gen`` pipeline. Prints ``polling`` once it has polled, then one JSON summary: polls, failed
polls and the longest run of failures in seconds, the slowest successful poll (open, check,
close), inconsistencies seen, and the number of days
of generation 2 each poll saw (a snapshot must never go backwards).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import duckdb

from assetflow import Project
from tests.warehouse_checks import ONE_STATEMENT_CHECK, consistency_problems, duckdb_query

GEN = Path(__file__).with_name("gen.py")


def poll_duckdb(warehouse: Path) -> tuple[list[str], int]:
    con = duckdb.connect(str(warehouse / "warehouse.duckdb"), read_only=True)
    try:
        query = duckdb_query(con)
        problems = consistency_problems(query)
        days = query("select count(distinct day) from events where gen = 2")[0][0]
        return problems, days
    finally:
        con.close()


def poll_project(project: Project) -> tuple[list[str], int]:
    row = project.query(ONE_STATEMENT_CHECK).row(0, named=True)
    days = row.pop("gen2_days")
    return [f"{k} = {v}" for k, v in row.items() if v], days


def main() -> None:
    warehouse, mode, stop = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    project = Project.load(GEN, warehouse=warehouse)
    polls, failures, longest, failing_since, slowest = 0, [], 0.0, None, 0.0
    problems: list[str] = []
    days_seen: list[int] = []
    done = False
    while not done:
        done = stop.exists()  # one last poll after the writer finished
        started = time.monotonic()
        try:
            found, days = poll_duckdb(warehouse) if mode == "duckdb" else poll_project(project)
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            failing_since = failing_since or started
            longest = max(longest, time.monotonic() - failing_since)
            continue
        failing_since = None
        slowest = max(slowest, time.monotonic() - started)
        problems += found
        days_seen.append(days)
        polls += 1
        if polls == 1:
            print("polling", flush=True)
        time.sleep(0.005)
    print(
        json.dumps(
            {
                "polls": polls,
                "failures": failures,
                "longest_failure_seconds": longest,
                "slowest_poll_seconds": slowest,
                "problems": problems,
                "gen2_days": days_seen,
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
