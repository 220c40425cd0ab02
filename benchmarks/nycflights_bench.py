"""nycflights13-sized pipeline: assetflow against a plain loop, whole commands in one run.

Usage (from the repository root)::

    python -m benchmarks.nycflights_bench [--rounds 1] [--baseline DIR] [--json out.json]

Generates the data once (``benchmarks/nycflights_pipeline.py``, deterministic, no download),
then per round, interleaved: the plain loop (each input loaded once, frames in memory),
``asset materialize`` of all ten assets over 2013 with ``--workers 1`` and ``--workers 2``, each
on a fresh warehouse. Wall and CPU (user + sys, children included) of each whole command.
``--baseline DIR`` also runs assetflow imported from DIR (an older commit's tree) in each round.
``--ledger`` adds, per round, the loop and ``--workers 1`` sampled by process and thread
(``benchmarks/cpu_ledger.py``): which of the command's and the worker's threads spend the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks import seed_bench
from benchmarks.cpu_ledger import ROLES, sampled
from benchmarks.seed_bench import ASSET, ENV, timed, with_source

PIPELINE = seed_bench.ROOT / "benchmarks" / "nycflights_pipeline.py"


def loop(scratch: Path, data: Path) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "benchmarks.nycflights_pipeline", "loop", str(data)]
    result = timed([*cmd, str(scratch / "loop")])
    shutil.rmtree(scratch / "loop")
    return result


def one_round(scratch: Path, env: dict[str, str]) -> dict[str, tuple[float, float]]:
    out = {}
    for workers in (1, 2):
        warehouse = str(scratch / f"w{workers}")
        cmd = [*ASSET, "-p", str(PIPELINE), "-w", warehouse, "materialize", "--plain"]
        out[f"w{workers}"] = timed([*cmd, "--workers", str(workers)], env)
    for path in scratch.iterdir():
        shutil.rmtree(path)
    return out


def ledger(scratch: Path, data: Path) -> dict[str, dict[str, float]]:
    """CPU seconds by role of the loop and of ``--workers 1`` (one run each)."""
    loop_cmd = [sys.executable, "-m", "benchmarks.nycflights_pipeline", "loop", str(data)]
    warehouse = str(scratch / "ledger")
    run = [*ASSET, "-p", str(PIPELINE), "-w", warehouse, "materialize", "--plain"]
    out = {
        "loop": sampled([*loop_cmd, str(scratch / "loop")]),
        "w1": sampled([*run, "--workers", "1"]),
    }
    for path in scratch.iterdir():
        shutil.rmtree(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline", type=Path, help="also run assetflow from this source tree")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--ledger", action="store_true", help="also split CPU by thread")
    args = parser.parse_args()
    load_before = os.getloadavg()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="nycflights-") as tmp:
        data = Path(tmp) / "data"
        timed([sys.executable, "-m", "benchmarks.nycflights_pipeline", "generate", str(data)])
        ENV["NYCFLIGHTS_DATA"] = str(data)
        sides = {"now": with_source(None)}
        if args.baseline:
            sides = {"before": with_source(args.baseline), **sides}
        scratch = Path(tmp) / "runs"
        scratch.mkdir()
        for _ in range(args.rounds):
            got = {"loop": loop(scratch, data)}
            got.update({side: one_round(scratch, env) for side, env in sides.items()})
            if args.ledger:
                got["ledger"] = ledger(scratch, data)
            rounds.append(got)
    load_after = os.getloadavg()
    loop_wall = statistics.median(r["loop"][0] for r in rounds)
    loop_cpu = statistics.median(r["loop"][1] for r in rounds)
    print(f"{args.rounds} rounds; 1-minute load {load_before[0]:.1f} -> {load_after[0]:.1f}")
    print(f"loop: wall {loop_wall:.2f} s, CPU {loop_cpu:.2f} s")
    print("| side | workers | wall s | CPU s | wall / loop |")
    for side in sides:
        for fig in ("w1", "w2"):
            wall = statistics.median(r[side][fig][0] for r in rounds)
            cpu = statistics.median(r[side][fig][1] for r in rounds)
            ratio = statistics.median(r[side][fig][0] / r["loop"][0] for r in rounds)
            print(f"| {side} | {fig[1]} | {wall:.2f} | {cpu:.2f} | {ratio:.2f}x |")
    if args.ledger:
        print("| CPU s (median of rounds) | loop | --workers 1 |")
        print("|---|---|---|")
        for role in (*ROLES, "total"):
            loop_s, w1_s = (
                statistics.median(r["ledger"][side].get(role, 0.0) for r in rounds)
                for side in ("loop", "w1")
            )
            print(f"| {role} | {loop_s:.2f} | {w1_s:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"rounds": rounds}, indent=2))


if __name__ == "__main__":
    main()
