"""The review app, in process: build it against a temporary store, press its buttons (the same
methods the buttons call) and check the store and what the widgets show."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import ipywidgets as widgets
import pytest

from partnership_tools import SAMPLE_DIR
from partnership_tools.review import load_instrument, read_review
from partnership_tools.store.drafts import form_wave, save_draft, start_draft, submit_draft
from partnership_tools.store.reviews import (
    load_action_plan,
    load_responses,
    open_review_store,
)
from partnership_tools.ui.review import OVERALL, TAB_TITLES, ReviewApp, form_url

SCRIPT = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"
ROOT = Path(__file__).resolve().parents[2]
WAVE1 = SAMPLE_DIR / "review" / "ten_lessons_wave1.csv"
WAVE2 = SAMPLE_DIR / "review" / "ten_lessons_wave2.csv"


@pytest.fixture
def db_file(tmp_path):
    return tmp_path / "store.sqlite"


@pytest.fixture
def db(db_file):
    d = open_review_store(db_file)
    yield d
    d.dispose()


@pytest.fixture
def app(db, db_file, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    return ReviewApp(db_path=db_file, db=db, base_url="http://example.test")


def html_values(widget) -> list[str]:
    """Every HTML widget's value in the app's widget tree."""
    out = []
    if isinstance(widget, (widgets.HTML, widgets.HTMLMath)):
        out.append(widget.value)
    for child in getattr(widget, "children", ()) or ():
        out += html_values(child)
    return out


def page_html(app: ReviewApp) -> str:
    return "\n".join(html_values(app.widget))


def assert_escaped(app: ReviewApp) -> None:
    text = page_html(app)
    assert SCRIPT not in text
    assert "Traceback" not in text


def sample_csv(
    path: Path, rows: int = 6, *, wave: str = "phase one", extra_header: str = ""
) -> Path:
    """A small copy of the sample's first rows, with the wave set and an optional extra column."""
    with WAVE1.open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    header, body = data[0], data[1 : rows + 1]
    wave_col = header.index("Wave")
    for r in body:
        r[wave_col] = wave
    if extra_header:
        header = [*header, extra_header]
        body = [[*r, "x"] for r in body]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# -- the sample, straight away ------------------------------------------------------------------------
def test_without_parameters_the_sample_review_is_shown(app):
    assert app.responses.n == 79
    assert app.waves == ("phase one", "phase two")
    assert app.result.focus_wave == "phase two" and app.wave.value == "phase two"
    assert app.by.value == "level"
    assert app.review_id is None
    assert "Sample review" in app.summary.value and "79" in app.summary.value
    assert "Showing the sample review" in app.feedback.last
    assert app.profile_table.value.count("<tr>") == 11  # header + ten dimensions
    assert "People, organisations and resources" in app.findings.value
    assert "is a concern" in app.findings.value
    assert "Comments (" in app.findings.value
    assert app.tabs.titles == TAB_TITLES
    # the Profile tab (on show) has its chart; the others are drawn when shown
    assert app.profile_chart.chart is not None
    charts = app.draw_all()
    assert all(charts[t] is not None for t in ("Profile", "Items", "Groups", "Waves", "Coverage"))
    assert app.items_chart.widget is not None
    assert_escaped(app)


def test_charts_are_the_kits_review_charts(app):
    charts = app.draw_all()
    spec = charts["Items"].to_dict()
    assert spec["encoding"]["column"]["field"] == "panel"  # don't know in a panel of its own
    layers = charts["Groups"].to_dict()["layer"]
    assert len(layers) == 3  # shown, hidden (suppressed) and the text
    assert "Change in mean, phase one to phase two" in str(charts["Waves"].to_dict())
    assert charts["Profile"].to_dict()["encoding"]["color"]["field"] == "band_name"


def test_switching_the_tab_draws_its_chart(app):
    assert app.groups_chart.chart is None
    app.select_tab("Groups")
    assert app.groups_chart.chart is not None
    assert "Groups by" in app.groups_note.value
    assert "Worth talking through" in app.gaps_table.value


def test_wave_filter_changes_every_tab(app):
    app.wave.value = "phase one"
    assert app.result.focus_wave == "phase one"
    assert "<caption>phase one, all respondents</caption>" in app.profile_table.value
    assert "Findings for phase one" in app.findings.value
    app.select_tab("Items")
    assert app.items_chart.chart.to_dict()["title"] == (
        "Answers to each statement: All respondents, phase one"
    )


