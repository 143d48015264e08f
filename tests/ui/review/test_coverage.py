"""The Coverage tab: warnings for a level nobody spoke for, and the chart of who took part."""

from __future__ import annotations

import csv
import io

from partnership_tools.review import Responses, read_responses
from partnership_tools.ui.review.coverage import CoveragePanel
from partnership_tools.ui.review.shared import NO_RESPONSES, OVERALL

from .conftest import SAMPLE_WAVE1, score


def test_every_level_answered(state, feedback, tmp_path):
    panel = CoveragePanel(state, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == "<p>Every level of the vertical slice answered in every wave.</p>"
    assert panel.draw(OVERALL) is not None
    assert panel.export.name == "review-coverage-phase-two"


def test_a_missing_level_is_warned_about(empty, ten, feedback, tmp_path):
    with SAMPLE_WAVE1.open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    level = data[0].index("Which level of the partnership do you mainly speak for?")
    kept = [data[0]] + [r for r in data[1:] if r[level] != "Policy maker"]
    buf = io.StringIO()
    csv.writer(buf).writerows(kept)
    path = tmp_path / "no-policy-makers.csv"
    path.write_text(buf.getvalue(), encoding="utf-8")
    empty.responses = Responses.combine([read_responses(path, ten).responses])
    score(empty, by="level")
    panel = CoveragePanel(empty, feedback, tmp_path)
    panel.show(OVERALL)
    assert "Nobody speaking as policy maker answered in phase one" in panel.note.value
    assert "class='pt-warning' role='status'" in panel.note.value


def test_no_responses(empty, feedback, tmp_path):
    panel = CoveragePanel(empty, feedback, tmp_path)
    panel.show(OVERALL)
    assert panel.note.value == NO_RESPONSES
