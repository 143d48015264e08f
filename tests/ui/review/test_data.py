"""The Data tab: instruments, importing files, the sample, and the store."""

from __future__ import annotations

import pytest

from partnership_tools.store.reviews import list_reviews, load_review
from partnership_tools.ui.review.data import DataPanel
from partnership_tools.ui.review.shared import FROM_FILE, sample_paths

SCRIPT = "<img src=x onerror=alert(1)>"


class Events:
    """What the panel asked the app to do (and what the app would do to the state)."""

    def __init__(self, state):
        self.state = state
        self.log: list[str] = []

    def instrument(self) -> None:
        self.log.append("instrument")

    def responses(self, responses, source, review) -> None:
        self.state.responses, self.state.source = responses, source
        self.state.review_id = review.id if review is not None else None
        self.log.append(f"responses {responses.n} {source}")

    def renamed(self) -> None:
        self.log.append("renamed")


@pytest.fixture
def events(empty):
    empty.instrument = None
    return Events(empty)


@pytest.fixture
def panel(empty, feedback, events):
    from partnership_tools.review.settings import ReviewSettings

    return DataPanel(
        empty,
        feedback,
        on_instrument=events.instrument,
        on_responses=events.responses,
        on_renamed=events.renamed,
        stored_settings=lambda: ReviewSettings(by="level"),
    )


def test_instruments_offered_and_chosen(panel, empty, events, ten):
    values = [v for _, v in panel.instrument_select.options]
    assert "ten_lessons" in values and values[-1] == FROM_FILE
    panel.instrument_select.value = "ten_lessons"
    panel.use_instrument_button.click()
    assert empty.instrument.id == "ten_lessons" and events.log == ["instrument"]
    assert f"{len(ten.items)} statements in {len(ten.dimensions)} dimensions" in (
        panel.instrument_info.value
    )
    panel.instrument_select.value = FROM_FILE
    panel.use_instrument_button.click()
    assert panel.feedback.last == "Type the path of the instrument file, or upload it."
    assert panel.load_instrument_file("notes.txt", b"") is None
    assert panel.feedback.last == "notes.txt is not a .yaml or .json instrument file."


def test_a_bad_instrument_file_gets_a_table(panel, empty, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"id: bad\ntitle: '{SCRIPT}'\n", encoding="utf-8")
    assert panel.use_instrument(bad) is None
    assert panel.feedback.last.startswith("bad.yaml: ")
    assert "How to fix it" in panel.instrument_info.value
    assert empty.instrument is None


def test_import_needs_an_instrument_then_a_file(panel, feedback):
    panel.import_button.click()
    assert feedback.last == "Choose the instrument first."
    panel.use_instrument("ten_lessons")
    panel.import_button.click()
    assert feedback.last == "Upload a CSV or Excel file of responses, or type its path."


def test_the_sample(panel, empty, events):
    imports = panel.load_sample()
    assert len(imports) == 2
    names = ", ".join(p.name for p in sample_paths())
    assert events.log == ["instrument", f"responses 79 {names}", "renamed"]
    assert empty.source == "the sample responses"
    assert empty.review_title == panel.store_title.value == "Sample review (ten lessons)"
    assert panel.store_id.value == "sample-ten-lessons"
    report = panel.import_report.value
    assert all(p.name in report for p in sample_paths())
    assert "Showing the sample review" in panel.feedback.last


def test_store_then_open(panel, empty, events, feedback):
    # the sample itself is never saved under a review id: import its files as one's own
    panel.use_instrument("ten_lessons")
    panel.import_files(sample_paths())
    panel.store_id.value = "a/b"
    assert panel.store_review() is None and "without a slash" in feedback.last
    panel.store_id.value = "spring"
    panel.store_title.value = f"Spring {SCRIPT}"
    panel.store_button.click()
    assert feedback.kind == "success", feedback.last
    assert empty.review_id == "spring" and events.log[-1] == "renamed"
    assert [r["id"] for r in list_reviews(empty.db)] == ["spring"]
    assert load_review(empty.db, "spring").responses.n == 79
    assert panel.review_select.value == "spring"
    empty.review_id = None
    assert panel.store_review() is None
    assert "There is already a review 'spring'" in feedback.last
    panel.store_id.value = ""
    panel.open_review_button.click()
    assert feedback.kind == "success", feedback.last
    assert events.log[-1] == f"responses 79 the review Spring {SCRIPT}"
    assert empty.review_id == "spring" and panel.store_id.value == "spring"
    assert panel.open_review("nope") is None
    assert feedback.last == "There is no review 'nope' in the store."
