"""Tests for partnership_tools.vote.validation: the ballot checks shared by every way of voting."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from partnership_tools.vote.model import Option
from partnership_tools.vote.validation import (
    BallotError,
    parse_ranking,
    ranking_from_positions,
    resolve_option,
    validate_ranking,
)
from tests.strategies import option_id_lists, rankings

OPTIONS = (
    Option("A", "Share a chief executive"),
    Option("B", "Pool budgets"),
    Option("C", "Joint team"),
    Option("D", "Do nothing"),
)
IDS = tuple(o.id for o in OPTIONS)


def reason_of(func, *args) -> str:
    with pytest.raises(BallotError) as info:
        func(*args)
    assert str(info.value) == info.value.reason
    return info.value.reason


# -- resolve_option ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("A", "A"),
        (" c ", "C"),
        ("b", "B"),
        ("Pool budgets", "B"),
        ("  pool   BUDGETS ", "B"),
        ("joint team", "C"),
    ],
)
def test_resolve_option(token, expected):
    assert resolve_option(token, OPTIONS) == expected


def test_resolve_option_prefers_exact_id_then_id_then_label():
    options = [Option("x", "Y"), Option("Y", "first label"), Option("X", "z")]
    assert resolve_option("x", options) == "x"  # exact id beats case-insensitive id
    assert resolve_option("X", options) == "X"
    assert resolve_option("y", options) == "Y"  # id (any case) beats the label "Y" of option x
    assert resolve_option("Z", options) == "X"  # label, any case


def test_resolve_option_accepts_plain_strings():
    assert resolve_option("pool", ["Pool", "Joint"]) == "Pool"


def test_resolve_option_errors():
    assert reason_of(resolve_option, "Z", OPTIONS) == "names an unknown option 'Z'"
    assert reason_of(resolve_option, "", OPTIONS) == "names an unknown option ''"
    ambiguous = [Option("ab", "one"), Option("AB", "two")]
    assert (
        reason_of(resolve_option, "Ab", ambiguous)
        == "names 'Ab', which could be more than one option"
    )


def test_ballot_error_is_a_value_error():
    assert issubclass(BallotError, ValueError)
    assert BallotError("skips rank 2").reason == "skips rank 2"


# -- parse_ranking -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("C>A>B", ("C", "A", "B")),
        ("C > A > B", ("C", "A", "B")),
        ("C,A,B", ("C", "A", "B")),
        ("C, A ,B", ("C", "A", "B")),
        ("C;A;B;", ("C", "A", "B")),
        ("c>a", ("C", "A")),
        ("CAB", ("C", "A", "B")),
        ("cab", ("C", "A", "B")),
        ("C A B", ("C", "A", "B")),
        ("D", ("D",)),
        ("d", ("D",)),
        ("Joint team > Share a chief executive", ("C", "A")),
        ("joint TEAM,pool budgets", ("C", "B")),
        ("Do nothing", ("D",)),
        ("C>A>B>", ("C", "A", "B")),
        ("", ()),
        ("   ", ()),
        (None, ()),
    ],
)
def test_parse_ranking(text, expected):
    assert parse_ranking(text, OPTIONS) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("A>B>A", "ranks option A twice"),
        ("A>b>a", "ranks option A twice"),
        ("ABA", "ranks option A twice"),
        ("Joint team>C", "ranks option C twice"),
        ("A>Z>B", "names an unknown option 'Z'"),
        ("CAZ", "names an unknown option 'Z'"),
        ("Z", "names an unknown option 'Z'"),
        ("Shared budget", "names an unknown option 'Shared budget'"),
        ("A=B", "ties options A and B at rank 1"),
        ("C>A=B", "ties options A and B at rank 2"),
        ("C>A=B=D", "ties options A, B and D at rank 2"),
        ("Joint team = Do nothing", "ties options C and D at rank 1"),
        ("A=A", "ranks option A twice"),
        ("A>Z=B", "names an unknown option 'Z'"),
    ],
)
def test_parse_ranking_rejects(text, reason):
    assert reason_of(parse_ranking, text, OPTIONS) == reason


def test_compact_form_only_with_single_character_ids():
    options = [Option("A1", "one"), Option("B2", "two")]
    assert parse_ranking("B2>A1", options) == ("B2", "A1")
    assert reason_of(parse_ranking, "A1B2", options) == "names an unknown option 'A1B2'"


@given(
    option_id_lists(min_size=1, max_size=8).flatmap(
        lambda ids: st.tuples(st.just(ids), rankings(ids))
    )
)
def test_parse_ranking_reads_what_is_written(case):
    ids, ranking = case
    assert parse_ranking(">".join(ranking), ids) == ranking
    assert parse_ranking(" , ".join(ranking), ids) == ranking
    if all(len(i) == 1 for i in ids) and len({i.casefold() for i in ids}) == len(ids):
        assert parse_ranking("".join(ranking), ids) == ranking


# -- validate_ranking --------------------------------------------------------------------------
def test_validate_ranking():
    assert validate_ranking(["C", "A"], IDS) == ("C", "A")
    assert validate_ranking((), IDS) == ()
    assert reason_of(validate_ranking, ["A", "B", "A"], IDS) == "ranks option A twice"
    assert reason_of(validate_ranking, ["A", "Z"], IDS) == "names an unknown option 'Z'"
    assert (
        reason_of(validate_ranking, ["a"], IDS) == "names an unknown option 'a'"
    )  # exact ids only


# -- ranking_from_positions --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        ({"A": 2, "B": 3, "C": 1, "D": 4}, ("C", "A", "B", "D")),
        ({"A": "2", "B": "", "C": " 1 ", "D": None}, ("C", "A")),
        ({"B": 1}, ("B",)),
        ({"A": "2.0", "B": "1st"}, ("B", "A")),
        ({"A": 2.0, "B": 1}, ("B", "A")),
        ({"A": float("nan"), "B": 1}, ("B",)),
        ({}, ()),
        ({"A": None, "B": "", "C": "  "}, ()),
    ],
)
def test_ranking_from_positions(positions, expected):
    assert ranking_from_positions(positions, IDS) == expected


@pytest.mark.parametrize(
    ("positions", "reason"),
    [
        ({"A": 1, "C": 3}, "skips rank 2"),
        ({"B": 2}, "skips rank 1"),
        ({"A": 1, "B": 2, "C": 4}, "skips rank 3"),
        ({"A": 1, "C": 1}, "ties options A and C at rank 1"),
        ({"A": 1, "B": 2, "C": 2, "D": 2}, "ties options B, C and D at rank 2"),
        ({"A": 1, "C": 1, "D": 3}, "ties options A and C at rank 1"),  # the tie is reported first
        ({"A": 1, "B": "x"}, "gives option B the rank 'x', which is not a whole number"),
        ({"A": "2.5"}, "gives option A the rank '2.5', which is not a whole number"),
        ({"A": 2.5}, "gives option A the rank '2.5', which is not a whole number"),
        ({"A": True}, "gives option A the rank 'True', which is not a whole number"),
        ({"A": 1, "D": 5}, "gives option D rank 5, but ranks go from 1 to 4"),
        ({"A": 0}, "gives option A rank 0, but ranks go from 1 to 4"),
        ({"A": "-1"}, "gives option A rank -1, but ranks go from 1 to 4"),
        ({"A": 1, "Z": 2}, "names an unknown option 'Z'"),
    ],
)
def test_ranking_from_positions_rejects(positions, reason):
    assert reason_of(ranking_from_positions, positions, IDS) == reason


@given(
    option_id_lists(min_size=1, max_size=8).flatmap(
        lambda ids: st.tuples(st.just(ids), rankings(ids))
    )
)
def test_positions_round_trip(case):
    ids, ranking = case
    positions = {oid: ranking.index(oid) + 1 if oid in ranking else None for oid in ids}
    assert ranking_from_positions(positions, ids) == ranking
    as_text = {oid: "" if p is None else str(p) for oid, p in positions.items()}
    assert ranking_from_positions(as_text, ids) == ranking
