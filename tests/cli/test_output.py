"""What the CLI prints: retries are visible and counted, tables align, JSON times agree."""

from __future__ import annotations

import json
import re

from tests.conftest import invoke_cli, resource

FLAKY = str(resource("flaky"))
ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?\+00:00")


def test_backfill_prints_each_retry_and_counts_them_and_runs_say_so(warehouse, tmp_path):
    threaded = tmp_path / "flaky_threads.py"  # backfill has no --executor; the project says it
    threaded.write_text(
        resource("flaky").read_text()
        + "\nproject = af.Project([source, flaky], executor='threads')\n"
    )
    out = invoke_cli(
        "-p", str(threaded), "-w", str(warehouse), "backfill", "flaky", "--from", "2026-04-01",
        "--to", "2026-04-02", "--now", "2026-04-10T00:00", env={"FLAKY_FAILS": "1"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    retries = [line for line in out.stdout.splitlines() if "retrying" in line]
    assert len(retries) == 2
    assert "flaky 2026-04-01  attempt 1 failed: " in "\n".join(retries)
    assert out.stdout.splitlines()[-1].endswith("in 1 run(s), 2 needed retries")

    runs = invoke_cli("-p", FLAKY, "-w", str(warehouse), "runs")
    assert "4 succeeded, 2 needed retries" in runs.stdout
    doc = json.loads(invoke_cli("-p", FLAKY, "-w", str(warehouse), "runs", "--json").stdout)
    assert doc[0]["retried"] == 2


def test_runs_show_json_uses_one_time_format_for_runs_and_tasks(warehouse):
    done = invoke_cli(
        "-p", FLAKY, "-w", str(warehouse), "materialize", "source", "--partition", "2026-04-01",
        "--json",
    )  # fmt: skip
    run_id = json.loads(done.stdout)["run_id"]
    engine = json.loads(done.stdout)["engine"]
    assert engine["commit_batches"] >= 1
    assert engine["seconds"]["total"] >= engine["seconds"]["commit"] > 0
    doc = json.loads(invoke_cli("-p", FLAKY, "-w", str(warehouse), "runs", "show", run_id,
                                "--json").stdout)  # fmt: skip
    times = [doc["run"]["started_at"], doc["run"]["finished_at"]]
    times += [t[k] for t in doc["tasks"] for k in ("started_at", "finished_at")]
    assert all(ISO.fullmatch(t) for t in times), times
    listed = json.loads(invoke_cli("-p", FLAKY, "-w", str(warehouse), "runs", "--json").stdout)
    assert ISO.fullmatch(listed[0]["started_at"])


def test_list_columns_stay_aligned_after_long_labels(tmp_path):
    path = tmp_path / "labels.py"
    path.write_text(
        "import assetflow as af\nimport polars as pl\n\n"
        "multi = af.MultiPartitions(date=af.DailyPartitions(start='2026-01-01', "
        "timezone='America/Argentina/Buenos_Aires'), region=af.StaticPartitions(['eu', 'us']))\n\n"
        "@af.asset(partitions=multi)\ndef wide(context) -> pl.DataFrame:\n"
        "    return pl.DataFrame()\n\n"
        "@af.asset\ndef b(wide) -> pl.DataFrame:\n    return wide\n"
    )
    out = invoke_cli("-p", str(path), "-w", str(tmp_path / "wh"), "list")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    column, after = header.index("upstreams"), header.index("downstreams")
    assert [r[column:after].rstrip() for r in rows] == ["-", "wide"]
    assert [r[after:] for r in rows] == ["b", "-"]
