"""What changed since the previous round, as the ballot page and the projector say it."""

from __future__ import annotations

from partnership_tools.vote.changes import (
    OptionNote,
    changes_since_previous,
    gone_since_previous,
    previous_round_number,
)
from partnership_tools.vote.model import Option, Round, Session


def session() -> Session:
    return Session(
        id="s",
        question="q",
        options=(
            Option("A", "Stay separate"),
            Option("B", "Shared office"),
            Option("C", "Gamma"),
            Option("D", "Pooled budget"),
            Option("E", "Joint board"),
            Option("F", "Office and budget", merged_from=("B", "D")),
            Option("G", "Joint board, yearly review", amended_from="E"),
            Option("H", "Town hall"),
            Option("C2", "Gamma again", amended_from="C"),
            Option("M", "Everything", merged_from=("C2", "A")),
        ),
        rounds=(
            Round(1, ("A", "B", "C", "D", "E"), "closed"),
            Round(2, ("A", "C", "F", "G", "H"), "closed"),
            Round(3, ("M", "F"), "open"),
        ),
    )


def test_round_two_says_what_changed():
    notes = changes_since_previous(session(), 2)
    assert [n.text(labels=False) for n in notes] == [
        "F is new: merged from B and D.",
        "G amends E.",
        "H is new.",
    ]
    assert (
        notes[0].text()
        == "F “Office and budget” is new: merged from B “Shared office” and D “Pooled budget”."
    )
    assert notes[1] == OptionNote(
        "G", "Joint board, yearly review", "amended", (("E", "Joint board"),)
    )
    assert gone_since_previous(session(), 2) == (
        ("B", "Shared office"),
        ("D", "Pooled budget"),
        ("E", "Joint board"),
    )


def test_sources_are_what_the_room_voted_on():
    # M merges C2 (never voted on: it amends C) and A; on round 2's paper were C and A.
    (m,) = changes_since_previous(session(), 3)
    assert m.text(labels=False) == "M is new: merged from A and C."
    assert previous_round_number(session(), 3) == 2


def test_first_round_and_unknown_round_have_no_changes():
    assert changes_since_previous(session(), 1) == () and gone_since_previous(session(), 1) == ()
    assert (
        changes_since_previous(session(), 9) == () and previous_round_number(session(), 9) is None
    )


def test_label_equal_to_id_is_not_repeated():
    assert OptionNote("X", "X", "new").text() == "X is new."
