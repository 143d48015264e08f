"""The Action plan tab: adding, checking, removing and saving actions."""

from __future__ import annotations

import datetime as dt

from partnership_tools.review.settings import ReviewSettings
from partnership_tools.store.reviews import load_action_plan, load_settings
from partnership_tools.ui.review.actions import ActionsPanel

from .conftest import store_it

SETTINGS = ReviewSettings(by="level", min_group_size=6)


def panel_for(state, feedback) -> ActionsPanel:
    panel = ActionsPanel(state, feedback, lambda: SETTINGS)
    panel.fill_rows()
    return panel


def test_no_rows_yet_and_the_concerns_without_actions(state, feedback):
    panel = panel_for(state, feedback)
    assert "No actions yet" in panel.box.children[0].value
    panel.show_hint()
    concerns = [
        state.instrument.dimension(f.dimension).title
        for f in state.result.findings
        if f.kind == "concern"
    ]
    assert concerns  # the sample has concerns in phase two
    assert "Concerns in phase two with no action yet" in panel.hint.value
    for title in concerns:
        assert title in panel.hint.value


def test_add_suggests_the_first_concern_and_rows_make_the_plan(state, feedback):
    panel = panel_for(state, feedback)
    panel.add_button.click()
    row = panel.rows[0]
    # phase two's first concern, in the instrument's order ("People, organisations and ...")
    assert row.dimension.value == "people"
    assert panel.current_plan().items == ()  # a blank row is no action
    row.action.value = "Agree a pooled budget"
    row.owner.value = "Finance leads"
    panel.add_action("power", "Rotate the chair", "Chairs", "2025-06-30")
    panel.add_action()  # left blank: skipped
    plan = panel.current_plan()
    assert [(a.dimension, a.action, a.due) for a in plan] == [
        (row.dimension.value, "Agree a pooled budget", None),
        ("power", "Rotate the chair", "2025-06-30"),
    ]
    assert panel.saved.value == "<p class='pt-muted'>Not saved yet.</p>"
    panel.rows[0].remove.click()
    assert [r.action.value for r in panel.rows] == ["Rotate the chair", ""]


def test_a_bad_row_is_one_sentence(state, feedback):
    panel = panel_for(state, feedback)
    row = panel.add_action("people", "")
    row.owner.value = "Finance leads"
    store_it(state)
    panel.save_button.click()
    assert feedback.last == "Action 1: An action needs a description of what will be done."
    assert panel.remove_action(5) is None and "no action number 6" in feedback.last


def test_saving_needs_a_stored_review_then_keeps_plan_and_settings(state, feedback):
    panel = panel_for(state, feedback)
    panel.add_action("power", "Rotate the chair", "Chairs", dt.date(2025, 6, 30))
    panel.save_button.click()
    assert feedback.kind == "error" and "Save this review to the store first" in feedback.last
    rid = store_it(state)
    panel.save_button.click()
    assert feedback.kind == "success", feedback.last
    assert feedback.last == "Saved the action plan (1 action(s)) with the review."
    assert [(a.dimension, a.owner, a.due) for a in load_action_plan(state.db, rid)] == [
        ("power", "Chairs", "2025-06-30")
    ]
    assert load_settings(state.db, rid).min_group_size == 6
    assert len(state.plan) == 1 and panel.saved.value.startswith("<p>Saved 1 action(s) at ")
    assert panel.rows[0].due.value == dt.date(2025, 6, 30)  # the rows are the saved plan


def test_no_instrument_no_action(empty, feedback):
    empty.instrument = None
    panel = ActionsPanel(empty, feedback, lambda: SETTINGS)
    assert panel.add_action() is None
    assert feedback.last == "Choose the instrument first."
