"""The Findings tab: the sections of findings and the comments of the focus wave."""

from __future__ import annotations

from partnership_tools.ui.review.findings import SECTIONS, FindingsPanel

from .conftest import score


def test_findings_and_comments_of_the_focus_wave(state):
    panel = FindingsPanel(state)
    panel.show()
    html = panel.html.value
    assert html.startswith("<h2>Findings for phase two</h2>")
    for heading, kinds in SECTIONS:
        n = sum(1 for f in state.result.findings if f.kind in kinds)
        assert f"<h3>{heading} ({n})</h3>" in html
    assert "is a concern" in html
    frame = state.responses.frame
    comments = [c for c in frame.loc[frame["wave"] == "phase two", "comments"] if str(c).strip()]
    assert len(comments) == 6  # counted in the sample file
    assert "<h3>Comments (6)</h3>" in html and html.count("class='pt-comment'") == 6


def test_another_wave(state):
    score(state, by="level", focus_wave="phase one")
    panel = FindingsPanel(state)
    panel.show()
    assert "Findings for phase one" in panel.html.value


def test_no_responses(empty):
    panel = FindingsPanel(empty)
    panel.show()
    assert panel.html.value == "<h2>Findings</h2><p>No responses yet.</p>"
