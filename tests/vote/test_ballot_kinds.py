"""Kinds of real-tool ballot file a newcomer's field check found misread (issue 9), one test per
kind, each with the newcomer's file and one more file of the same kind written for this test
(all in tests/data/ballot_kinds/).

The expected ballots were worked out by hand from the files (the newcomer's from their
cases.json); the Modified Borda Count points are recomputed here by a tiny counter of our own:
with n options and a voter who ranks m of them, rank 1 gets m points, rank 2 m - 1, ..., an
unranked option 0.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from partnership_tools.cli.main import main
from partnership_tools.vote.ballots_csv import BallotFileError, BallotImport, read_ballots_csv
from partnership_tools.vote.blt import read_blt
from partnership_tools.vote.count import count_round
from partnership_tools.vote.reading import read_ballots as read_ballot_file

KINDS = Path(__file__).resolve().parents[1] / "data" / "ballot_kinds"

SH, RC, SLA, KCB = "Shared hub", "Rotating chair", "Single lead agency", "Keep current board"
JC, LC, PB = "Joint committee", "Lead council", "Pooled budget"


def mbc(ballots: Sequence[Sequence[str]]) -> dict[str, int]:
    points: dict[str, int] = {}
    for ballot in ballots:
        for place, label in enumerate(ballot):
            points[label] = points.get(label, 0) + len(ballot) - place
    return points


def as_labels(imp: BallotImport) -> list[tuple[str, ...]]:
    label = {o.id: o.label for o in imp.options}
    return [tuple(label[i] for i in r) for r in imp.rankings]


def points(imp: BallotImport) -> dict[str, int]:
    label = {o.id: o.label for o in imp.options}
    return {label[k]: v for k, v in count_round(imp.matrix).mbc.items() if v}


def use_of(imp: BallotImport, header: str) -> tuple[str, str]:
    assert imp.report is not None
    found = [(c.use, c.detail) for c in imp.report.columns if c.header == header]
    assert len(found) == 1, found
    return found[0]


def refusal(path: Path, **kwargs: object) -> str:
    with pytest.raises(BallotFileError) as info:
        read_ballot_file(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message and message.endswith(".")
    return message


# -- 1. separate "First choice" / "Second choice" questions beside other questions --------------
GOOGLE_CHOICES = [(RC, SLA, SH), (SH, RC), (RC, SH, KCB), (SLA,), (SH, KCB, RC)]


@pytest.mark.parametrize(
    ("name", "places"),
    [
        ("choice_questions_google.csv", ("First choice", "Second choice", "Third choice")),
        ("choice_questions_google_1st.csv", ("1st choice", "2nd choice", "3rd choice")),
    ],
)
def test_choice_questions_beside_free_text_questions_read_as_places(name, places):
    path = KINDS / name
    # 'Why did you choose your first choice?' also names place 1; it is not a place column.
    # Two columns could be the group ('organisation' and 'role'): that is the only question left.
    message = refusal(path)
    assert "'Name of your organisation' and 'What is your role?'" in message
    assert "--group-column" in message and "column per option" not in message
    imp = read_ballots_csv(path, group_column="Name of your organisation")
    assert imp.layout == "places"
    assert as_labels(imp) == GOOGLE_CHOICES
    assert imp.abstentions == (7,)
    assert sorted(o.label for o in imp.options) == sorted([SH, RC, SLA, KCB])
    assert (
        points(imp)
        == mbc(GOOGLE_CHOICES)
        == {RC: 3 + 1 + 3 + 1, SLA: 2 + 1, SH: 1 + 2 + 2 + 3, KCB: 1 + 2}
    )
    assert use_of(imp, "Why did you choose your first choice?")[0] in ("comment", "set aside")
    assert [use_of(imp, h) for h in places] == [
        ("place", "1st place"),
        ("place", "2nd place"),
        ("place", "3rd place"),
    ]
    assert imp.groups[:2] == ["Northvale Borough Council", "Northvale Health Trust"]


def test_preference_questions_with_a_why_question_read_as_places():
    imp = read_ballot_file(KINDS / "choice_questions_preferences.csv")
    expected = [(JC, LC, PB), (PB, JC), (LC, PB, JC), (JC,)]
    assert imp.layout == "places"
    assert as_labels(imp) == expected
    assert imp.groups == ["Council", "Health", "Council", "Police"]
    assert points(imp) == mbc(expected) == {JC: 3 + 1 + 1 + 1, LC: 2 + 3, PB: 1 + 2 + 2}
    assert use_of(imp, "Tell us why you chose your 1st preference")[0] != "place"


# -- 2. a serial / ballot-number column is bookkeeping, never an option ------------------------
SERIAL_BALLOTS = [(SH, RC, SLA), (RC, SH), (KCB, SLA, SH, RC), (SH, KCB)]


@pytest.mark.parametrize(
    ("name", "header"),
    [
        ("serial_hash.csv", "#"),
        ("serial_Ballot.csv", "Ballot"),
        ("serial_Ballotpapernumber.csv", "Ballot paper number"),
        ("serial_Formno.csv", "Form no."),
        ("serial_No.csv", "No."),
        ("serial_Ref.csv", "Ref"),
        ("serial_Row.csv", "Row"),
        ("serial_Voter.csv", "Voter"),
    ],
)
def test_a_serial_column_by_its_header_is_bookkeeping(name, header):
    imp = read_ballot_file(KINDS / name)
    assert use_of(imp, header) == ("bookkeeping", "serial number")
    assert [o.label for o in imp.options] == [SH, RC, SLA, KCB]
    assert as_labels(imp) == SERIAL_BALLOTS and imp.rejected == ()
    assert imp.groups == ["Council", "Health", "Police", "Council"]
    assert (
        points(imp)
        == mbc(SERIAL_BALLOTS)
        == {SH: 3 + 1 + 2 + 2, RC: 2 + 2 + 1, SLA: 1 + 3, KCB: 4 + 1}
    )


@pytest.mark.parametrize(
    ("name", "header", "expected"),
    [
        # 1..6 down six rows: more than the four rank-like columns, so not ranks
        (
            "serial_by_values_run.csv",
            "Seq",
            [(JC, LC, PB), (LC, JC), (JC, PB), (LC, PB, JC), (PB,), (PB, JC, LC)],
        ),
        # ids far above any rank
        ("serial_by_values_ids.csv", "Submission", [(JC, LC, PB), (LC, JC), (JC, PB)]),
    ],
)
def test_a_serial_column_by_its_values_is_bookkeeping(name, header, expected):
    imp = read_ballot_file(KINDS / name)
    assert use_of(imp, header)[0] == "bookkeeping"
    assert [o.label for o in imp.options] == [JC, LC, PB]
    assert as_labels(imp) == expected and imp.rejected == ()
    assert points(imp) == mbc(expected)


# -- 3. no valid ballot is never a quiet "0 valid ballots" -------------------------------------
def test_a_file_whose_every_row_is_rejected_is_refused_with_the_reason():
    # 'Tag' 1..4 is not past the 4 rank-like columns, so it is read as an option: every row fails.
    message = refusal(KINDS / "all_rejected.csv")
    assert message.startswith("The ballot file ")
    assert "has 4 rows and none is a valid ballot: all 4 were rejected" in message
    assert "most often (3 of them) because it ties options A and B at rank 1 (row 2)" in message
    assert "--options" in message and "--group-column" in message


def test_a_file_whose_every_row_is_blank_is_refused():
    message = refusal(KINDS / "all_blank.csv")
    assert "has 3 rows and every one is blank" in message
    text = "Rank [A],Rank [B]\n,\n,\n"
    with pytest.raises(BallotFileError, match=r"has 2 rows and every one is blank"):
        read_ballots_csv(io.StringIO(text))


@pytest.mark.parametrize("name", ["no_ballots.blt", "no_ballots_own.blt"])
def test_a_blt_file_with_names_but_no_ballots_is_refused(name):
    with pytest.raises(BallotFileError, match=r"names its candidates but holds no ballots"):
        read_blt(KINDS / name)


def test_cli_refuses_a_file_with_no_valid_ballot(capsys):
    assert main(["tally", str(KINDS / "all_rejected.csv")]) == 2
    _out, err = capsys.readouterr()
    assert "none is a valid ballot" in err and "Traceback" not in err


# -- 4. a label that may be a misspelling is reported, never corrected -------------------------
B01_BALLOTS = [("Council", (SH, RC, SLA, KCB)), ("Council", (SLA, KCB)), ("Health", (RC, SH))]


def test_a_misspelt_label_in_place_columns_is_reported(capsys):
    path = KINDS / "places_misspelt_label.csv"
    imp = read_ballot_file(path)
    assert imp.report is not None
    note = (
        "'Shared hubs' appears on 1 ballot only and is close to 'Shared hub'; if it is a"
        " misspelling, give the options with --options or --options-file so it is rejected."
    )
    assert note in imp.report.notes
    assert "Shared hubs" in [o.label for o in imp.options]  # reported, not guess-corrected
    assert main(["tally", str(path)]) == 0
    assert note in capsys.readouterr().out
    # with the options given it is rejected, as the newcomer worked out
    given = read_ballot_file(path, options_file=KINDS / "places_misspelt_label_options.txt")
    assert [r.row for r in given.rejected] == [3, 4, 6]
    assert list(zip(given.groups, as_labels(given), strict=True)) == B01_BALLOTS
    assert points(given) == mbc([b for _, b in B01_BALLOTS])
    assert not any("close to" in n for n in given.report.notes)  # type: ignore[union-attr]


def test_a_close_or_lone_label_in_rank_columns_is_reported():
    imp = read_ballot_file(KINDS / "places_close_label.csv")
    assert imp.report is not None
    assert any(
        n.startswith("'Joint comittee' appears on 1 ballot only and is close to 'Joint committee';")
        for n in imp.report.notes
    )
    lone = read_ballot_file(KINDS / "places_lone_label.csv")
    assert lone.report is not None
    assert (
        "'Stay as we are' appears on 1 ballot only; if it is a misspelling, give the options with"
        " --options or --options-file so it is rejected." in lone.report.notes
    )
    assert not any("Joint committee" in n or "Lead council'" in n for n in lone.report.notes)


# -- 5. the Microsoft Forms list layout without options names itself -------------------------
@pytest.mark.parametrize("name", ["msforms_list.xlsx", "forms_list.csv"])
def test_the_forms_list_layout_without_options_says_so(name):
    message = refusal(KINDS / name)
    assert "because the Microsoft Forms list layout only shows" in message
    assert "long layout" not in message
    assert "--options or --options-file" in message


def test_the_forms_list_layouts_read_with_options():
    t04 = [
        (
            "Joint committee",
            "Pool budgets, staff and estates",
            "Lead council model",
            "Stay as we are",
        ),
        (
            "Pool budgets, staff and estates",
            "Joint committee",
            "Stay as we are",
            "Lead council model",
        ),
        (
            "Joint committee",
            "Lead council model",
            "Pool budgets, staff and estates",
            "Stay as we are",
        ),
        (
            "Stay as we are",
            "Joint committee",
            "Pool budgets, staff and estates",
            "Lead council model",
        ),
        (
            "Pool budgets, staff and estates",
            "Lead council model",
            "Joint committee",
            "Stay as we are",
        ),
        (
            "Joint committee",
            "Pool budgets, staff and estates",
            "Stay as we are",
            "Lead council model",
        ),
    ]
    imp = read_ballot_file(
        KINDS / "msforms_list.xlsx",
        options=[
            "Pool budgets, staff and estates",
            "Joint committee",
            "Lead council model",
            "Stay as we are",
        ],
    )
    assert as_labels(imp) == t04
    assert points(imp) == mbc(t04)
    own = [(LC, JC, PB), (PB, LC, JC), (JC, PB, LC)]
    imp = read_ballot_file(KINDS / "forms_list.csv", options=[JC, LC, PB])
    assert as_labels(imp) == own and imp.groups == ["Council", "Health", "Council"]
    assert points(imp) == mbc(own) == {JC: 2 + 1 + 3, LC: 3 + 2 + 1, PB: 1 + 3 + 2}


def test_an_option_column_whose_ranks_run_down_the_rows_stays_an_option():
    # 'Pooled budget' gets ranks 1, 2, 3 in rows 2-4: a run, but never past the 3 options.
    text = "Sector,Pooled budget,Joint committee,Lead council\nCouncil,1,2,3\nHealth,2,1,3\nPolice,3,1,2\n"
    imp = read_ballots_csv(io.StringIO(text))
    assert [o.label for o in imp.options] == [PB, JC, LC]
    expected = [(PB, JC, LC), (JC, PB, LC), (JC, LC, PB)]
    assert as_labels(imp) == expected
    assert points(imp) == mbc(expected) == {PB: 3 + 2 + 1, JC: 2 + 3 + 3, LC: 1 + 1 + 2}
