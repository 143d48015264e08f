"""split_header_rows on each header kind, and on the look-alikes that must stay plain."""

from __future__ import annotations

import pytest

from partnership_tools.kernel.headers import bookkeeping_kind, split_header_rows

LEGACY_CODES = ["V1", "V2", "V3", "V8", "V9", "Q1", "Q2_1", "Q2_2", "Q5"]
LEGACY_TEXTS = [
    "ResponseID",
    "ResponseSet",
    "Name",
    "StartDate",
    "EndDate",
    "Which sector?",
    "Rank the models-Shared hub",
    "Rank the models-Single lead",
    "Self-assessment done?",
]


def test_legacy_qualtrics_two_rows():
    h = split_header_rows([LEGACY_CODES, LEGACY_TEXTS, ["R_1", "Default", "Anonymous"]])
    assert (h.style, h.rows, h.title_rows) == ("qualtrics", 2, 0)
    assert [c.code for c in h.columns] == LEGACY_CODES
    assert h.texts() == LEGACY_TEXTS
    assert [(c.question, c.sub) for c in h.columns[6:]] == [
        ("Rank the models", "Shared hub"),
        ("Rank the models", "Single lead"),
        ("Self-assessment done?", None),  # a one-column question keeps its hyphen
    ]


def test_v_codes_without_the_legacy_texts_stay_plain():
    h = split_header_rows([["V1", "V2", "V3"], ["1", "2", "3"]])
    assert (h.style, h.rows) == ("plain", 1)


@pytest.mark.parametrize(
    "text, kind",
    [
        ("ResponseSet", "collector id"),
        ("EmailAddress", "email"),
        ("ExternalDataReference", "respondent id"),
        ("LocationAccuracy", "location"),
        ("ResponseID", "respondent id"),
    ],
)
def test_legacy_qualtrics_bookkeeping_texts(text, kind):
    assert bookkeeping_kind(text) == kind


def test_title_written_once_above_a_csv_header():
    rows = [["Board vote, March", "", ""], ["Group", "Joint", "Lead"], ["Health", "1", "2"]]
    h = split_header_rows(rows)
    assert (h.style, h.rows, h.title_rows) == ("spreadsheet", 2, 1)
    assert h.texts() == ["Group", "Joint", "Lead"]


def test_title_filled_across_a_merge_and_a_second_title():
    rows = [
        ["Board vote"] * 3,
        ["Typed up 3 March"],
        ["Group", "Joint", "Lead"],
        ["Health", "1", "2"],
    ]
    h = split_header_rows(rows)
    assert (h.rows, h.title_rows) == (3, 2)
    assert h.texts() == ["Group", "Joint", "Lead"]


@pytest.mark.parametrize(
    "rows",
    [
        [["Ranking"], ["A>B>C"], ["B>A"]],  # one column: no title
        [["Rank", "Rank"], ["1", "2"]],  # numbers under a repeated text are data
        [["Joint"], []],  # nothing under the one text
    ],
)
def test_not_a_title(rows):
    h = split_header_rows(rows)
    assert (h.style, h.rows, h.title_rows) == ("plain", 1, 0)


def test_merged_question_filled_across_its_span():
    rows = [
        ["Ballot", "Group", "Rank each option", "Rank each option"],
        ["Ballot", "Group", "Joint", "Lead"],
        ["1", "Health", "1", "2"],
    ]
    h = split_header_rows(rows)
    assert (h.style, h.rows) == ("spreadsheet", 2)
    assert [(c.text, c.question, c.sub) for c in h.columns] == [
        ("Ballot", "Ballot", None),
        ("Group", "Group", None),
        ("Rank each option [Joint]", "Rank each option", "Joint"),
        ("Rank each option [Lead]", "Rank each option", "Lead"),
    ]


def test_merged_question_written_once_with_blanks_after_it():
    rows = [
        ["Group", "Rank each option", "", ""],
        ["", "Joint", "Lead", "Pooled"],
        ["Health", "1", "2", "3"],
    ]
    h = split_header_rows(rows)
    assert (h.style, h.rows) == ("spreadsheet", 2)
    assert h.texts() == [
        "Group",
        "Rank each option [Joint]",
        "Rank each option [Lead]",
        "Rank each option [Pooled]",
    ]


@pytest.mark.parametrize(
    "second",
    [
        ["Health", "Joint", "Lead"],  # a group value under "Group": the row is data
        ["Group", "Joint", "Joint"],  # labels not distinct
        ["Group", "1", "2"],  # numbers, not labels
        ["Group", "Joint", ""],  # a blank under the merged question
    ],
)
def test_not_a_merged_question(second):
    h = split_header_rows([["Group", "Rank", "Rank"], second])
    assert (h.style, h.rows) == ("plain", 1)
    assert h.texts() == ["Group", "Rank", "Rank"]


def test_surveymonkey_still_wins_over_a_merged_reading():
    rows = [
        ["Respondent ID", "Group?", "Rank them", "", ""],
        ["", "Response", "Joint", "Lead", "Pooled"],
        ["1", "Health", "1", "2", "3"],
    ]
    h = split_header_rows(rows)
    assert (h.style, h.rows) == ("surveymonkey", 2)
    assert h.texts()[1:3] == ["Group?", "Rank them [Joint]"]


def test_header_cells_merged_down_two_rows():
    # every header cell merged over rows 1 and 2 (filled down by the reader): two header rows
    rows = [["Group", "Joint", "Lead"], ["Group", "Joint", "Lead"], ["Health", "1", "2"]]
    h = split_header_rows(rows)
    assert (h.style, h.rows) == ("spreadsheet", 2)
    assert h.texts() == ["Group", "Joint", "Lead"]
