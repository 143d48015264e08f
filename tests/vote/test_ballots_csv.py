"""Tests for partnership_tools.vote.ballots_csv: reading ballot files (long and wide) and writing them."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnership_tools.vote.ballots import BallotMatrix
from partnership_tools.vote.ballots_csv import (
    BallotFileError,
    BallotImport,
    RejectedBallot,
    read_ballots_csv,
    read_options_file,
    write_ballots_csv,
)
from partnership_tools.vote.model import Option
from partnership_tools.vote.validation import BallotError, parse_ranking, ranking_from_positions
from tests.strategies import rankings

DATA = Path(__file__).parents[1] / "data" / "ballots"
OPTIONS = (
    Option("A", "Share a chief executive"),
    Option("B", "Pool budgets"),
    Option("C", "Joint team"),
    Option("D", "Do nothing"),
)
REPLACED = "replaced by a later ballot with the same participant code (row {})"


def rejected(imp: BallotImport) -> list[tuple[int, str, str]]:
    return [(r.row, r.reason, r.text) for r in imp.rejected]


def assert_same_matrix(a: BallotMatrix, b: BallotMatrix) -> None:
    assert a.option_ids == b.option_ids
    assert a.ranks.dtype == b.ranks.dtype
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.group_codes, b.group_codes)
    assert a.group_names == b.group_names


def file_error(source, **kwargs) -> str:
    with pytest.raises(BallotFileError) as info:
        read_ballots_csv(source, **kwargs)
    message = str(info.value)
    assert "Traceback" not in message and "\n" not in message
    assert message.endswith(".")
    return message


# -- long layout -------------------------------------------------------------------------------
def test_long_good():
    imp = read_ballots_csv(DATA / "long_good.csv", options=OPTIONS)
    assert imp.layout == "long"
    assert imp.path == str(DATA / "long_good.csv")
    assert imp.options == OPTIONS
    assert imp.rankings == [
        ("C", "A", "B", "D"),
        ("A", "B"),
        ("B", "C", "A"),
        ("D", "C"),
        ("C", "B"),
    ]
    assert imp.groups == ["Managers", "Citizens", "Managers", None, "Front-line workers"]
    assert imp.participants == ("P01", "P02", "P03", "P04", "P05")
    assert imp.rows == (2, 3, 4, 5, 6)
    assert imp.rejected == () and imp.abstentions == ()
    expected = BallotMatrix.from_rankings(
        [o.id for o in OPTIONS],
        imp.rankings,
        ["Managers", "Citizens", "Managers", None, "Front-line workers"],
    )
    assert_same_matrix(imp.matrix, expected)


def test_long_bad_rows_are_rejected_or_abstentions():
    imp = read_ballots_csv(DATA / "long_bad.csv", options=OPTIONS)
    assert rejected(imp) == [
        (3, "ranks option A twice", "A>B>A"),
        (4, "names an unknown option 'Z'", "A>Z>B"),
        (5, "ties options A and B at rank 1", "A=B>C"),
        (10, "ties options B and D at rank 2", "C>B=D"),
        (11, "names an unknown option 'Z'", "CAZ"),
    ]
    assert imp.abstentions == (6, 7)
    assert imp.rows == (2, 8, 9)
    assert imp.rankings == [("C", "A", "B", "D"), ("C", "A", "B"), ("B", "D")]
    assert imp.groups == ["Managers", "Managers", "Citizens"]
    assert imp.matrix.n_ballots == 3
    assert imp.summary() == "3 valid ballots, 5 rejected, 2 blank."


def test_long_with_labels_and_options_file():
    for options_file in ("options_idlabel.csv", "options_session.json"):
        imp = read_ballots_csv(DATA / "long_labels.csv", options_file=DATA / options_file)
        assert imp.options == OPTIONS
        assert imp.rankings == [("C", "A"), ("B", "D")]
        assert imp.rows == (2, 3)
        assert rejected(imp) == [
            (4, "ranks option C twice", "Joint Team>Joint team"),
            (5, "names an unknown option 'Merge everything'", "Merge everything>Do nothing"),
        ]


def test_long_participants_keep_the_last_ballot():
    imp = read_ballots_csv(DATA / "long_participants.csv", options=OPTIONS)
    assert imp.rows == (4, 6, 8, 9)
    assert imp.participants == ("P1", "P2", None, None)
    assert imp.rankings == [("C",), ("D", "C", "B", "A"), ("B",), ("C",)]
    assert rejected(imp) == [
        (2, REPLACED.format(4), "A>B"),
        (3, REPLACED.format(6), "B>A"),
        (7, "ranks option A twice", "A>A"),
    ]
    assert imp.abstentions == (5,)


def test_a_later_blank_ballot_replaces_an_earlier_one():
    text = "participant,ranking\nx1,A>B\nX1,\n"
    imp = read_ballots_csv(io.StringIO(text), options=OPTIONS)
    assert imp.n_ballots == 0
    assert rejected(imp) == [(2, REPLACED.format(3), "A>B")]
    assert imp.abstentions == (3,)


def test_long_row_numbers_count_blank_lines_and_line_breaks_in_cells():
    imp = read_ballots_csv(DATA / "long_multiline.csv", options=OPTIONS)
    assert imp.rows == (2, 4, 9)
    assert imp.groups == ["Managers", "Front-line\nworkers", "Managers"]
    assert rejected(imp) == [(6, "ties options A and B at rank 1", "A=B")]


def test_long_bom_crlf_and_messy_headers():
    imp = read_ballots_csv(DATA / "long_bom.csv", options="A,B,C,D")
    assert imp.rankings == [("A", "B"), ("B", "A", "C")]
    assert imp.groups == ["Managers", "Citizens"]
    assert imp.participants == ("p1", "p2")
    assert imp.rows == (2, 3)
    assert [(o.id, o.label) for o in imp.options] == [
        ("A", "A"),
        ("B", "B"),
        ("C", "C"),
        ("D", "D"),
    ]


def test_long_needs_options():
    message = file_error(DATA / "long_good.csv")
    assert message.startswith(f"The ballot file {DATA / 'long_good.csv'} needs the list of options")
    assert "(--options or --options-file) because the long layout" in message


def test_unranked_options_still_count():
    imp = read_ballots_csv(io.StringIO("ranking\nA>B\n"), options=["A", "B", "C"])
    assert imp.matrix.ranks.tolist() == [[1, 2, 0]]
    assert imp.path is None


def test_options_as_labels_get_letter_ids():
    text = "ranking\nPool budgets>Joint team\nA\n"
    imp = read_ballots_csv(io.StringIO(text), options=["Pool budgets", "Joint team"])
    assert [(o.id, o.label) for o in imp.options] == [("A", "Pool budgets"), ("B", "Joint team")]
    assert imp.rankings == [("A", "B"), ("A",)]


def test_sources_binary_stream_and_text_stream():
    data = (DATA / "long_good.csv").read_bytes()
    from_bytes = read_ballots_csv(io.BytesIO(data), options=OPTIONS)
    from_text = read_ballots_csv(io.StringIO(data.decode()), options=OPTIONS)
    from_path = read_ballots_csv(str(DATA / "long_good.csv"), options=OPTIONS)
    for imp in (from_bytes, from_text):
        assert_same_matrix(imp.matrix, from_path.matrix)
        assert imp.rows == from_path.rows


def test_whitespace_only_lines_are_skipped_but_counted():
    imp = read_ballots_csv(io.StringIO("group,ranking\nx,A\n   \n\t\nx,B\n"), options=OPTIONS)
    assert imp.rows == (2, 5)
    assert imp.abstentions == ()


def test_rows_longer_than_the_header_are_an_error():
    # pandas would otherwise take the first column for an index and shift the others.
    assert file_error(io.StringIO("A,B\n1,2,3\n2,1,3\n")) == (
        "The ballot file (given as a stream) is not valid CSV: line 2 has 3 fields where the "
        "header has 2."
    )


def test_header_only_file_has_no_ballots():
    # Issue 9: a header-only file (exported before anyone answered) is refused, never 0 ballots.
    assert file_error(io.StringIO("group,ranking\n"), options=OPTIONS) == (
        "The ballot file (given as a stream) has a header but no ballots "
        "(exported before anyone answered?)."
    )


def test_to_dict_leaves_out_participant_codes():
    imp = read_ballots_csv(DATA / "long_participants.csv", options=OPTIONS)
    d = imp.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert "P1" not in json.dumps(d) and "p1" not in json.dumps(d)
    assert d["has_participant_codes"] is True
    assert d["rankings"] == [["C"], ["D", "C", "B", "A"], ["B"], ["C"]]
    assert d["rejected"][0] == {"row": 2, "reason": REPLACED.format(4), "text": "A>B"}
    assert d["abstentions"] == [5]
    assert d["layout"] == "long"


def test_rejected_ballot_to_dict():
    assert RejectedBallot(3, "skips rank 2", "A=1").to_dict() == {
        "row": 3,
        "reason": "skips rank 2",
        "text": "A=1",
    }


# -- wide layout -------------------------------------------------------------------------------
def test_wide_good_matches_long_good():
    wide = read_ballots_csv(DATA / "wide_good.csv")
    long = read_ballots_csv(DATA / "long_good.csv", options=OPTIONS)
    assert wide.layout == "wide"
    assert [(o.id, o.label) for o in wide.options] == [
        ("A", "A"),
        ("B", "B"),
        ("C", "C"),
        ("D", "D"),
    ]
    assert_same_matrix(wide.matrix, long.matrix)
    assert wide.participants == long.participants
    assert wide.rows == long.rows


def test_wide_with_given_options_uses_their_ids_and_order():
    reordered = (OPTIONS[2], OPTIONS[0], OPTIONS[3], OPTIONS[1])
    imp = read_ballots_csv(DATA / "wide_good.csv", options=reordered)
    assert imp.options == reordered
    assert imp.matrix.option_ids == ("C", "A", "D", "B")
    assert imp.rankings[0] == ("C", "A", "B", "D")


def test_wide_bad_rows():
    imp = read_ballots_csv(DATA / "wide_bad.csv")
    assert rejected(imp) == [
        (3, "ties options A and C at rank 1", "A=1, B=, C=1, D="),
        (4, "skips rank 2", "A=1, B=, C=3, D="),
        (5, "gives option B the rank 'x', which is not a whole number", "A=1, B=x, C=, D="),
        (6, "gives option D rank 5, but ranks go from 1 to 4", "A=1, B=2, C=, D=5"),
        (7, "gives option A rank 0, but ranks go from 1 to 4", "A=0, B=1, C=, D="),
        (11, "gives option C the rank '2.5', which is not a whole number", "A=2, B=1, C=2.5, D="),
        (12, "skips rank 1", "A=, B=2, C=, D="),
    ]
    assert imp.abstentions == (8, 9)
    assert imp.rows == (2, 10, 13)
    assert imp.rankings == [("A", "B", "C", "D"), ("B", "A"), ("D", "C", "B", "A")]
    assert imp.groups == ["Managers", "Managers", "Citizens"]


def test_wide_forms_export():
    imp = read_ballots_csv(DATA / "wide_forms.csv")
    assert [(o.id, o.label) for o in imp.options] == [
        ("A", "Share a chief executive"),
        ("B", "Pool budgets"),
        ("C", "Joint team"),
    ]
    assert imp.rankings == [("B", "A", "C"), ("A", "C")]
    assert imp.groups == ["Managers", "Citizens"]
    assert rejected(imp) == [(4, "ties options A and B at rank 1", "A=1, B=1, C=")]
    # Matched to existing options by label, in the options' order.
    given_options = (OPTIONS[2], OPTIONS[1], OPTIONS[0])
    matched = read_ballots_csv(DATA / "wide_forms.csv", options=given_options)
    assert matched.matrix.option_ids == ("C", "B", "A")
    assert matched.rankings == [("B", "A", "C"), ("A", "C")]


def test_wide_semicolons():
    imp = read_ballots_csv(DATA / "wide_semicolon.csv")
    assert imp.rankings == [("A", "B", "C"), ("B", "C")]
    assert imp.groups == ["Managers", "Citizens"]


def test_wide_options_that_do_not_fit_the_columns():
    path = DATA / "wide_forms.csv"
    assert file_error(path, options=OPTIONS) == (
        f"The ballot file {path} has no column for option 'D'."
    )
    # Issue 9: options given narrow the option columns (others are set aside and reported), so
    # options that name none of the columns leave the first of them without a column.
    assert file_error(path, options=["A", "B", "C"]) == (
        f"The ballot file {path} has no column for option 'A'."
    )


def test_wide_with_many_options():
    n = 70
    header = ",".join(f"Option {k}" for k in range(n))
    full = ",".join(str(n - k) for k in range(n))
    tie = ",".join(["1", "1"] + [""] * (n - 2))
    gap = ",".join(["1", "3"] + [""] * (n - 2))
    top = ",".join([""] * (n - 1) + ["1"])
    imp = read_ballots_csv(io.StringIO("\n".join([header, full, tie, gap, top]) + "\n"))
    ids = imp.matrix.option_ids
    assert ids[:3] == ("A", "B", "C") and ids[25:28] == ("Z", "AA", "AB")
    assert imp.matrix.ranks.dtype == np.int8
    assert imp.rankings == [tuple(reversed(ids)), (ids[-1],)]
    assert [(r.row, r.reason) for r in imp.rejected] == [
        (3, "ties options A and B at rank 1"),
        (4, "skips rank 2"),
    ]


def test_wide_column_without_header():
    assert read_ballots_csv(io.StringIO("A,B,\n1,2,\n")).rankings == [("A", "B")]
    assert file_error(io.StringIO("A,B,\n1,2,3\n")) == (
        "The ballot file (given as a stream) has a column with no header (column 3)."
    )


# -- Forms layout (Microsoft Forms' own export of a ranking question) --------------------------
FORMS_OPTIONS = ["Shared back office", "One senior team", "Joint commissioning", "Stay separate"]
FORMS_HEADER = "ID,Start time,Completion time,Email,Name"


def test_forms_ranking_export():
    imp = read_ballots_csv(DATA / "forms_ranking.csv", options=FORMS_OPTIONS)
    assert imp.layout == "forms"
    assert [(o.id, o.label) for o in imp.options] == [
        ("A", "Shared back office"),
        ("B", "One senior team"),
        ("C", "Joint commissioning"),
        ("D", "Stay separate"),
    ]
    assert imp.rankings == [
        ("A", "D", "B", "C"),
        ("B", "C", "A", "D"),
        ("C", "B"),
        ("D", "A", "B", "C"),
    ]
    assert imp.groups == ["Managers", "Citizens", "Citizens", "Managers"]
    assert imp.rows == (2, 3, 6, 7)
    assert rejected(imp) == [
        (
            4,
            "names an unknown option 'Merge the councils'",
            "Stay separate;Merge the councils;Shared back office;",
        )
    ]
    assert imp.abstentions == (5,)
    # The same ballots renamed to the long layout read the same, row for row.
    text = (DATA / "forms_ranking.csv").read_text(encoding="utf-8")
    renamed = text.replace("Rank these options for joint working", "Ranking", 1)
    long = read_ballots_csv(io.StringIO(renamed), options=FORMS_OPTIONS)
    assert long.layout == "long"
    assert_same_matrix(long.matrix, imp.matrix)
    assert (long.rows, long.rejected, long.abstentions) == (imp.rows, imp.rejected, imp.abstentions)


def test_forms_needs_options():
    path = DATA / "forms_ranking.csv"
    assert file_error(path).startswith(f"The ballot file {path} needs the list of options")


def forms_text(cells: list[str]) -> str:
    rows = [
        f"{k},5/1/24 10:0{k}:00,5/1/24 10:1{k}:00,anonymous,,{cell}\n"
        for k, cell in enumerate(cells, start=1)
    ]
    return f"{FORMS_HEADER},Rank these options\n" + "".join(rows)


def test_forms_column_needs_mostly_semicolon_lists():
    # 4 of the 5 non-blank cells (80%) are lists: the column qualifies; "D" is one option.
    text = forms_text(["A;B;C;", "B;A;", "", "C;", "A;C;B;", "D"])
    imp = read_ballots_csv(io.StringIO(text), options="A,B,C,D")
    assert imp.layout == "forms"
    assert imp.rankings == [("A", "B", "C"), ("B", "A"), ("C",), ("A", "C", "B"), ("D",)]
    assert imp.rows == (2, 3, 5, 6, 7) and imp.abstentions == (4,)
    # 3 of 4 (75%) is not enough: the file has no recognisable layout.
    text = forms_text(["A;B;C;", "B;A;", "C;", "D"])
    assert file_error(io.StringIO(text), options="A,B,C,D") == (
        "The ballot file (given as a stream) has neither a 'ranking' column nor a column per "
        "option, so its layout is not recognised (its columns: 'ID' (bookkeeping), 'Start time' "
        "(bookkeeping), 'Completion time' (bookkeeping), 'Email' (bookkeeping), 'Name' "
        "(bookkeeping), 'Rank these options'); head the column of rankings 'ranking', or give "
        "one column per option holding its ranks."
    )


def test_forms_semicolon_separated_file():
    text = 'ID;Start time;Group;Rank these options\n1;5/1/24 10:02;Managers;"C;A;B;"\n'
    imp = read_ballots_csv(io.StringIO(text), options="A,B,C")
    assert (imp.layout, imp.rankings, imp.groups) == ("forms", [("C", "A", "B")], ["Managers"])


def test_forms_two_candidate_columns_are_refused():
    text = f"{FORMS_HEADER},Rank these options,Any comments?\n1,,,,,A;B;,too slow; too vague\n"
    assert file_error(io.StringIO(text), options="A,B") == (
        "The ballot file (given as a stream) has two columns that could hold the rankings, "
        "'Rank these options' and 'Any comments?'; rename the ranking column to 'ranking'."
    )


def test_wide_columns_win_over_a_column_of_lists():
    imp = read_ballots_csv(io.StringIO("A,B,Notes\n1,2,\n2,1,x;y\n"))
    assert imp.layout == "wide"
    assert read_ballots_csv(io.StringIO("ranking,Notes\nA>B,x;y\n"), options="A,B").layout == "long"


# -- files that cannot be read -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("empty.csv", "is empty."),
        ("blank.csv", "is empty."),
        # Issue 9: Windows-1252 and UTF-16 text are read now (test_other_encodings_are_read).
        ("binary.csv", "is a binary file, not text."),
        ("nul.csv", "is a binary file, not text."),
        # Issue 9: workbooks are read; this one is not a workbook at all.
        (
            "workbook.xlsx",
            "could not be opened as an Excel workbook; save it again as .xlsx or CSV.",
        ),
        (
            "garbage.csv",
            "has neither a 'ranking' column nor a column per option, so its layout is not "
            "recognised (its columns: 'Dear all', 'thank you for coming to the meeting.'); head "
            "the column of rankings 'ranking', or give one column per option holding its ranks.",
        ),
        (
            "wide_one_column.csv",
            "has neither a 'ranking' column nor a column per option, so its layout is not "
            "recognised (its columns: 'group' (group), 'A'); head the column of rankings "
            "'ranking', or give one column per option holding its ranks.",
        ),
        ("ragged.csv", "is not valid CSV: line 3 has 3 fields where the header has 2."),
        (
            "unclosed_quote.csv",
            "is not valid CSV: a quoted cell that starts on line 3 is never closed.",
        ),
        ("wide_duplicate_columns.csv", "has two columns for option 'a'."),
        ("does_not_exist.csv", "does not exist."),
    ],
)
def test_unreadable_files(name, problem):
    path = DATA / name
    assert file_error(path, options=OPTIONS if "long" in name else None) == (
        f"The ballot file {path} {problem}"
    )


def test_other_encodings_are_read():
    # Issue 9: Windows-1252 was refused by tally but read by score; both halves now read it.
    imp = read_ballots_csv(DATA / "latin1.csv", options=OPTIONS)
    assert imp.rankings == [("A", "B")] and imp.groups == ["Café"]
    assert imp.report.encoding == "cp1252"
    assert any("Windows (cp1252)" in n for n in imp.report.notes)
    utf16 = read_ballots_csv(DATA / "utf16.csv", options=OPTIONS)
    assert utf16.rankings == [("A", "B")] and utf16.report.encoding == "utf-16"


def test_folder_is_not_a_file():
    assert file_error(DATA) == f"The ballot file {DATA} is a folder, not a file."


def test_duplicate_meta_columns():
    assert file_error(io.StringIO("group,Group,ranking\nx,y,A\n"), options=OPTIONS) == (
        "The ballot file (given as a stream) has two 'group' columns."
    )


# -- options -----------------------------------------------------------------------------------
def test_options_files():
    assert read_options_file(DATA / "options_idlabel.csv") == OPTIONS
    assert read_options_file(DATA / "options_session.json") == OPTIONS
    assert [(o.id, o.label) for o in read_options_file(DATA / "options_lines.txt")] == [
        ("A", "Share a chief executive"),
        ("B", "Pool budgets"),
    ]
    as_list = io.StringIO(json.dumps([o.to_dict() for o in OPTIONS]))
    assert read_options_file(as_list) == OPTIONS
    assert [o.id for o in read_options_file(io.StringIO("A\nB\nC\n"))] == ["A", "B", "C"]


def test_options_errors():
    path = DATA / "options_duplicate.txt"
    with pytest.raises(BallotFileError, match=r"^The options file .* names option 'A' twice\.$"):
        read_options_file(path)
    with pytest.raises(BallotFileError) as info:
        read_ballots_csv(DATA / "long_good.csv", options_file=path)
    assert str(info.value) == f"The options file {path} names option 'A' twice."
    with pytest.raises(BallotFileError) as info:
        read_ballots_csv(DATA / "long_good.csv", options=["A", "B", "A"])
    assert str(info.value) == "The options list names option 'A' twice."
    with pytest.raises(BallotFileError) as info:
        read_options_file(DATA / "missing_options.txt")
    assert str(info.value) == f"The options file {DATA / 'missing_options.txt'} does not exist."
    with pytest.raises(BallotFileError, match=r"is not valid JSON \(line 1\)\.$"):
        read_options_file(io.StringIO('[{"id": "A",'))
    with pytest.raises(ValueError, match="not both"):
        read_ballots_csv(DATA / "long_good.csv", options=OPTIONS, options_file=path)


# -- writing -----------------------------------------------------------------------------------
def test_write_ballots_csv(tmp_path):
    target = tmp_path / "out.csv"
    written = write_ballots_csv(
        target, ["A", "B", "C"], [("C", "A"), (), ("B",)], ["x, y", None, "z"]
    )
    assert written == target
    assert target.read_text(encoding="utf-8") == 'ranking,group\nC>A,"x, y"\n,\nB,z\n'
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left behind
    imp = read_ballots_csv(target, options=["A", "B", "C"])
    assert imp.rankings == [("C", "A"), ("B",)]
    assert imp.groups == ["x, y", "z"]
    assert imp.abstentions == (3,)


def test_write_a_blank_ballot_without_groups(tmp_path):
    target = write_ballots_csv(tmp_path / "b.csv", ["A", "B"], [("A",), (), ("B", "A")])
    imp = read_ballots_csv(target, options=["A", "B"])
    assert imp.rankings == [("A",), ("B", "A")]
    assert imp.abstentions == (3,)


def test_write_ballots_csv_refuses_bad_input_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.csv"
    write_ballots_csv(target, ["A", "B"], [("A",)])
    os.chmod(target, 0o640)
    with pytest.raises(BallotError, match="ranks option A twice"):
        write_ballots_csv(target, ["A", "B"], [("B",), ("A", "A")])
    with pytest.raises(ValueError, match="cannot be written"):
        write_ballots_csv(target, ["A>B", "C"], [("C",)])
    with pytest.raises(ValueError, match="one entry per ranking"):
        write_ballots_csv(target, ["A", "B"], [("A",)], groups=[])
    assert target.read_text(encoding="utf-8") == "ranking\nA\n"
    write_ballots_csv(target, ["A", "B"], [("B",)])
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# -- properties --------------------------------------------------------------------------------
META_NAMES = {
    "group",
    "stakeholder group",
    "participant",
    "participant code",
    "ranking",
    "timestamp",
    "id",
    "email",
    "name",
}
id_like = st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True).filter(
    lambda s: s.casefold() not in META_NAMES
)
option_ids = st.lists(id_like, min_size=1, max_size=7, unique_by=str.casefold)
group_text = (
    st.text(alphabet=st.sampled_from(list("abcXYZ é,\"'-")), min_size=1, max_size=8)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def ballot_sets(draw):
    ids = draw(option_ids)
    ballots = draw(st.lists(rankings(ids, min_length=1), min_size=0, max_size=30))
    groups = draw(
        st.one_of(
            st.none(),
            st.lists(
                st.one_of(st.none(), group_text), min_size=len(ballots), max_size=len(ballots)
            ),
        )
    )
    return ids, ballots, groups


def write_wide(path: Path, ids, ballots, groups) -> None:
    """A wide file as a spreadsheet exports it: groups carry the usual formula guard (a leading
    apostrophe before =, +, -, @ or another apostrophe), which readers drop."""
    from partnership_tools.vote.ballots_csv import guard_cell

    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow((["group"] if groups is not None else []) + list(ids))
        for i, ranking in enumerate(ballots):
            cells = ["" if oid not in ranking else str(ranking.index(oid) + 1) for oid in ids]
            writer.writerow(([guard_cell(groups[i] or "")] if groups is not None else []) + cells)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ballot_sets())
def test_write_then_read_round_trip_and_long_equals_wide(case):
    ids, ballots, groups = case
    with tempfile.TemporaryDirectory() as tmp:
        long_path = write_ballots_csv(Path(tmp) / "long.csv", ids, ballots, groups)
        if not ballots:  # issue 9: a header with no ballots is refused, never read as 0 ballots
            assert "has a header but no ballots" in file_error(long_path, options=ids)
            return
        wide_path = Path(tmp) / "wide.csv"
        write_wide(wide_path, ids, ballots, groups)
        long = read_ballots_csv(long_path, options=ids)
        # A wide file needs two option columns to be recognised as one.
        wide = read_ballots_csv(wide_path) if len(ids) > 1 else long
    assert long.rankings == [tuple(r) for r in ballots]
    assert long.groups == (list(groups) if groups is not None else [None] * len(ballots))
    assert long.rows == tuple(range(2, len(ballots) + 2))
    assert long.rejected == () and long.abstentions == ()
    assert wide.matrix.option_ids == tuple(ids)
    assert_same_matrix(long.matrix, wide.matrix)
    assert_same_matrix(long.matrix, BallotMatrix.from_rankings(ids, ballots, groups))


CELLS = ["", "", " ", "1", "1", "2", "2", "3", "3", "4", "0", "x", "2.0", "-1", "9"]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda n: st.lists(st.lists(st.sampled_from(CELLS), min_size=n, max_size=n), max_size=25)
    )
)
def test_wide_vectorised_checks_agree_with_ranking_from_positions(rows):
    n = len(rows[0]) if rows else 2
    ids = [f"O{j}" for j in range(max(n, 2))]
    # The first row holds a number: a file of text only is not taken for a wide ballot file.
    rows = [["1"] + [""] * (len(ids) - 1)] + [r + [""] * (len(ids) - len(r)) for r in rows]
    text = ",".join(ids) + "\n" + "".join(",".join(r) + "\n" for r in rows)
    imp = read_ballots_csv(io.StringIO(text))
    reasons = {r.row: r.reason for r in imp.rejected}
    valid = dict(zip(imp.rows, imp.rankings, strict=True))
    for i, cells in enumerate(rows):
        row = i + 2
        try:
            expected = ranking_from_positions(dict(zip(ids, cells, strict=True)), ids)
        except BallotError as exc:
            assert reasons[row] == exc.reason
            continue
        if expected:
            assert valid[row] == expected
        else:
            assert row in imp.abstentions


TOKENS = ["A", "B", "C", "a", "c", "Z", "O1", "o2", "O3", "Pool budgets", " ", "", "A=B", "O1=O3"]
SEPARATORS = [">", ">", ">", ",", " > ", ";", ""]
LONG_IDS = (Option("O1", "Pool budgets"), Option("O2", "Joint team"), Option("o3", "Do nothing"))


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from([OPTIONS, LONG_IDS]),
    st.lists(
        st.lists(st.tuples(st.sampled_from(TOKENS), st.sampled_from(SEPARATORS)), max_size=5),
        max_size=25,
    ),
)
def test_long_fast_paths_agree_with_parse_ranking(options, rows):
    texts = ["".join(tok + sep for tok, sep in row).strip() for row in rows]
    body = "".join(f'"{t}"\n' for t in texts)
    if not texts:  # issue 9: a header with no ballots is refused
        assert "has a header but no ballots" in file_error(
            io.StringIO("ranking\n"), options=options
        )
        return
    outcomes = []
    for t in texts:
        try:
            outcomes.append(bool(parse_ranking(t, options)))
        except BallotError:
            outcomes.append(False)
    if not any(outcomes):  # issue 9: a file with no valid ballot is refused, and says why
        message = file_error(io.StringIO("ranking\n" + body), options=options)
        assert "none is a valid ballot" in message or "every one is blank" in message
        return
    imp = read_ballots_csv(io.StringIO("ranking\n" + body), options=options)
    reasons = {r.row: r.reason for r in imp.rejected}
    valid = dict(zip(imp.rows, imp.rankings, strict=True))
    for i, t in enumerate(texts):
        row = i + 2
        try:
            expected = parse_ranking(t, options)
        except BallotError as exc:
            assert reasons[row] == exc.reason
            continue
        if expected:
            assert valid[row] == expected
        else:
            assert row in imp.abstentions
