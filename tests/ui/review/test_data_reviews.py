"""The Data tab's New review, Archive, Restore and Delete (each confirmed), the sample never
saved under a user's id, and the review list counting responses when it is refreshed."""

from __future__ import annotations

import pytest

from partnership_tools.store.drafts import open_wave, save_draft, start_draft, submit_draft
from partnership_tools.store.reviews import (
    list_reviews,
    load_planned_waves,
    load_responses,
    open_review_store,
    stored_rows,
)
from partnership_tools.ui.review import ReviewApp
from partnership_tools.ui.review.data import SAMPLE_NOT_SAVED
from partnership_tools.ui.review.shared import sample_paths

from .conftest import count

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
    """``n`` answers through the store functions the participants' form uses."""
    for i in range(n):
        _, code = start_draft(db, review_id)
        save_draft(db, review_id, code, answers={"ud1": 1 + i % 5}, fields={"level": "Manager"})
        submit_draft(db, review_id, code)


def new(app, rid="spring", title="Spring review 2025", waves="baseline, one year on", inst=None):
    d = app.data_panel
    if inst:
        d.new_instrument.value = inst
    d.new_id.value, d.new_title.value, d.new_waves.value = rid, title, waves
    d.new_button.click()
    return d


def test_a_new_review_is_empty_and_shown_with_its_title_and_waves(app, db):
    assert app.state.is_sample and "Sample review" in app.summary.value
    d = new(app, inst="partnership_cycle", title=f"Spring {SCRIPT}")
    assert app.feedback.kind == "success", app.feedback.last
    assert "baseline, one year on" in app.feedback.last
    # the store: the review, no responses, no sample rows under its id
    assert [(r["id"], r["responses"]) for r in list_reviews(db)] == [("spring", 0)]
    assert load_responses(db, "spring").n == 0
    assert count(db, "SELECT COUNT(*) FROM review_responses WHERE review_id = 'spring'") == 0
    assert load_planned_waves(db, "spring") == ("baseline", "one year on")
    # the page: its title (never the sample's), instrument, zero responses, waves planned
    assert app.review_id == "spring" and app.instrument.id == "partnership_cycle"
    assert app.responses.n == 0 and not app.state.is_sample
    summary = app.summary.value
    assert "Sample review" not in summary and "Demo data" not in summary
    assert "Spring &lt;img" in summary and SCRIPT not in summary
    assert "<b>0</b> response(s); waves: baseline, one year on" in summary
    assert list(app.wave.options) == ["baseline", "one year on"]
    assert list(app.before.options) == ["baseline", "one year on"]
    assert (d.new_id.value, d.new_title.value) == ("", "")
    # the same id again is refused in one sentence
    new(app, title="again")
    assert app.feedback.kind == "error"
    assert app.feedback.last.startswith("There is already a review 'spring' in the store")
    new(app, rid="a/b")
    assert "without a slash" in app.feedback.last


def test_responses_from_the_form_come_into_the_new_review(app, db):
    new(app, inst="ten_lessons")
    open_wave(db, "spring", "baseline")
    submit(db, "spring", 2)
    app.reload_responses()
    assert app.responses.n == 2
    assert app.waves == ("baseline", "one year on")  # the planned wave still offered


def test_the_sample_is_never_saved_under_a_users_id(app, db):
    assert app.responses.n == 79 and app.state.is_sample
    app.store_id.value = "mine"
    app.store_title.value = "My review"
    app.store_button.click()
    assert app.feedback.kind == "error" and app.feedback.last == SAMPLE_NOT_SAVED
    assert list_reviews(db) == []
    assert count(db, "SELECT COUNT(*) FROM review_responses") == 0
    # switching to another instrument and back does not leave the sample's title behind
    app.use_instrument("partnership_cycle")
    assert "Sample review" not in app.summary.value and not app.state.is_sample
    # the same files imported as one's own responses can be saved
    app.use_instrument("ten_lessons")
    app.import_files(sample_paths())
    assert "Sample review" not in app.summary.value
    app.store_id.value = "mine"
    assert app.store_review() == "mine" and load_responses(db, "mine").n == 79


