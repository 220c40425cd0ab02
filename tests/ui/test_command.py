"""`asset ui`: its help, the one line without the ui extra, and a real server process that
answers on loopback, warns when bound elsewhere, and stops on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from assetflow.ui.server import free_port
from tests.conftest import REPO, RESOURCES, cli_env, invoke_cli, run_cli, start_cli
from tests.ui.conftest import fetch

PIPELINE = str(RESOURCES / "ui_shop_pipeline.py")


def test_help_explains_the_options():
    result = invoke_cli("ui", "--help")
    assert result.returncode == 0
    for text in ("--port", "--host", "--allow-actions", "published snapshot", "assetflow[ui]"):
        assert text in result.stdout


def test_without_the_ui_extra_it_says_what_to_install_in_one_line(tmp_path):
    code = (
        "import sys; sys.modules['uvicorn'] = None; from assetflow.cli import main; "
        f"main(['-p', {PIPELINE!r}, '-w', {str(tmp_path)!r}, 'ui'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=cli_env(), cwd=REPO
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: asset ui needs the ui extra (uvicorn is missing): pip install 'assetflow[ui]'"
    ]


def wait_until_served(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if fetch(url + "/api/overview")[0] == 200:
                return
        except OSError:
            pass
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, "asset ui never answered"
        time.sleep(0.2)


@pytest.mark.slow  # a real `asset ui` server process, stopped by a signal
def test_asset_ui_serves_on_loopback_until_sigterm(tmp_path):
    port = free_port()
    process = start_cli("-p", PIPELINE, "-w", str(tmp_path), "ui", "--port", str(port))
    try:
        wait_until_served(f"http://127.0.0.1:{port}", process)
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert f"assetflow UI on http://127.0.0.1:{port}/" in out
    assert "warning" not in err


def test_a_host_off_loopback_gets_a_warning_line(tmp_path):
    # 192.0.2.1 (TEST-NET-1) is no address of this machine: binding fails at once, after the
    # warning, and nothing is sent anywhere. A real process: uvicorn runs its own event loop,
    # which cannot start inside a test process whose browser fixture already runs one.
    result = run_cli("-p", PIPELINE, "-w", str(tmp_path), "ui", "--host", "192.0.2.1")
    assert result.returncode != 0
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert warned == [
        "warning: listening on 192.0.2.1: anyone who can reach this machine can read the "
        "warehouse's state"
    ]
    assert "Traceback" not in result.stderr
