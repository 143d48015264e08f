"""The review app's preview of response files: shown before the responses are used."""

from __future__ import annotations

import csv
import io

from partnership_tools.review import responses as responses_module
from partnership_tools.ui.review.import_preview import (
    AS_RECOGNISED,
    group_column_choices,
    response_preview_html,
)
from partnership_tools.ui.review.shared import sample_paths

from .test_data import SCRIPT, events, panel  # noqa: F401 - the Data tab's fixtures

ORG = "What kind of organisation or group are you part of?"


def small_file(path, rows=5, extra_header=""):
    """The first ``rows`` responses of the sample's first wave (optionally one more column)."""
    with sample_paths()[0].open(encoding="utf-8") as fh:
        data = list(csv.reader(fh))
    header, body = data[0], data[1 : rows + 1]
    if extra_header:
        header = [*header, extra_header]
        body = [[*r, "x"] for r in body]
    buf = io.StringIO()
    csv.writer(buf).writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_preview_shows_the_report_and_uses_nothing(panel, empty, events, tmp_path):  # noqa: F811
    empty.instrument = None
    panel.use_instrument("ten_lessons")
    before = empty.responses
    imports = panel.preview_files([small_file(tmp_path / "wave.csv", extra_header=SCRIPT)])
    assert imports is not None, panel.feedback.last
    assert events.log == ["instrument"]  # the responses did not reach the view
    assert empty.responses is before
    assert not empty.imports
    html = panel.preview_html.value
    assert "<b>5 response(s)</b>; 30 of 30 statements matched" in html
    assert "read as csv" in html  # the report's first line
    assert "Each column and what it is used as" in html
    assert "bookkeeping" in html and "Timestamp" in html
    assert SCRIPT not in html and "&lt;img src=x" in html  # every header escaped
    assert panel.preview_box.layout.display is None
    assert panel.pending_files is not None


def test_use_these_responses_imports_the_previewed_files(panel, empty, events, tmp_path):  # noqa: F811
    empty.instrument = None
    panel.use_instrument("ten_lessons")
    panel.preview_files([small_file(tmp_path / "wave.csv", rows=7)])
    panel.use_preview_button.click()
    assert events.log == ["instrument", "responses 7 wave.csv"]
    assert panel.feedback.kind == "success", panel.feedback.last
    assert panel.pending_files is None and panel.preview_box.layout.display == "none"
    assert "wave.csv" in panel.import_report.value
    assert panel.use_previewed() is None
    assert panel.feedback.last == "Preview a response file first."


def test_group_dropdown_rereads_and_is_used(panel, empty, events, tmp_path, monkeypatch):  # noqa: F811
    calls: list[object] = []
    real = responses_module.read_responses

    def recording(path, instrument, wave=None, **kw):
        calls.append(kw.get("group_column"))
        kw.pop("group_column", None)  # the reader may not take it yet; the wiring is tested here
        return real(path, instrument, wave=wave, **kw)

    monkeypatch.setattr(responses_module, "read_responses", recording)
    empty.instrument = None
    panel.use_instrument("ten_lessons")
    panel.preview_files([small_file(tmp_path / "wave.csv")])
    values = [v for _label, v in panel.preview_group_column.options]
    assert values[0] == AS_RECOGNISED and ORG in values and "Timestamp" in values
    panel.preview_group_column.value = ORG
    assert calls == [None, ORG]
    panel.use_previewed()
    assert calls == [None, ORG, ORG]
    assert events.log[-1] == "responses 5 wave.csv"


def test_a_bad_file_is_one_sentence_and_no_preview(panel, empty, events, tmp_path):  # noqa: F811
    empty.instrument = None
    panel.use_instrument("ten_lessons")
    bad = tmp_path / "other.csv"
    bad.write_text("colour,size\nred,3\n", encoding="utf-8")
    assert panel.preview_files([bad]) is None
    assert panel.feedback.kind == "error"
    assert panel.feedback.last.startswith("None of the 2 columns in other.csv matches")
    assert panel.pending_files is None and panel.preview_box.layout.display == "none"
    assert events.log == ["instrument"]


def test_preview_needs_an_instrument(panel, events):  # noqa: F811
    panel.state.instrument = None
    panel.preview_button.click()
    assert panel.feedback.last == "Choose the instrument first."


def test_choices_and_html_without_a_report(ten, tmp_path):
    imp = responses_module.read_responses(small_file(tmp_path / "w.csv", rows=3), ten)
    choices = group_column_choices([imp, imp])
    headers = [v for _label, v in choices[1:]]
    assert len(headers) == len(set(headers)) == len(imp.report.columns)
    html = response_preview_html([imp])
    assert html.startswith("<h3>Preview</h3><p>3 response(s) in 1 file(s).")


def test_group_column_reaches_the_real_reader(panel, empty, events, tmp_path):  # noqa: F811
    empty.instrument = None
    panel.use_instrument("ten_lessons")
    first = panel.preview_files([small_file(tmp_path / "wave.csv")])
    uses = {c.header: c.use for c in first[0].report.columns}
    assert uses["Timestamp"] == "bookkeeping"
    panel.preview_group_column.value = "Timestamp"
    again = panel.set_preview_group_column("Timestamp")
    uses = {c.header: c.use for c in again[0].report.columns}
    assert uses["Timestamp"] != "bookkeeping"  # named outright, it is used, not set aside
    assert panel.preview_group_column.value == "Timestamp"
