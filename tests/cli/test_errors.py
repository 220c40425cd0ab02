"""Errors carry what they are about as fields, and the CLI shows a traceback only when the
parsed ``--debug`` flag asks for one."""

from __future__ import annotations

import pickle

import pytest

import assetflow as af
from assetflow.errors import BackfillError, TaskTimeoutError
from tests.conftest import invoke_cli, resource

WHOAMI = str(resource("whoami"))


def test_errors_keep_their_fields_across_a_process_boundary():
    sent = TaskTimeoutError("ran past 1s", asset="a", partition="2026-04-01", traceback="tb")
    back = pickle.loads(pickle.dumps(sent))
    assert type(back) is TaskTimeoutError and str(back) == "ran past 1s"
    assert (back.asset, back.partition, back.path, back.traceback) == (
        "a", "2026-04-01", None, "tb",
    )  # fmt: skip
    assert back.retryable
    terminal = pickle.loads(pickle.dumps(af.TaskError("bad", retryable=False)))
    assert terminal.retryable is False
    assert issubclass(BackfillError, af.AssetflowError)


def test_a_task_error_refuses_a_keyword_no_error_has():
    with pytest.raises(TypeError, match="parition"):
        af.TaskError("bad", parition="2026-04-01")  # a typo is not silently dropped


def test_debug_is_the_parsed_flag_not_a_word_on_the_command_line(tmp_path):
    wh = str(tmp_path / "wh")
    plain = invoke_cli("-p", WHOAMI, "-w", wh, "status", "--", "--debug")
    assert plain.returncode == 2, plain.stderr
    assert "error: " in plain.stderr and "--debug" in plain.stderr
    assert "Traceback" not in plain.stderr  # an asset named "--debug" asks for no traceback
    debug = invoke_cli("-p", WHOAMI, "-w", wh, "--debug", "status", "nosuch")
    assert debug.returncode == 2
    assert "Traceback" in debug.stderr and "error: " in debug.stderr
