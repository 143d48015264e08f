"""The facilitator's tools, panel by panel and in the assembled app: edit and delete options,
record who proposed one and why, amend from the old wording, undo a merge or an amendment, the
spreadsheet downloads, the receipts setting, the codes sheet, copy, archive and delete a session.

Expected values come from the ballots each test stores (counted by hand in the comments)."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest
from openpyxl import load_workbook

from partnership_tools.ui.facilitator import FacilitatorApp, codes_sheet_html
from partnership_tools.ui.facilitator.amend_panel import AmendPanel
from partnership_tools.ui.facilitator.codes_panel import CodesPanel
from partnership_tools.ui.facilitator.export_panel import ExportPanel
from partnership_tools.ui.facilitator.helpers import editable_ids, undoable_ids
from partnership_tools.ui.facilitator.options_panel import OptionsPanel
from partnership_tools.vote.model import Ballot, Option

from .conftest import closed_round, make_session, unlock

SCRIPT = "<img src=x onerror=alert(1)>"


# -- Options: edit, who and why, delete -------------------------------------------------------------
def test_edit_an_option_before_the_first_round(console, store):
    s = make_session(store)
    panel = OptionsPanel(console)
    unlock(console, s.id, panel)
    panel.edit_select.value = "B"
    assert (panel.edit_label.value, panel.edit_label.disabled) == ("Beta", False)
    panel.edit_label.value = "Beta  road"
    panel.edit_proposer.value = SCRIPT
    panel.edit_reason.value = " Cheapest to run. "
    panel.edit_save_button.click()
    assert panel.feedback.last == "Saved option B."
    b = store.load_session(s.id).option("B")
    assert (b.label, b.proposer, b.reason) == ("Beta road", SCRIPT, "Cheapest to run.")
    table = panel.options_table.value
    assert '<th scope="col">Proposed by</th>' in table and "Cheapest to run." in table
    assert SCRIPT not in table and "&lt;img src=x" in table
    assert 'role="region" tabindex="0"' in table and "pt-scroll-note" in table


def test_add_options_with_who_proposed_them_and_why(console, store):
    s = store.create_session("Q?", facilitator_key="sesame")
    panel = OptionsPanel(console)
    unlock(console, s.id, panel)
    panel.options_text.value = "Alpha\nBeta | by the river"
    panel.add_proposer.value = " Youth   forum "
    panel.add_reason.value = " Heard at the March meeting. "
    panel.add_options_button.click()
    assert panel.feedback.last == "Added 2 option(s): A, B."
    got = [(o.id, o.proposer, o.reason) for o in store.load_session(s.id).options]
    assert got == [
        ("A", "Youth forum", "Heard at the March meeting."),
        ("B", "Youth forum", "Heard at the March meeting."),
    ]
    assert panel.add_proposer.value == "" and panel.add_reason.value == ""
    panel.options_text.value = "Gamma"
    panel.add_options()
    assert store.load_session(s.id).option("C").proposer == ""


def test_wording_is_locked_once_voted_on_but_who_and_why_are_not(console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B"], ["AB"])
    panel = OptionsPanel(console)
    unlock(console, s.id, panel)
    panel.edit_select.value = "A"
    assert panel.edit_label.disabled and panel.delete_option_button.layout.display == "none"
    assert "its wording stays as voted" in panel.edit_note.value
    panel.edit_label.value = "Something else"  # ignored: the field is locked
    panel.edit_proposer.value = "Council"
    assert panel.save_option() is not None
    a = store.load_session(s.id).option("A")
    assert (a.label, a.proposer) == ("Alpha", "Council")
    # C was on no ballot paper: still free.
    panel.edit_select.value = "C"
    assert not panel.edit_label.disabled
    assert panel.delete_option_button.layout.display is None


def test_saving_needs_a_label_and_reports_no_change(console, store):
    s = make_session(store)
    panel = OptionsPanel(console)
    unlock(console, s.id, panel)
    panel.edit_select.value = "A"
    panel.save_option()
    assert panel.feedback.last == "Option A was already as shown; nothing changed."
    panel.edit_label.value = "   "
    assert panel.save_option() is None
    assert panel.feedback.last == "An option needs a label; type one, or delete the option."
    panel.edit_label.value = "beta"
    assert panel.save_option() is None
    assert panel.feedback.last == "Option B already reads 'beta'; choose other wording."


def test_delete_asks_first_and_cancel_keeps_it(console, store):
    s = make_session(store)
    panel = OptionsPanel(console)
    unlock(console, s.id, panel)
    panel.edit_select.value = "C"
    panel.delete_option_button.click()
    assert panel.delete_confirm_box.layout.display is None
    assert "Delete option C (Gamma)?" in panel.delete_confirm_text.value
    assert panel.delete_confirm_button.description == "Yes, delete option C"
    panel.delete_cancel_button.click()
    assert panel.delete_confirm_box.layout.display == "none"
    assert len(store.load_session(s.id).options) == 3
    assert panel.delete_option() is None  # nothing asked: nothing deleted
    panel.ask_delete_option("C")
    panel.delete_confirm_button.click()
    assert panel.feedback.last == "Deleted option C."
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B"]
    assert [v for _, v in panel.edit_select.options] == ["A", "B"]


def test_editable_and_undoable_ids(store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["AB"])
    store.add_options(s.id, [Option("D", "b and c", merged_from=("B", "C")), Option("E", "e")])
    session = store.load_session(s.id)
    assert editable_ids(session) == ["D", "E"]
    assert undoable_ids(session) == ["D"]
    store.open_round(s.id, ["A", "D", "E"])
    assert undoable_ids(store.load_session(s.id)) == ["D"]  # open, no ballots yet
    store.add_ballot(s.id, 2, Ballot(("D",)))
    assert undoable_ids(store.load_session(s.id)) == []


# -- Amend / merge: the old wording, who and why, undo --------------------------------------------
def test_amend_starts_from_the_old_wording(console, store):
    s = make_session(store)
    store.update_option(s.id, "A", label="Alpha", description="the old text")
    panel = AmendPanel(console)
    unlock(console, s.id, panel)
    panel.amend_select.value = ("A",)
    assert (panel.amend_label.value, panel.amend_description.value) == ("Alpha", "the old text")
    # Unchanged wording is no amendment.
    assert panel.amend_option() is None
    assert panel.feedback.last == "Change the wording of A first; it still reads as before."
    # Picking another single option follows it while nothing was typed ...
    panel.amend_select.value = ("B",)
    assert panel.amend_label.value == "Beta"
    # ... but what the facilitator typed is kept.
    panel.amend_label.value = "Beta, by the river"
    panel.amend_select.value = ("C",)
    assert panel.amend_label.value == "Beta, by the river"
    panel.amend_select.value = ("B",)
    panel.amend_proposer.value = "  Residents'   panel "
    panel.amend_reason.value = "Closer to the bus stop."
    new = panel.amend_option()
    assert (new.id, new.amended_from, new.label) == ("D", "B", "Beta, by the river")
    stored = store.load_session(s.id).option("D")
    assert (stored.proposer, stored.reason) == ("Residents' panel", "Closer to the bus stop.")
    assert panel.amend_proposer.value == "" and panel.amend_reason.value == ""


def test_two_picked_clear_the_prefilled_wording(console, store):
    s = make_session(store)
    panel = AmendPanel(console)
    unlock(console, s.id, panel)
    panel.amend_select.value = ("A",)
    assert panel.amend_label.value == "Alpha"
    panel.amend_select.value = ("A", "B")
    assert panel.amend_label.value == ""


def test_undo_a_merge_before_the_next_round(console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC", "CA"])
    panel = AmendPanel(console)
    unlock(console, s.id, panel)
    assert panel.undo_box.layout.display == "none"
    panel.amend_select.value = ("B", "C")
    panel.amend_label.value = "Beta and Gamma"
    panel.merge_button.click()
    assert panel.undo_box.layout.display is None
    assert panel.undo_select.value == "D"
    assert "<li>A: Alpha</li><li>D: Beta and Gamma</li>" in panel.next_round_html.value
    panel.undo_button_change.click()
    assert panel.feedback.last == "Undid the merge: removed D; B + C are current again."
    assert [o.id for o in store.load_session(s.id).options] == ["A", "B", "C"]
    assert "<li>B: Beta</li><li>C: Gamma</li>" in panel.next_round_html.value
    assert panel.undo_box.layout.display == "none"


def test_undo_an_amendment_withdraws_an_empty_next_round(console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    store.add_options(s.id, [Option("D", "Alpha two", amended_from="A")])
    store.open_round(s.id, ["B", "C", "D"])
    panel = AmendPanel(console)
    unlock(console, s.id, panel)
    assert panel.undo_change("D") == "D"
    assert panel.feedback.last == (
        "Undid the amendment: removed D; A is current again. Round 2 had no ballots and was"
        " withdrawn; open it again when ready."
    )
    assert [r.number for r in store.load_session(s.id).rounds] == [1]


def test_undo_refused_once_the_next_round_has_a_ballot(console, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    store.add_options(s.id, [Option("D", "Alpha two", amended_from="A")])
    store.open_round(s.id, ["B", "C", "D"])
    store.add_ballot(s.id, 2, Ballot(("D",)))
    panel = AmendPanel(console)
    unlock(console, s.id, panel)
    assert panel.undo_box.layout.display == "none"
    assert panel.undo_change("D") is None
    assert panel.feedback.last == (
        "Round 2 already has ballots for option D, so the change can no longer be undone."
    )


# -- Export: ballots and results for a spreadsheet -----------------------------------------------
def _link_bytes(html: str) -> bytes:
    return base64.b64decode(re.search(r"base64,([A-Za-z0-9+/=]+)", html).group(1))


def test_ballot_and_result_tables(console, store, tmp_path):
    s = make_session(store, labels=("=SUM(A1)", "Beta", "Gamma"), groups=("Staff", "+Residents"))
    store.open_round(s.id, ["A", "B", "C"])
    ballots = [
        Ballot(("B", "A", "C"), group="Staff"),
        Ballot(("A", "B"), group="+Residents", source="paper"),
        Ballot(("B",)),
    ]
    for b in ballots:
        store.add_ballot(s.id, 1, b)
    store.close_round(s.id, 1)
    panel = ExportPanel(console)
    unlock(console, s.id)

    path = panel.export_table("ballots-csv")
    assert path == tmp_path / "downloads" / f"ballots-{s.id}.csv"
    data = path.read_bytes()
    assert _link_bytes(panel.tables_html.value) == data
    text = data.decode("utf-8")
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert [r["ranking"] for r in rows] == ["B>A>C", "A>B", "B"]
    assert [r["group"] for r in rows] == ["Staff", "'+Residents", ""]
    assert [r["source"] for r in rows] == ["web", "paper", "web"]
    assert [r["choice 2"] for r in rows] == ["'=SUM(A1)", "Beta", ""]

    path = panel.export_table("results-csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    # n = 3. A: 2 + 2 = 4; B: 3 + 1 + 1 = 5; C: 1. Coefficients: points / (3 ballots x 3).
    assert [(r["option"], r["mbc_points"], r["top"]) for r in rows] == [
        ("B", "5", "yes"),
        ("A", "4", "no"),
        ("C", "1", "no"),
    ]
    assert float(rows[0]["consensus"]) == pytest.approx(5 / 9)
    assert rows[1]["label"] == "'=SUM(A1)"
    assert [r["at_threshold"] for r in rows] == ["no", "no", "no"]  # 0.56 < 0.6

    path = panel.export_table("xlsx")
    assert path.name == f"vote-{s.id}.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["About", "Ballots", "Results"]
    res = list(wb["Results"].iter_rows(values_only=True))
    assert res[1][4:8] == ("B", "Beta", 5, pytest.approx(5 / 9))
    cells = [c for row in wb["Ballots"].iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert wb["Ballots"]["H2"].value == "'=SUM(A1)"
    # every download made stays on offer, the newest first (one link per table)
    links = re.findall(r'download="([^"]+)"', panel.tables_html.value)
    assert links == [f"vote-{s.id}.xlsx", f"results-{s.id}.csv", f"ballots-{s.id}.csv"]
    panel.export_table("ballots-csv")  # made again: moves to the top, never listed twice
    links = re.findall(r'download="([^"]+)"', panel.tables_html.value)
    assert links == [f"ballots-{s.id}.csv", f"vote-{s.id}.xlsx", f"results-{s.id}.csv"]


def test_tables_need_ballots(console, store):
    s = make_session(store)
    panel = ExportPanel(console)
    unlock(console, s.id)
    assert panel.export_table("xlsx") is None
    assert panel.feedback.last == "No ballot has been cast yet, so there is nothing to download."
    assert panel.export_table("pdf") is None
    assert panel.feedback.last.startswith("Unknown table 'pdf'")


# -- Codes: the sheet says the rule; receipts published or not ---------------------------------
def test_codes_sheet_says_what_a_code_does():
    sheet = codes_sheet_html("Q?", "s", ["ABCD2345"], "http://x/vote/s")
    assert "A code casts one ballot in each round" in sheet
    assert "your new ballot replaces the" in sheet and "only the latest counts" in sheet


def test_publish_receipts_setting(console, store):
    s = make_session(store)
    panel = CodesPanel(console)
    unlock(console, s.id, panel)
    assert "http://example.test/vote/" + s.id + "/receipt" in panel.receipts_html.value
    assert "/receipts'" not in panel.receipts_html.value
    panel.publish_receipts.value = True
    assert store.load_session(s.id).settings == {"publish_receipts": True}
    assert panel.feedback.last == "Every closed round's receipts and rankings are published."
    assert f"http://example.test/vote/{s.id}/receipts" in panel.receipts_html.value
    panel.publish_receipts.value = False
    assert store.load_session(s.id).settings == {"publish_receipts": False}


# -- Session: copy, archive, delete, in the assembled app ------------------------------------------
@pytest.fixture
def app(store, tmp_path, monkeypatch):
    monkeypatch.setenv("PT_DOWNLOADS_DIR", str(tmp_path / "downloads"))
    a = FacilitatorApp(store=store, poll_interval=None, base_url="http://example.test")
    yield a
    a.stop_polling()


def opened(app, store):
    s = make_session(store)
    closed_round(store, s.id, ["A", "B", "C"], ["ABC"])
    app.session_panel.fill_session_list()
    assert app.open_session(s.id, "sesame") is not None
    return s


def test_copy_opens_a_follow_up_session(app, store):
    s = opened(app, store)
    assert app.session_panel.manage_box.layout.display is None
    app.copy_question.value = "Where next year?"
    app.copy_button.click()
    new_id = app.session_id
    assert new_id != s.id
    assert app.feedback.last == (
        f"Copied {s.id} into the new session {new_id} (options A, B, C); it is open now."
    )
    copy = store.load_session(new_id)
    assert copy.question == "Where next year?" and copy.rounds == ()
    assert [o.label for o in copy.options] == ["Alpha", "Beta", "Gamma"]
    assert app.open_select.value == new_id


def test_archive_then_restore(app, store):
    s = opened(app, store)
    app.archive_button.click()
    assert app.manage_confirm_button.description == f"Yes, archive session {s.id}"
    app.manage_confirm_button.click()
    assert app.feedback.last == f"Archived the session {s.id}."
    assert store.list_sessions(archived=True)[0]["id"] == s.id
    assert s.id not in [v for _, v in app.open_select.options]
    app.show_archived.value = True
    assert s.id in [v for _, v in app.open_select.options]
    assert "archived" in dict((v, k) for k, v in app.open_select.options)[s.id]
    assert app.archive_button.description == "Restore…"
    app.archive_button.click()
    assert app.manage_confirm_button.description == f"Yes, restore session {s.id}"
    app.manage_confirm_button.click()
    assert store.list_sessions(archived=True) == []


def test_delete_asks_first_then_locks_the_tabs(app, store):
    s = opened(app, store)
    app.delete_button.click()
    text = app.session_panel.manage_confirm_text.value
    assert f"Delete the session {s.id}" in text and "3 options, 1 round(s), 1 ballot(s)" in text
    app.manage_cancel_button.click()
    assert store.has_session(s.id) and app.session_id == s.id
    assert app.session_panel.confirm() is None
    assert app.feedback.last == "There is nothing to confirm."
    app.delete_button.click()
    assert app.manage_confirm_button.description == f"Yes, delete session {s.id}"
    app.manage_confirm_button.click()
    assert app.feedback.last == f"Deleted the session {s.id}."
    assert not store.has_session(s.id)
    assert app.session_id is None and list(app.tabs.titles) == ["Session"]
    assert app.session_panel.manage_box.layout.display == "none"
    assert app.open_select.options == ()
