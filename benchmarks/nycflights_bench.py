"""nycflights13-sized pipeline: assetflow against a plain loop, whole commands in one run.

Usage (from the repository root)::

    python -m benchmarks.nycflights_bench [--rounds 1] [--src DIR] [--json out.json]

Generates the data once (``benchmarks/nycflights_pipeline.py``, deterministic, no download),
then per round, interleaved: the plain loop (each input loaded once, frames in memory),
``asset materialize`` of all ten assets over 2013 with ``--workers 1`` and ``--workers 2``, each
on a fresh warehouse. Wall and CPU (user + sys, children included) of each whole command.
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
from benchmarks.seed_bench import ENV, timed

PIPELINE = seed_bench.ROOT / "benchmarks" / "nycflights_pipeline.py"


def one_round(scratch: Path, data: Path) -> dict[str, tuple[float, float]]:
    out = {
        "loop": timed(
            [
                sys.executable,
                "-m",
                "benchmarks.nycflights_pipeline",
                "loop",
                str(data),
                str(scratch / "loop"),
            ]
        )
    }
    asset = str(Path(sys.executable).parent / "asset")
    for workers in (1, 2):
        out[f"w{workers}"] = timed(
            [
                asset,
                "-p",
                str(PIPELINE),
                "-w",
                str(scratch / f"w{workers}"),
                "materialize",
                "--workers",
                str(workers),
                "--plain",
            ]
        )
    for path in scratch.iterdir():
        shutil.rmtree(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--src", type=Path, help="import assetflow from this source tree")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.src:
        ENV["PYTHONPATH"] = str(args.src.resolve())
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="nycflights-") as tmp:
        data = Path(tmp) / "data"
        timed([sys.executable, "-m", "benchmarks.nycflights_pipeline", "generate", str(data)])
        ENV["NYCFLIGHTS_DATA"] = str(data)
        scratch = Path(tmp) / "runs"
        scratch.mkdir()
        rounds = [one_round(scratch, data) for _ in range(args.rounds)]
    load_after = os.getloadavg()
    med = {n: tuple(statistics.median(r[n][k] for r in rounds) for k in (0, 1)) for n in rounds[0]}
    ratio = {n: statistics.median(r[n][0] / r["loop"][0] for r in rounds) for n in ("w1", "w2")}
    print(f"{args.rounds} rounds; load {load_before[0]:.2f} -> {load_after[0]:.2f}")
    print(f"{'figure':<8} {'wall s':>8} {'CPU s':>8} {'wall / loop':>12}")
    for n, (wall, cpu) in med.items():
        r = f"{ratio[n]:.2f}x" if n in ratio else ""
        print(f"{n:<8} {wall:>8.2f} {cpu:>8.2f} {r:>12}")
    if args.json:
        doc = {
            "rounds": rounds,
            "median": med,
            "ratio_to_loop": ratio,
            "load": [load_before[0], load_after[0]],
        }
        args.json.write_text(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
