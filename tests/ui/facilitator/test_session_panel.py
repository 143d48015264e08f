"""The Session tab alone: create or open a session, the key checked once."""

from __future__ import annotations

import pytest

from partnership_tools.ui.facilitator.session_panel import SessionPanel

from .conftest import make_session


@pytest.fixture
def panel(console):
    p = SessionPanel(console)
    p.unlocked = []
    p.on_unlock = p.unlocked.append
    p.tabs = []
    console.select_tab = p.tabs.append
    p.fill_session_list()
    return p


def test_empty_store_offers_only_a_new_session(panel):
    assert panel.open_section.layout.display == "none"
    assert panel.new_heading.value == "<h2>Start a session</h2>"
    assert panel.open_select.options == ()


def test_create_stores_the_session_and_unlocks_it(panel, store):
    panel.new_question.value = "  Where   should\nthe hub go? "
    panel.new_threshold.value = 0.65
    panel.new_groups.value = "Staff\n\n  Residents  \n"
    panel.new_key.value = "sesame"
    panel.new_codes.value = True
    panel.create_button.click()
    assert panel.feedback.kind == "success", panel.feedback.last
    (sid,) = panel.unlocked
    s = store.load_session(sid)
    assert s.question == "Where should the hub go?"
    assert s.threshold == pytest.approx(0.65)
    assert s.groups == ("Staff", "Residents")
    assert s.uses_codes is True
    assert store.check_facilitator_key(sid, "sesame")
    assert panel.new_key.value == ""
    assert panel.tabs == ["Options"]
    # The list now offers it, preselected, and the heading reads "Or start a new one".
    assert panel.open_select.value == sid
    assert panel.open_section.layout.display is None
    assert panel.new_heading.value == "<h2>Or start a new one</h2>"


def test_create_refuses_a_group_listed_twice(panel, store):
    panel.new_question.value = "Q?"
    panel.new_key.value = "sesame"
    panel.new_groups.value = "Staff\nstaff"
    assert panel.create_session() is None
    assert panel.feedback.last == "Each group should be listed once."
    assert store.list_sessions() == [] and panel.unlocked == []


def test_open_checks_the_key(panel, console, store):
    s = make_session(store)
    panel.fill_session_list(preselect=s.id)
    assert panel.open_select.value == s.id
    panel.open_key.value = "wrong"
    panel.open_button.click()
    assert panel.feedback.last == "That facilitator key does not open this session."
    assert panel.unlocked == [] and panel.open_key.value == ""

    def unlock(sid):  # what the app does: the session is loaded before the tab is chosen
        panel.unlocked.append(sid)
        console.session_id, console.session = sid, store.load_session(sid)

    panel.on_unlock = unlock
    assert panel.open_session(s.id, "sesame").id == s.id
    assert panel.unlocked == [s.id]
    assert panel.feedback.last == f"Opened the session {s.id}."
    assert panel.tabs == []  # options exist and no round is open: stay on Session
    store.open_round(s.id, ["A", "B"])
    panel.open_session(s.id, "sesame")
    assert panel.tabs == ["Round"]


def test_open_an_unknown_session(panel):
    assert panel.open_session("nope", "sesame") is None
    assert panel.feedback.last == "There is no session 'nope'."
