"""The seed pipeline against its floor, whole commands side by side in one run.

Usage (from the repository root, in the project's virtualenv)::

    python -m benchmarks.seed_bench [--rounds 3] [--days 365] [--json out.json]
    git archive BASE | tar -x -C /tmp/base && python -m benchmarks.seed_bench --baseline /tmp/base

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
- ``help`` / ``version``: ``asset --help`` and ``asset --version``; ``python``: ``python -c ''``.

With ``--baseline DIR`` every assetflow figure is also taken importing assetflow from DIR (an
older commit's tree), in the same rounds, so before and after share the machine's state.
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


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""Commands run as an installed assetflow runs: with its bytecode cached (a shell that sets
PYTHONDONTWRITEBYTECODE would make every command compile assetflow's modules afresh)."""


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """(wall s, CPU s) of one whole command, its children included; fails loudly if it fails."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env or ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.decode()[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime


def with_source(src: Path | None) -> dict[str, str]:
    """The environment that imports assetflow from ``src`` (None: the installed one); says
    where each side imports it from, and refuses a baseline that imports this checkout."""
    env = dict(ENV, PYTHONPATH=str(src.resolve())) if src else dict(ENV)
    found = subprocess.run(
        [sys.executable, "-P", "-c", "import assetflow; print(assetflow.__file__)"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    print(f"{'baseline' if src else 'now'}: assetflow from {Path(found).parent}")
    if src and Path(found).resolve().is_relative_to(ROOT.resolve()):
        raise SystemExit(f"the baseline {src} imports this checkout's assetflow ({found})")
    return env


def last_day(days: int) -> str:
    return (date.fromisoformat(FIRST) + timedelta(days=days - 1)).isoformat()


ASSET = [
    sys.executable,
    "-P",  # no working directory first on sys.path: a baseline's PYTHONPATH must win
    "-c",
    "import sys; sys.argv[0] = 'asset'\nimport assetflow.cli as c\n"
    "sys.exit(getattr(c, 'script', c.main)())",
]
"""The ``asset`` command as its console script runs it (``sys.exit(script())`` from a script
file), whichever assetflow the environment imports: a ``--baseline`` tree older than the
``script`` entry point runs ``main``. Not ``python -m assetflow``: measured on 2026-11-28, an
old tree's interpreter teardown was ~0.2 s cheaper that way than from a script, which hid what
the console script costs users. ``-P``: commands run from the repository root, and ``-c``
puts the working directory before PYTHONPATH, so until 2026-11-28 a ``--baseline`` side
imported this checkout too (both sides ran the same code)."""


def asset_cmd(warehouse: Path, *args: str) -> list[str]:
    return [*ASSET, "-p", str(PIPELINE), "-w", str(warehouse), *args]


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


def floor(scratch: Path, days: int) -> tuple[float, float]:
    cmd = [sys.executable, "-m", "benchmarks.seed_pipeline", "floor", str(scratch / "floor")]
    return timed([*cmd, FIRST, str(days)])


def one_round(
    scratch: Path, days: int, cron_days: int, env: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """assetflow's figures, importing it as ``env`` says, on fresh warehouses."""
    out: dict[str, tuple[float, float]] = {}
    for workers in (1, 2):
        out[f"w{workers}"] = timed(materialize(scratch / f"w{workers}", days, workers), env)
    out["noop"] = timed(materialize(scratch / "w1", days, 1), env)
    cron = scratch / "cron"
    start = date.fromisoformat(FIRST)
    timed(asset_cmd(cron, "materialize", "--partition", FIRST, "--plain"), env)
    calls = [
        timed(asset_cmd(cron, "materialize", "--partition", day, "--plain"), env)
        for day in ((start + timedelta(days=i)).isoformat() for i in range(1, cron_days + 1))
    ]
    out["cron"] = (
        statistics.median(c[0] for c in calls),
        statistics.median(c[1] for c in calls),
    )
    out["help"] = timed(asset_cmd(scratch, "--help"), env)
    out["version"] = timed(asset_cmd(scratch, "--version"), env)
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
        "--baseline",
        type=Path,
        help="also run every assetflow figure importing assetflow from this source tree "
        "(e.g. `git archive` of an older commit), interleaved with the current one",
    )
    args = parser.parse_args()
    sides = {"now": with_source(None)}
    if args.baseline:
        sides = {"before": with_source(args.baseline), **sides}
    load_before = os.getloadavg()
    rounds: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="seed-bench-") as tmp:
        scratch = Path(tmp)
        for i in range(args.rounds):
            got = {"floor": floor(scratch, args.days), "python": timed([sys.executable, "-c", ""])}
            shutil.rmtree(scratch / "floor")
            for side, env in sides.items():
                got[side] = one_round(scratch, args.days, args.cron_days, env)
            rounds.append(got)
            print(f"round {i + 1}/{args.rounds} done", file=sys.stderr)
    load_after = os.getloadavg()
    report(rounds, list(sides), args.days, (load_before[0], load_after[0]))
    if args.json:
        args.json.write_text(json.dumps({"days": args.days, "rounds": rounds}, indent=2))


def report(rounds: list[dict], sides: list[str], days: int, load: tuple[float, float]) -> None:
    def med(values) -> float:
        return statistics.median(values)

    print(f"{days} days, {len(rounds)} rounds; 1-minute load {load[0]:.1f} -> {load[1]:.1f}")
    for name in ("floor", "python"):
        wall, cpu = med(r[name][0] for r in rounds), med(r[name][1] for r in rounds)
        print(f"{name}: wall {wall:.3f} s, CPU {cpu:.3f} s")
    print("| figure | " + " | ".join(f"{s} wall / CPU s | {s} wall / floor" for s in sides) + " |")
    for figure in rounds[0][sides[0]]:
        cells = []
        for s in sides:
            wall = med(r[s][figure][0] for r in rounds)
            cpu = med(r[s][figure][1] for r in rounds)
            ratio = med(r[s][figure][0] / r["floor"][0] for r in rounds)
            cells.append(f"{wall:.3f} / {cpu:.3f} | {ratio:.2f}x")
        print(f"| {figure} | " + " | ".join(cells) + " |")
    for s in sides:
        per = med((r[s]["w1"][1] - r["floor"][1]) / (3 * days) * 1000 for r in rounds)
        print(f"{s}: framework CPU per asset-partition, (w1 - floor) / (3 x days): {per:.2f} ms")


if __name__ == "__main__":
    main()
