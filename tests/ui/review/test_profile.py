"""The Profile tab: its note, its table and its chart, for all respondents and for a group."""

from __future__ import annotations

from partnership_tools.ui.review.profile import ProfilePanel, profile_rows
from partnership_tools.ui.review.shared import NO_RESPONSES, OVERALL

from .conftest import score


def test_table_and_note_for_all_respondents(state, feedback, tmp_path):
    panel = ProfilePanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.table.value.count("<tr>") == 1 + len(state.instrument.dimensions)
    assert "<caption>phase two, all respondents</caption>" in panel.table.value
    assert panel.note.value == "<p>phase two: 39 respondent(s).</p>"  # 5+9+11+14
    rows = profile_rows(state.result.dimensions, "phase two", OVERALL)
    assert [r[0] for r in rows] == [d.title for d in state.instrument.dimensions]
    bands = state.instrument.bands
    for _title, mean, _pct, _sd, band, _n, _dk, _na in rows:
        m = float(mean)
        kind = "strength" if m >= bands.strength else "concern" if m < bands.discuss else "discuss"
        assert band == bands.label(kind), (mean, band)


def test_a_group_and_a_chart_for_it(state, feedback, tmp_path):
    panel = ProfilePanel(state, feedback, tmp_path)
    panel.show("Manager")
    assert "<caption>phase two, Manager</caption>" in panel.table.value
    chart = panel.draw("Manager")
    assert chart.to_dict()["title"] == "Dimension profile: Manager, phase two"
    assert panel.slot.chart is chart
    assert panel.export.widget.layout.display is None  # the export row is shown
    assert panel.export.name == "review-profile-phase-two"


def test_too_few_people_no_figures(state, feedback, tmp_path):
    score(state, by="level", min_group_size=40)  # phase two has 39
    panel = ProfilePanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert "Fewer than 40 people answered in phase two" in panel.note.value
    assert "suppressed" in panel.table.value
    assert panel.draw(OVERALL) is None
    assert panel.slot.chart is None and panel.export.widget.layout.display == "none"


def test_no_responses(empty, feedback, tmp_path):
    panel = ProfilePanel(empty, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == NO_RESPONSES and panel.table.value == ""
    assert panel.draw(OVERALL) is None