def test_group_field_and_group_shown(app):
    app.by.value = ""
    assert app.result.settings.by is None
    assert "Choose a question" in app.groups_note.value
    assert app.draw("Groups") is None
    assert app.group.options == (OVERALL,)
    app.by.value = "level"
    assert "Manager" in app.group.options
    app.group.value = "Manager"
    chart = app.draw("Profile")
    assert "Manager" in chart.to_dict()["title"]
    assert "<caption>phase two, Manager</caption>" in app.profile_table.value


def test_min_group_size_hides_small_groups_and_waves(app):
    app.min_size.value = 12
    hidden = app.groups_note.value
    assert "Not shown" in hidden and "Policy maker" in hidden
    app.min_size.value = 60
    assert "Fewer than 60 people answered" in app.profile_note.value
    assert app.draw("Profile") is None
    assert "suppressed" in app.profile_table.value


def test_coverage_warns_about_a_missing_level(app, tmp_path):
    path = sample_csv(tmp_path / "managers.csv", rows=40)
    with path.open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    level = data[0].index("Which level of the partnership do you mainly speak for?")
    kept = [data[0]] + [r for r in data[1:] if r[level] != "Policy maker"]
    buf = io.StringIO()
    csv.writer(buf).writerows(kept)
    path.write_text(buf.getvalue(), encoding="utf-8")
    app.import_files([path])
    assert "Nobody speaking as policy maker answered in phase one" in app.coverage_note.value
    assert app.draw("Coverage") is not None


# -- importing --------------------------------------------------------------------------------------------
def test_import_report_lists_unmatched_columns_and_bad_cells_escaped(app, tmp_path):
    path = sample_csv(tmp_path / "wave.csv", rows=6, wave=SCRIPT, extra_header=SCRIPT)
    with path.open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    data[1][4] = SCRIPT  # an unreadable answer
    data[2][-2] = SCRIPT  # a comment
    buf = io.StringIO()
    csv.writer(buf).writerows(data)
    path.write_text(buf.getvalue(), encoding="utf-8")
    app.import_files([path])
    assert app.feedback.kind == "success", app.feedback.last
    assert "1 cell(s) could not be read" in app.feedback.last
    report = app.import_report.value
    assert "Column not used" in report and "Timestamp" in report
    assert ESCAPED in report and SCRIPT not in report
    assert "Why it was left blank" in report
    assert app.waves == (SCRIPT,)  # a dropdown shows it as text
    assert ESCAPED in app.summary.value
    assert ESCAPED in app.findings.value  # the comment
    assert_escaped(app)


def test_uploaded_files_are_imported_together(app, tmp_path):
    now = dt.datetime.now(dt.timezone.utc)
    app.responses_upload.value = [
        {
            "name": p.name,
            "type": "text/csv",
            "size": p.stat().st_size,
            "content": memoryview(p.read_bytes()),
            "last_modified": now,
        }
        for p in (WAVE1, WAVE2)
    ]
    app.import_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert app.responses.n == 79 and app.waves == ("phase one", "phase two")
    assert app.responses_upload.value == ()
    assert "ten_lessons_wave1.csv" in app.import_report.value


def test_excel_files_are_imported(app, tmp_path):
    import openpyxl

    with WAVE2.open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[:8]
    book = openpyxl.Workbook()
    for r in rows:
        book.active.append(r)
    path = tmp_path / "wave two.xlsx"
    book.save(path)
    app.import_files([path])
    assert app.feedback.kind == "success", app.feedback.last
    assert app.responses.n == 7 and app.waves == ("phase two",)


def test_wave_given_on_import_overrides_the_file(app, tmp_path):
    app.import_wave.value = "autumn"
    app.import_files([sample_csv(tmp_path / "w.csv", rows=5)])
    assert app.waves == ("autumn",)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "empty.csv is empty."),
        ("notes.pdf", b"%PDF-1.4", "notes.pdf is a .pdf file; give a CSV or Excel .xlsx file"),
        ("other.csv", b"colour,size\nred,3\n", "None of the 2 columns in other.csv matches"),
        ("old.xls", b"\xd0\xcf\x11\xe0", "old.xls is in the old .xls format"),
        ("bad.xlsx", b"not a zip", "bad.xlsx could not be opened as an Excel workbook"),
    ],
)
def test_bad_response_files_get_one_sentence(app, tmp_path, name, content, message):
    before = app.responses
    path = tmp_path / name
    path.write_bytes(content)
    assert app.import_files([path]) is None
    assert app.feedback.kind == "error"
    assert app.feedback.last.startswith(message)
    assert "\n" not in app.feedback.last
    assert app.responses is before  # nothing lost


