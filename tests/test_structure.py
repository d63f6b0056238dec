"""The import graph: settings at the bottom, the command line at the top, nothing importing upwards."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize("package", ["ui", "evaluation"])
def test_the_ui_and_the_evaluation_never_import_the_command_line(package):
    offenders = {str(path.relative_to(PACKAGE.parent)) for path in (PACKAGE / package).rglob("*.py")
                 if any(name == "qa.cli" or name.startswith("qa.cli.") for name in imported_modules(path))}
    assert not offenders


def test_the_package_never_imports_the_lab():
    """The lab (training, benchmarks, experiments) imports the product; never the other way round."""
    offenders = {str(path.relative_to(PACKAGE.parent)) for path in PACKAGE.rglob("*.py")
                 if any(name == "lab" or name.startswith("lab.") for name in imported_modules(path))}
    assert not offenders


def test_the_settings_layer_imports_nothing_of_the_package():
    assert not {name for name in imported_modules(PACKAGE / "config.py") if name.startswith("qa")}


def test_the_graph_test_sees_an_upward_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from qa.cli import settings_from_args\n")
    assert "qa.cli" in imported_modules(bad)
