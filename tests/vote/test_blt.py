"""BLT files (OpenSTV, OpaVote): weights, ballot ids, ties, withdrawn candidates, comments,
quoted names and title; every fault refused with the file and line; writing; a hypothesis round
trip. Expected counts are worked out by hand in the comments."""

from __future__ import annotations

import io
import tempfile
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnership_tools.vote.ballots_csv import BallotFileError
from partnership_tools.vote.blt import read_blt, read_blt_meta, write_blt
from partnership_tools.vote.count import count_round
from partnership_tools.vote.model import Option

BOARD = """\
# board vote, typed from the paper slips
4 2
-4
3 1 3 2 0        # three slips alike
(b7) 2 2 1 0
1 3 4 1 0
1 2=3 1 0
1 4 0
0
"Joint committee" "Lead council model"
"Pooled budget, with #1 priority"
"Stay as we are"
"County board, May"
"""


def test_a_board_vote_reads_with_weights_ids_withdrawn_and_ties():
    f = read_blt_meta(io.StringIO(BOARD), name="board.blt")
    assert f.title == "County board, May"
    assert f.seats == 2
    assert [(o.id, o.label) for o in f.withdrawn] == [("4", "Stay as we are")]
    imp = f.ballots
    assert imp.layout == "blt"
    assert [(o.id, o.label) for o in imp.options] == [
        ("1", "Joint committee"),
        ("2", "Lead council model"),
        ("3", "Pooled budget, with #1 priority"),
    ]
    # line 4: 3 x (1,3,2); line 5: 2 x (2,1); line 6: (3,4,1) loses 4 -> (3,1);
    # line 7: a tie, rejected; line 8: (4) loses 4 -> blank
    assert imp.rankings == [("1", "3", "2")] * 3 + [("2", "1")] * 2 + [("3", "1")]
    assert imp.rows == (4, 4, 4, 5, 5, 6)
    assert [(r.row, r.reason) for r in imp.rejected] == [(7, "ties options 2 and 3")]
    assert imp.abstentions == (8,)
    # MBC by hand (m - place + 1): 3x(1,3,2): 1:9 3:6 2:3; 2x(2,1): 2:4 1:2; (3,1): 3:2 1:1
    assert count_round(imp.matrix).mbc == {"1": 12, "2": 7, "3": 8}
    notes = " ".join(imp.report.notes)
    assert "Withdrawn" in notes and "Stay as we are" in notes and "Seats: 2." in notes
    assert read_blt(io.StringIO(BOARD), name="board.blt").rankings == imp.rankings


def test_a_tie_with_a_withdrawn_candidate_is_no_tie():
    imp = read_blt(io.StringIO('3 1\n-3\n2 1=3 2 0\n0\n"A"\n"B"\n"C"\n"T"\n'), name="w.blt")
    assert imp.rankings == [("1", "2")] * 2 and not imp.rejected


def test_ties_are_rejected_once_per_ballot_of_the_weight():
    imp = read_blt(io.StringIO('3 1\n3 1 = 2 3 0\n1 3 0\n0\n"A" "B" "C"\n"T"\n'), name="t.blt")
    assert [(r.row, r.reason) for r in imp.rejected] == [(2, "ties options 1 and 2")] * 3
    assert imp.rankings == [("3",)]
    assert imp.summary() == "1 valid ballot, 3 rejected, 0 blank."


def test_whole_decimal_weights_and_unquoted_names_and_no_title():
    imp = read_blt(io.StringIO("2 1\n2.000 2 1 0\n0\nYes please\nNo\n"), name="d.blt")
    assert imp.rankings == [("2", "1")] * 2
    assert [o.label for o in imp.options] == ["Yes please", "No"]
    assert read_blt_meta(io.StringIO("2 1\n1 1 0\n0\n'A'\n'B'\n"), name="d.blt").title is None


