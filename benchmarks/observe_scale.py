"""Every read-side command at scale: 100 daily assets x 3,650 days with 10 runs of history.

Not a test: run it and read the numbers (``docs/benchmarks.md`` records them)::

    python benchmarks/observe_scale.py                          # builds the warehouse in a temp dir
    python benchmarks/observe_scale.py --folder /tmp/obsw        # keep it, reuse it next time

The warehouse comes from ``observe_warehouse.py`` (run 1 a backfill of all 365,000 partitions,
10 runs and about 407,000 tasks in all, one failing asset in the last run). Each command runs as
a user runs it: ``python -m assetflow -p bench_project.py CMD`` in a new process, so the figure
includes interpreter start-up, imports and loading the project (shown separately as ``asset
--help``); the best of ``--repeat`` runs and their median are printed, with the peak RSS.
CPU time (user + system of the child) is printed too: on a loaded shared machine it is the
steadier figure. Then each command again in this process (``CliRunner``): the command's own
work without the start-up every command pays alike (``--in-process-only`` skips the first
part). The read model answers from the published snapshot, so nothing takes a lock.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from observe_warehouse import PROJECT_FILE, START, build

REPO = Path(__file__).resolve().parents[1]


def commands(runs: list[dict]) -> list[tuple[str, list[str]]]:
    """What to time: every read-side command, against the biggest and the failed run."""
    newest, backfill = runs[0]["run_id"], runs[-1]["run_id"]
    last = f"{START.year + 9}-12-29"  # one of the last days every run touched
    return [
        ("start-up (asset --help)", ["--help"]),
        ("list", ["list"]),
        ("lineage (tree)", ["lineage"]),
        ("lineage a050 --format dot", ["lineage", "a050", "--format", "dot"]),
        ("runs", ["runs"]),
        ("runs --json", ["runs", "--json"]),
        ("runs show (failed run)", ["runs", "show", newest]),
        ("runs show (365,000-task backfill)", ["runs", "show", backfill]),
        ("timeline (failed run)", ["timeline", newest]),
        ("timeline (365,000-task backfill)", ["timeline", backfill]),
        ("history a057 --partition", ["history", "a057", "--partition", last]),
        ("history a099 (3,650 partitions)", ["history", "a099"]),
        ("history a099 --json", ["history", "a099", "--json"]),
        ("why a099 --partition (stale)", ["why", "a099", "--partition", last]),
        ("why a057 --partition (failed)", ["why", "a057", "--partition", last]),
        ("why a050 --partition (fresh)", ["why", "a050", "--partition", "2020-06-01"]),
        ("status (all 365,000)", ["status"]),
    ]


def timed(project: Path, args: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (KB) and stdout of one CLI call in
    a new process. On a shared machine the CPU time is the steadier figure of the two."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSETFLOW_")}
    env["PYTHONPATH"] = str(REPO)
    with tempfile.TemporaryFile("w+") as out:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "assetflow", "-p", str(project), *args],
            stdout=out,
            stderr=subprocess.DEVNULL,
            env=env,
            cwd=project.parent,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        took = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{args}: exit {proc.returncode}")
        out.seek(0)
        return took, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, out.read()


def in_process(project: Path, args: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (all threads) of one command run in this process: the command's
    own work (loading the project, the read model's queries, rendering) without interpreter
    start-up and imports, which every command pays alike."""
    from click.testing import CliRunner

    from assetflow.cli.app import cli

    runner = CliRunner()
    started, cpu = time.perf_counter(), time.process_time()
    result = runner.invoke(cli, ["-p", str(project), *args], catch_exceptions=False)
    took, cpu = time.perf_counter() - started, time.process_time() - cpu
    if result.exit_code not in (0, 1):
        raise SystemExit(f"{args}: exit {result.exit_code}: {result.output[-300:]}")
    return took, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, help="build (or reuse) the warehouse here")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--in-process-only", action="store_true")
    opts = parser.parse_args()
    folder = opts.folder or Path(tempfile.mkdtemp(prefix="observe-scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    project = folder / PROJECT_FILE
    if not (folder / "warehouse").exists():
        started = time.perf_counter()
        build(folder)
        print(f"built the warehouse in {time.perf_counter() - started:.0f}s at {folder}")
    size = sum(p.stat().st_size for p in (folder / "warehouse").rglob("*") if p.is_file())
    print(f"warehouse: {size / 1e6:.0f} MB on disk; load: {os.getloadavg()}")
    runs = json.loads(timed(project, ["runs", "--json"])[3])
    if not opts.in_process_only:
        print(f"{'command':<38} {'wall best':>9} {'median':>7} {'CPU best':>9}  peak RSS")
        for label, args in commands(runs):
            walls, cpus, peak = [], [], 0
            for _ in range(opts.repeat):
                took, cpu, rss, _ = timed(project, args)
                walls.append(took)
                cpus.append(cpu)
                peak = max(peak, rss)
            print(
                f"{label:<38} {min(walls):8.2f}s {statistics.median(walls):6.2f}s "
                f"{min(cpus):8.2f}s  {peak / 1024:.0f} MB"
            )
        print(f"load after: {os.getloadavg()}")
    print("\nin process (no start-up); 'first' is cold: the status cache is per process")
    print(f"{'command':<38} {'first':>7} {'CPU':>6} {'wall best':>9} {'CPU best':>9}")
    os.chdir(project.parent)
    for label, args in commands(runs)[1:]:
        runs_of = [in_process(project, args) for _ in range(opts.repeat)]
        (first, first_cpu), best = runs_of[0], min(r[0] for r in runs_of)
        cpu = min(r[1] for r in runs_of)
        print(f"{label:<38} {first:6.2f}s {first_cpu:5.2f}s {best:8.2f}s {cpu:8.2f}s")
    print(f"load after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
