"""The Dask executor on real clusters: local worker processes, kills, timeouts, cancellation.

One ``LocalCluster`` of two worker processes (one thread each) serves the module; each test
connects to it by address, as a coordinator reaches a remote cluster. The worker processes
inherit ``DASK_TEST_MARKERS``, where ``tests/resources/dask_faults.py`` marks each execution
with its process id. Every port is the OS's choice (other clusters may run on the machine), and
a test whose workers do not come back fails with their nannies' states and log lines.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")

from dask import config as dask_config  # noqa: E402

import assetflow as af  # noqa: E402
from assetflow.execute.dask_executor import KEEP_RESTARTED_WORKERS, DaskExecutor  # noqa: E402
from tests.conftest import REPO, invoke_cli, load_project  # noqa: E402
from tests.execute.conftest import load, rows, statuses  # noqa: E402

pytestmark = pytest.mark.slow

DAYS = ["2026-04-01", "2026-04-02", "2026-04-03"]
SALES = REPO / "examples" / "sales" / "pipeline.py"


WORKERS = 2
READY_SECONDS = 300
"""How long a test waits for both workers: a restart (a cancel, a timeout, a stale project) takes
seconds, and minutes on a loaded 2-core machine; a worker that is gone for good fails the test."""


class Cluster:
    def __init__(self, markers: Path) -> None:
        self.markers = markers
        os.environ["DASK_TEST_MARKERS"] = str(markers)  # the worker processes inherit it
        # Keep a restarted worker however long it takes to come back (see the constant); the
        # setting is read whenever a worker leaves, so it stays set while the cluster lives.
        self.settings = dask_config.set(KEEP_RESTARTED_WORKERS)
        self.local = distributed.LocalCluster(
            n_workers=WORKERS,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
            # The scheduler serves HTTP (health, metrics) even without a dashboard, on 8787
            # unless told: another cluster on the machine may hold that port.
            scheduler_kwargs={"dashboard_address": ":0"},
            silence_logs=False,  # the nannies' and workers' INFO lines: why one did not come back
        )
        self.nannies = dict(self.local.workers)  # the cluster forgets a nanny it closed
        self.client = distributed.Client(self.local, set_as_default=False)
        self.address = self.local.scheduler_address

    def ready(self) -> None:
        """Both workers up (a test before may have restarted one: slow on a loaded machine)."""
        try:
            self.client.wait_for_workers(WORKERS, timeout=READY_SECONDS)
            return
        except TimeoutError:
            pass
        pytest.fail(self.why_not_ready(), pytrace=False)

    def why_not_ready(self) -> str:
        """Which workers are missing, on which ports, and the last log lines of each."""
        scheduler = self.local.scheduler
        present = {w.name: a for a, w in scheduler.workers.items() if w.status.name == "running"}
        lines = [
            f"only {len(present)}/{WORKERS} Dask workers running after {READY_SECONDS} s; "
            f"scheduler {self.address} (HTTP port {scheduler.http_server.port})"
        ]
        for name, nanny in sorted(self.nannies.items()):
            lines.append(
                f"worker {name}: {present.get(name, 'not registered')}; nanny "
                f"{nanny.address_safe} {nanny.status.name}, process {nanny.pid} "
                f"({'alive' if nanny.is_alive() else 'not alive'})"
            )
        shared = next(iter(self.nannies.values()))
        lines.append("nannies (they run in this process and share one log):")
        lines += [f"  {entry}" for _, entry in reversed(shared.get_logs(n=20))]
        with suppress(Exception):  # the workers that do run, in their own processes
            for address, entries in self.client.get_worker_logs(n=8).items():
                lines.append(f"worker process {address}:")
                lines += [f"  {entry}" for _, entry in reversed(entries)]
        lines.append("scheduler:")
        lines += [f"  {entry}" for _, entry in reversed(scheduler.get_logs(n=20))]
        return "\n".join(lines)

    def pids(self) -> set[int]:
        return set(self.client.run(os.getpid).values())

    def marked(self, prefix: str, timeout: float = 60) -> list[int]:
        """Process ids of the executions marked ``prefix-*``, waiting for the first."""
        deadline = time.monotonic() + timeout
        while not (found := sorted(self.markers.glob(f"{prefix}-*"))):
            assert time.monotonic() < deadline, f"no execution of {prefix} started"
            time.sleep(0.05)
        return [int(p.name.rsplit("-", 1)[1]) for p in found]

    def quiet(self, timeout: float = 60) -> None:
        """Wait until no worker executes anything (a cancelled task runs on to its end)."""
        deadline = time.monotonic() + timeout
        while sum(self.client.run(lambda dask_worker: len(dask_worker.state.executing)).values()):
            assert time.monotonic() < deadline, "the workers stay busy"
            time.sleep(0.1)

    def close(self) -> None:
        self.client.close()
        self.local.close()
        self.settings.__exit__(None, None, None)
        os.environ.pop("DASK_TEST_MARKERS", None)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    running = Cluster(tmp_path_factory.mktemp("markers"))
    try:
        yield running
    finally:
        running.close()


@pytest.fixture
def dask(cluster: Cluster) -> DaskExecutor:
    cluster.ready()
    return DaskExecutor(cluster.address)


def current_versions(warehouse: Path) -> list[tuple]:
    return rows(
        warehouse,
        "select m.asset, m.partition, m.data_version from assetflow.current c "
        "join assetflow.materializations m on m.id = c.materialization_id order by 1, 2",
    )


def test_a_30_day_backfill_commits_what_the_local_executor_commits(tmp_path, cluster):
    cluster.ready()
    span = ["backfill", "--from", "2026-03-01", "--to", "2026-03-30"]
    local = invoke_cli("-p", str(SALES), "-w", str(tmp_path / "local"), *span)
    on_dask = invoke_cli(
        "-p", str(SALES), "-w", str(tmp_path / "dask"), *span,
        "--executor", "dask", "--scheduler", cluster.address,
    )  # fmt: skip
    assert local.returncode == 0, local.stderr
    assert on_dask.returncode == 0, on_dask.stdout + on_dask.stderr
    versions = current_versions(tmp_path / "dask")
    march = {p for a, p, _ in versions if a == "daily_report" and p.startswith("2026-03")}
    assert len(march) == 30
    assert versions == current_versions(tmp_path / "local")
    counts = rows(
        tmp_path / "dask",
        "select asset, partition, count(*) from assetflow.materializations group by all "
        "having count(*) > 1",
    )
    assert counts == []  # every partition committed once


def test_a_worker_killed_mid_attempt_is_retried_elsewhere(warehouse, cluster, dask):
    project = load("dask_faults", warehouse, executor=dask)
    done: list[af.RunResult] = []
    run = threading.Thread(
        target=lambda: done.append(project.materialize("after", partitions=DAYS))
    )
    run.start()
    [pid] = cluster.marked("held-2026-04-01-1")
    assert pid in cluster.pids()  # a worker process of the cluster runs the attempt
    os.kill(pid, signal.SIGKILL)
    run.join(timeout=120)
    [result] = done

    assert result.status == "succeeded", result.summary()
    assert set(statuses(result).values()) == {"succeeded"}
    assert rows(
        warehouse,
        "select attempt, status, error_type from assetflow.attempts "
        "where asset = 'held' and partition = '2026-04-01' order by attempt",
    ) == [(1, "failed", "WorkerDied"), (2, "succeeded", None)]
    assert rows(warehouse, "select day, attempt from held order by day") == [
        (DAYS[0], 2), (DAYS[1], 1), (DAYS[2], 1)
    ]  # fmt: skip
    assert rows(
        warehouse,
        "select count(*), count(distinct (asset, partition)) from assetflow.materializations",
    ) == [(6, 6)]  # nothing committed twice
    assert project.verify().ok
    # Dask may have run the lost attempt again before it was cancelled: that execution runs on
    # to its end and leaves a file no commit references, which vacuum removes.
    cluster.quiet()
    project.clock = lambda: datetime.now(UTC)  # the files are from now, the test clock is not
    project.vacuum(older_than=timedelta(0))
    assert project.verify().orphans == []


def test_a_timeout_restarts_the_worker_and_a_failing_task_stops_its_downstream(
    warehouse, cluster, dask
):
    project = load("dask_faults", warehouse, executor=dask)
    result = project.materialize(["stuck", "report"], partitions=DAYS[:2])

    assert result.status == "failed", result.summary()
    by_key = statuses(result)
    assert {by_key[("stuck", d)] for d in DAYS[:2]} == {"succeeded"}
    assert {by_key[("broken", d)] for d in DAYS[:2]} == {"failed"}
    assert {by_key[("report", d)] for d in DAYS[:2]} == {"upstream_failed"}
    assert rows(
        warehouse,
        "select asset, partition, attempt, status, error_type from assetflow.attempts "
        "where asset in ('stuck', 'broken') order by all",
    ) == [
        *[("broken", d, n, "failed", "RuntimeError") for d in DAYS[:2] for n in (1, 2)],
        ("stuck", DAYS[0], 1, "failed", "TaskTimeoutError"),
        ("stuck", DAYS[0], 2, "succeeded", None),
        ("stuck", DAYS[1], 1, "succeeded", None),
    ]  # fmt: skip
    # Its log line was streamed while it ran (no outcome ever came back), and the tracebacks of
    # the failed attempts were stored per attempt.
    assert rows(warehouse, "select attempt, message from assetflow.logs where asset = 'stuck'") == [
        (1, "waiting")
    ]
    assert rows(
        warehouse,
        "select distinct attempt from assetflow.logs where asset = 'broken' "
        "and stream = 'traceback' order by 1",
    ) == [(1,), (2,)]
    # The timed-out attempt did not run on: its worker process was restarted.
    [pid] = cluster.marked("stuck-2026-04-01-1")
    cluster.ready()
    assert pid not in cluster.pids()
    assert len(list((warehouse / "stuck" / DAYS[0]).glob("*.parquet"))) == 1


def test_a_cancelled_run_resumes(warehouse, cluster, dask):
    project = load("dask_faults", warehouse, executor=dask)
    token = af.CancelToken()
    days = [f"2026-04-0{d}" for d in range(1, 7)]
    done: list[af.RunResult] = []
    run = threading.Thread(
        target=lambda: done.append(
            project.materialize("steady", partitions=days, cancel=token, grace_period=0)
        )
    )
    run.start()
    cluster.marked("steady-2026-04-01-1")
    token.cancel()
    run.join(timeout=120)
    [cancelled] = done
    assert cancelled.status == "cancelled", cancelled.summary()
    assert "cancelled" in statuses(cancelled).values()

    resumed = project.resume(cancelled.run_id)
    assert resumed.status == "succeeded", resumed.summary()
    assert rows(warehouse, "select day from steady order by day") == [(d,) for d in days]
    assert rows(
        warehouse, "select count(*) from assetflow.materializations where asset = 'steady'"
    ) == [(6,)]


PROJECT = """
import polars as pl
import assetflow as af

