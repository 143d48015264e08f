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


def test_addition_html_counts_first_rows_and_duplicates(ten):
    from partnership_tools.review.duplicates import likely_duplicates
    from partnership_tools.review.responses import Responses
    from partnership_tools.ui.review.import_preview import (
        add_label,
        addition_counts,
        addition_html,
        leave_out_label,
    )

    stored = Responses.from_records(
        ten,
        [{"respondent_id": f"web-{k}", "wave": "one", "ud1": 4, "source": "form"} for k in range(3)]
        + [{"respondent_id": "x", "wave": "two", "ud1": 2}],
    )
    rows = [{"respondent_id": SCRIPT, "ud1": 1, "ud2": 2, "level": "Manager"}]
    rows += [{"respondent_id": "web-1", "ud1": 5}]
    rows += [{"respondent_id": f"P-{k}", "ud1": 3} for k in range(5)]
    paper = Responses.from_records(ten, rows).with_source("file: p.csv").in_wave("one")
    dups = likely_duplicates(stored.for_wave("one"), paper)
    assert [(d.row, d.matched_id) for d in dups] == [(1, "web-1")]
    assert addition_counts(list(stored.frame["wave"]), "one", 6) == [
        ("one", 3, 6, 9),
        ("two", 1, 0, 1),
    ]
    html = addition_html(stored, paper, "one", dups, leave_out=True)
    assert "<b>Add 6 responses to wave one</b> beside the 4 response(s) stored" in html
    assert "1 likely duplicate(s) left out" in html
    assert (
        '<td>one</td><td class="pt-num">3</td><td class="pt-num">6</td><td class="pt-num">9</td>'
        in html
    )
    assert "The first 5 of 7 response(s)" in html and "P-2" in html and "P-3" not in html
    assert '<tr class="pt-duplicate">' in html and "Matches stored response" in html
    assert SCRIPT not in html and "&lt;img src=x" in html
    # statements answered: 2 for the first row
    assert '<td>Manager</td><td class="pt-num">2</td>' in html
    kept = addition_html(stored, paper, "one", dups, leave_out=False)
    assert "<b>Add 7 responses to wave one</b>" in kept and "added all the same" in kept
    none = addition_html(stored, paper, "three", (), leave_out=True)
    assert "No likely duplicates" in none
    assert '<td>three</td><td class="pt-num">0</td><td class="pt-num">7</td>' in none
    assert add_label(1, "w") == "Add 1 response to wave w"
    assert leave_out_label(3) == "Leave out the 3 likely duplicates"
