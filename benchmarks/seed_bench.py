"""The seed pipeline against its floor, whole commands side by side in one run.

Usage (from the repository root, in the project's virtualenv)::

    python -m benchmarks.seed_bench [--rounds 3] [--days 365] [--json out.json]

Every figure is a whole process (``asset ...`` or ``python -m benchmarks.seed_pipeline floor``)
timed from outside: wall clock, and CPU (user + sys) from the kernel's accounting of the
process and its children (``os.wait4``). Contenders run interleaved, round after round, each on
a fresh output directory, and the median is reported with the ratio to the floor taken round by
round, so a drift in the machine's speed hits both sides.

Figures:

- ``floor``: :func:`benchmarks.seed_pipeline.floor` over DAYS days (3 assets, 10,000 raw rows a
  day, the same polars functions, ``write_parquet``, frames handed over in memory);
- ``w1`` / ``w2``: ``asset materialize --from --to`` over the same days, 1 and 2 workers;
- ``framework ms/asset-partition``: (CPU of ``w1`` - CPU of the floor) / (3 x DAYS);
- ``cron``: ``asset materialize --partition DAY`` for successive days, one call each, on one
  warehouse (the first call, which creates the warehouse, is not counted);
- ``noop``: ``asset materialize --from --to`` again over the full, fresh warehouse of ``w1``;
- ``help`` / ``version``: ``asset --help`` and ``asset --version``; ``python``: ``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIPELINE = ROOT / "benchmarks" / "seed_pipeline.py"
FIRST = "2025-01-01"


ENV = dict(os.environ)


def timed(cmd: list[str]) -> tuple[float, float]:
    """(wall s, CPU s) of one whole command, its children included; fails loudly if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def last_day(days: int) -> str:
    return (date.fromisoformat(FIRST) + timedelta(days=days - 1)).isoformat()


def asset_cmd(warehouse: Path, *args: str) -> list[str]:
    asset = str(Path(sys.executable).parent / "asset")
    return [asset, "-p", str(PIPELINE), "-w", str(warehouse), *args]


def materialize(warehouse: Path, days: int, workers: int) -> list[str]:
    return asset_cmd(
        warehouse,
        "materialize",
        "--from",
        FIRST,
        "--to",
        last_day(days),
        "--workers",
        str(workers),
        "--plain",
    )


def one_round(scratch: Path, days: int, cron_days: int) -> dict[str, tuple[float, float]]:
    out: dict[str, tuple[float, float]] = {}
    floor_dir = scratch / "floor"
    out["floor"] = timed(
        [
            sys.executable,
            "-m",
            "benchmarks.seed_pipeline",
            "floor",
            str(floor_dir),
            FIRST,
            str(days),
        ]
    )
    for workers in (1, 2):
        out[f"w{workers}"] = timed(materialize(scratch / f"w{workers}", days, workers))
    out["noop"] = timed(materialize(scratch / "w1", days, 1))
    cron = scratch / "cron"
    start = date.fromisoformat(FIRST)
    timed(asset_cmd(cron, "materialize", "--partition", FIRST, "--plain"))
    calls = [
        timed(
            asset_cmd(
                cron,
                "materialize",
                "--partition",
                (start + timedelta(days=i)).isoformat(),
                "--plain",
            )
        )
        for i in range(1, cron_days + 1)
    ]
    out["cron"] = (
        statistics.median(c[0] for c in calls),
        statistics.median(c[1] for c in calls),
    )
    out["help"] = timed(asset_cmd(scratch, "--help"))
    out["version"] = timed(asset_cmd(scratch, "--version"))
    out["python"] = timed([sys.executable, "-c", "pass"])
    for path in scratch.iterdir():
        shutil.rmtree(path)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--cron-days", type=int, default=5)
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--src", type=Path, help="import assetflow from this source tree (e.g. an older commit)"
    )
    args = parser.parse_args()
    if args.src:
        ENV["PYTHONPATH"] = str(args.src.resolve())
    load_before = os.getloadavg()
    rounds = []
    with tempfile.TemporaryDirectory(prefix="seed-bench-") as tmp:
        for i in range(args.rounds):
            rounds.append(one_round(Path(tmp), args.days, args.cron_days))
            print(f"round {i + 1}/{args.rounds} done", file=sys.stderr)
    load_after = os.getloadavg()
    names = list(rounds[0])
    med = {n: tuple(statistics.median(r[n][k] for r in rounds) for k in (0, 1)) for n in names}
    ratio = {n: statistics.median(r[n][0] / r["floor"][0] for r in rounds) for n in ("w1", "w2")}
    per_ap = statistics.median(
        (r["w1"][1] - r["floor"][1]) / (3 * args.days) * 1000 for r in rounds
    )
    print(
        f"{args.days} days, {args.rounds} rounds; load {load_before[0]:.2f} -> {load_after[0]:.2f}"
    )
    print(f"{'figure':<10} {'wall s':>8} {'CPU s':>8} {'wall / floor':>13}")
    for n in names:
        r = f"{ratio[n]:.2f}x" if n in ratio else ""
        print(f"{n:<10} {med[n][0]:>8.3f} {med[n][1]:>8.3f} {r:>13}")
    print(f"framework CPU per asset-partition (w1 - floor): {per_ap:.2f} ms")
    if args.json:
        doc = {
            "days": args.days,
            "rounds": rounds,
            "median": med,
            "ratio_to_floor": ratio,
            "framework_ms_per_asset_partition": per_ap,
            "load": [load_before[0], load_after[0]],
        }
        args.json.write_text(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
