"""One large partition: assetflow's write path against polars' own ``write_parquet``.

Usage (from the repository root)::

    python -m benchmarks.large_partition [--rows 20000000] [--rounds 3] [--baseline DIR]

``big`` builds a frame of ROWS rows (int64 id, float64 amount, a datetime and a 50-value
string column; generated, deterministic). Contenders, whole processes, interleaved:

- ``polars``: build the frame, ``write_parquet`` (zstd) into a folder, fsync it;
- ``asset``: ``asset materialize big`` on a fresh warehouse (threads executor, so the frame is
  built in the command's own process): the frame built, staged, versioned and committed.

Reported: wall and CPU seconds, and peak RSS against the frame's own size
(``DataFrame.estimated_size``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

import assetflow as af
from benchmarks.seed_bench import ASSET, ENV, with_source

ROWS = int(os.environ.get("LARGE_PARTITION_ROWS", "20000000"))


def build(rows: int = ROWS) -> pl.DataFrame:
    rng = np.random.default_rng(20)
    labels = pl.Series("label", [f"category-{i:02d}" for i in range(50)])
    return pl.DataFrame(
        {
            "id": np.arange(rows, dtype=np.int64),
            "amount": rng.uniform(0, 1000, rows).round(2),
            "at": np.datetime64("2025-01-01T00:00:00", "us")
            + rng.integers(0, 86_400_000_000, rows).astype("timedelta64[us]"),
            "label": labels.gather(rng.integers(0, 50, rows)),
        }
    )


@af.asset(code_version="1")
def big() -> pl.DataFrame:
    """ROWS rows in one (unpartitioned) partition."""
    return build()


def write_with_polars(out: Path) -> None:
    frame = build()
    out.mkdir(parents=True, exist_ok=True)
    path = out / "data.parquet"
    frame.write_parquet(path, compression="zstd")
    fd = os.open(path, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    print(frame.estimated_size(), file=sys.stderr)


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(wall s, CPU s, peak RSS MB of the command, its stderr)."""
    import subprocess

    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {err[-2000:]}")
    wall = time.perf_counter() - started
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, err


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="also run assetflow from this source tree")
    args = parser.parse_args()
    ENV["LARGE_PARTITION_ROWS"] = str(args.rows)
    sides = {"now": with_source(None)}
    if args.baseline:
        sides = {"before": with_source(args.baseline), **sides}
    here = str(Path(__file__).resolve())
    results: dict[str, list[tuple[float, float, float]]] = {"polars": []}
    frame_mb = 0.0
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="large-", dir=Path.cwd()) as tmp:
        for _ in range(args.rounds):
            wall, cpu, rss, err = timed(
                [sys.executable, "-m", "benchmarks.large_partition", "polars", f"{tmp}/p"],
                with_source(None),
            )
            frame_mb = int(err.strip().splitlines()[-1]) / 2**20
            results["polars"].append((wall, cpu, rss))
            shutil.rmtree(f"{tmp}/p")
            for side, env in sides.items():
                cmd = [*ASSET, "-p", here, "-w", f"{tmp}/w", "materialize", "--plain"]
                wall, cpu, rss, _ = timed([*cmd, "--executor", "threads"], env)
                results.setdefault(side, []).append((wall, cpu, rss))
                shutil.rmtree(f"{tmp}/w")
    print(f"{args.rows:,} rows, frame {frame_mb:,.0f} MB; {args.rounds} rounds; load {load:.1f}")
    print("| contender | wall s | CPU s | peak RSS MB | RSS / frame | wall / polars |")
    for name, runs in results.items():
        wall, cpu, rss = (statistics.median(r[k] for r in runs) for k in range(3))
        ratio = statistics.median(r[0] / p[0] for r, p in zip(runs, results["polars"], strict=True))
        print(
            f"| {name} | {wall:.2f} | {cpu:.2f} | {rss:,.0f} | {rss / frame_mb:.2f}x "
            f"| {ratio:.2f}x |"
        )


if __name__ == "__main__":
    if sys.argv[1:2] == ["polars"]:
        write_with_polars(Path(sys.argv[2]))
    else:
        main()
