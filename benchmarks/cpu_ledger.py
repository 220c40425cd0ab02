"""Where a whole command's CPU goes, by process and thread, per task, against the floor.

Usage (from the repository root, in the project's virtualenv)::

    python -m benchmarks.cpu_ledger [--days 30 150] [--workers 1] [--rounds 2]

Runs the seed pipeline's floor (``benchmarks/seed_pipeline.py``: the asset functions and
``write_parquet`` in a plain loop) and ``asset materialize --from --to`` over the same days,
interleaved, each as a whole process, at two sizes. The difference between the sizes divided by
the difference in tasks is the *marginal* CPU of a task (what a longer backfill adds per
asset-partition); what is left at the small size is the *fixed* cost (start-up, planning, the
final publish). While each runs, every thread of it and of its children
is sampled from ``/proc`` (Linux) every 50 ms; the last sample of each thread is its CPU. The
report splits CPU seconds per task (asset-partition) by where they were spent:

- ``command main``: the command's main thread (for ``asset``: imports, plan, the run loop);
- ``command threads``: its other threads that carry no name of their own: Python threads (the
  committer: commits, state, publishing) and DuckDB's;
- ``command native``: its named library threads (polars' pool, polars' Parquet writer's async
  executor and tokio, jemalloc);
- ``worker main`` / ``worker threads`` / ``worker native``: the same in worker processes
  (start-up, asset functions and staging; data versions of large tables and the inbox; polars);
- ``unsampled``: the kernel's exact total (``wait4``) minus the samples: the last 50 ms of
  each thread, and threads that lived less than a sample.

The floor is one plain process, so its CPU falls in the ``command`` rows. Sampling costs a
little CPU on the machine, the same for both sides.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from benchmarks.seed_bench import ENV, FIRST, PIPELINE, ROOT, asset_cmd, last_day

TICK = os.sysconf("SC_CLK_TCK")
KINDS = ("main", "threads", "native")
ROLES = (*(f"{side} {kind}" for side in ("command", "worker") for kind in KINDS), "unsampled")


def _children(root: int) -> list[int]:
    """``root`` and every process descended from it."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat[stat.rindex(")") + 2 :].split()[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def _threads(pid: int) -> list[tuple[int, str, float]]:
    """(thread id, name, CPU seconds) of each thread of ``pid``."""
    out = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = Path(f"/proc/{pid}/task/{tid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        out.append((int(tid), name, (int(fields[11]) + int(fields[12])) / TICK))
    return out


def _role(pid: int, tid: int, name: str, process_name: str, worker: bool) -> str:
    side = "worker" if worker else "command"
    if tid == pid:
        return f"{side} main"
    # Python's threads (and DuckDB's) keep the process's name; polars' and Arrow's name theirs.
    return f"{side} threads" if name == process_name else f"{side} native"


def sampled(cmd: list[str]) -> dict[str, float]:
    """CPU seconds of ``cmd`` (and its children) by role; fails loudly if it fails."""
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL)
    last: dict[tuple[int, int], tuple[str, float]] = {}
    workers: set[int] = set()  # sticky: a dead worker's cmdline reads empty before it is reaped
    while True:
        pid_done, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid_done:
            break
        for pid in _children(proc.pid):
            try:
                if b"child_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                    workers.add(pid)
                threads = _threads(pid)
            except OSError:
                continue
            names = {tid: name for tid, name, _ in threads}
            for tid, name, cpu in threads:
                role = _role(pid, tid, name, names.get(pid, ""), pid in workers)
                last[(pid, tid)] = (role, cpu)
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed")
    roles: dict[str, float] = defaultdict(float)
    for role, cpu in last.values():
        roles[role] += cpu
    # Children (workers) are waited for by the command itself, so RUSAGE_CHILDREN of this
    # process holds them once the command has exited; wait4 gives the command and its children.
    total = usage.ru_utime + usage.ru_stime
    roles["unsampled"] = total - sum(roles.values())
    roles["total"] = total
    return dict(roles)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs=2, default=[30, 150], metavar=("SMALL", "LARGE"))
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    small, large = sorted(args.days)
    if small == large:
        parser.error("--days needs two different sizes")
    load = os.getloadavg()[0]
    got: dict[tuple[str, int], list[dict[str, float]]] = defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="cpu-ledger-") as tmp:
        scratch = Path(tmp)
        for _ in range(args.rounds):
            for days in (small, large):
                floor_cmd = [sys.executable, "-m", "benchmarks.seed_pipeline", "floor"]
                got["floor", days].append(
                    sampled([*floor_cmd, str(scratch / "floor"), FIRST, str(days)])
                )
                run = asset_cmd(
                    scratch / "w", "materialize", "--from", FIRST, "--to", last_day(days),
                    "--workers", str(args.workers), "--plain",
                )  # fmt: skip
                got["assetflow", days].append(sampled(run))
                for path in scratch.iterdir():
                    shutil.rmtree(path)
    print(
        f"{PIPELINE.name}: {small} and {large} days x 3 assets, --workers {args.workers}, "
        f"{args.rounds} rounds (median); 1-minute load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print("| CPU | floor: fixed s | marginal ms/task | assetflow: fixed s | marginal ms/task |")
    print("|---|---|---|---|---|")
    tasks = 3 * (large - small)
    for role in (*ROLES, "total"):
        cells = []
        for side in ("floor", "assetflow"):
            at = {
                d: statistics.median(r.get(role, 0.0) for r in got[side, d]) for d in (small, large)
            }
            marginal = (at[large] - at[small]) / tasks
            cells += [f"{at[small] - marginal * 3 * small:.2f}", f"{marginal * 1000:.2f}"]
        print(f"| {role} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
