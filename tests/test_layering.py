"""Import rules between stages (DESIGN section 5), checked on the source."""

from __future__ import annotations

import ast
from pathlib import Path

import assetflow

PACKAGE = Path(assetflow.__file__).parent

# stage -> stages it may import from
ALLOWED = {
    "define": {"define"},
    "plan": {"define", "plan", "commit.state", "commit.reader"},
    "execute": {"define", "execute", "commit", "plan"},
    "commit": {"commit"},
    "observe": {
        "define",
        "plan",
        "observe",
        "commit.reader",
        "commit.records",
        # the read model opens the published snapshot through the handle; the types its
        # reader returns
        "commit.warehouse",
        "commit.catalog_paths",
        "commit.state",
        "commit.run_reads",
        "execute",
    },  # events come from execute
    # The web UI reads only through the read model (observe) and the facade: never the catalog.
    "ui": {"define", "plan", "observe", "project", "automation", "ui"},
}
# A worker process is a fresh interpreter: it loads the user's project itself, as the CLI does.
EXEMPT = {("execute/worker.py", "project")}


def imported_stages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("assetflow.")
        ):
            parts = node.module.split(".")
            found.add(".".join(parts[1:3]) if parts[1] == "commit" else parts[1])
    return found - {"errors"}


def test_stages_only_import_what_the_flow_allows():
    violations = []
    for stage, allowed in ALLOWED.items():
        for path in (PACKAGE / stage).rglob("*.py"):
            for imported in imported_stages(path):
                ok = imported in allowed or imported.split(".")[0] in allowed
                if not ok and (path.relative_to(PACKAGE).as_posix(), imported) not in EXEMPT:
                    violations.append(f"{path.relative_to(PACKAGE)} imports {imported}")
    assert violations == []


def test_plan_reads_the_catalog_but_never_the_writer():
    for path in (PACKAGE / "plan").rglob("*.py"):
        tree = ast.parse(path.read_text())
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
        assert "CatalogWriter" not in names, path


def test_no_module_below_the_facade_reads_the_clock():
    """Planning and committing take time as a parameter (as_of, clock), so they are testable.

    Only execute/ may stamp wall-clock times itself (log lines, as a logger does).
    """
    for stage in ("define", "plan", "commit", "observe"):
        for path in (PACKAGE / stage).rglob("*.py"):
            text = path.read_text()
            assert "datetime.now(" not in text and "time.time(" not in text, path