def test_import_needs_a_file(app):
    app.import_button.click()
    assert app.feedback.last == "Upload a CSV or Excel file of responses, or type its path."
    app.responses_path.value = "/no/such/file.csv"
    app.import_button.click()
    assert app.feedback.last == "There is no file '/no/such/file.csv'."


# -- instruments --------------------------------------------------------------------------------------------
def test_instrument_errors_are_sentences_and_a_table(app, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"id: bad\ntitle: '{SCRIPT}'\n", encoding="utf-8")
    app.instrument_select.value = "__file__"
    app.instrument_path.value = str(bad)
    app.use_instrument_button.click()
    assert app.feedback.kind == "error"
    assert app.feedback.last.startswith("bad.yaml: ")
    assert "How to fix it" in app.instrument_info.value
    assert app.instrument.id == "ten_lessons" and app.responses.n == 79  # nothing lost
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    app.use_instrument(broken)
    assert "not valid YAML" in app.feedback.last
    app.use_instrument(tmp_path / "missing.yaml")
    assert "the file does not exist" in app.feedback.last
    app.use_instrument("no_such_instrument")
    assert "no shipped instrument is called 'no_such_instrument'" in app.feedback.last
    assert_escaped(app)


def test_an_uploaded_instrument_is_used(app):
    import yaml

    data = load_instrument("partnership_cycle").to_dict()
    data["title"] = f"Cycle {SCRIPT}"
    app.instrument_upload.value = [
        {
            "name": "cycle.yaml",
            "type": "application/x-yaml",
            "size": 1,
            "content": memoryview(yaml.safe_dump(data).encode()),
            "last_modified": dt.datetime.now(dt.timezone.utc),
        }
    ]
    app.use_instrument_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert app.instrument.id == "partnership_cycle"
    assert app.responses is None  # the sample answered another instrument
    assert "No responses yet" in app.findings.value
    assert ESCAPED in app.instrument_info.value
    assert_escaped(app)


def test_switching_to_a_shipped_instrument(app):
    app.use_instrument("partnership_cycle")
    assert app.instrument.id == "partnership_cycle" and app.result is None
    assert app.draw("Profile") is None


# -- the store, the action plan ------------------------------------------------------------------------------
def test_action_plan_needs_a_stored_review(app):
    app.add_action(text="Agree a pooled budget")
    app.save_actions_button.click()
    assert app.feedback.kind == "error"
    assert "Save this review to the store first" in app.feedback.last


def test_store_add_actions_save_and_reopen(app, db, db_file):
    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "spring"
    app.store_title.value = f"Spring {SCRIPT}"
    app.store_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert app.review_id == "spring"
    assert load_responses(db, "spring").n == 79
    assert "Concerns in phase two with no action yet" in app.actions_hint.value
    row = app.add_action()  # suggests the first concern without an action
    assert row.dimension.value == "people"
    row.action.value = "Agree a pooled budget"
    row.owner.value = SCRIPT
    row.due.value = dt.date(2025, 3, 31)
    app.add_action("power", "Rotate the chair", "Chairs", "2025-06-30")
    app.add_action()  # left blank: skipped
    app.min_size.value = 6
    app.save_actions_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    plan = load_action_plan(db, "spring")
    assert [(a.dimension, a.action, a.owner, a.due) for a in plan] == [
        ("people", "Agree a pooled budget", SCRIPT, "2025-03-31"),
        ("power", "Rotate the chair", "Chairs", "2025-06-30"),
    ]
    assert "Saved 2 action(s)" in app.actions_saved.value
    assert app.actions_hint.value == ""
    assert_escaped(app)

    again = ReviewApp(db_path=db_file, db=db, review_id="spring", base_url="http://example.test")
    assert again.review_id == "spring" and again.responses.n == 79
    assert again.min_size.value == 6 and again.by.value == "level"  # kept with the review
    assert [r.action.value for r in again.action_rows] == [
        "Agree a pooled budget",
        "Rotate the chair",
    ]
    assert again.action_rows[0].owner.value == SCRIPT
    assert again.action_rows[0].due.value == dt.date(2025, 3, 31)
    assert ESCAPED in again.summary.value
    assert_escaped(again)

    again.remove_action(0)
    again.save_actions()
    assert [a.action for a in load_action_plan(db, "spring")] == ["Rotate the chair"]


