"""The Items tab: the note and the diverging chart of the answers to each statement."""

from __future__ import annotations

from partnership_tools.ui.review.items import ItemsPanel
from partnership_tools.ui.review.shared import NO_RESPONSES, OVERALL

from .conftest import score


def test_chart_for_a_group_in_the_focus_wave(state, feedback, tmp_path):
    score(state, by="level", focus_wave="phase one")
    panel = ItemsPanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == "<p>phase one: 40 respondent(s).</p>"  # 6+10+13+11
    chart = panel.draw("Manager")
    assert chart.to_dict()["title"] == "Answers to each statement: Manager, phase one"
    assert chart.to_dict()["encoding"]["column"]["field"] == "panel"
    assert panel.export.name == "review-items-phase-one"


def test_a_suppressed_group_has_no_chart(state, feedback, tmp_path):
    score(state, by="level", min_group_size=6)  # 5 policy makers in phase two
    panel = ItemsPanel(state, feedback, tmp_path)
    assert panel.draw("Policy maker") is None
    assert panel.draw(OVERALL) is not None


def test_no_responses(empty, feedback, tmp_path):
    panel = ItemsPanel(empty, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == NO_RESPONSES
