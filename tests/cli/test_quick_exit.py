"""The console script exits without the interpreter's teardown, and loses nothing doing so.

Each case runs a small script in a fresh interpreter: what is tested is how a process ends.
A module-level object whose ``__del__`` writes ``teardown`` to stderr tells whether the
interpreter tore itself down (``os._exit`` skips that; ``sys.exit`` does not).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import atexit, sys, threading, time
from pathlib import Path
from assetflow.cli.quick_exit import exit_now

class Witness:
    def __del__(self):
        sys.stderr.write("teardown\\n")

witness = Witness()
marker = Path(sys.argv[1])
atexit.register(lambda: marker.write_text("handlers ran"))
{body}
"""


def run(tmp_path: Path, body: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    marker = tmp_path / "marker"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(body=body), str(marker)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done, marker


def test_exit_runs_the_exit_handlers_flushes_output_and_skips_the_teardown(tmp_path):
    body = "sys.stdout.write('x' * 200_000 + '\\nend\\n')\nexit_now(0)"
    done, marker = run(tmp_path, body)
    assert done.returncode == 0
    assert done.stdout.endswith("x\nend\n") and len(done.stdout) == 200_005
    assert marker.read_text() == "handlers ran"
    assert "teardown" not in done.stderr


@pytest.mark.parametrize(
    ("code", "status", "stderr"),
    [(None, 0, ""), (2, 2, ""), (130, 130, ""), ("'cannot go on'", 1, "cannot go on\n")],
)
def test_the_status_is_what_sys_exit_would_give(tmp_path, code, status, stderr):
    done, marker = run(tmp_path, f"exit_now({code})")
    assert done.returncode == status
    assert done.stderr == stderr
    assert marker.exists()


def test_a_running_thread_gets_the_normal_exit_that_waits_for_it(tmp_path):
    body = """
def late():
    time.sleep(0.3)
    Path(sys.argv[1] + ".thread").write_text("finished")
threading.Thread(target=late).start()
exit_now(3)
"""
    done, marker = run(tmp_path, body)
    assert done.returncode == 3
    assert (tmp_path / "marker.thread").read_text() == "finished"
    assert marker.read_text() == "handlers ran"
    assert "teardown" in done.stderr  # the interpreter shut down as usual


def test_the_console_script_and_python_m_assetflow_use_it():
    import tomllib

    import assetflow.__main__ as module
    from assetflow.cli import script

    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    assert scripts["asset"] == "assetflow.cli:script"
    assert module.script is script
