"""The Options tab alone: list the options and add more, one per line."""

from __future__ import annotations

import pytest

from partnership_tools.ui.facilitator.options_panel import OptionsPanel
from partnership_tools.vote.model import Option

from .conftest import closed_round, make_session, unlock


@pytest.fixture
def panel(console):
    return OptionsPanel(console)


def test_no_options_yet(panel, console, store):
    s = store.create_session("Q?", facilitator_key="sesame")
    unlock(console, s.id, panel)
    assert panel.options_table.value == "<p class='pt-muted'>No options yet.</p>"


def test_add_options_gives_ids_in_order(panel, console, store):
    s = store.create_session("Q?", facilitator_key="sesame")
    unlock(console, s.id, panel)
    panel.options_text.value = "Town hall\n\nLibrary | by the station"
    panel.add_options_button.click()
    assert panel.feedback.last == "Added 2 option(s): A, B."
    opts = store.load_session(s.id).options
    assert [(o.id, o.label, o.description) for o in opts] == [
        ("A", "Town hall", ""),
        ("B", "Library", "by the station"),
    ]
    assert panel.options_text.value == ""
    assert "by the station" in panel.options_table.value


def test_a_label_already_in_the_session_is_refused(panel, console, store):
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.options_text.value = "Delta\nbeta"
    assert panel.add_options() is None
    assert panel.feedback.last == "Line 2 repeats the option 'beta'."
    assert len(store.load_session(s.id).options) == 3  # nothing added, not even Delta
    assert panel.options_text.value == "Delta\nbeta"  # kept, to correct


def test_table_shows_lineage_and_rounds(panel, console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    store.add_options(s.id, [Option("D", "Beta and Gamma", merged_from=("B", "C"))])
    closed_round(store, s.id, ["A", "D"], ["DA"])
    unlock(console, s.id, panel)
    rows = panel.options_table.value.split("<tr")[2:]  # skip the table opening and header
    assert len(rows) == 4
    assert "1, 2" in rows[0]  # A was on both ballot papers
    assert "merged from B + C" in rows[3] and ">2<" in rows[3]