def test_action_plan_validation_is_one_sentence(app):
    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "checks"
    app.store_review()
    row = app.add_action("people", "")
    row.owner.value = "Finance leads"
    app.save_actions()
    assert app.feedback.last == "Action 1: An action needs a description of what will be done."
    assert load_action_plan(app.db, "checks").items == ()
    assert app.remove_action(5) is None and "no action number 6" in app.feedback.last


def test_store_refuses_a_taken_id(app, db):
    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "taken"
    app.store_review()
    other = ReviewApp(db=db, db_path=app.db_path)
    other.import_files([WAVE1, WAVE2])
    other.store_id.value = "taken"
    assert other.store_review() is None
    assert "There is already a review 'taken'" in other.feedback.last
    other.store_id.value = "a/b"
    other.store_review()
    assert "without a slash" in other.feedback.last


def test_unknown_review_id_shows_the_sample_and_says_so(db, db_file):
    app = ReviewApp(db_path=db_file, db=db, review_id="nope")
    assert app.feedback.kind == "error"
    assert app.feedback.last == "There is no review 'nope' in the store."
    assert app.responses.n == 79


def test_responses_path_parameter(db, db_file, tmp_path):
    path = sample_csv(tmp_path / "five.csv", rows=5, wave="pilot")
    app = ReviewApp(db_path=db_file, db=db, responses_path=str(path), instrument="ten_lessons")
    assert app.responses.n == 5 and app.waves == ("pilot",)
    assert "Fewer than 5 people" not in app.profile_note.value


# -- the response form ---------------------------------------------------------------------------------------
def test_open_and_close_the_response_form(app, db):
    app.open_form_button.click()
    assert "Save this review to the store first" in app.feedback.last
    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "formed"
    app.store_review()
    app.form_wave.value = "   "
    app.open_form()
    assert app.feedback.last == "Name the wave the form is for, e.g. phase one."
    app.form_wave.value = f"phase three {SCRIPT}"
    app.open_form_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    state = form_wave(db, "formed")
    assert state.open and state.wave == f"phase three {SCRIPT}"
    assert "http://example.test/review-form/formed" in app.form_link.value
    assert "<svg" in app.form_link.value  # the QR code
    assert "0 submitted" in app.form_status.value
    assert_escaped(app)

    _, code = start_draft(db, "formed")
    save_draft(db, "formed", code, answers={"ud1": 5}, fields={"level": "Manager"})
    submit_draft(db, "formed", code)
    app.reload_button.click()
    assert app.responses.n == 80
    assert "(+1)" in app.feedback.last
    assert f"phase three {SCRIPT}" in app.wave.options
    assert "1 submitted" in app.form_status.value

    app.close_form_button.click()
    assert not form_wave(db, "formed").open
    assert "Not taking responses" in app.form_status.value


def test_form_url():
    assert form_url("a b/c", "http://h:1/") == "http://h:1/review-form/a%20b%2Fc"
    assert form_url("x", "") == "/review-form/x"


# -- the review file --------------------------------------------------------------------------------------------
def test_save_review_file(app, tmp_path):
    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "filed"
    app.store_review()
    app.add_action("power", "Rotate the chair", SCRIPT)
    app.save_file_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    files = list((tmp_path / "downloads").glob("review-filed-*.json"))
    assert len(files) == 1
    assert not list((tmp_path / "downloads").glob(".*.tmp"))  # written atomically
    review = read_review(files[0])
    assert review.id == "filed" and review.responses.n == 79
    assert review.action_plan.items[0].owner == SCRIPT
    assert review.result is not None and review.result["settings"]["focus_wave"] == "phase two"
    assert (
        "pt-save-link" in app.save_result.value and "data:application/json" in app.save_result.value
    )
    assert_escaped(app)


