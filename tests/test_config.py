"""Settings: flags, then environment, then the ``[tool.assetflow]`` table of pyproject.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from assetflow.config import LOCK_TIMEOUT, resolve_settings
from assetflow.errors import ConfigError


def _table(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[tool.assetflow]\n{text}\n")
    nested = tmp_path / "deep" / "er"
    nested.mkdir(parents=True)
    return nested


def test_the_nearest_table_sets_project_warehouse_and_timeout(tmp_path):
    cwd = _table(tmp_path, 'project = "p.py"\nwarehouse = "wh"\nlock_timeout = 5')
    settings = resolve_settings(None, None, cwd=cwd)
    assert settings.project == str(tmp_path / "p.py")
    assert settings.warehouse == tmp_path / "wh"
    assert settings.lock_timeout == 5


def test_flags_win_over_the_table_and_defaults_fill_the_rest(tmp_path):
    cwd = _table(tmp_path, 'project = "p.py"')
    settings = resolve_settings("other.py", "elsewhere", cwd=cwd)
    assert (settings.project, settings.warehouse) == ("other.py", Path("elsewhere"))
    assert settings.lock_timeout == LOCK_TIMEOUT
    assert resolve_settings("x.py", None, cwd=tmp_path.parent).warehouse is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("projet = 'p.py'", "projet: unknown key; known: project, warehouse, lock_timeout"),
        ("project = 3", "project: must be a path (a string)"),
        ("warehouse = ['a']", "warehouse: must be a path (a string)"),
        ("lock_timeout = 0", "lock_timeout: must be a positive number of seconds, e.g. 60"),
        ("lock_timeout = true", "lock_timeout: must be a positive number of seconds, e.g. 60"),
        ("lock_timeout = 'ten'", "lock_timeout: must be a positive number of seconds, e.g. 60"),
        ("lock_timeout = inf", "lock_timeout: must be a positive number of seconds, e.g. 60"),
    ],
)
def test_a_bad_table_is_one_line_naming_the_file_and_key(tmp_path, text, message):
    cwd = _table(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        resolve_settings("p.py", None, cwd=cwd)
    assert str(caught.value) == f"{tmp_path / 'pyproject.toml'} [tool.assetflow] {message}"


def test_a_tool_assetflow_value_that_is_not_a_table_is_refused(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool]\nassetflow = "p.py"\n')
    with pytest.raises(ConfigError, match=r"\[tool.assetflow\] assetflow: must be a table"):
        resolve_settings(None, None, cwd=tmp_path)
