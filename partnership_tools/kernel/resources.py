"""Where the kit's shipped files are: the Voilà notebooks and the sample data.

In a built wheel they sit inside the package (``partnership_tools/notebooks``,
``partnership_tools/sample_data``); in a source checkout they are the repository's top-level
``notebooks/`` and ``sample_data/`` folders, which the build maps into the package.

>>> (sample_dir() / "county_joint_working.json").is_file()
True
>>> (notebooks_dir() / "facilitator.ipynb").is_file()
True
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]


def _shipped(name: str) -> Path:
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name


def notebooks_dir() -> Path:
    """The folder holding the app notebooks (``facilitator.ipynb`` ...)."""
    return _shipped("notebooks")


def sample_dir() -> Path:
    """The folder holding the sample vote and review files."""
    return _shipped("sample_data")
