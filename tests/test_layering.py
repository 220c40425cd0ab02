"""Import rules between stages (DESIGN section 5): the import-linter contracts in pyproject.toml
(``[tool.importlinter]``, also run by ``lint-imports`` in .ci/run), and no clock below the
facade."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from importlinter.cli import lint_imports

import assetflow
from tests.conftest import REPO

PACKAGE = Path(assetflow.__file__).parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def test_every_layering_contract_is_kept():
    assert lint_imports(config_filename=str(REPO / "pyproject.toml"), no_cache=True) == 0


def test_the_contracts_catch_every_import_form(tmp_path):
    """A copy of the package with one upward import of each form (absolute, from the root
    package, relative, function-local, through the root package) breaks the contracts; the
    hand-written check they replace saw only ``from assetflow.x import``."""
    shutil.copytree(PACKAGE, tmp_path / "assetflow", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    added = {
        "define/policy.py": "import assetflow.plan.planner\n",
        "plan/ticks.py": "from assetflow import observe\n",
        "commit/vacuum.py": "from ..execute import records\n",
        "observe/table.py": "def later():\n    from assetflow.cli import app\n",
        "execute/retry.py": "import assetflow\n",
    }
    for module, line in added.items():
        with (tmp_path / "assetflow" / module).open("a") as f:
            f.write("\n" + line)
    out = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert out.returncode == 1, out.stdout + out.stderr
    for broken in [
        "define imports no other stage BROKEN",
        "plan imports define and the catalog's state types, never a later stage BROKEN",
        "commit imports only define, commit and errors BROKEN",
        "observe only reads: no facade, CLI, automation or commit machinery BROKEN",
        "execute never imports the facade, the CLI, automation or observers BROKEN",
    ]:
        assert broken in out.stdout, out.stdout
    assert "assetflow.define.policy -> assetflow.plan.planner" in out.stdout
    assert "assetflow.commit.vacuum -> assetflow.execute.records" in out.stdout
    assert "assetflow.execute.retry -> assetflow" in out.stdout


def test_no_module_below_the_facade_reads_the_clock():
    """Planning and committing take time as a parameter (as_of, clock), so they are testable.

    Only execute/ may stamp wall-clock times itself (log lines, as a logger does).
    """
    for stage in ("define", "plan", "commit", "observe"):
        for path in (PACKAGE / stage).rglob("*.py"):
            text = path.read_text()
            assert "datetime.now(" not in text and "time.time(" not in text, path
