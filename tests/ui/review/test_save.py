"""The Save tab: the review file, its download link and the report of it."""

from __future__ import annotations

from partnership_tools.reports.replay import replay_file
from partnership_tools.review import read_review
from partnership_tools.review.actions import ActionPlan
from partnership_tools.review.reviewfile import Review
from partnership_tools.review.settings import ReviewSettings
from partnership_tools.ui.review.save import SavePanel


def panel_for(state, feedback, tmp_path) -> SavePanel:
    def review() -> Review:
        return Review(
            id="filed",
            title="Filed <b>review</b>",
            instrument=state.instrument,
            responses=state.responses,
            settings=ReviewSettings(by="level"),
            action_plan=ActionPlan(),
        )

    return SavePanel(state, feedback, review, tmp_path / "downloads")


def test_save_writes_the_file_with_its_figures(state, feedback, tmp_path, downloads):
    panel = panel_for(state, feedback, tmp_path)
    panel.button.click()
    assert feedback.kind == "success", feedback.last
    files = list(downloads.glob("review-filed-*.json"))
    assert len(files) == 1 and panel.saved == files[0]
    assert feedback.last == f"Saved the review file {files[0].name}."
    review = read_review(files[0])
    assert review.responses.n == 79 and review.result["settings"]["by"] == "level"
    assert replay_file(files[0]).verdict.ok
    assert "pt-save-link" in panel.result.value
    assert "data:application/json" in panel.result.value


def test_report_saves_first_and_forgetting_saves_again(state, feedback, tmp_path, downloads):
    panel = panel_for(state, feedback, tmp_path)
    report = panel.report.make("html")
    assert feedback.kind == "success", feedback.last
    first = panel.saved
    assert first is not None and report == downloads / f"report-{first.stem}.html"
    assert "Filed &lt;b&gt;review&lt;/b&gt;" in report.read_text(encoding="utf-8")
    panel.forget()
    assert panel.saved is None
    panel.report.make("html")
    assert panel.saved is not None and panel.saved != first