def test_escaped_quotes_in_names(tmp_path: Path):
    p = tmp_path / "q.blt"
    p.write_text('2 1\n1 1 0\n0\n"The \\"lead\\" model" "back\\\\slash"\n"T"\n', encoding="utf-8")
    assert [o.label for o in read_blt(p).options] == ['The "lead" model', "back\\slash"]


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("3\n1 1 0\n0\n", 1, "is not 'candidates seats'"),
        ("2 3\n1 1 0\n0\n", 1, "3 seats for 2 candidates"),
        ("0 1\n0\n", 1, "no candidates"),
        ('2 1\n1.5 1 2 0\n0\n"A" "B"\n', 2, "the weight 1.5 is not a whole number"),
        ('2 1\n0 1 2 0\n0\n"A" "B"\n', 2, "the weight is 0"),
        ('2 1\nx 1 2 0\n0\n"A" "B"\n', 2, "the weight 'x' is not a number"),
        ('2 1\n1 1 2\n0\n"A" "B"\n', 2, "does not end with 0"),
        ('2 1\n1 1 3 0\n0\n"A" "B"\n', 2, "candidate 3 is not one of the file's candidates 1 to 2"),
        ('2 1\n-3\n1 1 0\n0\n"A" "B"\n', 2, "candidate 3 is not one of"),
        ('2 1\n1 1 1 0\n0\n"A" "B"\n', 2, "ranks candidate 1 twice"),
        ('2 1\n1 1 0 2 0\n0\n"A" "B"\n', 2, "a 0 stands inside the ballot"),
        ('2 1\n1 1 x 0\n0\n"A" "B"\n', 2, "'x' is not a candidate number"),
        ('2 1\n1 = 1 0\n0\n"A" "B"\n', 2, "an '=' does not stand between two candidates"),
        ('2 1\n1 1 = 0\n0\n"A" "B"\n', 2, "an '=' does not stand between two candidates"),
        ('2 1\n1 1 0\n"A" "B"\n', 3, "the names start before the '0' line"),
        ('2 1\n(b1)\n0\n"A" "B"\n', 2, "a ballot id has no ballot after it"),
        ('3 1\n1 1 0\n0\n"A" "B"\n', 4, "names 2 of its 3 candidates"),
        ('2 1\n1 1 0\n0\n"A" "B"\n"T" "extra"\n', 5, "there are 4 quoted texts"),
        ('2 1\n1 1 0\n0\n"A" "B\n', 4, "never closed"),
        ('2 1\n1 1 0\n0\n"A" B\n', 4, "'B' is outside the quotes"),
        ('2 1\n1 1 0\n0\n"A" "  "\n', 4, "candidate 2 has an empty name"),
    ],
)
def test_faults_are_refused_with_file_and_line(text, line, words):
    with pytest.raises(BallotFileError) as exc:
        read_blt(io.StringIO(text), name="bad.blt")
    message = str(exc.value)
    assert message.startswith(f"The BLT file bad.blt, line {line}: "), message
    assert words in message
    assert message.endswith(".")


def test_whole_file_faults_name_the_file():
    with pytest.raises(BallotFileError, match=r"^The BLT file e\.blt: the line holding 0"):
        read_blt(io.StringIO("2 1\n1 1 0\n"), name="e.blt")
    with pytest.raises(BallotFileError, match=r"^The BLT file e\.blt: it holds only comments"):
        read_blt(io.StringIO("# nothing\n\n"), name="e.blt")


# -- writing -----------------------------------------------------------------------------------
OPTS = (Option("A", "Joint committee"), Option("B", 'The "lead" model'), Option("C", "Pool, #2"))


def test_write_merges_rankings_and_quotes_names(tmp_path: Path):
    rankings = [("C", "A"), ("B",), ("C", "A"), ()]
    p = write_blt(tmp_path / "r.blt", OPTS, rankings, title="Round 1, 'draft'", seats=2)
    assert p.read_text(encoding="utf-8").splitlines() == [
        "3 2",
        "2 3 1 0",
        "1 2 0",
        "1 0",
        "0",
        '"Joint committee"',
        '"The \\"lead\\" model"',
        '"Pool, #2"',
        "\"Round 1, 'draft'\"",
    ]
    f = read_blt_meta(p)
    assert f.title == "Round 1, 'draft'" and f.seats == 2
    assert [o.label for o in f.ballots.options] == [o.label for o in OPTS]
    assert f.ballots.rankings == [("3", "1"), ("3", "1"), ("2",)]
    assert f.ballots.abstentions == (4,)


def test_write_refuses_bad_input(tmp_path: Path):
    with pytest.raises(ValueError, match="unknown option 'Z'"):
        write_blt(tmp_path / "r.blt", OPTS, [("Z",)])
    with pytest.raises(ValueError, match="4 seats for 3 candidates"):
        write_blt(tmp_path / "r.blt", OPTS, [("A",)], seats=4)
    assert not list(tmp_path.iterdir())


# -- round trip --------------------------------------------------------------------------------
LABEL_CHARS = st.characters(
    whitelist_categories=("Lu", "Ll", "Nd", "Zs"), whitelist_characters=",'\"\\-&é’()#="
)
labels = st.text(LABEL_CHARS, min_size=1, max_size=20).map(str.strip).filter(bool)


@st.composite
def rounds(draw):
    texts = draw(st.lists(labels, min_size=1, max_size=7))
    options = tuple(Option(f"o{i}", t) for i, t in enumerate(texts))
    ids = [o.id for o in options]
    ranking = st.permutations(ids).flatmap(
        lambda p: st.integers(0, len(p)).map(lambda m: tuple(p[:m]))
    )
    title = draw(labels)
    return options, draw(st.lists(ranking, min_size=1, max_size=15)), title


@settings(max_examples=60, deadline=None)
@given(data=rounds())
def test_write_then_read_gives_the_same_ballots_labels_and_title(data):
    options, rankings, title = data
    with tempfile.TemporaryDirectory() as d:
        f = read_blt_meta(write_blt(Path(d) / "r.blt", options, rankings, title=title))
    imp = f.ballots
    assert f.title == title and f.withdrawn == ()
    assert [o.label for o in imp.options] == [o.label for o in options]
    number = {o.id: str(k) for k, o in enumerate(options, start=1)}
    assert Counter(imp.rankings) == Counter(tuple(number[x] for x in r) for r in rankings if r)
    assert len(imp.abstentions) == sum(1 for r in rankings if not r)
    assert not imp.rejected
