"""Project.load: from a file path, from a module path, and from a module defining a Project."""

from __future__ import annotations

import pytest

import assetflow as af
from tests.conftest import resource


def test_load_from_file_collects_assets_in_declaration_order(warehouse):
    p = af.Project.load(resource("linear"), warehouse=warehouse)
    assert list(p.graph.order) == ["raw", "clean", "report"]
    assert p.warehouse == warehouse


def test_load_from_module_path():
    p = af.Project.load("tests.resources.diamond")
    assert "joined" in p.graph.assets


def test_module_level_project_is_used_and_warehouse_can_be_overridden(tmp_path):
    module = tmp_path / "with_project.py"
    module.write_text(
        "import assetflow as af\nimport polars as pl\n\n"
        "@af.asset\ndef one() -> pl.DataFrame:\n    return pl.DataFrame({'x': [1]})\n\n"
        "@af.asset\ndef unused() -> pl.DataFrame:\n    return pl.DataFrame({'x': [1]})\n\n"
        "project = af.Project([one], warehouse='somewhere')\n"
    )
    p = af.Project.load(module, warehouse=tmp_path / "wh")
    assert list(p.graph.assets) == ["one"]
    assert p.warehouse == tmp_path / "wh"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("does/not/exist.py", "not found"),
        ("no_such_module_xyz", "cannot import project"),
    ],
)
def test_load_errors_are_config_errors(target, message):
    with pytest.raises(af.ConfigError, match=message):
        af.Project.load(target)


def test_module_that_raises_is_reported_in_one_line(tmp_path):
    broken = tmp_path / "broken.py"
    broken.write_text("raise RuntimeError('boom at import')\n")
    with pytest.raises(af.ConfigError, match="RuntimeError: boom at import"):
        af.Project.load(broken)


def test_module_without_assets_is_rejected(tmp_path):
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    with pytest.raises(af.ConfigError, match="defines no assets"):
        af.Project.load(empty)
