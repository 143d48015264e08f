"""The Codes tab alone: one-time participant codes, shown once, with a printable sheet."""

from __future__ import annotations

import base64
import re

import pytest

from partnership_tools.ui.facilitator.codes_panel import CodesPanel

from .conftest import make_session, unlock


@pytest.fixture
def panel(console):
    return CodesPanel(console)


def test_status_only_for_a_session_with_codes(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    assert panel.codes_status.value == ""


def test_issue_codes(panel, console, store):
    s = make_session(store, uses_codes=True)
    unlock(console, s.id, panel)
    assert panel.codes_status.value == "<p>0 code(s) issued so far.</p>"
    panel.codes_count.value = 3
    panel.codes_button.click()
    assert panel.feedback.last == "Issued 3 participant code(s)."
    assert store.code_count(s.id) == 3
    assert panel.codes_status.value == "<p>3 code(s) issued so far.</p>"
    shown = re.findall(r"<div>([^<]+)</div>", panel.codes_html.value)
    assert len(shown) == 3 and len(set(shown)) == 3
    # The printable sheet carries the same codes and the ballot address.
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)", panel.codes_html.value).group(1)
    sheet = base64.b64decode(b64).decode("utf-8")
    assert all(f"<b>{c}</b>" in sheet for c in shown)
    assert f"http://example.test/vote/{s.id}" in sheet
    panel.reset()
    assert panel.codes_html.value == ""


def test_seeded_codes_are_reproducible(console, store, tmp_path):
    from partnership_tools.store import Store
    from partnership_tools.ui.facilitator.console import Console

    s = make_session(store, uses_codes=True)
    p1 = CodesPanel(console)
    unlock(console, s.id, p1)
    other = Store(tmp_path / "other.sqlite")
    s2 = make_session(other, uses_codes=True)
    c2 = Console(store=other, base_url="http://example.test")
    p2 = CodesPanel(c2)
    unlock(c2, s2.id, p2)
    assert p1.issue_codes(2, seed=7) == p2.issue_codes(2, seed=7)
    other.close()
