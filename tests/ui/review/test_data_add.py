"""Adding a file's responses to a stored review: a preview of what will be added, likely
duplicates flagged and left out by default, never a replacement, each response's source kept."""

from __future__ import annotations

import csv
import io

import pytest

from partnership_tools.reports.review_tables import responses_table
from partnership_tools.store.drafts import open_wave, save_draft, start_draft, submit_draft
from partnership_tools.store.reviews import list_reviews, load_responses, open_review_store
from partnership_tools.ui.review import ReviewApp

SCRIPT = "<img src=x onerror=alert(1)>"


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


def submit(db, review_id: str, n: int) -> None:
    for i in range(n):
        _, code = start_draft(db, review_id)
        save_draft(db, review_id, code, answers={"ud1": 1 + i % 5}, fields={"level": "Manager"})
        submit_draft(db, review_id, code)


def paper_file(path, ids, wave=""):
    """Typed-up paper forms: respondent id, level, two statements (and a wave column)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["respondent_id", "wave", "level", "ud1", "ud2"])
    for k, rid in enumerate(ids):
        w.writerow([rid, wave, "Front-line worker", 1 + k % 5, 3])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture
def five(app, db):
    """A new review with 5 responses through the form in wave "phase one", opened in the app."""
    d = app.data_panel
    d.new_instrument.value = "ten_lessons"
    d.new_id.value, d.new_title.value, d.new_waves.value = "mix", "Mixed review", "phase one"
    d.new_button.click()
    open_wave(db, "mix", "phase one")
    submit(db, "mix", 5)
    app.reload_responses()
    assert app.responses.n == 5
    return list(load_responses(db, "mix").frame["respondent_id"])


def test_five_form_responses_and_a_paper_file_with_one_duplicate_give_eight(
    app, db, five, tmp_path
):
    d = app.data_panel
    path = paper_file(tmp_path / "paper forms.csv", ["P-1", five[2], "P-3", "P-4"], wave="other")
    assert d.preview_files([path]) is not None, app.feedback.last
    assert app.responses.n == 5  # nothing joined the view yet
    assert d.add_box.layout.display is None and d.use_preview_button.layout.display == "none"
    assert d.add_wave.value == "phase one"  # the form's open wave
    assert d.leave_out_duplicates.value is True
    assert d.leave_out_duplicates.description == "Leave out the 1 likely duplicate"
    assert d.add_button.description == "Add 3 responses to wave phase one"
    html = d.addition_html.value
    assert "beside the 5 response(s) stored" in html
    # phase one: 5 stored, 3 added, 8 after
    assert '<td>phase one</td><td class="pt-num">5</td><td class="pt-num">3</td>' in html
    assert "likely duplicate (same respondent id)" in html and five[2] in html
    assert "file: paper forms.csv" in html
    assert "until you press <b>Add</b>" in d.preview_html.value
    d.add_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert "Added 3 response(s) from paper forms.csv to wave phase one" in app.feedback.last
    assert "left out 1 likely duplicate(s)" in app.feedback.last
    stored = load_responses(db, "mix").frame
    assert len(stored) == 8
    assert list(stored["source"]) == ["form"] * 5 + ["file: paper forms.csv"] * 3
    assert list(stored["respondent_id"]) == [*five, "P-1", "P-3", "P-4"]
    assert set(stored["wave"]) == {"phase one"}
    assert app.responses.n == 8 and app.review_id == "mix"
    assert list_reviews(db)[0]["responses"] == 8
    # shown in the data view, and exported
    assert '<td>phase one</td><td>form</td><td class="pt-num">5</td>' in d.sources.value
    assert '<td>file: paper forms.csv</td><td class="pt-num">3</td>' in d.sources.value
    table = responses_table(app.responses, app.instrument)
    assert list(table["source"]) == ["form"] * 5 + ["file: paper forms.csv"] * 3
    assert d.preview_box.layout.display == "none" and d.pending_files is None


def test_duplicates_can_be_kept_and_a_new_wave_chosen(app, db, five, tmp_path):
    d = app.data_panel
    d.preview_files([paper_file(tmp_path / "p.csv", [five[0], "P-2"])])
    d.leave_out_duplicates.value = False
    assert d.add_button.description == "Add 2 responses to wave phase one"
    d.add_wave.value = "phase two"  # no stored responses there: no duplicates
    assert d.leave_out_duplicates.layout.display == "none"
    assert d.add_button.description == "Add 2 responses to wave phase two"
    d.add_wave.value = "phase one"
    d.leave_out_duplicates.value = True
    assert d.add_button.description == "Add 1 response to wave phase one"
    d.leave_out_duplicates.value = False
    assert d.add_previewed() == 2
    stored = load_responses(db, "mix").frame
    assert len(stored) == 7 and list(stored["respondent_id"]).count(five[0]) == 2


def test_import_with_a_stored_review_open_previews_and_never_replaces(app, db, five, tmp_path):
    d = app.data_panel
    path = paper_file(tmp_path / f"{SCRIPT}.csv", ["P-1", "P-2"])
    assert d.import_files([path]) is not None
    assert app.responses.n == 5 and load_responses(db, "mix").n == 5
    assert d.pending_files is not None and d.add_box.layout.display is None
    assert SCRIPT not in d.addition_html.value
    assert d.use_previewed() is None and "added with the Add button" in app.feedback.last
    assert "Add responses to Mixed review" in d.import_heading.value
    # saving to the store under the same id keeps the form's responses
    assert app.store_review() == "mix" and load_responses(db, "mix").n == 5
    d.cancel_preview()
    assert d.add_previewed() is None and "Preview a response file first" in app.feedback.last
    assert load_responses(db, "mix").n == 5


def test_every_row_a_duplicate_adds_nothing(app, db, five, tmp_path):
    d = app.data_panel
    d.preview_files([paper_file(tmp_path / "p.csv", five[:2])])
    assert d.add_button.description == "Add 0 responses to wave phase one"
    assert d.add_button.disabled
    assert d.add_previewed() is None and "nothing was added" in app.feedback.last
    assert load_responses(db, "mix").n == 5


def test_form_responses_that_arrive_after_the_preview_are_counted(app, db, five, tmp_path):
    d = app.data_panel
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"])])
    submit(db, "mix", 1)
    assert d.add_previewed() == 1
    stored = load_responses(db, "mix").frame
    assert list(stored["source"]) == ["form"] * 6 + ["file: p.csv"]
    assert app.responses.n == 7


def test_without_a_stored_review_the_file_is_used_as_before(app, tmp_path):
    d = app.data_panel
    app.use_instrument("partnership_cycle")
    app.use_instrument("ten_lessons")
    assert not d.adding
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1", "P-2"])])
    assert d.add_box.layout.display == "none" and d.use_preview_button.layout.display is None
    d.use_preview_button.click()
    assert app.responses.n == 2 and list(app.responses.frame["source"]) == ["file: p.csv"] * 2
    assert "file: p.csv" in d.sources.value


def test_the_sample_can_still_be_shown_with_a_stored_review_open(app, five):
    app.data_panel.sample_button.click()
    assert app.responses.n == 79 and app.state.is_sample and app.review_id is None


def test_the_wave_offered_is_the_forms_open_one_else_the_latest_answered(app, db, tmp_path):
    from partnership_tools.store.drafts import close_wave

    d = app.data_panel
    d.new_instrument.value = "ten_lessons"
    d.new_id.value, d.new_waves.value = "w", "baseline, one year on, two years on"
    d.new_button.click()
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"])])
    assert d.add_wave.value == "baseline"  # nothing in yet: the first planned
    assert list(d.add_wave.options) == ["baseline", "one year on", "two years on"]
    open_wave(db, "w", "one year on")
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"])])
    assert d.add_wave.value == "one year on"  # the form's open wave
    submit(db, "w", 1)
    close_wave(db, "w")
    app.reload_responses()
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"])])
    assert d.add_wave.value == "one year on"  # the latest wave with responses


def test_an_uploaded_file_keeps_its_own_name_as_the_source(app, db, five, tmp_path):
    import datetime as dt

    path = paper_file(tmp_path / "x.csv", ["P-1"])
    d = app.data_panel
    d.responses_upload.value = [
        {
            "name": "paper forms (May).csv",
            "type": "text/csv",
            "size": path.stat().st_size,
            "content": memoryview(path.read_bytes()),
            "last_modified": dt.datetime.now(dt.timezone.utc),
        }
    ]
    d.preview_button.click()
    assert d.add_button.description == "Add 1 response to wave phase one"
    d.add_button.click()
    assert "from paper forms (May).csv" in app.feedback.last
    assert "<h3>paper forms (May).csv</h3>" in d.import_report.value
    assert list(load_responses(db, "mix").frame["source"])[-1] == "file: paper forms (May).csv"


def test_a_files_own_wave_is_offered_when_it_is_one_of_the_reviews(app, db, five, tmp_path):
    d = app.data_panel
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"], wave="phase one")])
    assert d.add_wave.value == "phase one"
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"], wave="later")])
    assert d.add_wave.value == "phase one"  # "later" is not a wave of the review: the form's
    from partnership_tools.store.reviews import create_review, load_instrument_of

    create_review(
        db,
        "mix",
        "Mixed review",
        load_instrument_of(db, "mix"),
        replace=True,
        planned_waves=["phase one", "later"],
    )
    app.open_review("mix")
    d.preview_files([paper_file(tmp_path / "p.csv", ["P-1"], wave="later")])
    assert d.add_wave.value == "later"