# -- house rules ---------------------------------------------------------------------------------------------------
def test_core_modules_do_not_import_ipywidgets():
    code = (
        "import sys\n"
        "import partnership_tools.store.drafts, partnership_tools.server.review_form\n"
        "assert 'ipywidgets' not in sys.modules, 'ipywidgets imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_notebook_is_thin_and_has_no_outputs():
    import json

    nb = json.loads((ROOT / "notebooks" / "partnership_review.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 4
    assert code[0]["metadata"]["tags"] == ["parameters"]
    source = "".join(code[0]["source"])
    for name in ("review_id = None", "responses_path = None", 'instrument = "ten_lessons"'):
        assert name in source
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in code)


# -- report and chart export ------------------------------------------------------------------------------------
def test_report_of_the_saved_review_file(app, tmp_path):
    from partnership_tools.reports.replay import replay_file

    app.import_files([WAVE1, WAVE2])  # the sample's files as one's own: the sample is never stored
    app.store_id.value = "reported"
    app.store_title.value = f"Review {SCRIPT}"
    app.store_review()
    downloads = tmp_path / "downloads"
    assert app.report.widget in app.panes["Save"].children
    # Nothing saved yet: the report saves the review file first, then reports on it.
    app.report.button.click()
    assert app.feedback.kind == "success", app.feedback.last
    files = list(downloads.glob("review-reported-*.json"))
    assert len(files) == 1
    assert replay_file(files[0]).verdict.ok  # saved with its figures and digest
    report = app.report.last_path
    assert report == downloads / f"report-{files[0].stem}.html" and report.exists()
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert f"Review {ESCAPED}" in html and SCRIPT not in html
    # A later save is what the next report is of.
    saved = app.save_file()
    assert saved is not None and app.report.link.value == ""
    assert app.report.make() == downloads / f"report-{saved.stem}.html"


def test_chart_export_for_the_tab_on_show(app, tmp_path):
    downloads = tmp_path / "downloads"
    app.select_tab("Profile")
    export = app.chart_exports["Profile"]
    assert export.widget.layout.display is None  # the profile chart is drawn
    export.buttons["svg"].click()
    assert app.feedback.kind == "success", app.feedback.last
    svg = export.last_path
    assert svg == downloads / "review-profile-phase-two.svg"
    assert svg.read_bytes().lstrip().startswith(b"<svg")
    app.select_tab("Coverage")
    png = app.save_chart("png")
    assert png == downloads / "review-coverage-phase-two.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    app.select_tab("Findings")
    assert app.save_chart("svg") is None and app.feedback.kind == "error"


def test_the_app_keeps_a_review_in_a_postgresql_store(fresh_postgres, tmp_path, monkeypatch):
    """The same app on a database server: store, save actions, reopen from the URL, delete."""
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv("PARTNERSHIP_TOOLS_DB", raising=False)
    app = ReviewApp(db_path=fresh_postgres, base_url="http://example.test")
    again = None
    try:
        assert app.db.dialect == "postgresql"
        # exports go beside the default SQLite store's folder, never under the URL
        assert app.db_path == tmp_path / "data" / "partnership-tools" / "partnership-tools.sqlite"
        app.import_files([WAVE1, WAVE2])
        app.store_id.value = "pg"
        assert app.store_review() == "pg", app.feedback.last
        app.add_action("power", "Rotate the chair", "Chairs", "2025-06-30")
        app.save_actions()
        assert app.feedback.kind == "success", app.feedback.last
        again = ReviewApp(db_path=fresh_postgres, review_id="pg", base_url="http://example.test")
        assert again.review_id == "pg" and again.responses.n == 79
        assert [(a.dimension, a.action) for a in load_action_plan(again.db, "pg")] == [
            ("power", "Rotate the chair")
        ]
        again.data_panel.ask_delete("pg")
        again.data_panel.confirm()
        assert again.feedback.kind == "success", again.feedback.last
        assert load_responses_or_none(again.db, "pg") is None
        assert load_responses_or_none(app.db, "pg") is None  # the first page's store agrees
    finally:
        app.db.dispose()
        if again is not None:
            again.db.dispose()


def load_responses_or_none(db, rid):
    from partnership_tools.store.reviews import ReviewStoreError

    try:
        return load_responses(db, rid)
    except ReviewStoreError:
        return None
