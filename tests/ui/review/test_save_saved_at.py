"""The Save tab records when the file was saved, and keeps the sample under its own id."""

from __future__ import annotations

import json

from partnership_tools.reports.replay import replay_file
from partnership_tools.review.reviewfile import Review
from partnership_tools.ui.review.data import SAMPLE_ID, SAMPLE_TITLE
from partnership_tools.ui.review.save import SavePanel


def panel_for(state, feedback, tmp_path, rid="mine") -> SavePanel:
    def review() -> Review:
        return Review(
            id=rid,
            title="My review",
            instrument=state.instrument,
            responses=state.responses,
            created_at="2020-01-01T00:00:00Z",
        )

    return SavePanel(state, feedback, review, tmp_path / "downloads")


def test_the_file_records_when_it_was_saved(state, feedback, tmp_path, downloads, monkeypatch):
    monkeypatch.setattr("partnership_tools.kernel.clock.utc_now", lambda: "2031-05-06T07:08:09Z")
    path = panel_for(state, feedback, tmp_path).save_file()
    assert feedback.kind == "success", feedback.last
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["saved_at"] == "2031-05-06T07:08:09Z"
    assert data["created_at"] == "2020-01-01T00:00:00Z"
    assert replay_file(path).verdict.ok  # the saved time is outside the digest


def test_the_sample_is_saved_only_under_its_own_id(state, feedback, tmp_path, downloads):
    state.is_sample = True
    path = panel_for(state, feedback, tmp_path, rid="mine").save_file()
    data = json.loads(path.read_text(encoding="utf-8"))
    assert (data["id"], data["title"]) == (SAMPLE_ID, SAMPLE_TITLE)
    assert path.name.startswith(f"review-{SAMPLE_ID}-")
    assert not list(downloads.glob("review-mine-*.json"))
