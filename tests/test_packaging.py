"""The repository's promises: one dependency list in two places, a clean lint, a working CLI."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip carries the same parser
    from pip._vendor import tomli as tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ \[]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def _specs(items) -> dict[str, str]:
    # conda has no pip extras (psycopg[binary] is conda-forge's psycopg): compare without them
    return {
        _name(s): re.sub(r"\[[^\]]*\]", "", s.replace(" ", "").lower().replace("_", "-"))
        for s in items
    }


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = _specs(project["dependencies"]) | _specs(project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = _specs(d for d in env["dependencies"] if isinstance(d, str))
    conda.pop("python")
    conda.pop("pip")
    assert conda == wanted


def test_python_requirement():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"
    assert project["scripts"]["partnership-tools"] == "partnership_tools.cli.main:main"


def test_ruff_is_clean():
    ruff = shutil.which("ruff")
    cmd = [ruff] if ruff else [sys.executable, "-m", "ruff"]
    out = subprocess.run([*cmd, "check", str(ROOT)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stdout + out.stderr


def test_cli_runs_as_a_module():
    out = subprocess.run(
        [sys.executable, "-m", "partnership_tools", "--help"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "tally" in out.stdout


def test_notebooks_are_committed_without_outputs():
    import json

    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        data = json.loads(nb.read_text())
        for cell in data["cells"]:
            if cell["cell_type"] == "code":
                assert cell.get("outputs", []) == [], f"{nb.name} has stored outputs"
                assert cell.get("execution_count") is None, f"{nb.name} has execution counts"
