"""The UI stack is an optional extra: the CLI and the library never import it."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

UI_STACK = ("starlette", "jinja2", "uvicorn", "playwright", "assetflow.ui")


def loaded_after(statement: str) -> list[str]:
    # A fresh interpreter: this test process has long imported the UI stack itself.
    code = (
        f"import sys; {statement}; "
        f"print('\\n'.join(m for m in sys.modules if m.startswith({UI_STACK!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    return out.stdout.split()


def test_importing_the_cli_or_the_library_does_not_import_the_ui_stack():
    assert loaded_after("import assetflow.cli; import assetflow") == []


def test_the_ui_package_itself_loads_its_stack_only_for_the_app():
    assert not any(
        m.startswith(("starlette", "uvicorn")) for m in loaded_after("import assetflow.ui.matrix")
    )
    assert "starlette" in loaded_after("import assetflow.ui.app")
