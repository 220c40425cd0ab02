"""A worker process started before the coordinator plans (``execute/warm.py``): the pool takes
it instead of starting one, a dead one is never handed out, one nobody takes is killed, and the
CLI starts one only for commands that will likely run many tasks in processes."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assetflow.cli.app import _likely_worker_run
from assetflow.execute import warm
from tests.conftest import invoke_cli, resource
from tests.execute.conftest import rows


@pytest.fixture(autouse=True)
def _no_leftover():
    warm.discard()
    yield
    warm.discard()


def test_a_prestarted_worker_is_taken_once_and_a_dead_one_never():
    warm.prestart()
    warm.prestart()  # at most one waits
    taken = warm.take()
    assert taken is not None and taken[0].poll() is None
    assert warm.take() is None
    taken[0].kill()
    taken[0].wait()
    taken[1].close()
    warm.prestart()
    warm._waiting[0][0].kill()
    warm._waiting[0][0].wait()
    assert warm.take() is None  # dead: the pool starts a fresh one instead


def test_discard_kills_the_worker_nobody_took():
    warm.prestart()
    process = warm._waiting[0][0]
    warm.discard()
    assert process.poll() is not None and warm._waiting == []


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["-p", "x.py", "materialize", "--from", "2026-01-01", "--to", "2026-02-01"], {}, True),
        (["materialize", "--to=2026-02-01"], {}, True),
        (["materialize"], {}, False),  # everything due: a cron job's steady state, often nothing
        (["-w", "new", "materialize"], {}, True),  # ... unless the warehouse is new: a backfill
        (["--warehouse=new", "--debug", "materialize", "--plain"], {}, True),
        (["-p", "x.py", "--lock-timeout", "5", "-w", "new", "materialize"], {}, True),
        (["-w", "old", "materialize"], {}, False),
        (["materialize"], {"ASSETFLOW_WAREHOUSE": "new"}, True),
        (["-w", "new", "materialize", "--partition", "2026-04-08"], {}, False),
        (["backfill", "--from", "2026-01-01", "--to", "2026-02-01"], {}, True),
        (["materialize", "--partition", "2026-04-08"], {}, False),  # cron-style: threads
        (["materialize", "--dry-run"], {}, False),
        (["materialize", "--help"], {}, False),
        (["status"], {}, False),
        (["materialize", "--from", "2026-01-01", "--executor", "threads"], {}, False),
        (["materialize", "--from", "2026-01-01", "--executor=dask"], {}, False),
        (["materialize", "--from", "2026-01-01"], {"ASSETFLOW_EXECUTOR": "threads"}, False),
        (
            ["materialize", "--from", "2026-01-01", "--executor", "processes"],
            {"ASSETFLOW_EXECUTOR": "threads"},
            True,
        ),
    ],
)
def test_the_cli_prestarts_a_worker_only_for_runs_that_will_likely_use_one(
    monkeypatch, tmp_path, args, env, expected
):
    monkeypatch.chdir(tmp_path)  # no [tool.assetflow] here: only the options name a warehouse
    (tmp_path / "old" / ".assetflow").mkdir(parents=True)
    (tmp_path / "old" / ".assetflow" / "catalog.duckdb").touch()
    for name in ("ASSETFLOW_EXECUTOR", "ASSETFLOW_WAREHOUSE", "ASSETFLOW_PROJECT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert _likely_worker_run(args) is expected


@pytest.mark.slow  # a real worker process runs the tasks
def test_a_range_command_runs_its_tasks_on_the_prestarted_worker(warehouse, monkeypatch):
    prestarted: list[int] = []
    real = warm.prestart

    def watched() -> None:
        real()
        prestarted.append(warm._waiting[0][0].pid)

    monkeypatch.setattr(warm, "prestart", watched)
    out = invoke_cli(
        "-p", str(resource("whoami")), "-w", str(warehouse), "materialize",
        "--from", "2026-04-01", "--to", "2026-04-09", "--workers", "1",
        env={"ASSETFLOW_EXECUTOR": "processes"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert len(prestarted) == 1 and warm._waiting == []  # taken by the pool, not left unused
    assert rows(warehouse, "select distinct pid from ran_in") == [(prestarted[0],)]


def test_a_worker_process_imports_neither_duckdb_nor_pydantic():
    """A worker only runs assets and writes Parquet (DuckDB comes in with an input or output
    that uses it); ~0.1-0.2 s less of every worker's start-up."""
    code = (
        "import json, sys; from assetflow.execute.worker import child_main; "
        "print(json.dumps(sorted(m for m in ('duckdb', 'pydantic') if m in sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_prestarted_worker_ignores_ctrl_c_it_is_the_coordinator_s_call():
    warm.prestart()
    process = warm._waiting[0][0]
    status = Path(f"/proc/{process.pid}/status")

    def ignores_sigint() -> bool:
        line = next(x for x in status.read_text().splitlines() if x.startswith("SigIgn:"))
        return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))

    deadline = time.monotonic() + 30
    while not ignores_sigint():
        assert time.monotonic() < deadline, "the worker never set SIGINT aside"
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)  # what Ctrl-C sends the whole process group
    time.sleep(0.5)
    assert process.poll() is None  # still there for the pool (the fixture kills it)
