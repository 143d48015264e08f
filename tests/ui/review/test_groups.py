"""The Groups tab: the grouping note, the groups not shown, the gaps table and the heatmap."""

from __future__ import annotations

from partnership_tools.ui.review.groups import GroupsPanel, gap_rows
from partnership_tools.ui.review.shared import OVERALL

from .conftest import score


def test_groups_by_level(state, feedback, tmp_path):
    panel = GroupsPanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    label = state.instrument.field("level").label
    assert f"Groups by “{label}” in phase two." in panel.note.value
    assert "Not shown" not in panel.note.value  # every level has at least 5 people
    assert panel.gaps.value.count("<tr>") == 1 + len(state.instrument.dimensions)
    assert "Worth talking through" in panel.gaps.value
    layers = panel.draw(OVERALL).to_dict()["layer"]
    assert len(layers) == 3


def test_small_groups_are_named(state, feedback, tmp_path):
    score(state, by="level", min_group_size=6)  # 5 policy makers in phase two
    panel = GroupsPanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert "Not shown (fewer than 6 people" in panel.note.value
    assert "Policy maker" in panel.note.value


def test_gap_rows_name_the_highest_and_lowest_groups(state):
    rows = gap_rows(state.result.gaps, "phase two")
    assert len(rows) == len(state.instrument.dimensions)
    for _title, high, low, gap, _flag in rows:
        if gap == "–":
            continue
        high_mean = float(high.rsplit("(", 1)[1].rstrip(")"))
        low_mean = float(low.rsplit("(", 1)[1].rstrip(")"))
        assert abs(high_mean - low_mean - float(gap)) <= 0.011  # each rounded to 2 places


def test_no_grouping(state, feedback, tmp_path):
    score(state)
    panel = GroupsPanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert "Choose a question in “Compare groups by”" in panel.note.value
    assert panel.gaps.value == ""
    assert panel.draw(OVERALL) is None
