"""``examples/sales/notebook.ipynb`` runs headless in a real Jupyter kernel (nbclient +
ipykernel) and its outputs are what the walk-through promises: HTML reprs, live progress,
retries in the run and the history, why chains, lineage."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import REPO

NOTEBOOK = REPO / "examples" / "sales" / "notebook.ipynb"


@pytest.fixture(scope="module")
def cells() -> dict[str, list]:
    """Outputs of each tagged code cell after running the notebook top to bottom."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": NOTEBOOK.parent}}
    )
    client.execute()  # raises CellExecutionError on any failing cell
    return {c.metadata["tags"][0]: c.outputs for c in nb.cells if c.cell_type == "code"}


def html(outputs: list) -> str:
    (markup,) = [o["data"]["text/html"] for o in outputs if o["output_type"] == "execute_result"]
    assert "<script" not in markup.lower()
    return markup


def text(outputs: list) -> str:
    (plain,) = [o["data"]["text/plain"] for o in outputs if o["output_type"] == "execute_result"]
    return plain


@pytest.mark.slow  # a Jupyter kernel and worker processes: ~25 s
def test_the_sales_notebook_runs_and_shows_what_it_promises(cells):
    assert "daily_report" in html(cells["project"]) and "sales_raw" in html(cells["project"])
    assert "3 to run" in text(cells["plan"]) and "<" in html(cells["plan"])

    (progress,) = [o for o in cells["materialize"] if o["output_type"] == "display_data"]
    assert "3/3 tasks" in progress["data"]["text/html"]  # the display was updated in place
    assert "succeeded" in text(cells["materialize"])

    assert "<svg" in html(cells["status"])
    assert text(cells["status"]).splitlines()[1].split()[:3] == ["sales_raw", "1", "0"]
    assert "needed retries" in text(cells["run"]) and "<table" in html(cells["run"])
    assert "<svg" in html(cells["timeline"]) and "critical path" in text(cells["timeline"])
    assert "failed" in text(cells["spans"]) and "succeeded" in text(cells["spans"])
    assert "1 failed attempt(s)" in text(cells["history"]) and "503" in html(cells["history"])
    assert text(cells["query"]).count("2026-04-08") == 4  # one row per store
    assert "'sales_clean'" in text(cells["inputs"])
    assert text(cells["why-fresh"]).startswith("daily_report 2026-04-08 is fresh")
    assert text(cells["why-missing"]).startswith("daily_report 2026-04-09 is missing")
    assert "<svg" in html(cells["lineage"]) and "rolling_revenue_7d" in html(cells["lineage"])
    (mermaid,) = cells["mermaid"]
    assert mermaid["text"].startswith("graph LR")
