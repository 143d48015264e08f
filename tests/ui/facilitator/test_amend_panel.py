"""The Amend / merge tab alone: new options that replace old ones on the next ballot paper."""

from __future__ import annotations

import pytest

from partnership_tools.ui.facilitator.amend_panel import AmendPanel

from .conftest import closed_round, make_session, unlock


@pytest.fixture
def panel(console):
    return AmendPanel(console)


def test_before_any_round(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    assert [v for _, v in panel.amend_select.options] == ["A", "B", "C"]
    assert panel.open_next_button.description == "Open round 1 with these options"
    assert panel.open_next_button.layout.display is None


def test_merge_replaces_the_originals_on_the_next_paper(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    unlock(console, s.id, panel)
    panel.amend_select.value = ("B", "C")
    panel.amend_label.value = "  Beta   and Gamma "
    panel.amend_description.value = " both sites "
    panel.merge_button.click()
    assert panel.feedback.last == "Added D, merged from B + C."
    d = store.load_session(s.id).option("D")
    assert (d.label, d.description, d.merged_from) == ("Beta and Gamma", "both sites", ("B", "C"))
    assert panel.amend_label.value == "" and panel.amend_description.value == ""
    # The list and the next ballot paper follow the refresh.
    assert [v for _, v in panel.amend_select.options] == ["A", "D"]
    assert "<li>A: Alpha</li><li>D: Beta and Gamma</li>" in panel.next_round_html.value
    assert "round 2" in panel.next_round_html.value


def test_amend_needs_exactly_one_option_and_a_label(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.amend_select.value = ("A", "B")
    panel.amend_label.value = "New"
    assert panel.amend_option() is None
    assert panel.feedback.last == "Pick exactly one option to amend (pick two or more to merge)."
    panel.amend_select.value = ("A",)
    panel.amend_label.value = "   "
    assert panel.amend_option() is None
    assert panel.feedback.last == "Type the new option's label."
    panel.amend_label.value = "Alpha, reworded"
    new = panel.amend_option()
    assert (new.id, new.amended_from) == ("D", "A")
    assert len(store.load_session(s.id).options) == 4


def test_merge_needs_two_options(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.amend_label.value = "Both"
    assert panel.merge_options(["A"]) is None
    assert panel.feedback.last == "Pick two or more options to merge (or one to amend)."


def test_open_next_raises_the_event_and_hides_while_a_round_is_open(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    pressed = []
    panel.on_open_next = lambda: pressed.append(True)
    panel.open_next_button.click()
    assert pressed == [True]
    store.open_round(s.id, ["A", "B"])
    console.refresh()
    assert panel.open_next_button.layout.display == "none"