def test_delete_asks_first_then_removes_everything(app, db):
    new(app, rid="gone", inst="ten_lessons")
    open_wave(db, "gone", "baseline")
    submit(db, "gone", 3)
    start_draft(db, "gone")
    d = app.data_panel
    d.refresh_list_button.click()
    d.review_select.value = "gone"
    d.delete_button.click()
    assert d.confirm_box.layout.display is None
    assert d.confirm_button.description == "Yes, delete review gone"
    assert (
        "Deleting the review gone removes its 3 response(s), 4 form draft(s), its settings and"
        " its action plan of 0 action(s)" in d.confirm_html.value
    )  # three submitted on the form, one still unfinished
    d.cancel_confirm_button.click()
    assert d.confirm_box.layout.display == "none" and d.pending is None
    assert stored_rows(db, "gone")["review_responses"] == 3  # nothing lost on Cancel
    d.delete_button.click()
    d.confirm_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert app.feedback.last == "Deleted the review gone and everything stored under its id."
    for table in ("review_reviews", "review_responses", "review_drafts", "review_form_waves"):
        column = "id" if table == "review_reviews" else "review_id"
        assert count(db, f"SELECT COUNT(*) FROM {table} WHERE {column} = 'gone'") == 0, table
    assert app.review_id is None and app.state.is_sample  # the page shows the sample again
    assert [v for _, v in d.review_select.options] == []


def test_archive_asks_first_hides_and_restores(app, db):
    new(app, rid="old", inst="ten_lessons")
    new(app, rid="new", inst="ten_lessons")
    d = app.data_panel
    d.review_select.value = "old"
    d.archive_button.click()
    assert d.confirm_button.description == "Yes, archive review old"
    assert "nothing is deleted" in d.confirm_html.value
    d.confirm_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    assert [v for _, v in d.review_select.options] == ["new"]
    d.show_archived.value = True
    assert [v for _, v in d.review_select.options] == ["new", "old"]
    assert "archived" in d.review_select.options[1][0]
    d.review_select.value = "new"
    d.restore_button.click()
    assert app.feedback.last == "The review new is not archived."
    d.review_select.value = "old"
    d.restore_button.click()
    assert app.feedback.kind == "success", app.feedback.last
    d.show_archived.value = False
    assert sorted(v for _, v in d.review_select.options) == ["new", "old"]


def test_the_list_counts_responses_when_refreshed(app, db):
    new(app, rid="live", title="Live", inst="ten_lessons")
    d = app.data_panel
    assert d.review_select.options[0][0] == "Live (live, 0 responses)"
    open_wave(db, "live", "baseline")
    submit(db, "live", 5)
    d.refresh_list_button.click()
    assert d.review_select.options[0][0] == "Live (live, 5 responses)"
    assert d.review_select.value == "live"


def test_the_list_counts_responses_as_soon_as_they_are_read(app, db):
    new(app, rid="live", title="Live", inst="ten_lessons")
    d = app.data_panel
    open_wave(db, "live", "baseline")
    submit(db, "live", 2)
    app.reload_responses()  # what the app does when responses arrive; no Refresh pressed
    assert d.review_select.options[0][0] == "Live (live, 2 responses)"


def test_a_new_review_shows_its_first_planned_wave_everywhere(app, db):
    new(app, rid="plan", title="Planned", waves="baseline, one year on", inst="ten_lessons")
    # The filter bar and the form agree with the header: the first wave planned, not a blank.
    assert app.filter_panel.wave.options == ("baseline", "one year on")
    assert app.filter_panel.wave.value == "baseline"
    app.form_panel.show()
    assert app.form_panel.wave.value == "baseline"
    app.open_form()
    open_wave(db, "plan", "baseline")
    submit(db, "plan", 1)
    app.reload_responses()
    app.close_form()
    app.form_panel.show()
    assert app.form_panel.wave.value == "one year on"  # the next planned wave with no answers


def test_the_sample_offers_no_save_box_and_names_its_files(app):
    d = app.data_panel
    assert app.state.is_sample
    assert d.store_box.layout.display == "none"
    assert "file: ten_lessons_wave1.csv" in d.sources.value
    assert "not recorded" not in d.sources.value
    app.form_panel.show()
    assert "sample is not kept in the store" in app.form_panel.status.value
    d.import_files([str(p) for p in sample_paths()])  # the same files, as a user's import
    assert not app.state.is_sample
    assert d.store_box.layout.display != "none"
