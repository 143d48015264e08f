"""The Response form tab: opening and closing a wave of the review form, and its address."""

from __future__ import annotations

from partnership_tools.store.drafts import form_wave, save_draft, start_draft, submit_draft
from partnership_tools.ui.review.form import FormPanel

from .conftest import store_it

BASE = "http://example.test"


def test_without_a_stored_review(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    panel.show()
    assert "Save this review to the store first" in panel.status.value
    assert panel.wave.value == "wave 3"  # two waves so far
    assert panel.link.value == ""
    assert panel.close_button.layout.display == "none"
    panel.open_button.click()
    assert feedback.kind == "error" and "Save this review to the store first" in feedback.last


def test_open_count_and_close(state, feedback):
    reloads = []
    panel = FormPanel(state, feedback, lambda: BASE, on_reload=lambda: reloads.append(1))
    rid = store_it(state, "formed")
    panel.show()
    assert "Not taking responses" in panel.status.value
    assert (
        panel.link.value == f"<p class='pt-muted'>The form's address: {BASE}/review-form/formed</p>"
    )
    panel.wave.value = "  phase   three "
    panel.open_button.click()
    assert feedback.last == f"The response form is open for phase three: {BASE}/review-form/{rid}."
    assert form_wave(state.db, rid).wave == "phase three" and panel.wave.value == "phase three"
    assert "0 submitted, 0 in progress" in panel.status.value
    assert f"<a href='{BASE}/review-form/formed'" in panel.link.value and "<svg" in panel.link.value
    _, code = start_draft(state.db, rid)
    save_draft(state.db, rid, code, answers={"ud1": 5}, fields={"level": "Manager"})
    submit_draft(state.db, rid, code)
    start_draft(state.db, rid)
    panel.show()
    assert "1 submitted, 1 in progress" in panel.status.value
    panel.reload_button.click()
    assert reloads == [1]
    panel.close_button.click()
    assert feedback.last == "Closed the response form for phase three."
    assert not form_wave(state.db, rid).open
    assert "Responses to phase three closed at" in panel.status.value
    store_it(state, "never-opened")
    assert panel.close_form() is None and feedback.last == "The response form was not open."


def test_a_wave_needs_a_name(state, feedback):
    panel = FormPanel(state, feedback, lambda: BASE)
    store_it(state)
    assert panel.open_form("   ") is None
    assert feedback.last == "Name the wave the form is for, e.g. phase one."
