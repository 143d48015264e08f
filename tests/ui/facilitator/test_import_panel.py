"""Importing ballots from a file into the open round: preview first, then all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from partnership_tools.ui.facilitator.import_panel import (
    NO_GROUP_COLUMN,
    ImportPanel,
    label_map,
)
from partnership_tools.ui.facilitator.round_panel import RoundPanel
from partnership_tools.vote.model import Option

from .conftest import make_session, unlock

# Seven data rows: 4 valid (rows 2, 3, 6, 8), 1 ranking an option twice (row 4),
# 1 naming an option not on the paper (row 5), 1 blank (row 7).
BALLOTS_CSV = (
    "Timestamp,ranking,Organisation type,Comments\n"
    "2024-05-01 10:00,B>A>C,Council,\n"
    "2024-05-01 10:01,C>A,Health,good\n"
    "2024-05-01 10:02,A>A,Council,\n"
    "2024-05-01 10:03,A>Z,Council,\n"
    "2024-05-01 10:04,C,Charity,\n"
    "2024-05-01 10:05,,Council,\n"
    "2024-05-01 10:06,A>B,Health,fine\n"
)
VALID = [("B", "A", "C"), ("C", "A"), ("C",), ("A", "B")]
VALID_GROUPS = ["Council", "Health", "Charity", "Health"]


@pytest.fixture
def opened(console, store):
    s = make_session(store, groups=("Council", "Health"))
    store.open_round(s.id, ["A", "B", "C"])
    panel = RoundPanel(console)
    unlock(console, s.id, panel)
    return s, panel, panel.import_panel


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def stored(store, sid, number=1):
    return [(b.ranking, b.group, b.source) for _id, b in store.ballots(sid, number)]


def test_preview_shows_the_report_and_stores_nothing(opened, store, tmp_path):
    s, _round, panel = opened
    path = write(tmp_path, "forms.csv", BALLOTS_CSV)
    p = panel.preview(path)
    assert p is not None, panel.feedback.last
    assert store.ballot_count(s.id, 1) == 0
    assert p.n_ballots == 4 and [r for r, _ in p.rejected] == [4, 5] and p.blank_rows == (7,)
    html = panel.import_preview.value
    assert "<b>4 valid ballots</b>, 2 rejected, 1 blank" in html
    assert "Column 1 &#x27;Timestamp&#x27;: bookkeeping" in html  # the report, escaped
    assert "B &gt; A &gt; C" in html and "Beta &gt; Alpha &gt; Gamma" in html
    assert "ranks option A twice" in html
    assert "Not among this session's groups: Charity." in html
    assert panel.import_add_button.description == "Add 4 ballots to round 1"
    assert panel.import_group_column.value == "Organisation type"


def test_confirm_stores_exactly_the_valid_ballots(opened, store, tmp_path):
    s, round_panel, panel = opened
    panel.preview(write(tmp_path, "forms.csv", BALLOTS_CSV))
    assert panel.add_ballots() == 4
    assert stored(store, s.id) == [
        (r, g, "import") for r, g in zip(VALID, VALID_GROUPS, strict=True)
    ]
    assert round_panel.last_count == 4
    assert "<span class='pt-count-number'>4</span>" in round_panel.count_html.value
    assert panel.pending is None
    assert (
        panel.feedback.last == "Added 4 ballots from forms.csv to round 1 (4 ballots in the round)."
    )


def test_adding_the_same_file_twice_warns(opened, store, tmp_path):
    s, _round, panel = opened
    path = write(tmp_path, "forms.csv", BALLOTS_CSV)
    panel.preview(path)
    panel.add_ballots()
    panel.preview(path)
    assert "already imported into round 1" in panel.feedback.last
    assert "already imported into round 1" in panel.import_preview.value
    assert panel.import_add_button.description.endswith("again")
    assert store.ballot_count(s.id, 1) == 4  # the warning stores nothing
    # The same ballots in another file (other bytes) do not warn.
    panel.preview(write(tmp_path, "other.csv", BALLOTS_CSV + "2024-05-01 10:07,B,Health,\n"))
    assert "already" not in panel.import_preview.value


def test_group_dropdown_rereads(opened, store, tmp_path):
    s, _round, panel = opened
    panel.preview(write(tmp_path, "forms.csv", BALLOTS_CSV))
    headers = [v for _label, v in panel.import_group_column.options]
    assert headers == [NO_GROUP_COLUMN, "Timestamp", "ranking", "Organisation type", "Comments"]
    panel.import_group_column.value = "Comments"
    assert panel.pending.groups == (None, "good", None, "fine")
    assert panel.pending.unknown_groups == ("fine", "good")
    panel.import_group_column.value = NO_GROUP_COLUMN
    assert panel.pending.groups == (None,) * 4 and panel.pending.unknown_groups == ()
    panel.add_ballots()
    assert [g for _r, g, _s in stored(store, s.id)] == [None] * 4


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("empty.csv", "", "The ballot file empty.csv is empty."),
        (
            "nothing.csv",
            "ranking\nZ>Y\n",
            "The ballot file nothing.csv has 1 row and none is a valid ballot",
        ),
    ],
)
def test_a_bad_file_gives_one_sentence(opened, store, tmp_path, name, content, start):
    s, _round, panel = opened
    assert panel.preview(write(tmp_path, name, content)) is None
    assert panel.feedback.kind == "error"
    assert panel.feedback.last.startswith(start), panel.feedback.last
    assert "\n" not in panel.feedback.last and "Traceback" not in panel.feedback.last
    assert panel.pending is None and store.ballot_count(s.id, 1) == 0
    assert panel.add_ballots() is None
    assert panel.feedback.last == "Preview a ballot file first."


def test_no_file_and_no_round(console, store, tmp_path):
    panel = ImportPanel(console)
    s = make_session(store)
    unlock(console, s.id, panel)
    panel.import_preview_button.click()
    assert panel.feedback.last == "Choose a ballot file to import, or type its path on the server."
    panel.import_path.value = str(tmp_path / "missing.csv")
    panel.import_preview_button.click()
    assert panel.feedback.last == f"There is no file {str(tmp_path / 'missing.csv')!r}."
    assert panel.preview(write(tmp_path, "b.csv", "ranking\nA>B\n")) is None
    assert panel.feedback.last == "No round is open; open one first."


def test_upload_then_closed_round_stores_nothing(opened, store, tmp_path):
    s, _round, panel = opened
    panel.import_upload.value = [
        {
            "name": "paper forms.csv",
            "type": "text/csv",
            "size": len(BALLOTS_CSV),
            "content": memoryview(BALLOTS_CSV.encode()),
            "last_modified": dt.datetime.now(dt.timezone.utc),
        }
    ]
    panel.import_preview_button.click()
    assert panel.pending is not None and panel.pending.name == "paper forms.csv"
    assert panel.import_upload.value == ()
    store.close_round(s.id, 1)
    assert panel.add_ballots() is None
    assert panel.feedback.last == "Round 1 is no longer open; nothing was added."
    assert store.ballot_count(s.id, 1) == 0


def test_label_map_refuses_labels_not_on_the_paper():
    paper = [Option("A", "Joint committee"), Option("B", "Pooled budget")]
    assert label_map([Option("2", "pooled BUDGET"), Option("1", "Joint-committee")], paper) == {
        "2": "B",
        "1": "A",
    }
    with pytest.raises(ValueError) as info:
        label_map([Option("1", "Joint committee"), Option("3", "Shared office")], paper)
    assert str(info.value).startswith("The file names 'Shared office', which is not on")


PREFLIB_SOI = (
    "# FILE NAME: round.soi\n"
    "# TITLE: Hub\n"
    "# DATA TYPE: soi\n"
    "# NUMBER ALTERNATIVES: 3\n"
    "# ALTERNATIVE NAME 1: Gamma\n"
    "# ALTERNATIVE NAME 2: alpha\n"
    "# ALTERNATIVE NAME 3: Beta\n"
    "# NUMBER VOTERS: 5\n"
    "# NUMBER UNIQUE ORDERS: 3\n"
    "2: 1,2,3\n"
    "2: 3\n"
    "1: 2,1\n"
)


def test_preflib_import_maps_labels_to_the_round_ids(opened, store, tmp_path):
    pytest.importorskip("partnership_tools.vote.preflib")
    s, _round, panel = opened
    p = panel.preview(write(tmp_path, "round.soi", PREFLIB_SOI))
    assert p is not None, panel.feedback.last
    # 1=Gamma=C, 2=alpha=A, 3=Beta=B: 2 x C>A>B, 2 x B, 1 x A>C.
    assert sorted(p.rankings) == sorted([("C", "A", "B")] * 2 + [("B",)] * 2 + [("A", "C")])
    panel.add_ballots()
    assert sorted(r for r, _g, _s in stored(store, s.id)) == sorted(p.rankings)


def test_preflib_with_a_label_not_on_the_paper_is_refused(opened, store, tmp_path):
    pytest.importorskip("partnership_tools.vote.preflib")
    s, _round, panel = opened
    text = PREFLIB_SOI.replace("NAME 3: Beta", "NAME 3: Delta")
    assert panel.preview(write(tmp_path, "round.soi", text)) is None
    assert panel.feedback.last.startswith("The file names 'Delta', which is not on")
    assert store.ballot_count(s.id, 1) == 0
