"""The facilitator app, in process: build it against a temporary store, press its buttons (the
same methods the buttons call) and check the store and what the widgets show."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from partnership_tools.store import Store
from partnership_tools.ui.facilitator import (
    TAB_TITLES,
    FacilitatorApp,
    next_round_options,
    parse_option_lines,
)
from partnership_tools.vote.model import Ballot, Option

SCRIPT = "<img src=x onerror=alert(1)>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "store.sqlite")
    yield s
    s.close()


@pytest.fixture
def app(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    a = FacilitatorApp(store=store, poll_interval=None, base_url="http://example.test")
    yield a
    a.stop_polling()


def create(app, question="Where should the hub go?", key="sesame", groups="", threshold=0.6):
    app.new_question.value = question
    app.new_key.value = key
    app.new_groups.value = groups
    app.new_threshold.value = threshold
    app.create_button.click()
    return app.session


def add(app, text):
    app.options_text.value = text
    app.add_options_button.click()


def paper(app, text, group=None):
    app.paper_input.value = text
    return app.enter_paper_ballot(group=group)


# -- pure helpers ---------------------------------------------------------------------------------
def test_parse_option_lines():
    assert parse_option_lines(" Hub  in town \nLibrary | by the station\n\n") == [
        ("Hub in town", ""),
        ("Library", "by the station"),
    ]
    with pytest.raises(ValueError, match="no label"):
        parse_option_lines("| only a description")
    with pytest.raises(ValueError, match="repeats"):
        parse_option_lines("Library", existing_labels=["library"])
    with pytest.raises(ValueError, match="at least one"):
        parse_option_lines("\n  \n")


# -- sessions and the key -------------------------------------------------------------------------
def test_create_session_unlocks_and_stores(app, store):
    s = create(app, groups="Policy makers\nCitizens")
    assert s is not None and app.session_id == s.id
    stored = store.load_session(s.id)
    assert stored.question == "Where should the hub go?"
    assert stored.threshold == pytest.approx(0.6)
    assert stored.groups == ("Policy makers", "Citizens")
    assert store.check_facilitator_key(s.id, "sesame")
    assert not store.check_facilitator_key(s.id, "wrong")
    assert list(app.tabs.titles) == list(TAB_TITLES)
    assert app.new_key.value == ""  # the key does not linger in the widget
    assert app.feedback.kind == "success"
    assert app.tabs.selected_index == TAB_TITLES.index("Options")  # the next step
    app.tabs.selected_index = TAB_TITLES.index("Codes")  # the facilitator moves on
    assert app.feedback.last == "" and app.feedback.message.value == ""


def test_create_needs_question_and_key(app, store):
    create(app, question="  ", key="sesame")
    assert app.feedback.kind == "error" and "question" in app.feedback.last
    create(app, question="Q?", key="ab")
    assert app.feedback.kind == "error" and "key" in app.feedback.last
    assert store.list_sessions() == []
    assert app.session_id is None
    assert list(app.tabs.titles) == ["Session"]


def test_wrong_key_gets_one_sentence_and_no_access(store, tmp_path):
    s = store.create_session("Which?", facilitator_key="right-key")
    app = FacilitatorApp(store=store, session_id=s.id, poll_interval=None)
    assert app.open_select.value == s.id
    app.open_key.value = "wrong-key"
    app.open_button.click()
    assert app.session_id is None
    assert app.feedback.kind == "error"
    assert app.feedback.last == "That facilitator key does not open this session."
    assert "Traceback" not in app.feedback.message.value
    assert list(app.tabs.titles) == ["Session"]
    # Every facilitator action refuses without an opened session.
    app.options_text.value = "Sneaky option"
    app.add_options()
    assert "facilitator key" in app.feedback.last
    assert store.load_session(s.id).options == ()
    app.open_key.value = "right-key"
    app.open_button.click()
    assert app.session_id == s.id and app.feedback.kind == "success"


def test_unknown_session_in_url(store):
    app = FacilitatorApp(store=store, session_id="nope", poll_interval=None)
    assert app.feedback.kind == "error" and "nope" in app.feedback.last


# -- options, rounds, paper ballots ----------------------------------------------------------------
def test_full_round_with_paper_ballots(app, store):
    s = create(app)
    add(app, "Town hall\nLibrary | by the station\nMarket\nSchool\nClinic")
    opts = store.load_session(s.id).options
    assert [o.id for o in opts] == ["A", "B", "C", "D", "E"]
    assert opts[1].description == "by the station"
    # Every option is ticked for round 1 by default.
    assert app.selected_round_options() == ["A", "B", "C", "D", "E"]
    app.open_round_button.click()
    assert store.open_round_of(s.id).option_ids == ("A", "B", "C", "D", "E")
    assert "http://example.test/vote/" + s.id in app.join_html.value

    # Instant validation while typing.
    app.paper_input.value = "CAZ"
    assert (
        "unknown option" in app.paper_feedback.value and "pt-msg-error" in app.paper_feedback.value
    )
    app.paper_input.value = "cab"
    assert "C &gt; A &gt; B" in app.paper_feedback.value
    assert app.enter_paper_ballot() is not None
    assert app.paper_input.value == ""
    paper(app, "E>D")
    assert [b.ranking for _, b in store.ballots(s.id, 1)] == [("C", "A", "B"), ("E", "D")]
    assert all(b.source == "paper" for _, b in store.ballots(s.id, 1))
    assert "2</span> ballots" in app.count_html.value

    # A bad ballot is refused with one sentence and nothing is stored.
    paper(app, "CAC")
    assert app.feedback.last == "This ballot ranks option C twice."
    paper(app, "")
    assert app.feedback.kind == "error"
    assert store.ballot_count(s.id, 1) == 2

    # Undo removes the last paper ballot of this page.
    app.undo_button.click()
    assert [b.ranking for _, b in store.ballots(s.id, 1)] == [("C", "A", "B")]
    assert "1</span> ballot" in app.count_html.value
    app.undo_button.click()
    app.undo_button.click()  # nothing left to undo: a sentence, no crash
    assert app.feedback.kind == "error" and "undo" in app.feedback.last
    assert store.ballot_count(s.id, 1) == 0

    # The live count follows ballots from elsewhere (the web ballot page).
    store.add_ballot(s.id, 1, Ballot(("B", "A")))
    assert app.refresh_count() == 1
    assert "1</span> ballot" in app.count_html.value

    # Closing asks first.
    app.close_round_button.click()
    assert app.confirm_box.layout.display is None
    app.cancel_close_button.click()
    assert store.open_round_of(s.id) is not None
    app.close_round_button.click()
    app.confirm_close_button.click()
    assert store.round_status(s.id, 1) == "closed"
    assert app.tabs.selected_index == TAB_TITLES.index("Results")
    assert "Round 1: 1 ballots" in app.results_summary.value
    assert "comes top" in app.results_summary.value
    # Ballots for a closed round are refused.
    paper(app, "AB")
    assert app.feedback.kind == "error"


def test_results_table_and_summary_match_the_count(app, store):
    create(app, threshold=0.5)
    add(app, "Alpha\nBeta\nGamma")
    app.open_round_button.click()
    for text in ("ABC", "BAC", "AB", "C>A"):
        paper(app, text)
    app.close_round()
    # MBC by hand, n = 3, N = 4: A = 3 + 2 + 2 + 1 = 8, B = 2 + 3 + 1 = 6, C = 1 + 1 + 2 = 4.
    html = app.results_table.value
    assert html.index("Alpha") < html.index("Beta") < html.index("Gamma")
    assert ">8<" in html and f">{8 / 12:.3f}<" in html and ">6<" in html and ">4<" in html
    assert "Alpha comes top with 8 points from 4 ballots" in app.results_summary.value


def test_publish_toggle(app, store):
    s = create(app)
    app.publish_check.value = True
    assert store.load_session(s.id).results_published is True
    app.publish_check.value = False
    assert store.load_session(s.id).results_published is False


def test_script_named_option_is_text_everywhere(app, store):
    s = create(app, question=f"Pick one {SCRIPT}", groups=f"{SCRIPT}")
    add(app, f"{SCRIPT}\nSafe option")
    assert store.load_session(s.id).options[0].label == SCRIPT
    for w in (app.options_table, app.session_header):
        assert ESCAPED in w.value and SCRIPT not in w.value
    app.open_round_button.click()
    assert ESCAPED in app.round_status.value and SCRIPT not in app.round_status.value
    # Checkboxes and dropdowns show text, not markup.
    paper(app, "AB", group=SCRIPT)
    paper(app, "A")
    app.close_round()
    for w in (app.results_table, app.results_summary):
        assert ESCAPED in w.value and SCRIPT not in w.value
    path = app.export_session()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    assert data["session"]["options"][0]["label"] == SCRIPT  # the file keeps the real text
    assert SCRIPT not in app.export_html.value.split("href=")[0]
    chart = app.show_charts()
    values = [v for ds in chart.to_dict()["datasets"].values() for v in ds]
    assert any(v.get("label") == SCRIPT for v in values)


# -- amend, merge, next round, compare ---------------------------------------------------------------
def test_merge_then_next_round_and_compare(app, store):
    s = create(app)
    add(app, "Alpha\nBeta\nGamma\nDelta")
    app.open_round_button.click()
    for text in ("ABCD", "BACD", "CDAB"):
        paper(app, text)
    app.close_round()

    # Merge needs two or more; amend needs exactly one.
    app.amend_select.value = ("C",)
    app.amend_label.value = "Gamma and Delta"
    app.merge_button.click()
    assert app.feedback.kind == "error" and "two or more" in app.feedback.last
    app.amend_select.value = ("C", "D")
    app.merge_button.click()
    merged = store.load_session(s.id).option("E")
    assert merged.merged_from == ("C", "D") and merged.label == "Gamma and Delta"
    app.amend_select.value = ("B",)
    app.amend_label.value = "Beta, reworded"
    app.amend_button.click()
    amended = store.load_session(s.id).option("F")
    assert amended.amended_from == "B"

    session = store.load_session(s.id)
    assert next_round_options(session) == ["A", "E", "F"]
    assert "Ballot paper for round 2" in app.next_round_html.value
    assert app.selected_round_options() == ["A", "E", "F"]
    app.open_next_button.click()
    assert store.open_round_of(s.id).option_ids == ("A", "E", "F")
    for text in ("EAF", "EFA", "AE"):
        paper(app, text)
    app.close_round()
    assert app.compare_before.value == 1 and app.compare_after.value == 2
    comp = app.compare()
    assert comp is not None
    html = app.compare_html.value
    assert "E: Gamma and Delta (from C + D)" in html
    assert "F: Beta, reworded (amended from B)" in html
    # E in round 2: 3 + 3 + 1 = 7 of 3 x 3; best parent in round 1: C = 4 + 1 + 2... by hand:
    # round 1 (n = 4): C = 2 + 2 + 4 = 8, D = 1 + 1 + 3 = 5 -> best 8/12.
    e = comp.option("E")
    assert e.consensus == pytest.approx(7 / 9)
    assert e.before_consensus == pytest.approx(8 / 12)
    assert f"{7 / 9 - 8 / 12:+.3f}" in html


def test_open_round_needs_two_options(app, store):
    s = create(app)
    add(app, "Only one")
    app.open_round_button.click()
    assert app.feedback.kind == "error" and "two options" in app.feedback.last
    assert store.open_round_of(s.id) is None


# -- export and codes ------------------------------------------------------------------------------
def test_export_writes_the_session_file(app, store, tmp_path):
    s = create(app)
    add(app, "Alpha\nBeta")
    app.export_button.click()
    files = list((tmp_path / "downloads").glob("session-*.json"))
    assert len(files) == 1
    data = json.loads(files[0].read_text(encoding="utf-8"))
    assert data["kind"] == "partnership-tools/session" and data["session"]["id"] == s.id
    assert "download=" in app.export_html.value and "data:application/json;base64," in (
        app.export_html.value
    )
    assert not list((tmp_path / "downloads").glob(".*.tmp"))  # written atomically


def test_issue_codes(app, store):
    s = create(app)
    app.codes_count.value = 6
    app.codes_button.click()
    assert store.code_count(s.id) == 6
    assert store.load_session(s.id).uses_codes
    shown = app.codes_html.value
    assert shown.count("<div>") == 6
    codes = app.issue_codes(count=2, seed=7)
    assert codes is not None and all(store.code_hash(s.id, c) for c in codes)
    assert "Download a printable sheet" in app.codes_html.value


def test_unexpected_error_is_one_sentence(app, store, monkeypatch, caplog):
    create(app)

    def boom(*a, **k):
        raise RuntimeError("disk on fire\nTraceback (most recent call last)")

    monkeypatch.setattr(store, "add_options", boom)
    add(app, "Alpha")
    assert app.feedback.last == (
        "Something went wrong while adding the options; the details are in the server log."
    )
    assert "disk on fire" not in app.feedback.message.value
    assert "Traceback" not in app.feedback.log_html.value


def test_option_labels_in_existing_session(store):
    s = store.create_session("Q?", facilitator_key="k" * 4)
    store.add_options(s.id, [Option("A", "Alpha"), Option("B", "Beta")])
    app = FacilitatorApp(store=store, poll_interval=None)
    app.open_session(s.id, "kkkk")
    assert "Alpha" in app.options_table.value
    assert app.tabs.selected_index == 0


def test_facilitator_page_starts_without_altair_or_pandas():
    """Each page is its own kernel: the facilitator imports charting only when asked."""
    import subprocess
    import sys

    code = (
        "import sys, partnership_tools.ui.facilitator as f; "
        "print(sorted(m for m in ('altair', 'pandas', 'vl_convert') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# -- report and chart export -------------------------------------------------------------------------
def test_report_of_the_exported_session_and_chart_export(app, store, tmp_path):
    from partnership_tools.reports.replay import replay_file

    s = create(app, question=f"Hub {SCRIPT}?")
    add(app, "Alpha\nBeta\nGamma")
    app.open_round_button.click()
    for text in ("ABC", "BAC", "C>A"):
        paper(app, text)
    app.close_round()
    downloads = tmp_path / "downloads"

    # No export yet: "Download report" exports the session first, then reports on that file.
    assert app.report.widget in app.export_pane.children
    app.report.button.click()
    assert app.feedback.kind == "success", app.feedback.last
    sessions = list(downloads.glob(f"session-{s.id}-*.json"))
    assert len(sessions) == 1 and replay_file(sessions[0]).verdict.ok
    report = app.report.last_path
    assert report == downloads / f"report-{sessions[0].stem}.html" and report.exists()
    html = report.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert f"Hub {ESCAPED}?" in html and SCRIPT not in html
    assert "pt-report-file" in app.report.link.value
    # After an explicit export the report is of that file.
    exported = app.export_session()
    assert app.report.link.value == ""
    assert app.report.make() == downloads / f"report-{exported.stem}.html"

    # Results tab: the chart export row appears with the charts and saves what is shown.
    assert app.chart_export.widget in app.results_pane.children
    assert app.chart_export.widget.layout.display == "none"
    app.charts_button.click()
    assert app.chart_export.widget.layout.display is None
    app.chart_export.buttons["svg"].click()
    svg = app.chart_export.last_path
    assert svg == downloads / f"{s.id}-round-1.svg"
    assert svg.read_bytes().lstrip().startswith(b"<svg")
    png = app.chart_export.save("png")
    assert png == downloads / f"{s.id}-round-1.png"
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    # Showing the results again clears the charts and hides the row.
    app.show_results(1)
    assert app.chart_export.widget.layout.display == "none"
    assert app.chart_export.save("png") is None and app.feedback.kind == "error"


def test_report_needs_an_opened_session(app):
    assert app.report.make() is None
    assert app.feedback.kind == "error" and "Open a session" in app.feedback.last
