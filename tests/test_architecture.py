"""The package's shape is checked, not only described: the import-linter layers contract
(pyproject.toml, README "Architecture") and a type checker clean on the package."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "partnership_tools"


def _tool(name: str) -> list[str]:
    exe = shutil.which(name)
    return [exe] if exe else [sys.executable, "-m", name.replace("-", "_")]


def test_import_layers_are_kept():
    out = subprocess.run(
        [*_tool("lint-imports"), "--no-cache"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert "0 broken" in out.stdout


def test_mypy_is_clean_on_the_package():
    out = subprocess.run(
        [sys.executable, "-m", "mypy", "partnership_tools"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout[-6000:] + out.stderr[-2000:]


def _imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_modules_never_import_ipywidgets():
    # A second, independent check of the import-linter "forbidden" contract.
    offenders = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "ui" not in p.relative_to(PACKAGE).parts[:1]
        and any(m == "ipywidgets" or m.startswith("ipywidgets.") for m in _imports_of(p))
    ]
    assert offenders == []


def test_every_subpackage_is_named_in_readme_architecture():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    subpackages = sorted(
        p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()
    )
    missing = [name for name in subpackages if f"`{name}/`" not in section]
    assert missing == []
