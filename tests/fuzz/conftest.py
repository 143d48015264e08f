"""The command's log of unexpected errors goes to a temporary file in these tests, never to the
user's ``~/.local/state``."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _log_to_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTNERSHIP_TOOLS_LOG", str(tmp_path / "partnership-tools.log"))
