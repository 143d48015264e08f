"""Ballot tables laid out the way survey tools export them (issue 9): each layout as a kind.

The three shared field cases are read with the plain call a user makes and their Modified Borda
Count points recomputed here by a tiny counter of our own; every other file is written by the
test from ballots given as lists of labels, so the expected ballots, groups and points are known
before the reader runs.

MBC: with n options and a voter who ranks m of them, rank 1 gets m points, rank 2 m - 1, ...,
an unranked option 0; consensus = points / (ballots * n).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from partnership_tools.kernel.headers import ColumnHeader
from partnership_tools.vote.ballots_csv import (
    BallotFileError,
    BallotImport,
    read_ballots_csv,
    read_options_file,
)
from partnership_tools.vote.layouts import place_of

CASES = Path(__file__).resolve().parents[1] / "data" / "import_cases"


# -- a tiny independent counter ----------------------------------------------------------------
def mbc(ballots: Sequence[Sequence[str]], labels: Sequence[str]) -> dict[str, int]:
    points = dict.fromkeys(labels, 0)
    for ballot in ballots:
        m = len(ballot)
        for place, label in enumerate(ballot):
            points[label] += m - place
    return points


def consensus(ballots: Sequence[Sequence[str]], labels: Sequence[str]) -> dict[str, float]:
    pts = mbc(ballots, labels)
    return {k: round(v / (len(ballots) * len(labels)), 6) for k, v in pts.items()}


def as_labels(imp: BallotImport) -> list[tuple[str, ...]]:
    label = {o.id: o.label for o in imp.options}
    return [tuple(label[i] for i in r) for r in imp.rankings]


def by_group(imp: BallotImport) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for ballot, group in zip(as_labels(imp), imp.groups, strict=True):
        out.setdefault(str(group), []).append(ballot)
    return out


def uses(imp: BallotImport) -> list[tuple[int, str, str]]:
    assert imp.report is not None
    return [(c.index, c.use, c.detail) for c in imp.report.columns]


def write_csv(path: Path, rows: Sequence[Sequence[object]], sep: str = ",") -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=sep, lineterminator="\n").writerows(rows)
    return path


# -- the three shared table cases --------------------------------------------------------------
J, L, P, S = "Joint committee", "Lead council model", "Pooled budget", "Stay as we are"


def test_case_01_google_grid_with_form_questions():
    imp = read_ballots_csv(CASES / "01-google-grid-with-form-questions" / "responses.csv")
    labels = [J, L, P, S]
    assert sorted(o.label for o in imp.options) == labels
    assert imp.n_ballots == 7 and imp.rejected == () and imp.abstentions == (9,)
    # figures of expected.txt, recomputed from the ballots read
    assert mbc(as_labels(imp), labels) == {J: 16, P: 15, S: 9, L: 8}
    assert consensus(as_labels(imp), labels)[J] == 0.571429
    groups = by_group(imp)
    assert list(groups) == ["Council", "Health", "Residents", "Police"]
    assert mbc(groups["Council"], labels) == {J: 6, L: 6, P: 3, S: 1}
    assert mbc(groups["Health"], labels) == {J: 5, L: 1, P: 5, S: 2}
    assert mbc(groups["Residents"], labels) == {J: 3, L: 1, P: 6, S: 6}
    assert mbc(groups["Police"], labels) == {J: 2, L: 0, P: 1, S: 0}
    r = imp.report
    assert r is not None and (r.kind, r.format, r.layout) == ("ballots", "csv", "google grid")
    assert (r.encoding, r.separator, r.header_rows, r.blank_rows) == ("utf-8", ",", (1,), (9,))
    assert [u[:2] for u in uses(imp)] == [
        (0, "bookkeeping"),
        (1, "bookkeeping"),
        (2, "group"),
        (3, "option"),
        (4, "option"),
        (5, "option"),
        (6, "option"),
        (7, "comment"),
    ]
    assert any("column 3" in n and "wording names the group" in n for n in r.notes)


@pytest.mark.parametrize("options_file", ["options.txt", "options-id-label.csv"])
def test_case_04_microsoft_forms_labels_with_commas(options_file):
    folder = CASES / "04-msforms-labels-with-commas"
    B = "Pool budgets, staff and estates"
    imp = read_ballots_csv(folder / "responses.csv", options_file=folder / options_file)
    labels = [B, J, L, S]
    assert sorted(o.label for o in imp.options) == sorted(labels)
    assert imp.n_ballots == 5 and imp.rejected == () and imp.abstentions == ()
    assert as_labels(imp)[0] == (B, J, L, S)
    assert mbc(as_labels(imp), labels) == {J: 16, B: 15, L: 10, S: 9}
    assert consensus(as_labels(imp), labels)[B] == 0.75
    assert imp.report is not None and imp.report.layout == "microsoft forms list"
    assert [u[1] for u in uses(imp)] == ["bookkeeping"] * 5 + ["ranking"]


def test_case_04_options_files_read_as_four_options():
    folder = CASES / "04-msforms-labels-with-commas"
    lines = read_options_file(folder / "options.txt")
    pairs = read_options_file(folder / "options-id-label.csv")
    assert [o.label for o in lines] == [
        "Pool budgets, staff and estates",
        J,
        L,
        S,
    ]
    assert [(o.id, o.label) for o in pairs] == [
        ("B", "Pool budgets, staff and estates"),
        ("J", J),
        ("L", L),
        ("S", S),
    ]


def test_case_06_surveymonkey_ranking():
    imp = read_ballots_csv(CASES / "06-surveymonkey-ranking" / "responses.csv")
    labels = [J, L, P, S]
    assert [o.label for o in imp.options] == labels
    assert imp.n_ballots == 5 and imp.rejected == () and imp.abstentions == ()
    assert imp.rows == (3, 4, 5, 6, 7)  # true file rows after the two header rows
    assert as_labels(imp)[1] == (P, J)  # N/A = unranked
    assert mbc(as_labels(imp), labels) == {J: 13, P: 11, L: 9, S: 6}
    groups = by_group(imp)
    assert mbc(groups["Council"], labels) == {J: 6, L: 6, P: 3, S: 1}
    assert mbc(groups["Health"], labels) == {J: 1, L: 0, P: 2, S: 0}
    assert mbc(groups["Residents"], labels) == {J: 2, L: 1, P: 3, S: 4}
    assert mbc(groups["Police"], labels) == {J: 4, L: 2, P: 3, S: 1}
    r = imp.report
    assert r is not None and r.layout == "surveymonkey ranking" and r.header_rows == (1, 2)
    assert [u[1] for u in uses(imp)] == ["bookkeeping"] * 9 + ["group"] + ["option"] * 4


# -- more files of each kind -------------------------------------------------------------------
OPTS = ["Joint committee", "Lead council model", "Pooled budget, shared staff", "Stay as we are"]
BALLOTS = [  # (group, ballot as labels)
    ("Council", [OPTS[0], OPTS[2], OPTS[1]]),
    ("Health", [OPTS[2], OPTS[0]]),
    ("Council", [OPTS[3], OPTS[0], OPTS[1], OPTS[2]]),
    ("Police", [OPTS[0]]),
    ("Health", [OPTS[1], OPTS[3]]),
]


def expect_ballots(imp: BallotImport, ballots=BALLOTS) -> None:
    assert as_labels(imp) == [tuple(b) for _, b in ballots]
    assert imp.groups == [g for g, _ in ballots]
    assert mbc(as_labels(imp), OPTS) == mbc([b for _, b in ballots], OPTS)


def rank_cells(ballot: Sequence[str], words: Sequence[str]) -> list[str]:
    return [words[ballot.index(o)] if o in ballot else "" for o in OPTS]


def test_qualtrics_rank_order_with_three_header_rows(tmp_path):
    codes = (
        [
            "StartDate",
            "EndDate",
            "Status",
            "Progress",
            "Duration (in seconds)",
            "Finished",
            "ResponseId",
            "Q1",
        ]
        + [f"Q3_{k}" for k in range(1, 5)]
        + ["Q4_TEXT"]
    )
    texts = [
        "Start Date",
        "End Date",
        "Response Type",
        "Progress",
        "Duration (in seconds)",
        "Finished",
        "Response ID",
        "Which sector are you from?",
    ]
    texts += [f"Rank the options - {o}" for o in OPTS] + ["Anything else?"]
    imports = [f'{{"ImportId":"{c}"}}' for c in codes]
    rows: list[list[str]] = [codes, texts, imports]
    for k, (group, ballot) in enumerate(BALLOTS):
        rows.append(
            ["2024-05-01", "2024-05-01", "IP Address", "100", "120", "1", f"R_{k}", group]
            + rank_cells(ballot, ["1", "2", "3", "4"])
            + [f"note {k}"]
        )
    imp = read_ballots_csv(write_csv(tmp_path / "qualtrics.csv", rows))
    expect_ballots(imp)
    assert [o.label for o in imp.options] == OPTS
    assert imp.rows == (4, 5, 6, 7, 8)
    r = imp.report
    assert r is not None and r.layout == "qualtrics rank order" and r.header_rows == (1, 2, 3)
    assert [u[1] for u in uses(imp)] == ["bookkeeping"] * 7 + ["group"] + ["option"] * 4 + [
        "comment"
    ]


def test_wide_ordinals_in_every_spelling(tmp_path):
    words = [
        ["1st", "2nd", "3rd", "4th"],
        ["First", "Second", "Third", "Fourth"],
        ["1st choice", "2nd choice", "3rd choice", "4th choice"],
        ["Rank 1", "Rank 2", "Rank 3", "Rank 4"],
    ]
    rows = [
        ["Timestamp", "Email address", "Stakeholder group?"] + [f"Rank these [{o}]" for o in OPTS]
    ]
    for k, (group, ballot) in enumerate(BALLOTS):
        rows.append(["2024", "a@b", group] + rank_cells(ballot, words[k % 4]))
    imp = read_ballots_csv(write_csv(tmp_path / "grid.csv", rows))
    expect_ballots(imp)
    assert imp.report is not None and imp.report.layout == "google grid"


def test_limesurvey_ranking_places(tmp_path):
    rows = [
        ["id", "submitdate", "lastpage", "startlanguage", "Your organisation"]
        + [f"Rank the options [Ranking {k}]" for k in range(1, 5)]
    ]
    for k, (group, ballot) in enumerate(BALLOTS):
        rows.append([str(k), "2024-05-01", "2", "en", group] + ballot + [""] * (4 - len(ballot)))
    rows.append(["9", "2024-05-01", "2", "en", "Health", OPTS[0], OPTS[0], "", ""])
    rows.append(["10", "2024-05-01", "2", "en", "Health", "", "", "", ""])
    imp = read_ballots_csv(write_csv(tmp_path / "lime.csv", rows), options=OPTS)
    expect_ballots(imp)
    assert imp.layout == "places"
    assert [(r.row, r.reason) for r in imp.rejected] == [(7, "ranks option A twice")]
    assert imp.abstentions == (8,)
    r = imp.report
    assert r is not None and r.layout == "one column per place"
    assert [u for u in uses(imp) if u[1] == "place"] == [
        (5, "place", "1st place"),
        (6, "place", "2nd place"),
        (7, "place", "3rd place"),
        (8, "place", "4th place"),
    ]


def test_separate_first_second_choice_questions_find_the_options(tmp_path):
    rows = [
        [
            "Timestamp",
            "Which part of the partnership do you speak for?",
            "Your 1st choice",
            "Your 2nd choice",
            "Your 3rd choice",
            "Your 4th choice",
        ]
    ]
    for group, ballot in BALLOTS:
        rows.append(["2024", group] + ballot + [""] * (4 - len(ballot)))
    rows.append(["2024", "Police", OPTS[1], "", OPTS[2], ""])  # a gap
    imp = read_ballots_csv(write_csv(tmp_path / "choices.csv", rows))
    # no options given: the distinct labels found, in order of first appearance
    assert [o.label for o in imp.options] == [OPTS[0], OPTS[2], OPTS[1], OPTS[3]]
    expect_ballots(imp)
    assert [(r.row, r.reason) for r in imp.rejected] == [(7, "skips rank 2")]


def test_google_grid_with_ranks_as_rows(tmp_path):
    rows = [
        [
            "Timestamp",
            "Your role",
            "Rank [1st choice]",
            "Rank [2nd choice]",
            "Rank [3rd choice]",
            "Rank [4th choice]",
        ]
    ]
    for group, ballot in BALLOTS:
        rows.append(["2024", group] + ballot + [""] * (4 - len(ballot)))
    imp = read_ballots_csv(write_csv(tmp_path / "grid-rows.csv", rows), options=OPTS)
    expect_ballots(imp)
    assert imp.layout == "places"


def test_european_semicolon_file_with_a_comma_in_a_label(tmp_path):
    rows = [["Horodateur", "Secteur"] + [f"Classement [{o}]" for o in OPTS]]
    for group, ballot in BALLOTS:
        rows.append(["01/05/2024", group] + rank_cells(ballot, ["1", "2", "3", "4"]))
    imp = read_ballots_csv(write_csv(tmp_path / "euro.csv", rows, sep=";"))
    assert imp.report is not None and imp.report.separator == ";"
    assert [o.label for o in imp.options] == OPTS
    expect_ballots(imp)


def test_microsoft_forms_xlsx_written_with_openpyxl(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Form1"
    ws.append(
        [
            "ID",
            "Start time",
            "Completion time",
            "Email",
            "Name",
            "Your group",
            "Rank these options for joint working",
        ]
    )
    for k, (group, ballot) in enumerate(BALLOTS, start=1):
        ws.append(
            [
                k,
                "5/6/24 10:01:00",
                "5/6/24 10:04:00",
                "anonymous",
                None,
                group,
                "".join(f"{o};" for o in ballot),
            ]
        )
    wb.create_sheet("Other").append(["nothing", "here"])
    path = tmp_path / "forms.xlsx"
    wb.save(path)
    imp = read_ballots_csv(path, options=OPTS, sheet="Form1")
    expect_ballots(imp)
    r = imp.report
    assert r is not None and (r.format, r.layout, r.encoding, r.separator) == (
        "xlsx",
        "microsoft forms list",
        None,
        None,
    )
    assert imp.rows == (2, 3, 4, 5, 6)


def test_wide_xlsx_with_two_surveymonkey_header_rows(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Respondent ID", "Collector ID", "Which sector?", "Please rank", None, None, None])
    ws.append([None, None, "Response"] + OPTS)
    for k, (group, ballot) in enumerate(BALLOTS):
        ranks = [ballot.index(o) + 1 if o in ballot else "N/A" for o in OPTS]
        ws.append([1000 + k, 77, group] + ranks)
    path = tmp_path / "sm.xlsx"
    wb.save(path)
    imp = read_ballots_csv(path)
    expect_ballots(imp)
    assert imp.report is not None and imp.report.header_rows == (1, 2)
    assert imp.rows == (3, 4, 5, 6, 7)


# -- the form's other columns ------------------------------------------------------------------
def grid_rows(extra_headers: list[str], extra: list[list[str]]) -> list[list[str]]:
    rows = [extra_headers + [f"Rank [{o}]" for o in OPTS]]
    for cells, (_, ballot) in zip(extra, BALLOTS, strict=True):
        rows.append(cells + rank_cells(ballot, ["1", "2", "3", "4"]))
    return rows


def test_group_found_by_its_values_and_consent_set_aside(tmp_path):
    groups = [g for g, _ in BALLOTS]
    extra = [[g, "Yes", f"free text number {k}"] for k, g in enumerate(groups)]
    imp = read_ballots_csv(
        write_csv(tmp_path / "v.csv", grid_rows(["Area", "Consent", "Say"], extra))
    )
    assert imp.groups == groups
    assert uses(imp)[:3] == [
        (0, "group", ""),
        (1, "set aside", "consent or yes/no question"),
        (2, "comment", ""),
    ]
    assert imp.report is not None and any(
        "values look like group names" in n for n in imp.report.notes
    )


def test_two_equal_group_candidates_stop_and_group_column_settles_it(tmp_path):
    extra = [
        [g, r]
        for (g, _), r in zip(BALLOTS, ["Chair", "Member", "Chair", "Member", "Chair"], strict=True)
    ]
    path = write_csv(tmp_path / "two.csv", grid_rows(["Your sector", "Your role"], extra))
    with pytest.raises(BallotFileError) as info:
        read_ballots_csv(path)
    message = str(info.value)
    assert "'Your sector' and 'Your role'" in message and "--group-column" in message
    by_name = read_ballots_csv(path, group_column="your sector")
    by_number = read_ballots_csv(path, group_column=1)
    assert by_name.groups == by_number.groups == [g for g, _ in BALLOTS]
    with pytest.raises(
        BallotFileError, match=r"no column 'Region' for --group-column; its columns"
    ):
        read_ballots_csv(path, group_column="Region")


def test_options_narrow_the_option_columns(tmp_path):
    path = write_csv(tmp_path / "w.csv", grid_rows([], [[] for _ in BALLOTS]))
    imp = read_ballots_csv(path, options=OPTS[:3])
    assert [o.label for o in imp.options] == OPTS[:3]
    assert (3, "set aside", "not one of the options given") in uses(imp)
    # ids A, B, C (labels are not id-like); the third ballot ranked 'Stay as we are' first, so
    # its 'Pooled budget, shared staff' (C) is 4th of 3; the fifth keeps only its 1st choice.
    assert [(r.row, r.reason) for r in imp.rejected] == [
        (4, "gives option C rank 4, but ranks go from 1 to 3")
    ]
    assert as_labels(imp) == [
        (OPTS[0], OPTS[2], OPTS[1]),
        (OPTS[2], OPTS[0]),
        (OPTS[0],),
        (OPTS[1],),
    ]


def test_header_only_and_unrecognised_files_are_refused(tmp_path):
    path = write_csv(tmp_path / "h.csv", [["Timestamp", "Rank [A]", "Rank [B]"]])
    with pytest.raises(BallotFileError, match=r"has a header but no ballots \(exported before"):
        read_ballots_csv(path)
    text = "Timestamp,Which sector?,Any comments?\n1,Health,too slow\n2,Police,fine\n"
    with pytest.raises(BallotFileError) as info:
        read_ballots_csv(io.StringIO(text))
    assert "'Timestamp' (bookkeeping), 'Which sector?', 'Any comments?'" in str(info.value)


def test_ties_gaps_and_out_of_range_ordinals_are_rejected(tmp_path):
    rows = [
        ["Rank [A]", "Rank [B]", "Rank [C]"],
        ["1st", "1st", ""],
        ["First", "", "Third"],
        ["1st", "5th", ""],
        ["Rank 2", "Rank 1", ""],
        ["", "", ""],
    ]
    imp = read_ballots_csv(write_csv(tmp_path / "bad.csv", rows))
    assert [(r.row, r.reason) for r in imp.rejected] == [
        (2, "ties options A and B at rank 1"),
        (3, "skips rank 2"),
        (4, "gives option B rank 5, but ranks go from 1 to 3"),
    ]
    assert imp.rankings == [("B", "A")] and imp.abstentions == (6,)
    assert imp.report is not None and imp.report.blank_rows == (6,)
    assert [r.row for r in imp.report.rejected] == [2, 3, 4]


def test_place_of_headers():
    h = ColumnHeader
    assert [
        place_of(x)
        for x in (
            h(0, "1st choice", "1st choice"),
            h(1, "Rank 3", "Rank 3"),
            h(2, "Q [Ranking 2]", "Q", "Ranking 2"),
            h(3, "Pooled budget", "Pooled budget"),
        )
    ] == [1, 3, 2, None]


def test_plain_wide_keeps_an_unranked_option_but_not_an_empty_comments_box():
    text = "group,A,B,C,D,Comments\nx,1,2,,,\ny,2,1,,,\n"
    imp = read_ballots_csv(io.StringIO(text))
    assert imp.option_ids == ("A", "B", "C", "D")
    assert mbc(imp.rankings, ["A", "B", "C", "D"]) == {"A": 3, "B": 3, "C": 0, "D": 0}
    assert uses(imp)[-1] == (5, "set aside", "no answers")
