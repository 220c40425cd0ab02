"""Reading which partitions are ``failed`` (latest finished task failed) from a long run history.

Not a test: run it and read the numbers (``docs/benchmarks.md`` records them)::

    python benchmarks/failure_state.py                 # 500,000 task rows, 1% failed
    python benchmarks/failure_state.py --tasks 100000 --failed-every 20

A real catalog file (the schema DDL) gets ``--tasks`` rows in ``assetflow.tasks``: five assets,
each partition built twice (once long ago, once recently), and every ``--failed-every``-th
recent task failed. Times :func:`assetflow.commit.state.latest_failures` through a read-only
:class:`CatalogReader` (as ``asset status`` and the planner read it), and the whole
``CatalogReader.state()`` for comparison.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assetflow.commit.reader import CatalogReader
from assetflow.commit.schema import ALL_DDL
from assetflow.commit.session import CatalogSession
from assetflow.commit.state import latest_failures
from assetflow.commit.storage import LocalStorage


def build(path: Path, tasks: int, failed_every: int) -> None:
    con = duckdb.connect(str(path))
    con.execute(ALL_DDL)
    con.execute(
        """insert into assetflow.tasks
           select 'run' || (i // 1000), 'a' || (i % 5), 'k' || ((i // 5) % (? // 10)),
                  case when i >= ? // 2 and i % ? = 0 then 'failed' else 'succeeded' end,
                  1, 'boom', null, timestamp '2026-01-01' + to_seconds(i),
                  timestamp '2026-01-01' + to_seconds(i + 1)
           from range(?) t(i)""",
        [tasks, tasks, failed_every, tasks],
    )
    con.close()


def best(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500_000)
    parser.add_argument("--failed-every", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.duckdb"
        build(path, args.tasks, args.failed_every)
        con = duckdb.connect(str(path), read_only=True)
        session = CatalogSession(con, path)
        reader = CatalogReader(session, Path(tmp), LocalStorage(Path(tmp)))
        found = latest_failures(session).height
        failures = best(lambda: latest_failures(session))
        state = best(reader.state)
        reader.close()
    load = os.getloadavg()[0]
    print(f"{args.tasks:,} task rows, {found:,} failed partitions (load {load:.1f})")
    print(f"  latest_failures   {failures * 1000:7.1f} ms")
    print(f"  reader.state()    {state * 1000:7.1f} ms  (current, inputs, observations, failures)")


if __name__ == "__main__":
    main()