@af.asset(partitions=af.DailyPartitions(start="2026-04-01"))
def edited(context: af.Context) -> pl.DataFrame:
    return pl.DataFrame({{"day": [context.partition_key], "version": [{version}]}})
"""


def run_before_and_after_an_edit(tmp_path: Path, dask: DaskExecutor, monkeypatch) -> Path:
    """Materialize a project, edit its file, materialize again; the warehouse."""
    source = tmp_path / "edited_project.py"
    warehouse = tmp_path / "warehouse"
    source.write_text(PROJECT.format(version=1))
    first = load_project(source, warehouse, executor=dask).materialize(partitions=DAYS)
    assert first.status == "succeeded", first.summary()

    source.write_text(PROJECT.format(version=2))
    for name, module in list(sys.modules.items()):  # the next command is a new process
        if getattr(module, "__file__", None) == str(source):
            monkeypatch.delitem(sys.modules, name)
    second = load_project(source, warehouse, executor=dask).materialize(partitions=DAYS)
    assert second.status == "succeeded", second.summary()
    assert rows(warehouse, "select day, version from edited order by day") == [(d, 2) for d in DAYS]
    assert rows(warehouse, "select distinct attempt, status from assetflow.attempts") == [
        (1, "succeeded")
    ]
    return warehouse


def test_workers_that_imported_the_project_before_an_edit_are_restarted(
    tmp_path, cluster, dask, monkeypatch
):
    """Workers outlive runs: after the project file changes, a run still runs the new code."""
    run_before_and_after_an_edit(tmp_path, dask, monkeypatch)


STOP_DELAY = 4.0
"""Seconds a stale worker process goes on taking tasks after its restart was asked for."""


def test_a_stale_worker_slow_to_stop_gets_no_attempt_again(tmp_path, cluster, dask, monkeypatch):
    """An attempt sent back by a stale worker is sent again only once that worker is gone: a
    worker slow to stop (a loaded machine) would otherwise get it back until the resends run out
    and the attempt fails with "changed while the run was going"."""
    kill = distributed.nanny.WorkerProcess.kill

    async def slow_kill(process, *args, **kwargs):  # the nannies run in this process
        await asyncio.sleep(STOP_DELAY)
        await kill(process, *args, **kwargs)

    before = cluster.pids()
    monkeypatch.setattr(distributed.nanny.WorkerProcess, "kill", slow_kill)
    run_before_and_after_an_edit(tmp_path, dask, monkeypatch)
    assert not before <= cluster.pids()  # a stale worker process was restarted


SLOW_START = "import time\ntime.sleep(20)  # a worker process starting on a loaded machine\n"


def test_a_worker_slower_to_restart_than_dask_waits_for_stays_in_the_cluster(cluster, dask):
    """LocalCluster closes a nanny whose worker is not back 15 s after it left; the restarts of
    a cancel or a timeout take that long on a loaded machine (KEEP_RESTARTED_WORKERS)."""
    nannies = list(cluster.local.workers.values())
    # What the nanny's next worker process runs before it registers (its process spec is reused).
    specs = [nanny.process.worker_kwargs for nanny in nannies]
    before = [spec["preload"] for spec in specs]
    pid = next(iter(cluster.pids()))
    for spec in specs:
        spec["preload"] = [SLOW_START]
    try:
        os.kill(pid, signal.SIGKILL)
        time.sleep(25)  # past the 15 s, while the new worker process still starts
        cluster.ready()
    finally:
        for spec, preload in zip(specs, before, strict=True):
            spec["preload"] = preload
    assert list(cluster.local.workers.values()) == nannies  # no nanny was closed
    assert pid not in cluster.pids()
