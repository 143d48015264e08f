"""The Waves tab: choosing the two waves, the table of changes and the chart."""

from __future__ import annotations

from partnership_tools.review import Responses, read_responses
from partnership_tools.ui.review.shared import OVERALL
from partnership_tools.ui.review.waves import WavesPanel, change_rows

from .conftest import SAMPLE_WAVE1, score


def test_filling_keeps_waves_given_and_defaults_the_rest(state, feedback, tmp_path):
    changes = []
    panel = WavesPanel(state, feedback, tmp_path, on_change=lambda: changes.append(1))
    panel.fill(state.waves, "phase two", "phase one")
    assert (panel.before.value, panel.after.value) == ("phase two", "phase one")
    panel.fill(state.waves, "nope", None, default="phase two")
    assert (panel.before.value, panel.after.value) == ("phase one", "phase two")
    assert changes == []  # filling is quiet
    panel.before.value = "phase two"
    assert changes == [1]


def test_table_of_changes(state, feedback, tmp_path):
    panel = WavesPanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == "<p>From phase one to phase two, all respondents.</p>"
    assert "<th" in panel.table.value and "phase one" in panel.table.value
    c = state.result.changes
    rows = change_rows(c[c["overall"].astype(bool)])
    assert len(rows) == len(state.instrument.dimensions)
    for _title, before, after, change, _direction in rows:
        if "–" in (before, after):
            continue
        assert abs(float(after) - float(before) - float(change)) <= 0.011
        assert change[0] in "+-"
    chart = panel.draw(OVERALL)
    assert "Change in mean, phase one to phase two" in str(chart.to_dict())
    assert panel.export.name == "review-waves-phase-two"


def test_one_wave_no_change(empty, ten, feedback, tmp_path):
    empty.responses = Responses.combine([read_responses(SAMPLE_WAVE1, ten).responses])
    score(empty)
    panel = WavesPanel(empty, feedback, tmp_path)
    panel.show(OVERALL)
    assert "There is one wave so far" in panel.note.value
    assert panel.table.value == ""
    assert panel.draw(OVERALL) is None
