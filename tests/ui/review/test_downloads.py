"""The "Download the tables" panel: each button writes its files to the export folder and shows
a download link carrying exactly those bytes; problems are one sentence."""

from __future__ import annotations

import base64
import csv
import io
import re

import openpyxl

from partnership_tools.ui.review.downloads import DownloadsPanel, table_path


def links(panel: DownloadsPanel) -> dict[str, bytes]:
    """The panel's download links: file name -> the bytes its data: URI carries."""
    found = re.findall(r'download="([^"]+)" href="data:[^;]+;base64,([^"]+)"', panel.links.value)
    return {name: base64.b64decode(b64) for name, b64 in found}


def test_responses_csv(state, feedback, downloads):
    panel = DownloadsPanel(state, feedback)
    panel.responses_button.click()
    (path,) = panel.last_paths
    assert path.parent == downloads and path.suffix == ".csv"
    assert path.name.startswith("responses-review-")  # no review id yet
    assert links(panel) == {path.name: path.read_bytes()}
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert len(rows) == state.responses.n == 79
    assert feedback.kind == "success" and path.name in feedback.last


def test_scores_csv_are_two_files_with_suppressed_rows_marked(state, feedback, downloads):
    panel = DownloadsPanel(state, feedback)
    paths = panel.download_scores()
    assert [p.name.split("-")[:3] for p in paths] == [
        ["scores", "by", "dimension"],
        ["scores", "by", "item"],
    ]
    assert set(links(panel)) == {p.name for p in paths}
    rows = list(csv.DictReader(io.StringIO(paths[0].read_text(encoding="utf-8-sig"))))
    hidden = [r for r in rows if r["suppressed"] == "yes"]
    assert hidden and all(r["mean"] == "" and r["n"] == "" and r["note"] for r in hidden)
    # the rows grouped by the app's grouping carry the app's own figures
    d = state.result.dimensions
    shown = d[~d["suppressed"]].iloc[0]
    (row,) = [
        r
        for r in rows
        if r["grouped_by"] == ("level" if not shown["overall"] else "")
        and r["wave"] == shown["wave"]
        and r["group"] == shown["group"]
        and r["dimension"] == shown["dimension"]
    ]
    assert float(row["mean"]) == shown["mean"]


def test_workbook(state, feedback, downloads):
    state.review_id, state.review_title = "spring-2026", "Spring & summer"
    panel = DownloadsPanel(state, feedback)
    panel.workbook_button.click()
    (path,) = panel.last_paths
    assert path.suffix == ".xlsx" and path.parent == downloads
    assert path.name.startswith("review-tables-spring-2026-")
    assert links(panel) == {path.name: path.read_bytes()}
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["About", "Responses", "Scores by dimension", "Scores by item"]
    about = {r[0]: r[1] for r in wb["About"].iter_rows(min_row=2, values_only=True)}
    assert about["Review"] == "Spring & summer"
    assert about["Minimum group size"] == str(state.result.settings.min_group_size)
    assert wb["Responses"].max_row == state.responses.n + 1


def test_a_second_file_in_the_same_second_gets_a_new_name(downloads, tmp_path):
    first = table_path("responses", "r1", ".csv", tmp_path / "s.sqlite")
    first.parent.mkdir(parents=True)
    first.write_text("x")
    second = table_path("responses", "r1", ".csv", tmp_path / "s.sqlite")
    assert second != first and second.suffix == ".csv"


def test_no_responses_is_one_sentence(empty, feedback, downloads):
    panel = DownloadsPanel(empty, feedback)
    assert panel.download_responses() is None
    assert panel.download_workbook() is None
    assert feedback.kind == "error"
    assert feedback.last == "There are no responses to download yet."
    assert panel.links.value == "" and not downloads.exists()


def test_a_folder_that_cannot_be_written_is_one_sentence(state, feedback, tmp_path, monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(blocker))
    panel = DownloadsPanel(state, feedback)
    assert panel.download_scores() is None
    assert feedback.kind == "error"
    assert "Traceback" not in feedback.last and feedback.last.count("\n") == 0
    assert feedback.last.startswith("Could not write scores-by-dimension-")
    assert str(blocker) in feedback.last and feedback.last.endswith(".")
    assert all(b.disabled is False for b in panel.buttons)  # usable again


def test_the_app_offers_the_downloads_on_the_save_tab(tmp_path, monkeypatch):
    from partnership_tools.ui.review import ReviewApp

    out = tmp_path / "downloads"
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(out))
    app = ReviewApp(db_path=tmp_path / "store.sqlite", base_url="http://example.test")
    try:
        panel = app.downloads_panel
        assert panel.pane in app.panes["Save"].children
        assert app.report.widget in app.panes["Save"].children  # the Save tab is still whole
        (path,) = panel.download_responses()
        assert path.parent == out and path.exists()
        assert links(panel) == {path.name: path.read_bytes()}
        app.load_sample()  # other responses shown: the old links go
        assert panel.links.value == ""
    finally:
        app.db.dispose()
