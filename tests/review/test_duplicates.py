"""Likely duplicates between stored responses and a file about to be added."""

from __future__ import annotations

import pytest

from partnership_tools.review.duplicates import (
    SAME_ANSWERS,
    SAME_ID,
    Duplicate,
    likely_duplicates,
    made_up_id,
)
from partnership_tools.review.instrument import load_instrument
from partnership_tools.review.responses import Responses


@pytest.fixture(scope="module")
def ten():
    return load_instrument("ten_lessons")


def test_the_same_respondent_id_is_flagged(ten):
    stored = Responses.from_records(
        ten, [{"respondent_id": "web-a", "ud1": 4}, {"respondent_id": "web-b", "ud1": 5}]
    )
    paper = Responses.from_records(
        ten,
        [
            {"respondent_id": "P-1", "ud1": 4},
            {"respondent_id": " web-b ", "ud1": 1},
            {"respondent_id": "P-3", "ud1": 2},
        ],
    )
    assert likely_duplicates(stored, paper) == (Duplicate(1, "web-b", 1, "web-b", SAME_ID),)


def test_ids_the_kit_made_up_never_match(ten):
    # two files without an id column: both have row-2, row-3 ... and records r1, r2
    stored = Responses.from_records(ten, [{"respondent_id": "row-2", "ud1": 1}, {"ud1": 2}])
    paper = Responses.from_records(ten, [{"respondent_id": "row-2", "ud1": 3}, {"ud1": 4}])
    assert list(stored.frame["respondent_id"]) == ["row-2", "r2"]
    assert list(paper.frame["respondent_id"]) == ["row-2", "r2"]
    assert likely_duplicates(stored, paper) == ()
    assert not made_up_id("row-2a") and not made_up_id("R-12") and made_up_id("r12")


def test_same_answers_need_the_same_timestamp(ten):
    rec = {"ud1": 4, "ud2": 8, "po1": 9, "level": "Manager"}
    stored = Responses.from_records(ten, [{"respondent_id": "a", **rec}, {"respondent_id": "b"}])
    paper = Responses.from_records(
        ten,
        [
            {"respondent_id": "x", **rec},  # same answers, same time: flagged
            {"respondent_id": "y", **rec},  # same answers, another time
            {"respondent_id": "z", **rec, "ud3": 1},  # one more answer
            {"respondent_id": "w", **{**rec, "level": "Front-line worker"}},  # another field
            {"respondent_id": "v"},  # nothing answered, same time as b
        ],
    )
    t_stored = ["2025-03-01 09:00", "2025-03-01 09:05"]
    t_paper = [
        "2025-03-01  09:00",
        "2025-03-01 09:01",
        "2025-03-01 09:00",
        "2025-03-01 09:00",
        "2025-03-01 09:05",
    ]
    got = likely_duplicates(stored, paper, existing_times=t_stored, incoming_times=t_paper)
    assert got == (Duplicate(0, "x", 0, "a", SAME_ANSWERS),)
    # without timestamps identical answers alone are not called duplicates
    assert likely_duplicates(stored, paper) == ()
    assert (
        likely_duplicates(stored, paper, existing_times=[None, None], incoming_times=t_paper) == ()
    )


def test_the_id_rule_comes_first_and_each_row_is_reported_once(ten):
    stored = Responses.from_records(
        ten, [{"respondent_id": "a", "ud1": 2}, {"respondent_id": "b", "ud1": 3}]
    )
    paper = Responses.from_records(ten, [{"respondent_id": "b", "ud1": 2}])
    got = likely_duplicates(stored, paper, existing_times=["t", "u"], incoming_times=["t"])
    assert got == (Duplicate(0, "b", 1, "b", SAME_ID),)


def test_timestamps_must_be_one_per_response(ten):
    r = Responses.from_records(ten, [{"ud1": 1}])
    with pytest.raises(ValueError, match="incoming_times has 2 entries for 1 responses"):
        likely_duplicates(r, r, existing_times=["a"], incoming_times=["a", "b"])


def test_nothing_stored_means_no_duplicates(ten):
    paper = Responses.from_records(ten, [{"respondent_id": "P1", "ud1": 1}])
    assert likely_duplicates(Responses.from_records(ten, []), paper) == ()
